-- Person IDs reserved from a counter (PersonIndex.ReservePersonIDs), no
-- longer drawn at random by the server. Persons already recorded keep
-- their random IDs; the reservation skips any that fall in its range.

-- +goose Up
INSERT INTO index_counters (name, value) VALUES ('next_person_id', 1);

-- +goose Down
DELETE FROM index_counters WHERE name = 'next_person_id';
