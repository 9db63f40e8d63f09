-- Foundation: operators, tokens, sources, events, settings.
CREATE TABLE operators (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tokens (
    id          TEXT PRIMARY KEY,
    operator_id TEXT NOT NULL REFERENCES operators(id),
    name        TEXT NOT NULL,
    hash        BYTEA NOT NULL UNIQUE,
    scopes      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);
CREATE INDEX tokens_operator ON tokens(operator_id);

CREATE TABLE sources (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE,
    key_hash   BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL
);

-- Every personal table is keyed by subject so it can be distributed by subject (Citus).
CREATE TABLE events (
    seq         BIGSERIAL,
    source_id   TEXT NOT NULL,
    message_id  TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    type        TEXT NOT NULL,
    name        TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    body        BYTEA NOT NULL,
    PRIMARY KEY (seq),
    UNIQUE (source_id, message_id)
);
CREATE INDEX events_subject ON events(subject_id, occurred_at);

CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
