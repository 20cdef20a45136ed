-- Each record's source (agb and patient number), sealed under the
-- re-identification key, for re-identification through the data holder.

-- +goose Up
CREATE TABLE index_reid_sources (
    id     bigint PRIMARY KEY,
    sealed bytea  NOT NULL
);

-- +goose Down
DROP TABLE index_reid_sources;
