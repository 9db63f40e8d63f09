-- Audit audiences (issue 15): an act about many people is one leaf committing to a Merkle
-- root over their pseudonyms; the membership is kept here, addressed by that root, so a
-- person's report can prove they were included and audit verify can recompute each root.
CREATE TABLE audit_audiences (
    root      BYTEA  NOT NULL,
    pos       BIGINT NOT NULL,
    pseudonym TEXT   NOT NULL,
    PRIMARY KEY (root, pos)
);
CREATE INDEX audit_audiences_pseudonym ON audit_audiences(pseudonym);
