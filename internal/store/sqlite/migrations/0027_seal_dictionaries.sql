-- Compression dictionaries (issue 27 item 1): the vault compresses sealed event bodies with
-- a zstd dictionary trained on the shop's own events, and every sealed body names its
-- dictionary by id, so these rows are never changed or deleted. A dictionary holds no
-- personal data (only JSON structure and values seen for many people), so it is kept in
-- clear: opening an old row needs it even after everyone it was trained on is erased.
CREATE TABLE seal_dictionaries (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    binding    TEXT    NOT NULL,
    content    BLOB    NOT NULL,
    samples    INTEGER NOT NULL,
    people     INTEGER NOT NULL,
    min_people INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX seal_dictionaries_binding ON seal_dictionaries(binding, id);
CREATE TRIGGER seal_dictionaries_no_update BEFORE UPDATE ON seal_dictionaries
BEGIN SELECT RAISE(ABORT, 'seal dictionaries are immutable'); END;
CREATE TRIGGER seal_dictionaries_no_delete BEFORE DELETE ON seal_dictionaries
BEGIN SELECT RAISE(ABORT, 'seal dictionaries are immutable'); END;
