-- The persons who objected to registration (DESIGN §6).

-- +goose Up
CREATE TABLE index_objections (
    person bigint PRIMARY KEY
);

-- +goose Down
DROP TABLE index_objections;
