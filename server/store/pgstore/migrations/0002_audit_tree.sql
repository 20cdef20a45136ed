-- The hashes of the audit log's Merkle tree (package audit numbers them:
-- golang.org/x/mod/sumdb/tlog's stored-hash order), so that a proof needs
-- a few rows, not the whole log. Append-only, like audit_log: a hash is
-- written once, in the transaction that appends its record.

-- +goose Up
CREATE TABLE audit_hashes (
    idx  bigint PRIMARY KEY CHECK (idx >= 0),
    hash bytea  NOT NULL CHECK (length(hash) = 32)
);

-- +goose Down
DROP TABLE audit_hashes;
