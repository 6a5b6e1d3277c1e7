-- Issuer state (identity.md, Issuer service). Shared by every issuer instance.

-- One row per node or service identity the issuer will issue to.
CREATE TABLE registrations (
  node_id            TEXT        PRIMARY KEY,
  status             TEXT        NOT NULL CHECK (status IN ('enrolled', 'revoked')),
  region             TEXT,
  attestor           TEXT        NOT NULL CHECK (attestor IN ('join-token', 'service')),
  -- One more on every enrollment and every issuance.
  generation         BIGINT      NOT NULL CHECK (generation >= 1),
  -- Leaf TTL for this node (the inventory's cred_ttl); NULL = issuer default.
  cred_ttl_s         INTEGER     CHECK (cred_ttl_s IS NULL OR cred_ttl_s > 0),
  -- The lineage: the latest credential issued and the one it superseded (renewals only).
  last_credential_id TEXT,
  prev_credential_id TEXT,
  last_not_after     BIGINT,
  -- The exact reply JSON of the latest issuance (the lost-reply retry returns these bytes).
  last_reply         TEXT,
  last_issued_at     TIMESTAMPTZ,
  -- Set when a request authenticated with the latest credential without superseding it.
  last_presented_at  TIMESTAMPTZ,
  revoked_reason     TEXT,
  revoked_at         TIMESTAMPTZ,
  enrolled_at        TIMESTAMPTZ NOT NULL,
  updated_at         TIMESTAMPTZ NOT NULL
);

-- Single-use join tokens, stored only as the SHA-256 of the token text.
CREATE TABLE join_tokens (
  token_sha256 TEXT        PRIMARY KEY,
  node_id      TEXT        NOT NULL REFERENCES registrations (node_id),
  created_at   TIMESTAMPTZ NOT NULL,
  expires_at   TIMESTAMPTZ NOT NULL,
  used_at      TIMESTAMPTZ
);
CREATE INDEX join_tokens_node ON join_tokens (node_id) WHERE used_at IS NULL;

-- Renewal nonces seen in the last 10 minutes, shared by every instance.
CREATE TABLE renew_nonces (
  node_id    TEXT        NOT NULL,
  nonce      TEXT        NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (node_id, nonce)
);
CREATE INDEX renew_nonces_expiry ON renew_nonces (expires_at);

-- Events committed with the state change that caused them, deleted once published.
CREATE TABLE event_outbox (
  event_id   TEXT        PRIMARY KEY,
  subject    TEXT        NOT NULL,
  body       BYTEA       NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX event_outbox_age ON event_outbox (created_at);

-- Every trust bundle the issuer produced (the KV value is a mirror of the latest).
CREATE TABLE trust_bundles (
  sequence   BIGINT      PRIMARY KEY,
  bundle     TEXT        NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);

-- Region intermediates: region/<name>/ca, its current credential (subject key in the key dir).
CREATE TABLE intermediates (
  region        TEXT        PRIMARY KEY,
  issuer_id     TEXT        NOT NULL UNIQUE,
  public_key    TEXT        NOT NULL,
  credential    TEXT        NOT NULL,
  credential_id TEXT        NOT NULL,
  not_after     BIGINT      NOT NULL,
  updated_at    TIMESTAMPTZ NOT NULL
);
