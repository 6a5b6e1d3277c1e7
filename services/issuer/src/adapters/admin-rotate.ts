import { FixedSubject } from '@fedplane/messaging';

/**
 * The issuer-key rotation request (our design; identity.md leaves the subject open):
 * `fed.issuer.rotate`, an admin subject like enroll/revoke/intermediate (NATS permissions: only
 * the CLI/admin user may publish to it). Request `{}`; reply: the `next` key just published and
 * when the issuer will activate it (`refresh_hint_s` × 3 after publication; automatic).
 * Refused with `CONFLICT` (`details.reason` `trust_bundle_next_exists`) while a `next` key is
 * still pending.
 * The subject is messaging's `FixedSubject.issuerRotate`; the schemas are core's.
 */
export const ISSUER_ROTATE_SUBJECT = FixedSubject.issuerRotate;
export { RotateRequestSchema, RotateReplySchema, type RotateReply } from '@fedplane/core';
