-- A compact events row (issue 27 item 1). What changed and why:
-- * source_id and message_id (two text columns, ~60 bytes, repeated in the unique index
--   that makes retries idempotent) become msg, 16 bytes of SHA-256 over both
--   (store.EventKey, registered here as steward_event_key); nothing reads them back.
-- * origin_subject_id is NULL while the event still belongs to the subject it first
--   resolved to (almost always), instead of a second copy of subject_id.
-- * events_subject indexes subject_id alone: the one query by subject (a person's events
--   after a seq, in seq order) walks it in rowid order; occurred_at was never used there.
-- * events_kind_age goes: the retention queries are served by events_age (occurred_at <
--   cutoff) and filter the kinds, once a day in the background; every insert paid for it.
-- Bodies are unchanged: rows sealed before compression stay in format 1 and keep opening.
CREATE TABLE events_compact (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id        TEXT    NOT NULL,
    origin_subject_id TEXT,
    msg               BLOB    NOT NULL UNIQUE,
    type              TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    occurred_at       INTEGER NOT NULL,
    received_at       INTEGER NOT NULL,
    pruned_days       INTEGER NOT NULL DEFAULT 0,
    body              BLOB    NOT NULL
);
INSERT INTO events_compact(seq, subject_id, origin_subject_id, msg, type, name, occurred_at, received_at, pruned_days, body)
SELECT seq, subject_id, NULLIF(NULLIF(origin_subject_id, subject_id), ''), steward_event_key(source_id, message_id),
       type, name, occurred_at, received_at, pruned_days, body
FROM events ORDER BY seq;
-- AUTOINCREMENT never reuses a seq, even one whose row was deleted: carry the high mark over.
DELETE FROM sqlite_sequence WHERE name = 'events_compact';
INSERT INTO sqlite_sequence(name, seq) SELECT 'events_compact', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_compact RENAME TO events;
CREATE INDEX events_subject ON events(subject_id);
CREATE INDEX events_origin ON events(origin_subject_id) WHERE origin_subject_id IS NOT NULL;
CREATE INDEX events_age ON events(occurred_at);
