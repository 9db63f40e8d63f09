-- Campaigns and journeys (issue 19). Definitions are configuration. A campaign message is
-- one decision to contact (or not) one person in one run; its id is deterministic, so a
-- retried delivery finds the same row. Journey states are each person's place in a
-- journey. Audience members are the SHA-256 hashes last synced to an ad platform, keyed by
-- no subject. Messages and states are erased with the person.
CREATE TABLE campaigns (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    spec        BYTEA NOT NULL,
    status      TEXT NOT NULL,
    actor       TEXT NOT NULL,
    next_run_at TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX campaigns_due ON campaigns(next_run_at) WHERE status = 'active' AND next_run_at IS NOT NULL;
CREATE TABLE campaign_messages (
    message_id       TEXT PRIMARY KEY,
    campaign_id      TEXT NOT NULL,
    run_id           TEXT NOT NULL,
    subject_id       TEXT NOT NULL,
    channel          TEXT NOT NULL,
    status           TEXT NOT NULL,
    reason           TEXT NOT NULL,
    variant          TEXT NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ,
    attempts         INTEGER NOT NULL,
    conversion_event TEXT NOT NULL,
    conversion_until TIMESTAMPTZ NOT NULL,
    converted_at     TIMESTAMPTZ
);
-- Caps read a person's recent messages; reports list a person's messages; results group
-- a campaign's messages. The campaign index leaves status out: every delivery updates the
-- status, and results read the row anyway.
CREATE INDEX campaign_messages_subject ON campaign_messages(subject_id, decided_at);
CREATE INDEX campaign_messages_campaign ON campaign_messages(campaign_id);
CREATE TABLE journey_states (
    journey_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    entry      INTEGER NOT NULL,
    step       INTEGER NOT NULL,
    status     TEXT NOT NULL,
    due_at     TIMESTAMPTZ NOT NULL,
    entered_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    INTEGER NOT NULL,
    PRIMARY KEY (journey_id, subject_id)
);
CREATE INDEX journey_states_due ON journey_states(due_at) WHERE status = 'active';
CREATE INDEX journey_states_subject ON journey_states(subject_id);
CREATE TABLE audience_members (
    destination TEXT NOT NULL,
    hash        TEXT NOT NULL,
    synced_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (destination, hash)
);
