-- Indexes no query uses (issue 27 item 1), found with EXPLAIN QUERY PLAN (plan_test.go):
-- * subject_keys_kek: listing keys not under a KEK walks the primary key in subject order
--   (kek_id <> ? cannot seek); rotation never used it.
-- * campaign_messages_campaign: campaign_messages_age (campaign_id, decided_at) serves every
--   query by campaign_id alone too.
DROP INDEX subject_keys_kek;
DROP INDEX campaign_messages_campaign;
