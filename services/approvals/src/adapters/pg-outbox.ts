import { outboxStatements } from '@fedplane/runtime';

/** Statements on `approvals_outbox`, the approvals service's (no decision goes unreported) event outbox (runtime `outboxStatements`). */
export type { OutboxEvent } from '@fedplane/runtime';

export const { insertOutbox, deleteOutbox, claimStaleOutbox } =
  outboxStatements('approvals_outbox');
