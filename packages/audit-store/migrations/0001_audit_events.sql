-- The append-only audit hash chain (design/audit.md, Table). entry_hash covers prev_hash, seq,
-- body_hash, attest_level and signature; stream_seq and recorded_at are not hashed.
CREATE TABLE audit_events (
  seq          BIGINT      PRIMARY KEY CHECK (seq >= 1),
  event_id     TEXT        NOT NULL UNIQUE,
  type         TEXT        NOT NULL,
  actor        TEXT        NOT NULL,
  subject      TEXT,
  at           TEXT        NOT NULL,
  body         BYTEA       NOT NULL,
  body_hash    BYTEA       NOT NULL,
  signature    BYTEA,
  signer       TEXT,
  attest_level TEXT        NOT NULL CHECK (
    attest_level IN ('credential_signed', 'issuer_signed', 'unsigned', 'invalid_signature')
  ),
  prev_hash    BYTEA       NOT NULL,
  entry_hash   BYTEA       NOT NULL UNIQUE,
  stream_seq   BIGINT,
  recorded_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- `fedplane audit tail --type T` / `--actor A` walk one type or actor in seq order.
CREATE INDEX audit_events_type_seq ON audit_events (type, seq);
CREATE INDEX audit_events_actor_seq ON audit_events (actor, seq);

-- Evidence is append-only: every UPDATE, DELETE and TRUNCATE fails, whoever runs it.
CREATE FUNCTION fedplane_audit_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'insufficient_privilege',
          HINT = 'audit rows are evidence; they are never changed or removed';
END;
$$;

CREATE TRIGGER audit_events_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION fedplane_audit_reject_change();

CREATE TRIGGER audit_events_no_truncate
  BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION fedplane_audit_reject_change();
