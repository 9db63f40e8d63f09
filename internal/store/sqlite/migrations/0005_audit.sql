-- Audit ledger (issue 7): leaves of the RFC 6962 log and signed checkpoints.
CREATE TABLE audit_leaves (
    idx       INTEGER PRIMARY KEY,
    leaf      BLOB NOT NULL,
    leaf_hash BLOB NOT NULL
);
CREATE TABLE audit_checkpoints (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    tree_size INTEGER NOT NULL,
    note      BLOB NOT NULL
);
