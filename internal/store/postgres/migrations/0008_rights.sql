-- Rights requests (issue 9): one row per request with its current state and deadline,
-- and every step it went through. Keyed by the internal subject id only: after an
-- erasure the record of having done it stays, unlinkable to the person.
CREATE TABLE rights_requests (
    id           TEXT PRIMARY KEY,
    subject_id   TEXT NOT NULL,
    type         TEXT NOT NULL,
    state        TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL,
    due_at       TIMESTAMPTZ NOT NULL,
    source       TEXT NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX rights_requests_subject ON rights_requests(subject_id);
CREATE INDEX rights_requests_due ON rights_requests(state, due_at);
CREATE TABLE rights_steps (
    seq BIGSERIAL PRIMARY KEY,
    request_id TEXT NOT NULL,
    state      TEXT NOT NULL,
    actor      TEXT NOT NULL,
    note       TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX rights_steps_request ON rights_steps(request_id);
