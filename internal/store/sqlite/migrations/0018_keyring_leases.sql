-- Keyring leases (issue 17 item 4): servers hold a shared lease while serving, a key
-- rotation an exclusive one, so a rotation never retires a key a live server still wraps
-- new data keys under.
CREATE TABLE keyring_leases (
    holder    TEXT    PRIMARY KEY,
    exclusive INTEGER NOT NULL,
    info      TEXT    NOT NULL,
    until     INTEGER NOT NULL
);
