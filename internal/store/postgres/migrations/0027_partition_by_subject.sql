-- Personal tables hash-partitioned by subject (issue 27 items 1 and 4). Every table that
-- grows with people is rebuilt as PARTITION BY HASH (subject) in 16 partitions (create the
-- partitioned table, copy, drop the old one, rename): a person's rows live in one partition,
-- vacuum and index builds work a sixteenth at a time, and the same keys distribute the tables
-- on Citus (citus/distribute.sql). A partitioned table's primary key and unique constraints
-- must include the partition key, so each gains the subject column; where rows were looked
-- up by an id alone, the id leads the key so that lookup still seeks. identities is
-- partitioned by its own key, the identifier's hash, which every ingest looks up.
--
-- Uniqueness that changes meaning: a retried event is recognised per subject (msg,
-- subject_id) instead of across the shop. A retry resolves to the subject the first copy was
-- stored under (the same identifiers, and a merge moves both), so nothing a client does
-- gets stored twice; MergeSubjects drops a merged subject's copy of an event the survivor
-- already holds. Consent record, points entry, subscription and campaign message ids are
-- random or derived from the subject, so (id, subject_id) is as unique as id was.
--
-- The events row is compacted as on SQLite (migration 0027 there): msg (16 bytes of
-- SHA-256 over source and message id, store.EventKey) replaces source_id and message_id,
-- origin_subject_id is NULL while it equals subject_id, events_kind_age is dropped.
-- Indexes no query used go: subject_keys_kek (listing keys walks the primary key),
-- campaign_messages_campaign (a prefix of campaign_messages_age), points_entries_subject
-- and subscriptions' id key (now the primary keys).

CREATE FUNCTION pg_temp.steward_partitions(parent text, final text, n int, no_truncate bool) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE part text;
BEGIN
    FOR i IN 0..n-1 LOOP
        part := final || '_p' || lpad(i::text, 2, '0');
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES WITH (MODULUS %s, REMAINDER %s)', part, parent, n, i);
        IF no_truncate THEN
            -- A TRUNCATE of one partition does not fire the parent's trigger.
            EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION steward_no_truncate()',
                part || '_no_truncate', part);
        END IF;
    END LOOP;
END $$;

