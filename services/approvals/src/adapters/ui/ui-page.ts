/**
 * The `/ui` document: markup only. Scripts and styles are separate same-origin files (the CSP
 * allows nothing inline); page settings reach the script through `data-*` attributes on `<body>`.
 */

/** Where the page's assets are served. */
export const UI_ASSET_PATHS = {
  css: '/ui/app.css',
  lib: '/ui/lib.js',
  render: '/ui/render.js',
  board: '/ui/board.js',
  stream: '/ui/stream.js',
  app: '/ui/app.js',
  favicon: '/ui/favicon.svg',
} as const;

/** Settings of the page, embedded as `data-*` attributes. */
export type UiPageSettings = {
  /** Path of the JSON API (e.g. `/api/v1`). */
  readonly apiBase: string;
  /** Safety-net re-sync period in ms (0 = only on connect and on `lagged`). */
  readonly resyncIntervalMs: number;
  /** A stream silent for longer than this is reopened. */
  readonly staleAfterMs: number;
};

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for an HTML attribute value or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ESCAPES[ch] ?? ch);
}

/** The whole document for the given settings. */
export function renderUiPage(settings: UiPageSettings): string {
  const attr = (value: string | number): string => escapeHtml(String(value));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Approvals · fedplane</title>
<link rel="icon" href="${UI_ASSET_PATHS.favicon}" type="image/svg+xml">
<link rel="stylesheet" href="${UI_ASSET_PATHS.css}">
<script src="${UI_ASSET_PATHS.lib}" defer></script>
<script src="${UI_ASSET_PATHS.render}" defer></script>
<script src="${UI_ASSET_PATHS.board}" defer></script>
<script src="${UI_ASSET_PATHS.stream}" defer></script>
<script src="${UI_ASSET_PATHS.app}" defer></script>
</head>
<body data-api-base="${attr(settings.apiBase)}" data-resync-ms="${attr(settings.resyncIntervalMs)}" data-stale-ms="${attr(settings.staleAfterMs)}">
<a class="skip" href="#pending-h">Skip to pending actions</a>
<header class="bar">
  <h1><span class="brand">fedplane</span> approvals</h1>
  <p id="conn" class="conn" role="status" data-state="idle">Not connected.</p>
</header>
<main>
  <section class="panel settings" aria-labelledby="settings-h">
    <h2 id="settings-h">Operator</h2>
    <form id="settings" autocomplete="off" novalidate>
      <div class="field">
        <label for="api-key">API key</label>
        <input id="api-key" type="password" autocomplete="off" spellcheck="false" required aria-describedby="api-key-hint">
        <small id="api-key-hint">Sent as <code>x-api-key</code>.</small>
      </div>
      <div class="field">
        <label for="agent-id">Agent id</label>
        <input id="agent-id" type="text" autocomplete="off" spellcheck="false" required placeholder="ops/alice" aria-describedby="agent-id-hint">
        <small id="agent-id-hint">Sent as <code>X-Agent-Id</code>: you decide as this id.</small>
      </div>
      <div class="field">
        <label for="hmac-secret">HMAC secret</label>
        <input id="hmac-secret" type="password" autocomplete="off" spellcheck="false" required aria-describedby="secret-hint">
        <small id="secret-hint">Never sent: it signs your decisions in this tab.</small>
      </div>
      <div class="actions">
        <button type="submit" class="primary">Connect</button>
        <button type="button" id="forget">Forget</button>
      </div>
    </form>
    <p class="muted">Kept in this tab's session storage only; closing the tab forgets it.</p>
  </section>
  <div id="error" class="error" role="alert"></div>
  <section class="list" aria-labelledby="pending-h">
    <div class="list-head">
      <h2 id="pending-h" tabindex="-1">Pending <span id="pending-count" class="count">0</span></h2>
      <button type="button" id="refresh">Refresh</button>
    </div>
    <p id="sync-note" class="muted" role="status"></p>
    <p id="page-note" class="muted"></p>
    <ul id="pending-list" class="cards"></ul>
    <p id="pending-empty" class="empty">Nothing is waiting for a decision.</p>
  </section>
  <section class="list" aria-labelledby="decided-h">
    <div class="list-head">
      <h2 id="decided-h">Decided while open <span id="decided-count" class="count">0</span></h2>
    </div>
    <ul id="decided-list" class="cards"></ul>
  </section>
</main>
<p id="announcer" class="visually-hidden" aria-live="polite" aria-atomic="true"></p>
</body>
</html>
`;
}
