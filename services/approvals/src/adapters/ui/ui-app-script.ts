/**
 * `/ui/app.js`: the console controller (classic script, runs after `lib.js`, `render.js`,
 * `board.js` and `stream.js`).
 *
 * - Settings (API key, agent id, HMAC secret) live in `sessionStorage` of this tab only. The API
 *   key goes out as `x-api-key`, the agent id as `X-Agent-Id`; the secret never leaves the page:
 *   it only keys the WebCrypto HMAC of each decision.
 * - The list is loaded from `GET <api>/pending` (all pages, capped) whenever the live stream
 *   (re)connects, on a `lagged` frame, on Refresh and every `data-resync-ms` as a safety net;
 *   frames in between update it live, and a new request is announced in the polite live region.
 * - Decisions: `POST <api>/approvals/:id` signed in the browser (the server's clock is followed
 *   when the local one is off by 30 s or more); 401/403/404/409 are shown in the alert banner and
 *   on the card.
 */
export const UI_APP_SCRIPT = String.raw`'use strict';
(function (root) {
  var lib = root.FedplaneUiLib;
  var body = document.body;
  var API = body.dataset.apiBase || '/api/v1';
  var RESYNC_MS = Number(body.dataset.resyncMs || '60000');
  var STALE_MS = Number(body.dataset.staleMs || '45000');
  var STORE = 'fedplane.approvals.';
  var KEYS = ['apiKey', 'agentId', 'secret'];
  var MAX_PAGES = 10;
  var AGENT_ID = /^[A-Za-z0-9_\-:@./]{1,128}$/;

  var $ = function (id) {
    return document.getElementById(id);
  };
  var form = $('settings');
  var inputs = { apiKey: $('api-key'), agentId: $('agent-id'), secret: $('hmac-secret') };
  var settings = null;
  var resyncTimer = 0;
  var clockOffset = 0;
  var syncing = null;
  var syncAgain = false;

  function setConn(state, text) {
    $('conn').dataset.state = state;
    $('conn').textContent = text;
  }
  function showError(text) {
    root.FedplaneUiRender.showBanner($('error'), text);
  }
  function announce(text) {
    $('announcer').textContent = '';
    setTimeout(function () {
      $('announcer').textContent = text;
    }, 50);
  }
  function describe(item) {
    return (item.action_type || 'action') + ' in ' + (item.namespace || '?');
  }

  var board = root.FedplaneUiBoard.createBoard({
    maxDecided: 100,
    context: function () {
      return { agentId: settings ? settings.agentId : '' };
    },
    onDecide: function (id, decision, remember) {
      void decide(id, decision, remember);
    },
  });

  function apiHeaders(extra) {
    return Object.assign({ 'x-api-key': settings.apiKey, accept: 'application/json' }, extra || {});
  }

  async function api(path, init) {
    var res = await fetch(API + path, Object.assign({ cache: 'no-store' }, init));
    var date = res.headers.get('date');
    if (date) clockOffset = lib.clockOffsetS(date, Date.now());
    var data = null;
    try {
      data = await res.json();
    } catch (e) {
      data = null;
    }
    return { status: res.status, ok: res.ok, data: data };
  }

  async function refreshOne(id) {
    var r = await api('/pending/' + encodeURIComponent(id), { headers: apiHeaders() });
    if (r.ok && r.data) board.apply(r.data);
    else if (r.status === 404) board.drop(id);
  }

  async function resyncOnce() {
    var seen = new Set();
    var cursor = null;
    for (var page = 0; page < MAX_PAGES; page += 1) {
      var query = '/pending?status=pending&limit=200';
      if (cursor) query += '&cursor=' + encodeURIComponent(cursor);
      var r = await api(query, { headers: apiHeaders() });
      if (!r.ok || !r.data) {
        if (r.status === 401) live.stop('unauthorised');
        showError('Could not load pending actions. ' + lib.describeFailure(r.status, r.data));
        return;
      }
      r.data.items.forEach(function (view) {
        seen.add(view.id);
        board.apply(view);
      });
      cursor = r.data.next_cursor;
      if (!cursor) break;
    }
    $('page-note').textContent = cursor ? 'Showing the oldest ' + seen.size + ' pending actions.' : '';
    // Shown as pending but no longer listed: decided or expired while we were not looking.
    var gone = board.pendingIds().filter(function (id) {
      return !seen.has(id);
    });
    await Promise.all(gone.slice(0, 20).map(refreshOne));
  }

  function resync() {
    if (!settings) return Promise.resolve();
    if (syncing) {
      syncAgain = true;
      return syncing;
    }
    syncing = resyncOnce()
      .catch(function () {
        showError('Could not reach the approvals service to load pending actions.');
      })
      .finally(function () {
        syncing = null;
        if (syncAgain) {
          syncAgain = false;
          void resync();
        }
      });
    return syncing;
  }

  async function onFrame(frame) {
    var data = null;
    try {
      data = JSON.parse(frame.data);
    } catch (e) {
      return;
    }
    if (frame.event === 'lagged' || frame.event === 'error') {
      if (frame.event === 'lagged') announce('Fell behind the live stream; re-syncing the list.');
      await resync();
      $('sync-note').textContent = 'The live stream ' + (frame.event === 'lagged' ? 'lagged' : 'reported an error') + '; the list was re-synced.';
      return;
    }
    var partial = lib.frameToItem(frame.event, data);
    if (!partial) return;
    var before = board.get(partial.id);
    var merged = board.apply(partial);
    if (frame.event === 'approval_requested') {
      if (!before) announce('New request: ' + describe(merged) + ' from ' + merged.requested_by + '.');
      await refreshOne(partial.id);
    } else if (!before || before.status !== merged.status) {
      announce(describe(merged) + ' was ' + merged.status + ' by ' + merged.decided_by + '.');
    }
  }

  var live = root.FedplaneUiStream.createLiveStream({
    url: API + '/approvals/stream',
    staleMs: STALE_MS,
    headers: function () {
      return apiHeaders({ accept: 'text/event-stream', 'x-agent-id': settings.agentId });
    },
    onOpen: function () {
      void resync();
    },
    onFrame: onFrame,
    onFrameError: function () {
      $('sync-note').textContent = 'A live update could not be applied; use Refresh.';
    },
    onState: function (state, detail) {
      if (state === 'live') return setConn('live', 'Live as ' + settings.agentId + '.');
      if (state === 'connecting') return setConn('connecting', 'Connecting…');
      if (state === 'retrying') {
        return setConn('retrying', 'Disconnected; reconnecting in ' + Math.ceil(detail / 1000) + ' s.');
      }
      clearInterval(resyncTimer);
      if (state !== 'unauthorised') return setConn('idle', 'Not connected.');
      setConn('error', 'Not authorised: check the API key, then connect again.');
      return showError(lib.describeFailure(401, null));
    },
  });

  function connect() {
    clearInterval(resyncTimer);
    if (RESYNC_MS > 0) resyncTimer = setInterval(resync, RESYNC_MS);
    live.start();
  }

  function confirmForever(item, decision) {
    return root.confirm(
      'Record a permanent rule? Future ' + describe(item) + ' requests from ' + item.requested_by +
        ' will be ' + (decision === 'approve' ? 'approved' : 'denied') +
        ' automatically until the rule is deleted.',
    );
  }

  async function decide(id, decision, remember) {
    var card = board.card(id);
    var item = board.get(id);
    if (!card || !item || !settings) return;
    if (remember === 'forever' && !confirmForever(item, decision)) return;
    card.setBusy(true);
    card.setNote('', '');
    try {
      var payload = lib.decisionBody(decision, remember);
      var ts = String(lib.signingTimestamp(Date.now(), clockOffset));
      var signature = await lib.signDecision({
        secret: settings.secret, timestamp: ts, pendingId: id, body: payload,
      });
      var r = await api('/approvals/' + encodeURIComponent(id), {
        method: 'POST',
        body: payload,
        headers: apiHeaders({
          'content-type': 'application/json',
          'x-agent-id': settings.agentId,
          'x-ai-memory-signature': signature,
          'x-ai-memory-timestamp': ts,
        }),
      });
      var change = r.ok ? lib.responseToItem(id, r.data) : null;
      if (change) {
        var merged = board.apply(change);
        var voted = merged.status === 'pending';
        if (voted) card.setNote('Vote recorded (' + merged.votes + ' of ' + merged.quorum + ').', 'info');
        announce(describe(merged) + ': ' + (voted ? 'vote recorded' : merged.status) + '.');
        showError('');
        void refreshOne(id).catch(function () {
          return undefined;
        });
      } else {
        var text = lib.describeFailure(r.status, r.data);
        showError(text);
        card.setNote(text, 'error');
        if (r.status === 404 || r.status === 409) await refreshOne(id);
      }
    } catch (e) {
      var message = e && e.message === 'webcrypto_unavailable'
        ? 'This browser cannot sign here: open the console over HTTPS or on localhost (WebCrypto needs a secure context).'
        : 'The decision could not be sent: the approvals service is unreachable.';
      showError(message);
      card.setNote(message, 'error');
    } finally {
      card.setBusy(false);
    }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var s = {
      apiKey: inputs.apiKey.value.trim(),
      agentId: inputs.agentId.value.trim(),
      secret: inputs.secret.value,
    };
    if (!s.apiKey || !s.secret || !AGENT_ID.test(s.agentId)) {
      showError('Enter an API key, an agent id (letters, digits and _-:@./ only) and the HMAC secret.');
      return;
    }
    KEYS.forEach(function (k) {
      sessionStorage.setItem(STORE + k, s[k]);
    });
    settings = s;
    showError('');
    board.refresh();
    connect();
  });

  $('forget').addEventListener('click', function () {
    live.stop();
    KEYS.forEach(function (k) {
      sessionStorage.removeItem(STORE + k);
    });
    settings = null;
    form.reset();
    board.clear();
    showError('');
  });

  $('refresh').addEventListener('click', function () {
    void resync();
  });

  if (!(root.crypto && root.crypto.subtle)) {
    showError('This page needs WebCrypto to sign decisions: open it over HTTPS or on localhost.');
  }
  var stored = {};
  KEYS.forEach(function (k) {
    stored[k] = sessionStorage.getItem(STORE + k) || '';
  });
  inputs.apiKey.value = stored.apiKey;
  inputs.agentId.value = stored.agentId;
  inputs.secret.value = stored.secret;
  if (stored.apiKey && stored.agentId && stored.secret) {
    settings = stored;
    connect();
  }
})(globalThis);
`;
