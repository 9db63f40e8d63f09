-- The consent ledger (issue 4 item 2): append-only; the state at any instant is the latest
-- record per purpose at or before it. Triggers refuse every UPDATE and DELETE, so history
-- cannot be rewritten through the store.
CREATE TABLE consent_records (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT NOT NULL UNIQUE,
    subject_id     TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    notice_version TEXT NOT NULL,
    notice_hash    TEXT NOT NULL,
    method         TEXT NOT NULL,
    jurisdiction   TEXT NOT NULL,
    at             INTEGER NOT NULL,
    evidence       BLOB NOT NULL,
    actor          TEXT NOT NULL
);
CREATE INDEX consent_subject ON consent_records(subject_id, at, seq);
CREATE INDEX consent_purpose_at ON consent_records(purpose, at);
CREATE TRIGGER consent_no_update BEFORE UPDATE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent ledger is append-only'); END;
CREATE TRIGGER consent_no_delete BEFORE DELETE ON consent_records
BEGIN SELECT RAISE(ABORT, 'consent ledger is append-only'); END;
