import { Script } from 'node:vm';
import { fastify } from 'fastify';
import {
  type ZodTypeProvider,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { afterAll, describe, expect, it } from 'vitest';
import {
  UI_CONTENT_SECURITY_POLICY,
  UI_SECURITY_HEADERS,
  registerUi,
  uiAssets,
} from './register-ui.js';
import { UI_ASSET_PATHS, escapeHtml, renderUiPage } from './ui-page.js';

/** The `/ui` routes through `inject` on an app set up as the approvals service sets up its own. */

const app = fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);
registerUi(app, { apiBase: '/api/v1', resyncIntervalMs: 0, staleAfterMs: 30_000 });
afterAll(() => app.close());

const SCRIPTS = [
  UI_ASSET_PATHS.lib,
  UI_ASSET_PATHS.render,
  UI_ASSET_PATHS.board,
  UI_ASSET_PATHS.stream,
  UI_ASSET_PATHS.app,
];

describe('GET /ui and its assets', () => {
  it('serves every asset with its type and the security headers', async () => {
    for (const asset of uiAssets()) {
      const res = await app.inject({ method: 'GET', url: asset.path });
      expect(res.statusCode, asset.path).toBe(200);
      expect(res.headers['content-type']).toBe(asset.type);
      for (const [name, value] of Object.entries(UI_SECURITY_HEADERS)) {
        expect(res.headers[name], `${asset.path} ${name}`).toBe(value);
      }
      expect(res.headers['cache-control']).toBe(asset.path === '/ui' ? 'no-store' : 'no-cache');
    }
  });

  it('answers HEAD and leaves other paths alone', async () => {
    expect((await app.inject({ method: 'HEAD', url: '/ui' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/ui/nope.js' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/ui' })).statusCode).toBe(404);
  });

  it('has a CSP that allows only the same origin and nothing inline', () => {
    expect(UI_CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(UI_CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(UI_CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(UI_CONTENT_SECURITY_POLICY).toContain("require-trusted-types-for 'script'");
    expect(UI_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe|https?:|\*/);
  });

  it('embeds the options in data attributes of the page', async () => {
    const html = (await app.inject({ method: 'GET', url: '/ui' })).body;
    expect(html).toContain('data-api-base="/api/v1"');
    expect(html).toContain('data-resync-ms="0"');
    expect(html).toContain('data-stale-ms="30000"');
  });
});

describe('the page markup', () => {
  const html = renderUiPage({ apiBase: '/x"><b>', resyncIntervalMs: 1, staleAfterMs: 2 });

  it('escapes option values', () => {
    expect(html).toContain('data-api-base="/x&quot;&gt;&lt;b&gt;"');
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('has no inline script, style or event handler', () => {
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => /\bsrc="(\/ui\/[a-z]+\.js)"/.exec(m[0])?.[1])).toEqual(SCRIPTS);
    expect(scripts.every((m) => m[1] === '')).toBe(true);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=|javascript:/i);
  });

  it('references only assets that are served', () => {
    const refs = [...html.matchAll(/(?:src|href)="(\/ui\/[^"]+)"/g)].map((m) => m[1]);
    const served = new Set(uiAssets().map((a) => a.path));
    expect(refs.length).toBe(7);
    for (const ref of refs) expect(served.has(ref ?? ''), ref).toBe(true);
  });

  it('labels every input and select and has the live regions', () => {
    for (const m of html.matchAll(/<input id="([^"]+)"/g)) {
      expect(html).toContain(`<label for="${m[1]}">`);
    }
    expect(html).toContain('aria-live="polite"');
    expect(html).toContain('role="alert"');
    expect(html).toContain('role="status"');
    expect(html).toMatch(/<html lang="en">/);
  });
});

describe('the scripts', () => {
  const bodies = uiAssets().filter((a) => SCRIPTS.some((p) => p === a.path));

  it('are valid JavaScript', () => {
    expect(bodies).toHaveLength(5);
    for (const asset of bodies) expect(() => new Script(asset.body), asset.path).not.toThrow();
  });

  it('never parse HTML or evaluate strings (Trusted Types would refuse it)', () => {
    for (const asset of bodies) {
      expect(asset.body, asset.path).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setTimeout\('/,
      );
    }
  });

  it('never put the HMAC secret in a request', () => {
    const app = bodies.find((a) => a.path === UI_ASSET_PATHS.app)?.body ?? '';
    const uses = [...app.matchAll(/settings\.secret/g)].length;
    // Only as the signing key of signDecision; the headers carry the API key and agent id.
    expect(uses).toBe(1);
    expect(app).toMatch(/secret: settings\.secret, timestamp: ts/);
  });
});
