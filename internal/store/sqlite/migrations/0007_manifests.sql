-- Every version of the privacy manifest, as submitted (YAML) with its content hash: the
-- notice text consents were given under must stay retrievable (issue 3 item 2).
CREATE TABLE manifest_versions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    hash       TEXT NOT NULL,
    yaml       BLOB NOT NULL,
    actor      TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
