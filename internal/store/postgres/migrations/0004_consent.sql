-- The consent ledger (issue 4 item 2): append-only; the state at any instant is the latest
-- record per purpose at or before it. A trigger refuses every UPDATE and DELETE, so
-- history cannot be rewritten through the store.
CREATE TABLE consent_records (
    seq            BIGSERIAL PRIMARY KEY,
    id             TEXT NOT NULL UNIQUE,
    subject_id     TEXT NOT NULL,
    purpose        TEXT NOT NULL,
    granted        BOOLEAN NOT NULL,
    notice_version TEXT NOT NULL,
    notice_hash    TEXT NOT NULL,
    method         TEXT NOT NULL,
    jurisdiction   TEXT NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    evidence       BYTEA NOT NULL,
    actor          TEXT NOT NULL
);
CREATE INDEX consent_subject ON consent_records(subject_id, at, seq);
CREATE INDEX consent_purpose_at ON consent_records(purpose, at);
CREATE FUNCTION consent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'consent ledger is append-only'; END $$;
CREATE TRIGGER consent_no_change BEFORE UPDATE OR DELETE ON consent_records
FOR EACH ROW EXECUTE FUNCTION consent_append_only();
