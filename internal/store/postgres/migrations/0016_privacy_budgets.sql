-- Differential-privacy budgets (issue 20 item 2). Every table is append-only: a budget's
-- limits change by appending a row to privacy_budget_limits (the latest is in force), a
-- release's cost is a row of privacy_charges appended before the release is computed, and
-- privacy_releases keeps the noisy cells of each release (never raw data) so the same
-- query returns them again without a new charge. Triggers refuse UPDATE, DELETE and
-- TRUNCATE. A charge locks its budget's row (SELECT ... FOR UPDATE) so concurrent charges
-- from any node serialise per budget.
CREATE TABLE privacy_budgets (
    name       TEXT PRIMARY KEY,
    consumer   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE privacy_budget_limits (
    seq       BIGSERIAL PRIMARY KEY,
    budget    TEXT NOT NULL REFERENCES privacy_budgets(name),
    epsilon   DOUBLE PRECISION NOT NULL CHECK (epsilon >= 0),
    delta     DOUBLE PRECISION NOT NULL CHECK (delta >= 0 AND delta < 1),
    window_us BIGINT NOT NULL CHECK (window_us >= 0),
    at        TIMESTAMPTZ NOT NULL,
    actor     TEXT NOT NULL
);
CREATE INDEX privacy_budget_limits_budget ON privacy_budget_limits(budget, seq);
CREATE TABLE privacy_charges (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    budget      TEXT NOT NULL REFERENCES privacy_budgets(name),
    fingerprint TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    rho         DOUBLE PRECISION NOT NULL CHECK (rho >= 0),
    epsilon     DOUBLE PRECISION NOT NULL CHECK (epsilon >= 0),
    delta       DOUBLE PRECISION NOT NULL CHECK (delta >= 0),
    purpose     TEXT NOT NULL,
    measure     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    UNIQUE (budget, fingerprint)
);
CREATE INDEX privacy_charges_budget_at ON privacy_charges(budget, at);
CREATE TABLE privacy_releases (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    budget      TEXT NOT NULL REFERENCES privacy_budgets(name),
    fingerprint TEXT NOT NULL,
    charge_id   TEXT NOT NULL REFERENCES privacy_charges(id),
    at          TIMESTAMPTZ NOT NULL,
    body        BYTEA NOT NULL,
    UNIQUE (budget, fingerprint)
);
CREATE FUNCTION privacy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER privacy_budgets_no_change BEFORE UPDATE OR DELETE ON privacy_budgets
FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_budget_limits_no_change BEFORE UPDATE OR DELETE ON privacy_budget_limits
FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_charges_no_change BEFORE UPDATE OR DELETE ON privacy_charges
FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_releases_no_change BEFORE UPDATE OR DELETE ON privacy_releases
FOR EACH ROW EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_budgets_no_truncate BEFORE TRUNCATE ON privacy_budgets
FOR EACH STATEMENT EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_budget_limits_no_truncate BEFORE TRUNCATE ON privacy_budget_limits
FOR EACH STATEMENT EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_charges_no_truncate BEFORE TRUNCATE ON privacy_charges
FOR EACH STATEMENT EXECUTE FUNCTION privacy_append_only();
CREATE TRIGGER privacy_releases_no_truncate BEFORE TRUNCATE ON privacy_releases
FOR EACH STATEMENT EXECUTE FUNCTION privacy_append_only();
