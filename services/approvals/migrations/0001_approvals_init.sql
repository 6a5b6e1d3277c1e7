-- approvals.md: pending actions, remembered rules, the shared HMAC replay cache, the event outbox.

CREATE TABLE pending_actions (
  id TEXT PRIMARY KEY,
  action_type TEXT NOT NULL,
  namespace TEXT NOT NULL,
  payload JSONB NOT NULL,
  requested_by TEXT NOT NULL,
  requested_at TIMESTAMPTZ NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'denied', 'expired')),
  decided_by TEXT,
  decided_at TIMESTAMPTZ,
  -- [{agent_id (lower-cased), approved_at}], as the reference.
  approvals JSONB NOT NULL DEFAULT '[]'::jsonb,
  -- Set for approvers kind `quorum` only.
  quorum INTEGER CHECK (quorum IS NULL OR quorum >= 1),
  -- Set for approvers kind `agent` only: the one agent that may decide.
  approver_agent TEXT,
  expires_at TIMESTAMPTZ NOT NULL,
  cause TEXT,
  -- How the decision was remembered (`once` when decided by a rule or the sweeper).
  remember TEXT CHECK (remember IS NULL OR remember IN ('once', 'session', 'forever')),
  CHECK (quorum IS NULL OR approver_agent IS NULL)
);
CREATE INDEX pending_actions_status_requested ON pending_actions (status, requested_at, id);
CREATE INDEX pending_actions_requested ON pending_actions (requested_at, id);
CREATE INDEX pending_actions_expiry ON pending_actions (expires_at) WHERE status = 'pending';

-- Remembered `session` / `forever` decisions, one per (action_type, namespace, agent_id, decision).
CREATE TABLE approval_rules (
  id TEXT PRIMARY KEY,
  action_type TEXT NOT NULL,
  namespace TEXT NOT NULL,
  agent_id TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approve', 'deny')),
  remember TEXT NOT NULL CHECK (remember IN ('session', 'forever')),
  recorded_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ,
  pending_id TEXT,
  CHECK ((remember = 'forever') = (expires_at IS NULL)),
  UNIQUE (action_type, namespace, agent_id, decision)
);
CREATE INDEX approval_rules_expiry ON approval_rules (expires_at) WHERE expires_at IS NOT NULL;

-- Every used decision signature, shared by all replicas: usable once until expires_at.
CREATE TABLE approval_hmac_replay (
  signature_key TEXT PRIMARY KEY,
  expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX approval_hmac_replay_expiry ON approval_hmac_replay (expires_at);

-- Events staged in the transaction of the change they report, deleted once JetStream stored them.
CREATE TABLE approvals_outbox (
  event_id TEXT PRIMARY KEY,
  subject TEXT NOT NULL,
  body BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX approvals_outbox_created ON approvals_outbox (created_at);
