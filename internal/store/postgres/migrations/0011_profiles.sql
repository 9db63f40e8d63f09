-- Profiles, tags and segments (issue 8). Operator definitions are configuration; a tag
-- suppression says a person deleted a tag about themselves, so it is never recomputed for
-- them (erased with the person).
CREATE TABLE definitions (
    kind       TEXT NOT NULL,
    name       TEXT NOT NULL,
    spec       BYTEA NOT NULL,
    actor      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, name)
);
CREATE TABLE tag_suppressions (
    subject_id TEXT NOT NULL,
    tag        TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject_id, tag)
);
-- Finding everyone merged into a person (profiles reload a person's family, erasure takes
-- it) walks merged_into; without an index every step scans all subjects.
CREATE INDEX subjects_merged_into ON subjects(merged_into);
