/**
 * `/ui/stream.js`: the live connection to `GET <api>/approvals/stream`, as a classic script that
 * defines `globalThis.FedplaneUiStream`. `EventSource` cannot send headers, so the stream is a
 * `fetch` with `x-api-key` and `X-Agent-Id` whose body is read as it arrives and parsed by
 * `FedplaneUiLib.createSseParser` — the API's auth is unchanged. A stream that ends, fails, or
 * stays silent longer than the stale limit (keepalives come every 15 s) is reopened with
 * jittered backoff (1, 2, 5, 10, 20, 30 s); a 401/403 stops it until the operator reconnects.
 * Frames are handed over one at a time, in order, even when a handler is async.
 */
export const UI_STREAM_SCRIPT = String.raw`'use strict';
(function (root) {
  var BACKOFF_S = [1, 2, 5, 10, 20, 30];

  /**
   * options: { url, staleMs, headers() -> object, onOpen(), onFrame(frame) -> promise|void,
   * onFrameError(error), onState(state, detail) } with state one of connecting, live,
   * retrying (detail = delay ms), unauthorised, stopped.
   */
  function createLiveStream(options) {
    var current = null;
    var attempt = 0;
    var retryTimer = 0;

    async function read(controller) {
      var res = await root.fetch(options.url, {
        headers: options.headers(),
        signal: controller.signal,
        cache: 'no-store',
      });
      if (res.status === 401 || res.status === 403) return 'unauthorised';
      if (!res.ok || !res.body) throw new Error('stream_http_' + res.status);
      attempt = 0;
      options.onState('live');
      options.onOpen();
      var lastByte = Date.now();
      var watchdog = setInterval(function () {
        if (Date.now() - lastByte > options.staleMs) controller.abort();
      }, Math.min(5000, options.staleMs));
      var queue = Promise.resolve();
      var parser = root.FedplaneUiLib.createSseParser({
        onEvent: function (frame) {
          queue = queue
            .then(function () {
              return options.onFrame(frame);
            })
            .catch(options.onFrameError);
        },
      });
      try {
        var reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          var chunk = await reader.read();
          if (chunk.done) break;
          lastByte = Date.now();
          parser.push(chunk.value);
        }
      } finally {
        clearInterval(watchdog);
      }
      return 'ended';
    }

    function retry() {
      var base = BACKOFF_S[Math.min(attempt, BACKOFF_S.length - 1)];
      attempt += 1;
      var delay = Math.round(base * 1000 * (0.8 + Math.random() * 0.4));
      options.onState('retrying', delay);
      retryTimer = setTimeout(start, delay);
    }

    function stop(state) {
      clearTimeout(retryTimer);
      if (current) current.abort();
      current = null;
      options.onState(state || 'stopped');
    }

    function start() {
      clearTimeout(retryTimer);
      if (current) current.abort();
      var controller = new AbortController();
      current = controller;
      options.onState('connecting');
      read(controller)
        .then(function (outcome) {
          if (current !== controller) return;
          if (outcome === 'unauthorised') stop('unauthorised');
          else retry();
        })
        .catch(function () {
          if (current === controller) retry();
        });
    }

    return { start: start, stop: stop };
  }

  root.FedplaneUiStream = { createLiveStream: createLiveStream };
})(globalThis);
`;
