-- Differential-privacy budgets (issue 20 item 2). Every table is append-only: a budget's
-- limits change by appending a row to privacy_budget_limits (the latest is in force), a
-- release's cost is a row of privacy_charges appended before the release is computed, and
-- privacy_releases keeps the noisy cells of each release (never raw data) so the same
-- query returns them again without a new charge. Triggers refuse every UPDATE and DELETE.
CREATE TABLE privacy_budgets (
    name       TEXT PRIMARY KEY,
    consumer   TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
);
CREATE TABLE privacy_budget_limits (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    budget    TEXT NOT NULL REFERENCES privacy_budgets(name),
    epsilon   REAL NOT NULL CHECK (epsilon >= 0),
    delta     REAL NOT NULL CHECK (delta >= 0 AND delta < 1),
    window_us INTEGER NOT NULL CHECK (window_us >= 0),
    at        INTEGER NOT NULL,
    actor     TEXT NOT NULL
);
CREATE INDEX privacy_budget_limits_budget ON privacy_budget_limits(budget, seq);
CREATE TABLE privacy_charges (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    budget      TEXT NOT NULL REFERENCES privacy_budgets(name),
    fingerprint TEXT NOT NULL,
    at          INTEGER NOT NULL,
    rho         REAL NOT NULL CHECK (rho >= 0),
    epsilon     REAL NOT NULL CHECK (epsilon >= 0),
    delta       REAL NOT NULL CHECK (delta >= 0),
    purpose     TEXT NOT NULL,
    measure     TEXT NOT NULL,
    actor       TEXT NOT NULL,
    UNIQUE (budget, fingerprint)
);
CREATE INDEX privacy_charges_budget_at ON privacy_charges(budget, at);
CREATE TABLE privacy_releases (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    budget      TEXT NOT NULL REFERENCES privacy_budgets(name),
    fingerprint TEXT NOT NULL,
    charge_id   TEXT NOT NULL REFERENCES privacy_charges(id),
    at          INTEGER NOT NULL,
    body        BLOB NOT NULL,
    UNIQUE (budget, fingerprint)
);
CREATE TRIGGER privacy_budgets_no_update BEFORE UPDATE ON privacy_budgets
BEGIN SELECT RAISE(ABORT, 'privacy budgets are append-only'); END;
CREATE TRIGGER privacy_budgets_no_delete BEFORE DELETE ON privacy_budgets
BEGIN SELECT RAISE(ABORT, 'privacy budgets are append-only'); END;
CREATE TRIGGER privacy_budget_limits_no_update BEFORE UPDATE ON privacy_budget_limits
BEGIN SELECT RAISE(ABORT, 'privacy budget limits are append-only'); END;
CREATE TRIGGER privacy_budget_limits_no_delete BEFORE DELETE ON privacy_budget_limits
BEGIN SELECT RAISE(ABORT, 'privacy budget limits are append-only'); END;
CREATE TRIGGER privacy_charges_no_update BEFORE UPDATE ON privacy_charges
BEGIN SELECT RAISE(ABORT, 'privacy charges are append-only'); END;
CREATE TRIGGER privacy_charges_no_delete BEFORE DELETE ON privacy_charges
BEGIN SELECT RAISE(ABORT, 'privacy charges are append-only'); END;
CREATE TRIGGER privacy_releases_no_update BEFORE UPDATE ON privacy_releases
BEGIN SELECT RAISE(ABORT, 'privacy releases are append-only'); END;
CREATE TRIGGER privacy_releases_no_delete BEFORE DELETE ON privacy_releases
BEGIN SELECT RAISE(ABORT, 'privacy releases are append-only'); END;
