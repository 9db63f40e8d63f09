-- Wrapped per-subject data keys (the vault). Deleting a row crypto-shreds the subject.
CREATE TABLE subject_keys (
    subject_id TEXT PRIMARY KEY,
    kek_id     TEXT NOT NULL,
    wrapped    BLOB NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX subject_keys_kek ON subject_keys(kek_id, subject_id);
