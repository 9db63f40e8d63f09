-- Compliance (issue 26). Retention: how far each event's expired fields were removed
-- (pruned_days), an index to find old events of a kind, and the anonymous aggregates that
-- expired events of "anonymise" categories leave behind (no subject, no identifier).
ALTER TABLE events ADD COLUMN pruned_days INTEGER NOT NULL DEFAULT 0;
CREATE INDEX events_kind_age ON events(type, name, occurred_at);
CREATE INDEX events_age ON events(occurred_at);
CREATE TABLE retention_aggregates (
    month      TEXT NOT NULL,
    event_type TEXT NOT NULL,
    field      TEXT NOT NULL,
    count      BIGINT NOT NULL,
    sum        DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (month, event_type, field)
);
CREATE INDEX campaign_messages_age ON campaign_messages(campaign_id, decided_at);

-- The transfer register: one row per transfer, and the distinct people counted per
-- calendar year (keyed pseudonyms, which survive an erasure without naming anyone).
CREATE TABLE transfers (
    id          TEXT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    year        INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    country     TEXT NOT NULL,
    mechanism   TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    categories  TEXT NOT NULL,
    sensitive   BOOLEAN NOT NULL,
    individuals INTEGER NOT NULL,
    refused     TEXT NOT NULL,
    actor       TEXT NOT NULL
);
CREATE INDEX transfers_year ON transfers(year, at);
CREATE TABLE transfer_individuals (
    year      INTEGER NOT NULL,
    sensitive BOOLEAN NOT NULL,
    pseudonym TEXT NOT NULL,
    country   TEXT NOT NULL,
    PRIMARY KEY (year, sensitive, pseudonym, country)
);

-- Assessments (records of processing, impact assessments) and their review workflow.
CREATE TABLE assessments (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    purpose       TEXT NOT NULL,
    fingerprint   TEXT NOT NULL,
    manifest_hash TEXT NOT NULL,
    content       BYTEA NOT NULL,
    status        TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    reviewed_by   TEXT NOT NULL,
    reviewed_at   TIMESTAMPTZ,
    approved_by   TEXT NOT NULL,
    approved_at   TIMESTAMPTZ,
    review_due    TIMESTAMPTZ,
    recheck_of    TEXT NOT NULL,
    note          TEXT NOT NULL
);
CREATE INDEX assessments_purpose ON assessments(purpose, fingerprint);

-- The breach register.
CREATE TABLE incidents (
    id                      TEXT PRIMARY KEY,
    title                   TEXT NOT NULL,
    drill                   BOOLEAN NOT NULL,
    discovered_at           TIMESTAMPTZ NOT NULL,
    scope                   BYTEA NOT NULL,
    cause                   TEXT NOT NULL,
    harm                    TEXT NOT NULL,
    measures                TEXT NOT NULL,
    remedies                TEXT NOT NULL,
    contact                 TEXT NOT NULL,
    affected                INTEGER NOT NULL,
    categories              TEXT NOT NULL,
    purposes                TEXT NOT NULL,
    status                  TEXT NOT NULL,
    regulator_notified_at   TIMESTAMPTZ,
    individuals_notified_at TIMESTAMPTZ,
    created_by              TEXT NOT NULL,
    created_at              TIMESTAMPTZ NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL
);
