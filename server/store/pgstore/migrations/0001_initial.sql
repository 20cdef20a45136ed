-- The schema of ttpd's PostgreSQL store (package pgstore). Every table is
-- named here, and only here; goose, which applies these files in order at
-- pgstore.Open, keeps the applied version in its own goose_db_version.
--
-- Conventions:
--   * 64-bit keys (keyed hashes, person IDs, record IDs) are bigint, not
--     bytea: a Go uint64 is stored as the int64 with the same 64 bits, so a
--     key at or above 2^63 is negative here. Only record IDs and sequence
--     numbers are ordered, and they stay far below 2^63.
--   * Opaque byte strings (sealed keyrings, features, patterns, audit
--     records) are bytea, stored byte for byte.
--   * Names sort as Go sorts strings: COLLATE "C", byte order.
--   * Times are timestamptz: microseconds, as PostgreSQL keeps them.
--   * No foreign keys on the person index: registration writes thousands
--     of rows a batch, and the one writer (under PersonIndex.Lock) keeps
--     them consistent; a foreign key would look each one up again.

-- +goose Up

-- Pseudonym domains, each with its keyring sealed under the KEK.
CREATE TABLE domains (
    name        text COLLATE "C" PRIMARY KEY,
    description text        NOT NULL,
    mode        text        NOT NULL,
    brokers     text[]      NOT NULL,
    recipients  text[]      NOT NULL,
    created     timestamptz NOT NULL,
    keyring     bytea       NOT NULL,
    revision    bigint      NOT NULL CHECK (revision > 0)
);

-- Recipients' public sealing keys.
CREATE TABLE recipients (
    name       text COLLATE "C" PRIMARY KEY,
    public_key text        NOT NULL,
    registered timestamptz NOT NULL,
    revision   bigint      NOT NULL CHECK (revision > 0)
);

-- Sealed keyrings that belong to no domain (the person index's linkage key).
CREATE TABLE keyrings (
    name   text COLLATE "C" PRIMARY KEY,
    sealed bytea NOT NULL
);

-- The audit log, one row per record as package audit wrote it: bytea, not
-- jsonb, which would reorder keys and so break the records' hash chain.
CREATE TABLE audit_log (
    seq  bigint PRIMARY KEY CHECK (seq > 0),
    data bytea  NOT NULL
);

-- The person index's records: a registered source record, its person now,
-- its keyed encodings and its blocking keys (also in index_blocks, which
-- is how they are searched; kept here to give a record back whole).
CREATE TABLE index_records (
    id       bigint   PRIMARY KEY CHECK (id > 0),
    source   bigint   NOT NULL UNIQUE,
    person   bigint   NOT NULL,
    features bytea    NOT NULL,
    blocks   bigint[] NOT NULL
);
-- OfPerson: a person's records, oldest first.
CREATE INDEX index_records_person ON index_records (person, id);

-- Blocking key → the records that have it: one row per key of a record.
-- The primary key is the search: a key's newest members are the end of
-- its range.
CREATE TABLE index_blocks (
    block bigint NOT NULL,
    id    bigint NOT NULL,
    PRIMARY KEY (block, id)
);

-- The persons that AddPerson recorded and RemovePerson has not removed:
-- what makes AddPerson of a recorded person ErrExists, and RemovePerson of
-- an unknown one ErrNotFound. A person's records are index_records rows
-- with its ID in their person column.
CREATE TABLE index_persons (
    person bigint PRIMARY KEY
);

-- Open review items: a record whose best candidate scored between the
-- thresholds, at most one per record.
CREATE TABLE index_reviews (
    record      bigint PRIMARY KEY,
    candidate   bigint NOT NULL,
    score_milli bigint NOT NULL,
    pattern     bytea  NOT NULL
);

-- The person change log (merges, splits) that recipients follow.
CREATE TABLE person_changes (
    seq         bigint      PRIMARY KEY CHECK (seq > 0),
    at          timestamptz NOT NULL,
    kind        smallint    NOT NULL CHECK (kind BETWEEN 0 AND 255),
    from_person bigint      NOT NULL,
    to_person   bigint      NOT NULL
);

-- Counters, changed in the same transaction as what they count, so that
-- IndexStats and the next ID or sequence number never need a count(*) or
-- max() over millions of rows. A row each, so that a row lock on one does
-- not wait for another.
CREATE TABLE index_counters (
    name  text COLLATE "C" PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO index_counters (name, value) VALUES
    ('next_record_id', 1),  -- the next ID that ReserveIDs hands out
    ('records', 0),         -- IndexStats.Records
    ('persons', 0),         -- IndexStats.Persons
    ('last_change', 0);     -- the last person_changes.seq handed out

-- +goose Down
DROP TABLE index_counters, person_changes, index_reviews, index_persons, index_blocks,
    index_records, audit_log, keyrings, recipients, domains;
