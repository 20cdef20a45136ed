-- Which persons have records registered through which domain (a keyed
-- hash of its name), so that a domain's recipients are told of the changes
-- of those persons only.

-- +goose Up
CREATE TABLE index_domain_members (
    domain bigint NOT NULL,
    person bigint NOT NULL,
    PRIMARY KEY (domain, person)
);

-- +goose Down
DROP TABLE index_domain_members;
