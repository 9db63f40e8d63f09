-- Suppressions (issue 16 item 7): the keyed hashes of erased people's userIds; events
-- naming them are dropped until the shop lifts the suppression.
CREATE TABLE suppressions (
    kind       TEXT    NOT NULL,
    hash       BLOB    NOT NULL,
    created_at INTEGER NOT NULL,
    lifted_at  INTEGER,
    PRIMARY KEY (kind, hash)
) WITHOUT ROWID;
