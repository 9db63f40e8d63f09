-- Privacy points and subscriptions (issue 25). Points entries are appended and never
-- changed: a trigger refuses UPDATE (an erasure deletes a person's entries with them). One
-- earn entry per person and month.
CREATE TABLE points_entries (
    seq        BIGSERIAL PRIMARY KEY,
    id         TEXT    NOT NULL UNIQUE,
    subject_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('earn', 'spend')),
    period     TEXT    NOT NULL,
    points     BIGINT  NOT NULL CHECK (points > 0),
    tier       TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX points_entries_subject ON points_entries(subject_id, seq);
CREATE UNIQUE INDEX points_entries_earned ON points_entries(subject_id, period) WHERE kind = 'earn';
CREATE FUNCTION points_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'points entries are append-only'; END $$;
CREATE TRIGGER points_entries_no_update BEFORE UPDATE ON points_entries
FOR EACH ROW EXECUTE FUNCTION points_entries_append_only();

CREATE TABLE subscriptions (
    id         TEXT    PRIMARY KEY,
    subject_id TEXT    NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    source     TEXT    NOT NULL CHECK (source IN ('paid', 'points')),
    ref        TEXT    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    closed     BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX subscriptions_subject ON subscriptions(subject_id);
CREATE INDEX subscriptions_open_end ON subscriptions(ends_at) WHERE NOT closed;
