import type { FastifyInstance, FastifyReply } from 'fastify';
import { UI_APP_SCRIPT } from './ui-app-script.js';
import { UI_BOARD_SCRIPT } from './ui-board-script.js';
import { UI_LIB_SCRIPT } from './ui-lib-script.js';
import { UI_ASSET_PATHS, renderUiPage } from './ui-page.js';
import { UI_RENDER_SCRIPT } from './ui-render-script.js';
import { UI_STREAM_SCRIPT } from './ui-stream-script.js';
import { UI_STYLES } from './ui-styles.js';

/**
 * The operator console at `GET /ui`: one HTML page plus its same-origin assets (`/ui/app.css`,
 * `/ui/{lib,render,board,stream,app}.js`, `/ui/favicon.svg`), built once at registration
 * from string modules (no bundler, no CDN, no file reads). The routes are public: the page holds
 * no secret, and everything it does goes through the authenticated API (`x-api-key`, the HMAC
 * decision headers) from the operator's browser. Every response carries a strict CSP (same origin
 * only, nothing inline, Trusted Types required) and the usual hardening headers.
 */

/** Options of {@link registerUi}. */
export type UiOptions = {
  /** Path of the JSON API the page calls (default `/api/v1`). */
  readonly apiBase?: string;
  /** Safety-net re-sync period of the page in ms, besides connect and `lagged` (default 60 000; 0 = off). */
  readonly resyncIntervalMs?: number;
  /** The page reopens a stream silent for longer than this (default 45 000; keepalives come every 15 s). */
  readonly staleAfterMs?: number;
};

/** Default of {@link UiOptions.apiBase}. */
export const DEFAULT_UI_API_BASE = '/api/v1';
/** Default of {@link UiOptions.resyncIntervalMs}. */
export const DEFAULT_UI_RESYNC_MS = 60_000;
/** Default of {@link UiOptions.staleAfterMs}. */
export const DEFAULT_UI_STALE_MS = 45_000;

/** The Content-Security-Policy of every `/ui` response. */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** Headers set on every `/ui` response. */
export const UI_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': UI_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
};

const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2454d6"/><path d="M9 16.5l4.5 4.5L23 11.5" fill="none" stroke="#fff" stroke-width="3.2" stroke-linecap="round" stroke-linejoin="round"/></svg>`;

type Asset = {
  readonly path: string;
  readonly type: string;
  readonly body: string;
  readonly cache: string;
};

function send(reply: FastifyReply, asset: Asset): FastifyReply {
  return reply
    .code(200)
    .headers(UI_SECURITY_HEADERS)
    .header('cache-control', asset.cache)
    .type(asset.type)
    .send(asset.body);
}

/** The page and its assets for the given options. */
export function uiAssets(opts: UiOptions = {}): readonly Asset[] {
  const page = renderUiPage({
    apiBase: opts.apiBase ?? DEFAULT_UI_API_BASE,
    resyncIntervalMs: opts.resyncIntervalMs ?? DEFAULT_UI_RESYNC_MS,
    staleAfterMs: opts.staleAfterMs ?? DEFAULT_UI_STALE_MS,
  });
  const js = 'text/javascript; charset=utf-8';
  return [
    { path: '/ui', type: 'text/html; charset=utf-8', body: page, cache: 'no-store' },
    {
      path: UI_ASSET_PATHS.css,
      type: 'text/css; charset=utf-8',
      body: UI_STYLES,
      cache: 'no-cache',
    },
    { path: UI_ASSET_PATHS.lib, type: js, body: UI_LIB_SCRIPT, cache: 'no-cache' },
    { path: UI_ASSET_PATHS.render, type: js, body: UI_RENDER_SCRIPT, cache: 'no-cache' },
    { path: UI_ASSET_PATHS.board, type: js, body: UI_BOARD_SCRIPT, cache: 'no-cache' },
    { path: UI_ASSET_PATHS.stream, type: js, body: UI_STREAM_SCRIPT, cache: 'no-cache' },
    { path: UI_ASSET_PATHS.app, type: js, body: UI_APP_SCRIPT, cache: 'no-cache' },
    { path: UI_ASSET_PATHS.favicon, type: 'image/svg+xml', body: FAVICON, cache: 'no-cache' },
  ];
}

/**
 * Registers `GET /ui` and its assets on the approvals HTTP app (HEAD comes with fastify's
 * defaults). Call it once, before `listen`.
 */
export function registerUi(app: FastifyInstance, opts: UiOptions = {}): void {
  for (const asset of uiAssets(opts)) {
    app.get(asset.path, (_req, reply) => send(reply, asset));
  }
}
