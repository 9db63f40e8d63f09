-- The consent ledger and the audit log are append-only: refuse TRUNCATE too (row triggers
-- do not see it).
CREATE FUNCTION steward_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER consent_no_truncate BEFORE TRUNCATE ON consent_records
FOR EACH STATEMENT EXECUTE FUNCTION steward_no_truncate();
