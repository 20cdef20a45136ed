-- Linkage requests (DESIGN §6): package requests encodes each one; the
-- store keeps its bytes and counts its revisions. IDs come from an identity
-- column, so two servers creating requests at once get distinct IDs.

-- +goose Up
CREATE TABLE linkage_requests (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data     bytea  NOT NULL,
    revision bigint NOT NULL CHECK (revision > 0)
);

-- +goose Down
DROP TABLE linkage_requests;
