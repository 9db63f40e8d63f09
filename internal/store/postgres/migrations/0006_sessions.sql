-- Privacy-center sessions: a short-lived bearer secret bound to one subject, stored as a
-- SHA-256 digest only (issue 9 item 2).
CREATE TABLE subject_sessions (
    id         TEXT PRIMARY KEY,
    digest     BYTEA NOT NULL UNIQUE,
    subject_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX subject_sessions_subject ON subject_sessions(subject_id);
