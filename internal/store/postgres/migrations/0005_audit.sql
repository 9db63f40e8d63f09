-- Audit ledger (issue 7): leaves of the RFC 6962 log and signed checkpoints.
CREATE TABLE audit_leaves (
    idx       BIGINT PRIMARY KEY,
    leaf      BYTEA NOT NULL,
    leaf_hash BYTEA NOT NULL
);
CREATE TABLE audit_checkpoints (
    id        BIGSERIAL PRIMARY KEY,
    tree_size BIGINT NOT NULL,
    note      BYTEA NOT NULL
);
