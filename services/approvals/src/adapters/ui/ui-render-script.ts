/**
 * `/ui/render.js`: builds and updates one card per pending action, as a classic script that
 * defines `globalThis.FedplaneUiRender`. Every value from the API goes in through `textContent`
 * or an attribute, never through HTML parsing (the page's CSP also requires Trusted Types, so an
 * `innerHTML` assignment would throw). Cards are updated in place, so a focused button or a chosen
 * "remember" value survives live updates.
 */
export const UI_RENDER_SCRIPT = String.raw`'use strict';
(function (root) {
  var STATUS_TEXT = { pending: 'Pending', approved: 'Approved', denied: 'Denied', expired: 'Expired' };
  var REMEMBER_TEXT = {
    once: 'Once (no rule)',
    session: 'This session (rule expires)',
    forever: 'Forever (permanent rule)',
  };
  var counter = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function formatTime(iso) {
    if (typeof iso !== 'string' || iso === '') return '—';
    var ms = Date.parse(iso);
    if (!Number.isFinite(ms)) return iso;
    return new Date(ms).toLocaleString(undefined, {
      dateStyle: 'medium',
      timeStyle: 'medium',
    });
  }

  function setTime(node, iso) {
    node.textContent = formatTime(iso);
    if (typeof iso === 'string' && iso !== '') {
      node.setAttribute('datetime', iso);
      node.title = iso;
    } else {
      node.removeAttribute('datetime');
      node.title = '';
    }
  }

  function metaRow(list, label) {
    var dt = el('dt', '', label);
    var dd = el('dd');
    list.append(dt, dd);
    return { dt: dt, dd: dd };
  }

  function sameAgent(a, b) {
    return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
  }

  function approversText(item) {
    var a = item.approvers;
    if (!a || a.kind === 'any') return 'Any operator except the requester';
    if (a.kind === 'agent') return 'Only ' + a.agent_id;
    if (a.kind === 'quorum') return 'Quorum of ' + a.quorum;
    return '—';
  }

  function votesText(item) {
    var quorum = item.quorum || (item.approvers && item.approvers.quorum);
    if (!quorum) return null;
    var votes = typeof item.votes === 'number' ? item.votes : (item.approvals || []).length;
    return votes + ' of ' + quorum;
  }

  /**
   * One card. handlers.onDecide(id, decision, remember) runs the decision; returns
   * { el, update(item, ctx), setBusy(flag), setNote(text, kind) }.
   */
  function createCard(item, handlers) {
    counter += 1;
    var uid = 'a' + counter;
    var li = el('li', 'card');
    li.dataset.id = item.id;
    var article = el('article');
    article.setAttribute('aria-labelledby', uid + '-t');
    var head = el('header', 'card-head');
    var title = el('h3');
    title.id = uid + '-t';
    var action = el('span', 'action');
    var ns = el('span', 'ns');
    title.append(action, el('span', 'in', ' in '), ns);
    var badge = el('span', 'badge status');
    head.append(title, badge);

    var meta = el('dl', 'meta');
    var by = metaRow(meta, 'Requested by');
    var at = metaRow(meta, 'Requested');
    var atTime = el('time');
    at.dd.append(atTime);
    var expires = metaRow(meta, 'Expires');
    var expiresTime = el('time');
    expires.dd.append(expiresTime);
    var who = metaRow(meta, 'Approvers');
    var votes = metaRow(meta, 'Votes');
    var decided = metaRow(meta, 'Decided by');
    var decidedAt = metaRow(meta, 'Decided');
    var decidedTime = el('time');
    decidedAt.dd.append(decidedTime);

    var details = el('details', 'payload');
    details.append(el('summary', '', 'Payload'));
    var pre = el('pre');
    details.append(pre);

    var group = el('div', 'decide');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-labelledby', uid + '-t');
    var label = el('label', '', 'Remember');
    label.htmlFor = uid + '-r';
    var select = el('select');
    select.id = uid + '-r';
    ['once', 'session', 'forever'].forEach(function (value) {
      var option = el('option', '', REMEMBER_TEXT[value]);
      option.value = value;
      select.append(option);
    });
    var approve = el('button', 'approve', 'Approve');
    approve.type = 'button';
    var deny = el('button', 'deny', 'Deny');
    deny.type = 'button';
    approve.setAttribute('aria-describedby', uid + '-t');
    deny.setAttribute('aria-describedby', uid + '-t');
    approve.addEventListener('click', function () {
      if (!busy) handlers.onDecide(item.id, 'approve', select.value);
    });
    deny.addEventListener('click', function () {
      if (!busy) handlers.onDecide(item.id, 'deny', select.value);
    });
    group.append(label, select, approve, deny);
    var note = el('p', 'note');
    note.id = uid + '-n';

    article.append(head, meta, details, group, note);
    li.append(article);

    var busy = false;
    var selfRequest = false;

    // While a decision is in flight the buttons are aria-disabled (clicks ignored), not
    // disabled: a disabled button would drop the keyboard focus.
    function syncButtons(status) {
      var open = status === 'pending';
      group.hidden = !open;
      approve.disabled = !open || selfRequest;
      deny.disabled = !open;
      select.disabled = busy || !open;
      approve.setAttribute('aria-disabled', String(busy || approve.disabled));
      deny.setAttribute('aria-disabled', String(busy || deny.disabled));
    }

    function update(next, ctx) {
      item = next;
      li.dataset.status = next.status || 'pending';
      action.textContent = next.action_type || 'action';
      ns.textContent = next.namespace || '—';
      badge.textContent = STATUS_TEXT[next.status] || String(next.status);
      badge.dataset.status = next.status || 'pending';
      by.dd.textContent = next.requested_by || '—';
      setTime(atTime, next.requested_at);
      setTime(expiresTime, next.expires_at);
      expires.dt.hidden = expires.dd.hidden = !next.expires_at;
      who.dd.textContent = approversText(next);
      who.dt.hidden = who.dd.hidden = !next.approvers;
      var v = votesText(next);
      votes.dd.textContent = v || '';
      votes.dt.hidden = votes.dd.hidden = v === null;
      var decider = next.decided_by ? next.decided_by : '';
      if (decider && next.remember) decider += ' (remember: ' + next.remember + ')';
      decided.dd.textContent = decider;
      decided.dt.hidden = decided.dd.hidden = decider === '';
      setTime(decidedTime, next.decided_at);
      decidedAt.dt.hidden = decidedAt.dd.hidden = !next.decided_at;
      details.hidden = !next.payload;
      pre.textContent = next.payload ? JSON.stringify(next.payload, null, 2) : '';
      selfRequest = sameAgent(next.requested_by, ctx.agentId);
      if (selfRequest && next.status === 'pending') {
        approve.title = 'You requested this action: another operator must approve it.';
      } else {
        approve.title = '';
      }
      syncButtons(next.status);
    }

    function setBusy(flag) {
      busy = flag;
      article.setAttribute('aria-busy', flag ? 'true' : 'false');
      syncButtons(item.status);
    }

    function setNote(text, kind) {
      note.textContent = text || '';
      note.dataset.kind = kind || '';
    }

    return { el: li, update: update, setBusy: setBusy, setNote: setNote };
  }

  /** Replaces an element's content with a message and a dismiss button (the error banner). */
  function showBanner(container, text) {
    container.replaceChildren();
    if (!text) return;
    var message = el('p', '', text);
    var dismiss = el('button', 'link', 'Dismiss');
    dismiss.type = 'button';
    dismiss.addEventListener('click', function () {
      container.replaceChildren();
    });
    container.append(message, dismiss);
  }

  root.FedplaneUiRender = { createCard: createCard, showBanner: showBanner, formatTime: formatTime };
})(globalThis);
`;
