-- The console (issue 18). ingest_counts: what ingestion received, stored and dropped (by
-- reason) per day of arrival, added to by every node; counts only. operator_logins: how an
-- operator signs in through the OpenID Connect provider (issuer and subject, or a verified
-- email address).
CREATE TABLE ingest_counts (
    day     TEXT NOT NULL,
    outcome TEXT NOT NULL,
    reason  TEXT NOT NULL,
    n       BIGINT NOT NULL,
    PRIMARY KEY (day, outcome, reason)
);
CREATE TABLE operator_logins (
    operator_id TEXT PRIMARY KEY REFERENCES operators(id),
    issuer      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    email       TEXT NOT NULL
);
CREATE INDEX operator_logins_subject ON operator_logins(issuer, subject) WHERE subject <> '';
CREATE INDEX operator_logins_email ON operator_logins(email) WHERE email <> '';
