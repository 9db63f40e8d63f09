-- Privacy points and subscriptions (issue 25). Points entries are appended and never
-- changed: a trigger refuses UPDATE (an erasure deletes a person's entries with them). One
-- earn entry per person and month.
CREATE TABLE points_entries (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    subject_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('earn', 'spend')),
    period     TEXT    NOT NULL,
    points     INTEGER NOT NULL CHECK (points > 0),
    tier       TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    at         INTEGER NOT NULL
);
CREATE INDEX points_entries_subject ON points_entries(subject_id, seq);
CREATE UNIQUE INDEX points_entries_earned ON points_entries(subject_id, period) WHERE kind = 'earn';
CREATE TRIGGER points_entries_no_update BEFORE UPDATE ON points_entries
BEGIN SELECT RAISE(ABORT, 'points entries are append-only'); END;

CREATE TABLE subscriptions (
    id         TEXT    PRIMARY KEY,
    subject_id TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('paid', 'points')),
    ref        TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    closed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX subscriptions_subject ON subscriptions(subject_id);
CREATE INDEX subscriptions_open_end ON subscriptions(ends_at) WHERE closed = 0;
