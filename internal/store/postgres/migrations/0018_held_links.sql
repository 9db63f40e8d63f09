-- Held links (issue 17 item 1): a client-side call that would merge two identified people
-- is not obeyed; the link waits here for an operator. Sources say whether their write key
-- is server-side (never shipped to a browser), whose calls may merge.
CREATE TABLE held_links (
    id           TEXT        PRIMARY KEY,
    from_subject TEXT        NOT NULL,
    into_subject TEXT        NOT NULL,
    reason       TEXT        NOT NULL,
    source_id    TEXT        NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    status       TEXT        NOT NULL,
    decided_at   TIMESTAMPTZ,
    decided_by   TEXT        NOT NULL DEFAULT ''
);
CREATE INDEX held_links_status ON held_links(status, created_at);
CREATE INDEX held_links_from ON held_links(from_subject);
CREATE INDEX held_links_into ON held_links(into_subject);
ALTER TABLE sources ADD COLUMN server_side BOOLEAN NOT NULL DEFAULT false;
