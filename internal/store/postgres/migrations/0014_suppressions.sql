-- Suppressions (issue 16 item 7): the keyed hashes of erased people's userIds; events
-- naming them are dropped until the shop lifts the suppression.
CREATE TABLE suppressions (
    kind       TEXT        NOT NULL,
    hash       BYTEA       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    lifted_at  TIMESTAMPTZ,
    PRIMARY KEY (kind, hash)
);
