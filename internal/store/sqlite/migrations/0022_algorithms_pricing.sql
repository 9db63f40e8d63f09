-- The algorithm register and fair prices (issue 24). algorithms holds operators' entries
-- in the register (configuration); algorithm_assessments every review of an algorithm,
-- append-only (AD-04: reviewed at least yearly, the history kept). price_quotes keeps each
-- quoted price for the fairness audit without any identifier of the person: only the
-- bands the audit compares. Triggers refuse UPDATE and DELETE on the append-only tables.
CREATE TABLE algorithms (
    id         TEXT PRIMARY KEY,
    spec       BLOB NOT NULL,
    actor      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE algorithm_assessments (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    algorithm   TEXT NOT NULL,
    reviewed_at INTEGER NOT NULL,
    next_due    INTEGER NOT NULL,
    reviewer    TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    summary     TEXT NOT NULL,
    reference   TEXT NOT NULL
);
CREATE INDEX algorithm_assessments_algorithm ON algorithm_assessments(algorithm, reviewed_at);
CREATE TRIGGER algorithm_assessments_no_update BEFORE UPDATE ON algorithm_assessments
BEGIN SELECT RAISE(ABORT, 'algorithm assessments are append-only'); END;
CREATE TRIGGER algorithm_assessments_no_delete BEFORE DELETE ON algorithm_assessments
BEGIN SELECT RAISE(ABORT, 'algorithm assessments are append-only'); END;
CREATE TABLE price_quotes (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    id            TEXT NOT NULL UNIQUE,
    at            INTEGER NOT NULL,
    item          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    currency      TEXT NOT NULL,
    base_price    INTEGER NOT NULL,
    price         INTEGER NOT NULL,
    personalised  INTEGER NOT NULL,
    tenure_band   TEXT NOT NULL,
    device_class  TEXT NOT NULL,
    spend_band    TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    rules         TEXT NOT NULL
);
CREATE INDEX price_quotes_at ON price_quotes(at);
CREATE TRIGGER price_quotes_no_update BEFORE UPDATE ON price_quotes
BEGIN SELECT RAISE(ABORT, 'price quotes are append-only'); END;
