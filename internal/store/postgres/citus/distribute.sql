-- Distributing Steward's PostgreSQL schema on Citus (issue 27 item 4). NOT a migration:
-- Steward never runs this file. An operator runs it once, as the database owner, on the
-- Citus coordinator, after `steward migrate` (or a first `steward serve`) has created the
-- schema and before the nodes take traffic:
--
--   psql "$STEWARD_DB" -v ON_ERROR_STOP=1 -f internal/store/postgres/citus/distribute.sql
--
-- What it relies on from the migrations: every personal table is hash-partitioned by the
-- subject (migration 0026) and its primary key and unique constraints include that column,
-- which is exactly what Citus asks of a distribution column. The personal tables form one
-- co-location group on the subject, so everything about one person (events, consent, keys,
-- tags, points, campaign messages) lives on one worker and a person's reads and erasure
-- are single-shard. identities is distributed by its own key (the identifier's keyed hash),
-- which every ingest looks up. Small global tables (configuration, sources, operators) are
-- reference tables, copied to every worker. The audit log and the compliance registers stay
-- on the coordinator: they are append-only, small per day, and read in order.
--
-- Not verified on a Citus cluster (none in CI). What reading the queries says a Citus
-- deployment must still change, in the store's PostgreSQL code:
--   * MergeSubjects and UnmergeSubject UPDATE events.subject_id, the distribution column;
--     Citus refuses that. They must move rows with INSERT ... SELECT + DELETE (a person's
--     merge crosses shards once).
--   * SubjectFamily is a recursive CTE over subjects.merged_into; Citus runs recursive CTEs
--     only when they stay on one shard. Walk it iteratively instead.
--   * Row triggers on distributed tables (the append-only ledgers) need
--     citus.enable_unsafe_triggers = on; they only raise, so they are safe on shards.
--   * Sequences (events.seq, consent_records.seq) become per-node ranges: seq stays unique
--     and increasing per node, not globally; the profile and consent change feeds read
--     "seq > cursor" and must then track a cursor per node (or move to a change table).

SET citus.shard_count = 32;  -- two shards per Steward partition; raise for more workers

-- Reference tables: small, global, read on every node.
SELECT create_reference_table('operators');
SELECT create_reference_table('tokens');
SELECT create_reference_table('sources');
SELECT create_reference_table('settings');
SELECT create_reference_table('definitions');
SELECT create_reference_table('manifest_versions');
SELECT create_reference_table('seal_dictionaries');
SELECT create_reference_table('campaigns');
SELECT create_reference_table('algorithms');
SELECT create_reference_table('keyring_leases');
SELECT create_reference_table('suppressions');

-- The personal tables, co-located by subject.
SELECT create_distributed_table('subjects', 'id');
SELECT create_distributed_table('events', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('consent_records', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('subject_keys', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('tag_suppressions', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('points_entries', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('subscriptions', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('campaign_messages', 'subject_id', colocate_with => 'subjects');
SELECT create_distributed_table('journey_states', 'subject_id', colocate_with => 'subjects');

-- Identity resolution looks people up by identifier, not by subject.
SELECT create_distributed_table('identities', 'hash', colocate_with => 'none');
