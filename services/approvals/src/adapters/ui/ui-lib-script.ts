/**
 * `/ui/lib.js`: the console's DOM-free browser logic, as a classic script that defines
 * `globalThis.FedplaneUiLib`. Kept free of the DOM so the unit test runs it in a `node:vm`
 * context against the golden HMAC vectors and SSE framing cases.
 *
 * - `signDecision` — the reference HMAC with WebCrypto (approvals.md): key = SHA-256(secret UTF-8)
 *   raw bytes; message `<ts>.POST.<id>.<raw body>`; `sha256=<lower-case hex>`.
 * - `createSseParser` — an incremental `text/event-stream` parser (WHATWG rules: CR, LF or CRLF
 *   line ends, also split across chunks; `:` comments; `event`/`data` fields; dispatch on a blank
 *   line). Needed because `EventSource` cannot send the `x-api-key` header.
 * - `mergeItem` — statuses only move forward: a stale snapshot never reverts a decision.
 * - `describeFailure` — operator-facing text for an HTTP failure (401 says nothing more, as the
 *   server does).
 */
export const UI_LIB_SCRIPT = String.raw`'use strict';
(function (root) {
  var TERMINAL = { approved: true, denied: true, expired: true };
  var MAX_LINE_CHARS = 1048576;
  var REMEMBER = { once: true, session: true, forever: true };

  function toHex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = '';
    for (var i = 0; i < bytes.length; i += 1) out += bytes[i].toString(16).padStart(2, '0');
    return out;
  }

  /** The exact body bytes that are signed and sent. */
  function decisionBody(decision, remember) {
    if (decision !== 'approve' && decision !== 'deny') throw new Error('bad decision');
    if (!REMEMBER[remember]) throw new Error('bad remember');
    return JSON.stringify({ decision: decision, remember: remember });
  }

  function canonicalMessage(input) {
    return String(input.timestamp) + '.POST.' + input.pendingId + '.' + input.body;
  }

  /** Resolves to the X-AI-Memory-Signature header value. */
  async function signDecision(input) {
    var subtle = root.crypto && root.crypto.subtle;
    if (!subtle) throw new Error('webcrypto_unavailable');
    var enc = new TextEncoder();
    var keyBytes = await subtle.digest('SHA-256', enc.encode(input.secret));
    var key = await subtle.importKey('raw', keyBytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
      'sign',
    ]);
    var mac = await subtle.sign('HMAC', key, enc.encode(canonicalMessage(input)));
    return 'sha256=' + toHex(mac);
  }

  /** Unix seconds to sign with: the local clock, corrected when it is off by 30 s or more. */
  function signingTimestamp(nowMs, offsetS) {
    var local = Math.floor(nowMs / 1000);
    return Math.abs(offsetS) >= 30 ? local + offsetS : local;
  }

  /** Server clock minus local clock, in whole seconds, from an HTTP Date header (0 if unusable). */
  function clockOffsetS(dateHeader, nowMs) {
    if (typeof dateHeader !== 'string' || dateHeader === '') return 0;
    var serverMs = Date.parse(dateHeader);
    if (!Number.isFinite(serverMs)) return 0;
    return Math.round((serverMs - nowMs) / 1000);
  }

  function createSseParser(handlers) {
    var buffer = '';
    var eventType = '';
    var data = [];

    function dispatch() {
      if (data.length > 0) {
        handlers.onEvent({ event: eventType === '' ? 'message' : eventType, data: data.join('\n') });
      }
      eventType = '';
      data = [];
    }

    function line(text) {
      if (text === '') return dispatch();
      if (text.charAt(0) === ':') {
        if (handlers.onComment) handlers.onComment(text.slice(1).trim());
        return undefined;
      }
      var colon = text.indexOf(':');
      var field = colon === -1 ? text : text.slice(0, colon);
      var value = colon === -1 ? '' : text.slice(colon + 1);
      if (value.charAt(0) === ' ') value = value.slice(1);
      if (field === 'event') eventType = value;
      else if (field === 'data') data.push(value);
      return undefined;
    }

    return {
      push: function (chunk) {
        buffer += chunk;
        var start = 0;
        for (;;) {
          var cr = buffer.indexOf('\r', start);
          var lf = buffer.indexOf('\n', start);
          if (cr === -1 && lf === -1) break;
          var end;
          var next;
          if (cr !== -1 && (lf === -1 || cr < lf)) {
            if (cr === buffer.length - 1) break;
            end = cr;
            next = buffer.charAt(cr + 1) === '\n' ? cr + 2 : cr + 1;
          } else {
            end = lf;
            next = lf + 1;
          }
          line(buffer.slice(start, end));
          start = next;
        }
        buffer = buffer.slice(start);
        if (buffer.length > MAX_LINE_CHARS) throw new Error('sse_line_too_long');
      },
    };
  }

  function isTerminal(status) {
    return TERMINAL[status] === true;
  }

  /**
   * Merges a newer partial view of one action into the current one: fields the newer view does
   * not carry (undefined) are kept, and decisions are never undone.
   */
  function mergeItem(current, incoming) {
    var merged = Object.assign({}, current || {});
    Object.keys(incoming).forEach(function (key) {
      if (incoming[key] !== undefined) merged[key] = incoming[key];
    });
    if (!current) return merged;
    if (isTerminal(current.status) && !isTerminal(incoming.status)) {
      merged.status = current.status;
      merged.decided_by = current.decided_by;
      merged.decided_at = current.decided_at;
    }
    return merged;
  }

  /** The partial view carried by an SSE frame, or null for a frame that is not one of ours. */
  function frameToItem(name, data) {
    if (name === 'approval_requested' && data && typeof data.pending_id === 'string') {
      return {
        id: data.pending_id,
        action_type: data.action_type,
        namespace: data.namespace,
        requested_by: data.requested_by,
        requested_at: data.requested_at,
        status: 'pending',
      };
    }
    if (name === 'approval_decided' && data && typeof data.pending_id === 'string') {
      return {
        id: data.pending_id,
        action_type: data.action_type,
        namespace: data.namespace,
        requested_by: data.requested_by,
        status: data.decision === 'approve' ? 'approved' : 'denied',
        decided_by: data.decided_by,
        remember: data.remember,
      };
    }
    return null;
  }

  /** The view change a decision response implies. */
  function responseToItem(id, body) {
    if (body && body.approved === true) {
      return { id: id, status: 'approved', decided_by: body.decided_by, remember: body.remember };
    }
    if (body && body.rejected === true) {
      return { id: id, status: 'denied', decided_by: body.decided_by, remember: body.remember };
    }
    if (body && body.status === 'pending') {
      return { id: id, status: 'pending', votes: body.votes, quorum: body.quorum };
    }
    return null;
  }

  function serverMessage(body) {
    return body && typeof body.message === 'string' && body.message !== '' ? ' ' + body.message : '';
  }

  /** Operator-facing text for a failed API call. */
  function describeFailure(status, body) {
    switch (status) {
      case 401:
        return 'Not authorised (401): the API key, the HMAC secret or this computer\'s clock was rejected. The server does not say which.';
      case 403:
        return 'Forbidden (403): you may not decide this action (for example your own request).' + serverMessage(body);
      case 404:
        return 'Not found (404): this action no longer exists.';
      case 409:
        return 'Already decided (409): someone decided this action first. The list has been refreshed.';
      case 400:
        return 'Rejected as malformed (400).' + serverMessage(body);
      case 429:
        return 'Too many requests (429): wait a moment and try again.';
      case 503:
        return 'Service unavailable (503): a dependency is down; try again shortly.';
      default:
        return 'Request failed (HTTP ' + status + ').' + serverMessage(body);
    }
  }

  root.FedplaneUiLib = {
    decisionBody: decisionBody,
    canonicalMessage: canonicalMessage,
    signDecision: signDecision,
    signingTimestamp: signingTimestamp,
    clockOffsetS: clockOffsetS,
    createSseParser: createSseParser,
    isTerminal: isTerminal,
    mergeItem: mergeItem,
    frameToItem: frameToItem,
    responseToItem: responseToItem,
    describeFailure: describeFailure,
  };
})(globalThis);
`;
