-- The algorithm register and fair prices (issue 24). algorithms holds operators' entries
-- in the register (configuration); algorithm_assessments every review of an algorithm,
-- append-only (AD-04: reviewed at least yearly, the history kept). price_quotes keeps each
-- quoted price for the fairness audit without any identifier of the person: only the
-- bands the audit compares. Triggers refuse UPDATE, DELETE and TRUNCATE of assessments
-- and UPDATE of quotes.
CREATE TABLE algorithms (
    id         TEXT PRIMARY KEY,
    spec       BYTEA NOT NULL,
    actor      TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE algorithm_assessments (
    seq         BIGSERIAL PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    algorithm   TEXT NOT NULL,
    reviewed_at TIMESTAMPTZ NOT NULL,
    next_due    TIMESTAMPTZ NOT NULL,
    reviewer    TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    summary     TEXT NOT NULL,
    reference   TEXT NOT NULL
);
CREATE INDEX algorithm_assessments_algorithm ON algorithm_assessments(algorithm, reviewed_at);
CREATE FUNCTION algorithm_assessments_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'algorithm assessments are append-only';
END $$;
CREATE TRIGGER algorithm_assessments_no_change BEFORE UPDATE OR DELETE ON algorithm_assessments
    FOR EACH ROW EXECUTE FUNCTION algorithm_assessments_append_only();
CREATE TRIGGER algorithm_assessments_no_truncate BEFORE TRUNCATE ON algorithm_assessments
    FOR EACH STATEMENT EXECUTE FUNCTION algorithm_assessments_append_only();
CREATE TABLE price_quotes (
    seq           BIGSERIAL PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    at            TIMESTAMPTZ NOT NULL,
    item          TEXT NOT NULL,
    channel       TEXT NOT NULL,
    currency      TEXT NOT NULL,
    base_price    BIGINT NOT NULL,
    price         BIGINT NOT NULL,
    personalised  BOOLEAN NOT NULL,
    tenure_band   TEXT NOT NULL,
    device_class  TEXT NOT NULL,
    spend_band    TEXT NOT NULL,
    jurisdiction  TEXT NOT NULL,
    rules         TEXT[] NOT NULL
);
CREATE INDEX price_quotes_at ON price_quotes(at);
CREATE FUNCTION price_quotes_no_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'price quotes are append-only';
END $$;
CREATE TRIGGER price_quotes_no_update BEFORE UPDATE ON price_quotes
    FOR EACH ROW EXECUTE FUNCTION price_quotes_no_update();
