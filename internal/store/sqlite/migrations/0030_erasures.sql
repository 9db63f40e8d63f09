-- The erasure log (issue 27 item 4): one row per erased subject, appended in the erasure's own
-- transaction, so every node sharing the store drops the person from what it holds in memory
-- (profiles, tags, segments, the recommender) within a second. Like the consent ledger and the
-- rights requests it keeps only the internal id, which nothing links to a person any more.
CREATE TABLE erasures (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    subject_id TEXT NOT NULL
);
