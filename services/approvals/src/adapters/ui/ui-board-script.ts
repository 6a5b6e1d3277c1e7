/**
 * `/ui/board.js`: the two lists of the console (pending; decided while the page is open), as a
 * classic script that defines `globalThis.FedplaneUiBoard`. It keeps the merged view of every
 * shown action (`FedplaneUiLib.mergeItem`: decisions are never undone by a stale snapshot), one
 * card per action (`FedplaneUiRender.createCard`, updated in place), moves a card to the decided
 * list when its status becomes final, caps that list, and keeps the counters and the empty state.
 */
export const UI_BOARD_SCRIPT = String.raw`'use strict';
(function (root) {
  var lib = root.FedplaneUiLib;
  var render = root.FedplaneUiRender;

  /** options: { onDecide(id, decision, remember), maxDecided, context() -> { agentId } }. */
  function createBoard(options) {
    var $ = function (id) {
      return document.getElementById(id);
    };
    var pendingList = $('pending-list');
    var decidedList = $('decided-list');
    var items = new Map();
    var cards = new Map();

    function counts() {
      $('pending-count').textContent = String(pendingList.children.length);
      $('decided-count').textContent = String(decidedList.children.length);
      $('pending-empty').hidden = pendingList.children.length > 0;
    }

    function forget(id) {
      var card = cards.get(id);
      if (card) card.el.remove();
      cards.delete(id);
      items.delete(id);
    }

    function place(card, item, hadFocus) {
      var target = lib.isTerminal(item.status) ? decidedList : pendingList;
      if (card.el.parentNode !== target) {
        // A decided card's buttons disappear: keep keyboard focus on the pending list.
        if (target === decidedList) target.prepend(card.el);
        else target.append(card.el);
        if (hadFocus && target === decidedList) $('pending-h').focus();
      }
      while (decidedList.children.length > options.maxDecided) {
        forget(decidedList.lastElementChild.dataset.id);
      }
      counts();
    }

    /** Merges a (partial) view in and shows it; returns the merged view. */
    function apply(partial) {
      var merged = lib.mergeItem(items.get(partial.id), partial);
      items.set(partial.id, merged);
      var card = cards.get(partial.id);
      if (!card) {
        card = render.createCard(merged, { onDecide: options.onDecide });
        cards.set(partial.id, card);
      }
      var hadFocus = card.el.contains(document.activeElement);
      card.update(merged, options.context());
      place(card, merged, hadFocus);
      return merged;
    }

    function drop(id) {
      forget(id);
      counts();
    }

    /** Ids shown as pending. */
    function pendingIds() {
      var ids = [];
      items.forEach(function (item, id) {
        if (item.status === 'pending') ids.push(id);
      });
      return ids;
    }

    /** Re-renders every card (after the operator's agent id changed). */
    function refresh() {
      cards.forEach(function (card, id) {
        card.update(items.get(id), options.context());
      });
    }

    function clear() {
      Array.from(cards.keys()).forEach(forget);
      counts();
    }

    return {
      apply: apply,
      drop: drop,
      get: function (id) {
        return items.get(id);
      },
      card: function (id) {
        return cards.get(id);
      },
      pendingIds: pendingIds,
      refresh: refresh,
      clear: clear,
    };
  }

  root.FedplaneUiBoard = { createBoard: createBoard };
})(globalThis);
`;