-- events
ALTER SEQUENCE events_seq_seq OWNED BY NONE;
CREATE TABLE events_new (
    seq               BIGINT      NOT NULL DEFAULT nextval('events_seq_seq'),
    subject_id        TEXT        NOT NULL,
    origin_subject_id TEXT,
    msg               BYTEA       NOT NULL,
    type              TEXT        NOT NULL,
    name              TEXT        NOT NULL,
    occurred_at       TIMESTAMPTZ NOT NULL,
    received_at       TIMESTAMPTZ NOT NULL,
    pruned_days       INTEGER     NOT NULL DEFAULT 0,
    body              BYTEA       NOT NULL,
    PRIMARY KEY (seq, subject_id),
    UNIQUE (msg, subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('events_new', 'events', 16, false);
INSERT INTO events_new(seq, subject_id, origin_subject_id, msg, type, name, occurred_at, received_at, pruned_days, body)
SELECT seq, subject_id, NULLIF(NULLIF(origin_subject_id, subject_id), ''),
       substring(sha256(convert_to(source_id, 'UTF8') || '\x00'::bytea || convert_to(message_id, 'UTF8')) FROM 1 FOR 16),
       type, name, occurred_at, received_at, pruned_days, body
FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
ALTER SEQUENCE events_seq_seq OWNED BY events.seq;
CREATE INDEX events_subject ON events(subject_id, seq);
CREATE INDEX events_origin ON events(origin_subject_id) WHERE origin_subject_id IS NOT NULL;
CREATE INDEX events_age ON events(occurred_at);

-- consent_records (append-only: the row and TRUNCATE triggers come back on the new table)
ALTER SEQUENCE consent_records_seq_seq OWNED BY NONE;
CREATE TABLE consent_records_new (
    seq            BIGINT      NOT NULL DEFAULT nextval('consent_records_seq_seq'),
    id             TEXT        NOT NULL,
    subject_id     TEXT        NOT NULL,
    purpose        TEXT        NOT NULL,
    granted        BOOLEAN     NOT NULL,
    notice_version TEXT        NOT NULL,
    notice_hash    TEXT        NOT NULL,
    method         TEXT        NOT NULL,
    jurisdiction   TEXT        NOT NULL,
    at             TIMESTAMPTZ NOT NULL,
    evidence       BYTEA       NOT NULL,
    actor          TEXT        NOT NULL,
    PRIMARY KEY (seq, subject_id),
    UNIQUE (id, subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('consent_records_new', 'consent_records', 16, true);
INSERT INTO consent_records_new SELECT seq, id, subject_id, purpose, granted, notice_version, notice_hash, method, jurisdiction, at, evidence, actor
FROM consent_records;
DROP TABLE consent_records;
ALTER TABLE consent_records_new RENAME TO consent_records;
ALTER SEQUENCE consent_records_seq_seq OWNED BY consent_records.seq;
CREATE INDEX consent_subject ON consent_records(subject_id, at, seq);
CREATE INDEX consent_purpose_at ON consent_records(purpose, at);
CREATE TRIGGER consent_no_change BEFORE UPDATE OR DELETE ON consent_records
FOR EACH ROW EXECUTE FUNCTION consent_append_only();
CREATE TRIGGER consent_no_truncate BEFORE TRUNCATE ON consent_records
FOR EACH STATEMENT EXECUTE FUNCTION steward_no_truncate();

-- subject_keys (the vault's wrapped data keys: deleting a row still crypto-shreds)
CREATE TABLE subject_keys_new (
    subject_id TEXT        NOT NULL,
    kek_id     TEXT        NOT NULL,
    wrapped    BYTEA       NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('subject_keys_new', 'subject_keys', 16, false);
INSERT INTO subject_keys_new SELECT subject_id, kek_id, wrapped, created_at FROM subject_keys;
DROP TABLE subject_keys;
ALTER TABLE subject_keys_new RENAME TO subject_keys;

-- subjects
CREATE TABLE subjects_new (
    id          TEXT        NOT NULL,
    source_id   TEXT        NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    merged_into TEXT,
    PRIMARY KEY (id)
) PARTITION BY HASH (id);
SELECT pg_temp.steward_partitions('subjects_new', 'subjects', 16, false);
INSERT INTO subjects_new SELECT id, source_id, created_at, merged_into FROM subjects;
DROP TABLE subjects;
ALTER TABLE subjects_new RENAME TO subjects;
CREATE INDEX subjects_merged_into ON subjects(merged_into);

-- identities: keyed and partitioned by the identifier's hash
CREATE TABLE identities_new (
    kind              TEXT        NOT NULL,
    hash              BYTEA       NOT NULL,
    subject_id        TEXT        NOT NULL,
    origin_subject_id TEXT        NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, hash)
) PARTITION BY HASH (hash);
SELECT pg_temp.steward_partitions('identities_new', 'identities', 16, false);
INSERT INTO identities_new SELECT kind, hash, subject_id, origin_subject_id, created_at FROM identities;
DROP TABLE identities;
ALTER TABLE identities_new RENAME TO identities;
CREATE INDEX identities_subject ON identities(subject_id);
CREATE INDEX identities_origin ON identities(origin_subject_id);

-- tag_suppressions
CREATE TABLE tag_suppressions_new (
    subject_id TEXT        NOT NULL,
    tag        TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject_id, tag)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('tag_suppressions_new', 'tag_suppressions', 16, false);
INSERT INTO tag_suppressions_new SELECT subject_id, tag, created_at FROM tag_suppressions;
DROP TABLE tag_suppressions;
ALTER TABLE tag_suppressions_new RENAME TO tag_suppressions;

-- points_entries (append-only: the row trigger comes back on the new table)
ALTER SEQUENCE points_entries_seq_seq OWNED BY NONE;
CREATE TABLE points_entries_new (
    seq        BIGINT      NOT NULL DEFAULT nextval('points_entries_seq_seq'),
    id         TEXT        NOT NULL,
    subject_id TEXT        NOT NULL,
    kind       TEXT        NOT NULL CHECK (kind IN ('earn', 'spend')),
    period     TEXT        NOT NULL,
    points     BIGINT      NOT NULL CHECK (points > 0),
    tier       TEXT        NOT NULL,
    reason     TEXT        NOT NULL,
    at         TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subject_id, seq),
    UNIQUE (id, subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('points_entries_new', 'points_entries', 16, false);
INSERT INTO points_entries_new SELECT seq, id, subject_id, kind, period, points, tier, reason, at FROM points_entries;
DROP TABLE points_entries;
ALTER TABLE points_entries_new RENAME TO points_entries;
ALTER SEQUENCE points_entries_seq_seq OWNED BY points_entries.seq;
CREATE UNIQUE INDEX points_entries_earned ON points_entries(subject_id, period) WHERE kind = 'earn';
CREATE TRIGGER points_entries_no_update BEFORE UPDATE ON points_entries
FOR EACH ROW EXECUTE FUNCTION points_entries_append_only();

-- subscriptions
CREATE TABLE subscriptions_new (
    id         TEXT        NOT NULL,
    subject_id TEXT        NOT NULL,
    starts_at  TIMESTAMPTZ NOT NULL,
    ends_at    TIMESTAMPTZ NOT NULL,
    source     TEXT        NOT NULL CHECK (source IN ('paid', 'points')),
    ref        TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    closed     BOOLEAN     NOT NULL DEFAULT false,
    PRIMARY KEY (id, subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('subscriptions_new', 'subscriptions', 16, false);
INSERT INTO subscriptions_new SELECT id, subject_id, starts_at, ends_at, source, ref, created_at, closed FROM subscriptions;
DROP TABLE subscriptions;
ALTER TABLE subscriptions_new RENAME TO subscriptions;
CREATE INDEX subscriptions_subject ON subscriptions(subject_id);
CREATE INDEX subscriptions_open_end ON subscriptions(ends_at) WHERE NOT closed;

-- campaign_messages: deliveries look a message up by its id, which leads the key
CREATE TABLE campaign_messages_new (
    message_id       TEXT        NOT NULL,
    campaign_id      TEXT        NOT NULL,
    run_id           TEXT        NOT NULL,
    subject_id       TEXT        NOT NULL,
    channel          TEXT        NOT NULL,
    status           TEXT        NOT NULL,
    reason           TEXT        NOT NULL,
    variant          TEXT        NOT NULL,
    decided_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ,
    attempts         INTEGER     NOT NULL,
    conversion_event TEXT        NOT NULL,
    conversion_until TIMESTAMPTZ NOT NULL,
    converted_at     TIMESTAMPTZ,
    PRIMARY KEY (message_id, subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('campaign_messages_new', 'campaign_messages', 16, false);
INSERT INTO campaign_messages_new SELECT message_id, campaign_id, run_id, subject_id, channel, status, reason, variant, decided_at,
    delivered_at, attempts, conversion_event, conversion_until, converted_at FROM campaign_messages;
DROP TABLE campaign_messages;
ALTER TABLE campaign_messages_new RENAME TO campaign_messages;
CREATE INDEX campaign_messages_subject ON campaign_messages(subject_id, decided_at);
CREATE INDEX campaign_messages_age ON campaign_messages(campaign_id, decided_at);

-- journey_states (its key already names the subject)
CREATE TABLE journey_states_new (
    journey_id TEXT        NOT NULL,
    subject_id TEXT        NOT NULL,
    entry      INTEGER     NOT NULL,
    step       INTEGER     NOT NULL,
    status     TEXT        NOT NULL,
    due_at     TIMESTAMPTZ NOT NULL,
    entered_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version    INTEGER     NOT NULL,
    PRIMARY KEY (journey_id, subject_id)
) PARTITION BY HASH (subject_id);
SELECT pg_temp.steward_partitions('journey_states_new', 'journey_states', 16, false);
INSERT INTO journey_states_new SELECT journey_id, subject_id, entry, step, status, due_at, entered_at, updated_at, version FROM journey_states;
DROP TABLE journey_states;
ALTER TABLE journey_states_new RENAME TO journey_states;
CREATE INDEX journey_states_due ON journey_states(due_at) WHERE status = 'active';
CREATE INDEX journey_states_subject ON journey_states(subject_id);
