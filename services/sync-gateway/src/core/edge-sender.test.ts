import { parsePeerScopes, type PeerScopes } from '@fedplane/core';
import { describe, expect, it } from 'vitest';
import { checkPeerAllowlist, checkPushSender } from './edge-sender.js';

function scopes(json: unknown): PeerScopes {
  const parsed = parsePeerScopes(json);
  if (!parsed.ok) throw new Error('scopes');
  return parsed.scopes;
}

const NONE: PeerScopes = new Map();
const CONFIGURED = scopes({
  'region/nyc/node-1': {
    allowed_sender_agent_ids: ['region/nyc/relay'],
    allowed_namespaces: ['team/**'],
  },
});

describe('checkPeerAllowlist', () => {
  it('passes everything when no scopes are configured', () => {
    expect(checkPeerAllowlist(NONE, 'region/nyc/node-9')).toEqual({ ok: true });
  });

  it('passes a listed peer and a request without a peer id', () => {
    expect(checkPeerAllowlist(CONFIGURED, 'region/nyc/node-1')).toEqual({ ok: true });
    expect(checkPeerAllowlist(CONFIGURED, undefined)).toEqual({ ok: true });
  });

  it('refuses an unlisted peer with x_peer_id_not_in_allowlist', () => {
    expect(checkPeerAllowlist(CONFIGURED, 'region/nyc/node-9')).toEqual({
      ok: false,
      problem: { tag: 'x_peer_id_not_in_allowlist', peer_header: 'region/nyc/node-9' },
    });
  });
});

describe('checkPushSender', () => {
  it('refuses a push without a peer id', () => {
    expect(checkPushSender(NONE, undefined, 'region/nyc/node-1')).toEqual({
      ok: false,
      problem: { tag: 'peer_id_header_missing' },
    });
  });

  it('passes the peer itself, a blank sender and an allowed relay', () => {
    expect(checkPushSender(NONE, 'region/nyc/node-1', 'region/nyc/node-1').ok).toBe(true);
    expect(checkPushSender(NONE, 'region/nyc/node-1', '  ').ok).toBe(true);
    expect(checkPushSender(CONFIGURED, 'region/nyc/node-1', 'region/nyc/relay').ok).toBe(true);
  });

  it('refuses another sender with claimed and peer_header', () => {
    expect(checkPushSender(NONE, 'region/nyc/node-1', 'region/nyc/relay')).toEqual({
      ok: false,
      problem: {
        tag: 'sender_agent_id_mismatch',
        claimed: 'region/nyc/relay',
        peer_header: 'region/nyc/node-1',
      },
    });
    expect(checkPushSender(CONFIGURED, 'region/nyc/node-1', 'region/sfo/node-2').ok).toBe(false);
  });
});
