-- Compression dictionaries (issue 27 item 1): the vault compresses sealed event bodies with
-- a zstd dictionary trained on the shop's own events, and every sealed body names its
-- dictionary by id, so these rows are never changed or deleted. A dictionary holds no
-- personal data (only JSON structure and values seen for many people), so it is kept in
-- clear: opening an old row needs it even after everyone it was trained on is erased.
CREATE TABLE seal_dictionaries (
    id         BIGSERIAL   PRIMARY KEY,
    binding    TEXT        NOT NULL,
    content    BYTEA       NOT NULL,
    samples    INTEGER     NOT NULL,
    people     INTEGER     NOT NULL,
    min_people INTEGER     NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX seal_dictionaries_binding ON seal_dictionaries(binding, id);
CREATE FUNCTION seal_dictionaries_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'seal dictionaries are immutable'; END $$;
CREATE TRIGGER seal_dictionaries_no_change BEFORE UPDATE OR DELETE ON seal_dictionaries
FOR EACH ROW EXECUTE FUNCTION seal_dictionaries_immutable();
