import { outboxStatements } from '@fedplane/runtime';

/** Statements on `event_outbox`, the issuer's (every issuance is audited) event outbox (runtime `outboxStatements`). */
export type { OutboxEvent } from '@fedplane/runtime';

export const { insertOutbox, deleteOutbox, claimStaleOutbox } = outboxStatements('event_outbox');
