-- Subjects and identity resolution. Outside identifiers are stored only as keyed hashes.
CREATE TABLE subjects (
    id          TEXT PRIMARY KEY,
    source_id   TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    merged_into TEXT
);

CREATE TABLE identities (
    kind              TEXT NOT NULL,
    hash              BLOB NOT NULL,
    subject_id        TEXT NOT NULL,
    origin_subject_id TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (kind, hash)
);
CREATE INDEX identities_subject ON identities(subject_id);
CREATE INDEX identities_origin ON identities(origin_subject_id);

CREATE TABLE subject_merges (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    from_subject TEXT NOT NULL,
    into_subject TEXT NOT NULL,
    reason       TEXT NOT NULL,
    merged_at    INTEGER NOT NULL
);
CREATE INDEX subject_merges_from ON subject_merges(from_subject);

ALTER TABLE events ADD COLUMN origin_subject_id TEXT NOT NULL DEFAULT '';
CREATE INDEX events_origin ON events(origin_subject_id);
