-- The legal-hold area (issue 9 item 3): what the law requires a shop to keep after an
-- erasure (order records under accounting law), pseudonymised: no subject id, no
-- identifier, only a keyed pseudonym. No purpose-scoped read reaches this table.
CREATE TABLE legal_hold (
    seq BIGSERIAL PRIMARY KEY,
    pseudonym   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    kept_until  TIMESTAMPTZ NOT NULL,
    basis       TEXT NOT NULL,
    record      BYTEA NOT NULL
);
CREATE INDEX legal_hold_pseudonym ON legal_hold(pseudonym);
