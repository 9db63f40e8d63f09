-- The two-party clean room (issue 22): paired instances (their pinned keys), the invites
-- this instance handed out, the nonces of partner calls (kept until they are stale anyway,
-- so a restart does not reopen the replay window), and each side's record of its jobs.
-- Nothing here names a person: a job's doc holds specs, approvals and released counts and
-- sums; no blinded set or identifier is ever stored.
CREATE TABLE partners (
    id         TEXT PRIMARY KEY,
    key_id     TEXT NOT NULL UNIQUE,
    url        TEXT NOT NULL,
    name       TEXT NOT NULL,
    status     TEXT NOT NULL,
    pairing    TEXT NOT NULL,
    invited    BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE partner_invites (
    id         TEXT PRIMARY KEY,
    secret     BYTEA NOT NULL,
    url        TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL,
    used_at    TIMESTAMPTZ,
    partner_id TEXT
);
CREATE TABLE partner_nonces (
    key_id TEXT NOT NULL,
    nonce  TEXT NOT NULL,
    until  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX partner_nonces_until ON partner_nonces(until);
CREATE TABLE cleanroom_jobs (
    id         TEXT PRIMARY KEY,
    partner_id TEXT NOT NULL,
    role       TEXT NOT NULL,
    state      TEXT NOT NULL,
    version    BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    doc        BYTEA NOT NULL
);
CREATE INDEX cleanroom_jobs_created ON cleanroom_jobs(created_at);
