/* The card boards (objectives, dependencies, ROAM): what htmx alone does not do.
   - A stale write answers 409 with the current card and what changed: swap it in like any
     answer instead of the generic error toast.
   - ROAM board: drag a risk to another column (SortableJS); the server decides. Its answer is
     the card as it is now, which goes to the column its data-roam names, so a refused move
     puts the card back where it was, with the rule's words and a quick form on it.
   Every drag has a keyboard alternative in the card's "Move to" menu.
   - Dependency board, "Load more": the next page's cards arrive (those of a group already on
     screen join it out of band); focus goes to the first of them, and the board's live refresh
     asks for every page now on screen. */
(function () {
  "use strict";

  function csrfHeaders() {
    return window.railyardCsrfHeaders();
  }

  /* --- stale writes: show the conflict in place ------------------------------------------ */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 412) {
      var elt = event.detail.elt;
      if (elt && elt.closest && elt.closest("[data-cards], .cards-page")) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    }
  });

  /* --- ROAM board ------------------------------------------------------------------------ */
  function columnOf(roam) {
    return document.querySelector('.roam-column__list[data-roam="' + roam + '"]');
  }

  function recount() {
    document.querySelectorAll(".roam-column__list[data-roam]").forEach(function (list) {
      var roam = list.getAttribute("data-roam");
      var count = document.querySelector('[data-count-for="' + roam + '"]');
      var n = list.querySelectorAll(":scope > .risk-card").length;
      if (count) count.textContent = String(n);
      var empty = list.parentElement.querySelector(".roam-column__empty");
      if (empty) empty.hidden = n > 0;
    });
  }

  /* Put a card in the column its data-roam names (after the server answered). */
  function place(card) {
    if (!card || !card.classList || !card.classList.contains("risk-card")) return;
    var list = columnOf(card.getAttribute("data-roam"));
    if (list && card.parentElement !== list) {
      list.insertBefore(card, list.firstElementChild);
      card.scrollIntoView({ block: "nearest" });
    }
    recount();
  }

  function move(card, roam, fromRoam) {
    var url = card.getAttribute("data-move-url");
    if (!url) return place(card);
    card.classList.add("risk-card--saving");
    card.setAttribute("aria-busy", "true");
    htmx.ajax("POST", url, {
      source: card,
      target: card,
      swap: "outerHTML",
      headers: csrfHeaders(),
      values: { roam: roam, version: card.getAttribute("data-version"), "initial-roam": fromRoam },
    }).then(function () {
      var fresh = document.getElementById(card.id);
      if (fresh) {
        place(fresh);
        if (fresh.classList.contains("risk-card--refused") || fresh.classList.contains("risk-card--conflict")) {
          var focus = fresh.querySelector("[data-autofocus]") || fresh.querySelector("[role=alert]");
          if (focus) {
            if (!focus.hasAttribute("tabindex") && !/INPUT|TEXTAREA|SELECT|BUTTON|A/.test(focus.tagName)) focus.setAttribute("tabindex", "-1");
            focus.focus();
          }
        }
      }
    }, function () {
      card.classList.remove("risk-card--saving");
      card.removeAttribute("aria-busy");
      place(card);
    });
  }

  function initRoamBoard(root) {
    var board = (root || document).querySelector ? (root || document).querySelector("[data-roam-board]") : null;
    if (!board && root && root.matches && root.matches("[data-roam-board]")) board = root;
    if (!board || typeof Sortable === "undefined") return;
    board.querySelectorAll(".roam-column__list[data-roam]").forEach(function (list) {
      if (list._sortable) return;
      list._sortable = Sortable.create(list, {
        group: "roam",
        sort: false,
        animation: 150,
        draggable: ".risk-card[data-move-url]",
        filter: "button, a, input, textarea, select, summary, details[open], form",
        preventOnFilter: false,
        ghostClass: "risk-card--ghost",
        chosenClass: "risk-card--chosen",
        emptyInsertThreshold: 40,
        onAdd: function (evt) {
          var card = evt.item;
          move(card, evt.to.getAttribute("data-roam"), evt.from.getAttribute("data-roam"));
        },
      });
    });
    recount();
  }

  /* --- dependency board: "Load more" ------------------------------------------------------ */
  function afterMore() {
    var more = document.getElementById("dependency-more");
    if (!more || more.hasAttribute("data-seen")) return;
    more.setAttribute("data-seen", "");
    var board = document.getElementById("dependency-board");
    var src = more.getAttribute("data-board-src");
    if (board && src) board.setAttribute("data-live-src", src);
    var first = more.getAttribute("data-first-card");
    var card = first && document.getElementById(first);
    if (card) {
      if (!card.hasAttribute("tabindex")) card.setAttribute("tabindex", "-1");
      card.focus({ preventScroll: true });
      card.scrollIntoView({ block: "nearest" });
    }
  }

  document.addEventListener("DOMContentLoaded", function () { initRoamBoard(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail.elt;
    afterMore();  // once per "Load more" (or board refresh): a no-op after that
    if (elt && elt.id === "roam-board") {
      initRoamBoard(document);
    } else if (elt && elt.id && elt.id.indexOf("risk-") === 0) {
      // A card answered from its menu or quick form: put it in its column.
      place(document.getElementById(elt.id));
    }
  });
})();
