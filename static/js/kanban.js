/* The ART Kanban: what htmx alone does not do.
   - Drag a card to another column of its lane (SortableJS, one group per lane; a column the
     card may not go to takes no drop). The server decides: a move made answers the whole board
     (counts and limit marks right); a refused one answers the card as it is, which goes back
     to its column with the rule's words, the reason form (a column at its WIP limit) or the
     other person's change (409).
   - A refusal (403) or a conflict (409) from a card's own form is swapped in like any answer.
   Every drag has a keyboard alternative in the card's "Move to…" menu. */
(function () {
  "use strict";

  function csrfHeaders() {
    return window.railyardCsrfHeaders();
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    var elt = event.detail.elt;
    if ((status === 403 || status === 409) && elt && elt.closest && elt.closest("[data-kanban]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function filterValues() {
    var form = document.getElementById("kanban-filters");
    var values = {};
    if (!form) return values;
    new FormData(form).forEach(function (value, name) { values[name] = value; });
    return values;
  }

  /* Put a card that came back from the server in the column its data-state names, in `lane`. */
  function place(card, lane) {
    if (!card || !card.classList || !card.classList.contains("kanban-card")) return;
    lane = lane || (card.parentElement && card.parentElement.getAttribute("data-lane"));
    var list = document.querySelector('.kanban-cell[data-lane="' + lane + '"][data-state="' + card.getAttribute("data-state") + '"]');
    if (list && card.parentElement !== list) {
      list.insertBefore(card, list.firstElementChild);
    }
    card.scrollIntoView({ block: "nearest", inline: "nearest" });
    var focus = card.querySelector("[data-autofocus]") || card.querySelector("[role=alert]");
    if (focus) {
      if (!/INPUT|TEXTAREA|SELECT|BUTTON|A/.test(focus.tagName) && !focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
      focus.focus();
    }
  }

  function move(card, state, lane) {
    var url = card.getAttribute("data-move-url");
    if (!url) return place(card, lane);
    card.classList.add("kanban-card--saving");
    card.setAttribute("aria-busy", "true");
    var values = filterValues();
    values.state = state;
    values.version = card.getAttribute("data-version");
    var id = card.id;
    htmx.ajax("POST", url, { source: card, target: card, swap: "outerHTML", headers: csrfHeaders(), values: values })
      .then(function () {
        var fresh = document.getElementById(id);
        // A move made swapped the whole board; a refused one answered this card.
        if (fresh && fresh.getAttribute("data-state") !== (fresh.parentElement && fresh.parentElement.getAttribute("data-state"))) place(fresh, lane);
        else if (fresh && fresh.querySelector("[role=alert]")) place(fresh, lane);
      }, function () {
        card.classList.remove("kanban-card--saving");
        card.removeAttribute("aria-busy");
        place(card, lane);
      });
  }

  function movesOf(card) {
    return (card.getAttribute("data-moves") || "").split(/\s+/);
  }

  function init() {
    var board = document.querySelector("[data-kanban]");
    if (!board || typeof Sortable === "undefined") return;
    board.querySelectorAll(".kanban-cell[data-state]").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: {
          name: "kanban-lane-" + list.getAttribute("data-lane"),
          pull: true,
          put: function (to, from, dragged) { return movesOf(dragged).indexOf(to.el.getAttribute("data-state")) >= 0; },
        },
        sort: false,
        animation: 150,
        draggable: ".kanban-card[data-move-url]",
        filter: "button, a, input, textarea, select, summary, details[open], form",
        preventOnFilter: false,
        ghostClass: "kanban-card--ghost",
        chosenClass: "kanban-card--chosen",
        emptyInsertThreshold: 24,
        onStart: function () { document.body.classList.add("is-dragging-card"); },
        onEnd: function () { document.body.classList.remove("is-dragging-card"); },
        onAdd: function (evt) {
          move(evt.item, evt.to.getAttribute("data-state"), evt.from.getAttribute("data-lane"));
        },
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    if (elt && elt.id === "kanban-board") {
      init();
    } else if (elt && elt.id && elt.id.indexOf("feature-card-") === 0) {
      // A card answered from its menu or a form on it: keep it in its column.
      place(document.getElementById(elt.id));
    }
  });
})();
