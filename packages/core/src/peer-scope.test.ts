import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isValidNamespaceGlob,
  namespaceAllowed,
  namespaceMatches,
  parsePeerScopes,
  peerNamespaceAllowed,
  senderAllowed,
  type PeerScopes,
} from './peer-scope.js';

describe('namespaceMatches', () => {
  it.each([
    ['**', 'anything', true],
    ['**', 'a/b/c', true],
    ['*', 'anything', true],
    ['*', 'a/b', true],
    ['public/**', 'public', true],
    ['public/**', 'public/a', true],
    ['public/**', 'public/a/b/c', true],
    ['public/**', 'private', false],
    ['public/**', 'publicx', false],
    ['public/*', 'public/foo', true],
    ['public/*', 'public/foo/bar', false],
    ['public/*', 'public', false],
    ['public/*', 'public/', false],
    ['*/notes', 'alice/notes', true],
    ['*/notes', 'alice/team/notes', false],
    ['*/notes', 'notes', false],
    ['*/notes', '/notes', false],
    ['team/alpha', 'team/alpha', true],
    ['team/alpha', 'team/alpha/x', false],
    ['team/alpha', 'team', false],
  ])('%j ~ %j = %s', (pattern, namespace, expected) => {
    expect(namespaceMatches(pattern, namespace)).toBe(expected);
  });

  it('an empty list allows nothing', () => {
    fc.assert(
      fc.property(fc.string(), (namespace) => {
        expect(namespaceAllowed([], namespace)).toBe(false);
      }),
    );
  });

  it('P/** allows exactly P and what lies below it', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z]{1,3}(\/[a-z]{1,3}){0,3}$/), (namespace) => {
        const expected = namespace === 'a' || namespace.startsWith('a/');
        expect(namespaceMatches('a/**', namespace)).toBe(expected);
      }),
    );
  });
});

describe('isValidNamespaceGlob', () => {
  it.each(['**', '*', 'a/**', 'a/b/*', '*/s', 'team/alpha', 'x'])('accepts %j', (glob) => {
    expect(isValidNamespaceGlob(glob)).toBe(true);
  });
  it.each(['', 'a/*/b', 'a*', '**/a', '*/*', '/**', '/*', '*/', 'a/***'])('refuses %j', (glob) => {
    expect(isValidNamespaceGlob(glob)).toBe(false);
  });
});

describe('parsePeerScopes', () => {
  it('parses a configuration and denies by default', () => {
    const parsed = parsePeerScopes(
      JSON.stringify({
        'region/nyc/node-1': {
          allowed_sender_agent_ids: ['alice'],
          allowed_namespaces: ['public/*', 'shared/team-x/**'],
        },
        'region/sfo/node-2': { allowed_namespaces: ['public/*'] },
        'region/sfo/node-3': {},
      }),
    );
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const scopes: PeerScopes = parsed.scopes;
    expect(scopes.get('region/sfo/node-2')).toEqual({
      allowedSenderAgentIds: [],
      allowedNamespaces: ['public/*'],
    });
    expect(peerNamespaceAllowed(scopes, 'region/nyc/node-1', 'public/foo')).toBe(true);
    expect(peerNamespaceAllowed(scopes, 'region/nyc/node-1', 'shared/team-x/a/b')).toBe(true);
    expect(peerNamespaceAllowed(scopes, 'region/nyc/node-1', 'private/foo')).toBe(false);
    expect(peerNamespaceAllowed(scopes, 'region/sfo/node-3', 'public/foo')).toBe(false);
    expect(peerNamespaceAllowed(scopes, 'unknown', 'public/foo')).toBe(false);
    expect(senderAllowed(scopes, 'region/nyc/node-1', 'alice')).toBe(true);
    expect(senderAllowed(scopes, 'region/nyc/node-1', 'eve')).toBe(false);
    expect(senderAllowed(scopes, 'region/nyc/node-1', 'region/nyc/node-1')).toBe(true);
    expect(senderAllowed(scopes, 'region/nyc/node-1', '  ')).toBe(true);
    expect(senderAllowed(scopes, 'region/nyc/node-1', null)).toBe(true);
    expect(senderAllowed(scopes, 'unknown', 'alice')).toBe(false);
  });

  it('accepts an already parsed value and an empty map', () => {
    expect(parsePeerScopes({})).toEqual({ ok: true, scopes: new Map() });
  });

  it.each([
    ['{', [{ path: '', message: 'not valid JSON' }]],
    ['[]', [{ path: '', message: 'must be a JSON object' }]],
    ['null', [{ path: '', message: 'must be a JSON object' }]],
    ['{"p":1}', [{ path: 'p', message: 'must be an object' }]],
    ['{"a b":{}}', [{ path: 'a b', message: 'peer id must be an agent id' }]],
    ['{"p":{"allowed_namespace":[]}}', [{ path: 'p.allowed_namespace', message: 'unknown field' }]],
    [
      '{"p":{"allowed_namespaces":"x"}}',
      [{ path: 'p.allowed_namespaces', message: 'must be an array of strings' }],
    ],
    [
      '{"p":{"allowed_namespaces":["a/*/b", 3],"allowed_sender_agent_ids":["a b"]}}',
      [
        { path: 'p.allowed_sender_agent_ids[0]', message: 'must be an agent id' },
        { path: 'p.allowed_namespaces[0]', message: 'unsupported namespace glob' },
        { path: 'p.allowed_namespaces[1]', message: 'must be a string' },
      ],
    ],
  ])('refuses %s listing every issue', (json, issues) => {
    expect(parsePeerScopes(json)).toEqual({
      ok: false,
      error: { tag: 'peer_scopes_malformed', issues },
    });
  });

  it('never throws on arbitrary text or JSON values', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue()), (input) => {
        const parsed = parsePeerScopes(input);
        if (!parsed.ok) expect(parsed.error.issues.length).toBeGreaterThan(0);
      }),
    );
  });
});
