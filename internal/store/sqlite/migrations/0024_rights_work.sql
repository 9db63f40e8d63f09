-- Working rights requests (issue 18 item 4): how a request came in, who asked (sealed under
-- the person's data key), who works it and whether its deadline was extended; operators'
-- notes (sealed); the one-time codes visitors confirm their email with (keyed hashes only);
-- and the outbox of notifications owed to the shop's backend (payload sealed, dropped once
-- delivered).
ALTER TABLE rights_requests ADD COLUMN origin TEXT NOT NULL DEFAULT 'session';
ALTER TABLE rights_requests ADD COLUMN requester BLOB;
ALTER TABLE rights_requests ADD COLUMN assignee TEXT NOT NULL DEFAULT '';
ALTER TABLE rights_requests ADD COLUMN extended_at INTEGER;
CREATE TABLE rights_notes (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id TEXT NOT NULL,
    actor      TEXT NOT NULL,
    at         INTEGER NOT NULL,
    body       BLOB NOT NULL
);
CREATE INDEX rights_notes_request ON rights_notes(request_id, seq);
CREATE TABLE rights_challenges (
    id           TEXT PRIMARY KEY,
    email_mac    BLOB NOT NULL,
    code_mac     BLOB NOT NULL,
    type         TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    used_at      INTEGER
);
CREATE INDEX rights_challenges_email ON rights_challenges(email_mac, created_at);
CREATE INDEX rights_challenges_expiry ON rights_challenges(expires_at);
CREATE TABLE rights_notices (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    payload      BLOB,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      INTEGER NOT NULL,
    delivered_at INTEGER,
    failed_at    INTEGER,
    last_error   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rights_notices_request ON rights_notices(request_id, created_at);
CREATE INDEX rights_notices_due ON rights_notices(next_at) WHERE delivered_at IS NULL AND failed_at IS NULL;
