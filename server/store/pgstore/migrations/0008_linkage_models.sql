-- Versions of the person index's model, estimated on the index's own
-- records; at most one is active.

-- +goose Up
CREATE TABLE linkage_models (
    version bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    data    bytea       NOT NULL,
    created timestamptz NOT NULL,
    active  boolean     NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX linkage_models_one_active ON linkage_models (active) WHERE active;

-- +goose Down
DROP TABLE linkage_models;
