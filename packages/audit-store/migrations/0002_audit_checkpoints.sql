-- Every signed checkpoint the auditor published (design/audit.md, Checkpoints), kept so a
-- verifier can later prove the chain was not rewritten below it. `body` holds the exact signed
-- bytes; `size`, `head` and `at` are parsed from them.
CREATE TABLE audit_checkpoints (
  size        BIGINT      PRIMARY KEY CHECK (size >= 1),
  head        BYTEA       NOT NULL,
  at          TEXT        NOT NULL,
  body        BYTEA       NOT NULL,
  sig         TEXT        NOT NULL,
  signer      TEXT        NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Checkpoints are evidence too.
CREATE TRIGGER audit_checkpoints_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION fedplane_audit_reject_change();

CREATE TRIGGER audit_checkpoints_no_truncate
  BEFORE TRUNCATE ON audit_checkpoints
  FOR EACH STATEMENT EXECUTE FUNCTION fedplane_audit_reject_change();
