-- Withdrawn versions of records, by source: kept, never matched against,
-- so that sent data is never edited in place.

-- +goose Up
CREATE TABLE index_history (
    source    bigint      NOT NULL,
    version   integer     NOT NULL CHECK (version > 0),
    withdrawn timestamptz NOT NULL,
    id        bigint      NOT NULL,
    person    bigint      NOT NULL,
    features  bytea       NOT NULL,
    blocks    bigint[]    NOT NULL,
    PRIMARY KEY (source, version)
);

-- +goose Down
DROP TABLE index_history;
