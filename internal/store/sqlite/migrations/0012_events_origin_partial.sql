-- Events are found by the subject they first resolved to (origin_subject_id) only to hand
-- them back when a merge is undone, and only events that moved (merged into another
-- subject) need that. Indexing just those spares every insert a write to a second
-- per-subject index (for most events origin and subject are the same).
DROP INDEX events_origin;
CREATE INDEX events_origin ON events(origin_subject_id) WHERE origin_subject_id <> subject_id;
