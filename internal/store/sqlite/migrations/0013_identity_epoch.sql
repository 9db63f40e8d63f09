-- A counter every committed change to identities moves (links, merges, un-merges,
-- erasure), kept by triggers so no writer can forget it, this process or another. Ingestion
-- reads it before resolving a request's identifiers outside the write transaction; when the
-- transaction finds the same number, the identifiers still resolve as they did and the
-- second lookup is skipped. The row is one page every identity write touches anyway.
CREATE TABLE identity_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO identity_epoch(id, n) VALUES (1, 0);
CREATE TRIGGER identities_epoch_insert AFTER INSERT ON identities
BEGIN
    UPDATE identity_epoch SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identities_epoch_update AFTER UPDATE ON identities
BEGIN
    UPDATE identity_epoch SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER identities_epoch_delete AFTER DELETE ON identities
BEGIN
    UPDATE identity_epoch SET n = n + 1 WHERE id = 1;
END;
