/* The planning board's behaviour on top of htmx and SortableJS:
   - drag a card to another cell (or from the backlog) -> htmx POST with its version; the answer
     swaps the team rows, the dependency layer and the lists out of band;
   - a feature dropped on another team or iteration first asks (server-rendered, in the move
     dialog) whether its unfinished stories go with it and later ones are pulled in; nothing
     to ask: it moves at once; Cancel or Esc puts the card back;
   - the same move by keyboard: each card's "⋯" opens the move dialog (server-rendered form);
     cards the viewer may not move have neither "⋯" nor data-movable (the server's flags);
   - dependency strings drawn as SVG between the providing and the requesting card, redrawn after
     every swap and on resize; lines <-> per-card badges; done ones hidden unless asked;
   - link mode (pick the requesting card, then the providing one) opens the dependency form;
   - focus on a team, search by key or title, stories per team row, the side panel.
   The server decides everything that matters (access, rules, health): this file only draws. */
(function () {
  "use strict";

  var root = document.querySelector("[data-board]");
  if (!root) return;

  var SVG = "http://www.w3.org/2000/svg";
  var TONES = { green: "healthy", amber: "risk", red: "conflict", done: "neutral" };
  var moveUrl = root.getAttribute("data-move-url");
  var fragmentUrl = root.getAttribute("data-fragment-url");
  var dependencyUrl = root.getAttribute("data-dependency-url");
  var storeKey = "railyard-board-" + root.getAttribute("data-pi");

  var state = {
    mode: "lines",
    showDone: false,
    expandAll: false,
    expanded: {},
    focus: "",
    query: "",
    linking: false,
    linkSource: null,
    panel: false,
    tab: "tab-backlog",
    opener: null,
    pendingDrop: false
  };

  function load() {
    try {
      var saved = JSON.parse(window.sessionStorage.getItem(storeKey) || "{}");
      ["mode", "showDone", "expandAll", "expanded", "panel", "tab"].forEach(function (k) {
        if (saved[k] !== undefined) state[k] = saved[k];
      });
    } catch (e) { /* private mode: defaults */ }
  }

  function save() {
    try {
      window.sessionStorage.setItem(storeKey, JSON.stringify({
        mode: state.mode, showDone: state.showDone, expandAll: state.expandAll,
        expanded: state.expanded, panel: state.panel, tab: state.tab
      }));
    } catch (e) { /* ignore */ }
  }

  function $(sel, ctx) { return (ctx || document).querySelector(sel); }
  function $$(sel, ctx) { return Array.prototype.slice.call((ctx || document).querySelectorAll(sel)); }

  function status(text, level) {
    var el = document.getElementById("board-status");
    if (!el) return;
    el.className = "board-status" + (level ? " board-status--" + level : "");
    el.textContent = text;
  }

  function basis() {
    var select = $("[data-basis]");
    return select ? select.value : "normalized";
  }

  function expandedIds() {
    return Object.keys(state.expanded).filter(function (k) { return state.expanded[k]; }).join(",");
  }

  /* --- moving cards ---------------------------------------------------------------------- */

  function move(card, list) {
    var kind = card.getAttribute("data-kind");
    var key = (card.querySelector(".bcard__key") || card).textContent.trim();
    card.classList.add("is-saving");
    status("Saving " + key + "…", "saving");
    return htmx.ajax("POST", moveUrl, {
      source: root,
      swap: "none",
      values: {
        kind: kind,
        card: card.getAttribute("data-id"),
        version: card.getAttribute("data-version"),
        team: list.getAttribute("data-team"),
        iteration: list.getAttribute("data-iteration") || "",
        expand: expandedIds(),
        basis: basis()
      }
    });
  }

  /* A feature's drop asks the server what its move would take along; the answer is the move
     dialog's form, marked data-move-drop="ask" (open it) or "none" (move at once). */
  function askThenMove(card, list) {
    var query = "?card=feature-" + encodeURIComponent(card.getAttribute("data-id")) +
      "&team=" + encodeURIComponent(list.getAttribute("data-team")) +
      "&iteration=" + encodeURIComponent(list.getAttribute("data-iteration") || "") +
      "&version=" + encodeURIComponent(card.getAttribute("data-version") || "") +
      "&expand=" + expandedIds();
    state.pendingDrop = true;
    state.opener = card.querySelector("[data-card-menu]");
    return htmx.ajax("GET", moveUrl + query, { target: "#move-form", swap: "outerHTML" }).then(function () {
      var form = document.getElementById("move-form");
      if (form && form.getAttribute("data-move-drop") === "ask") {
        openDialog("move-dialog");
      } else {
        state.pendingDrop = false;
        move(card, list);
      }
    });
  }

  function refreshGrid() {
    var grid = document.getElementById("board-grid");
    if (!grid) return;
    htmx.ajax("GET", fragmentUrl + "board-grid/?basis=" + encodeURIComponent(basis()) + "&expand=" + expandedIds(), {
      target: "#board-grid", swap: "outerHTML"
    });
  }

  function initSortables(scope) {
    if (typeof Sortable === "undefined") return;
    $$("[data-drop]", scope || document).forEach(function (list) {
      if (list._sortable) return;
      var kind = list.getAttribute("data-drop");
      var fromBacklog = kind === "backlog";
      list._sortable = Sortable.create(list, {
        group: fromBacklog
          ? { name: "feature", pull: "clone", put: false }
          : { name: kind, pull: true, put: [kind] },
        sort: false,
        draggable: "[data-movable]",
        filter: ".bcard__menu, a, button, input, select",
        preventOnFilter: false,
        delay: 150,
        delayOnTouchOnly: true,
        animation: 120,
        ghostClass: "is-ghost",
        chosenClass: "is-chosen",
        dragClass: "is-dragging",
        forceFallback: false,
        onStart: function () { root.classList.add("is-dragging-card"); },
        onEnd: function (evt) {
          root.classList.remove("is-dragging-card");
          if (evt.to === evt.from) return;
          if (!evt.to.hasAttribute("data-team")) return;
          if (evt.item.getAttribute("data-kind") === "feature") askThenMove(evt.item, evt.to);
          else move(evt.item, evt.to);
        }
      });
    });
  }

  /* --- dialogs ----------------------------------------------------------------------------- */

  function openDialog(id) {
    var dialog = document.getElementById(id);
    if (!dialog) return;
    if (!dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    var first = dialog.querySelector("[data-autofocus]") || dialog.querySelector("select, input:not([type=hidden]), textarea, button");
    if (first) first.focus();
  }

  function closeDialog(id) {
    var dialog = document.getElementById(id);
    if (dialog && dialog.open) dialog.close();
  }

  ["move-dialog", "dependency-dialog"].forEach(function (id) {
    var dialog = document.getElementById(id);
    if (!dialog) return;
    dialog.addEventListener("close", function () {
      if (id === "move-dialog" && state.pendingDrop) {  // a drop's question cancelled: not moved
        state.pendingDrop = false;
        status("Not moved.", "info");
        refreshGrid();
      }
      var opener = state.opener;
      state.opener = null;
      if (opener && opener.isConnected) opener.focus();
    });
    if (dialog.hasAttribute("open") && typeof dialog.showModal === "function") {
      dialog.removeAttribute("open");
      dialog.showModal();
    }
  });

  function openMoveMenu(card, opener) {
    var ref = card.getAttribute("data-kind") + "-" + card.getAttribute("data-id");
    state.opener = opener || null;
    htmx.ajax("GET", moveUrl + "?card=" + ref + "&expand=" + expandedIds(), {
      target: "#move-form", swap: "outerHTML"
    }).then(function () { openDialog("move-dialog"); });
  }

  /* --- link mode --------------------------------------------------------------------------- */

  function setLinking(on, keepStatus) {
    state.linking = on;
    if (state.linkSource) state.linkSource.classList.remove("is-link-source");
    state.linkSource = null;
    root.classList.toggle("is-linking", on);
    $$("[data-link-mode]").forEach(function (button) { button.setAttribute("aria-pressed", String(on)); });
    if (!keepStatus) {
      status(on ? "Link mode: pick the feature that needs something (the requester). Esc leaves." : "", on ? "info" : "");
    }
  }

  function pick(card) {
    if (card.getAttribute("data-kind") !== "feature") {
      status("Pick a feature card: dependencies link features (a story links through its feature).", "info");
      return;
    }
    if (!state.linkSource) {
      state.linkSource = card;
      card.classList.add("is-link-source");
      status("Requester: " + card.querySelector(".bcard__key").textContent.trim() +
        ". Now pick the feature that provides it.", "info");
      return;
    }
    if (card === state.linkSource) { setLinking(true); return; }
    var requester = state.linkSource.getAttribute("data-id");
    var provider = card.getAttribute("data-id");
    state.opener = card.querySelector("[data-card-menu], [data-card-pick]");
    htmx.ajax("GET", dependencyUrl + "?requester=feature-" + requester + "&provider=feature-" + provider, {
      target: "#dependency-form", swap: "outerHTML"
    }).then(function () { openDialog("dependency-dialog"); });
  }

  /* --- dependency strings ------------------------------------------------------------------ */

  var drawQueued = false;
  function queueDraw() {
    if (drawQueued) return;
    drawQueued = true;
    window.requestAnimationFrame(function () { drawQueued = false; draw(); });
  }

  function dependencies() {
    var el = document.getElementById("dependency-data");
    if (!el) return [];
    try { return JSON.parse(el.textContent); } catch (e) { return []; }
  }

  function visible(el) {
    return !!(el && el.offsetParent !== null && el.getClientRects().length);
  }

  function anchor(id, fallback) {
    var el = id ? document.getElementById(id) : null;
    if (!visible(el)) el = fallback ? document.getElementById(fallback) : null;
    return visible(el) ? el : null;
  }

  function draw() {
    var grid = document.getElementById("board-grid");
    var layer = document.getElementById("dependency-layer");
    if (!grid || !layer) return;
    var svg = layer.querySelector("svg");
    $$("g.dep-line", svg).forEach(function (g) { g.remove(); });
    var width = grid.scrollWidth, height = grid.scrollHeight;
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    if (state.mode !== "lines") return;
    var base = grid.getBoundingClientRect();
    var focus = state.focus;
    dependencies().forEach(function (dep) {
      if (dep.done && !state.showDone) return;
      if (!dep.from) return; // an external provider: the card carries the marker
      var a = anchor(dep.from, dep.fromTeam), b = anchor(dep.to, dep.toTeam);
      if (!a || !b || a === b) return;
      var ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
      var x1, x2, y1 = ra.top - base.top + ra.height / 2, y2 = rb.top - base.top + rb.height / 2;
      var sameColumn = Math.abs(ra.left - rb.left) < 8;
      if (sameColumn) {
        x1 = ra.right - base.left; x2 = rb.right - base.left;
      } else if (rb.left > ra.left) {
        x1 = ra.right - base.left; x2 = rb.left - base.left;
      } else {
        x1 = ra.left - base.left; x2 = rb.right - base.left;
      }
      var dx = sameColumn ? 36 : Math.max(30, Math.abs(x2 - x1) / 2);
      var c1 = x1 + (sameColumn || x2 > x1 ? dx : -dx), c2 = x2 + (sameColumn ? dx : (x2 > x1 ? -dx : dx));
      var tone = TONES[dep.health] || "neutral";
      var g = document.createElementNS(SVG, "g");
      g.setAttribute("class", "dep-line dep-line--" + tone + (dep.hidden ? " dep-line--hidden-conflict" : ""));
      g.setAttribute("data-dep", dep.id);
      var related = focus && (dep.fromTeam === "team-" + focus || dep.toTeam === "team-" + focus);
      if (focus && !related) g.classList.add("is-dimmed");
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", "M" + x1 + " " + y1 + " C" + c1 + " " + y1 + " " + c2 + " " + y2 + " " + x2 + " " + y2);
      path.setAttribute("class", "dep-line__path");
      path.setAttribute("marker-end", "url(#arrow-" + tone + ")");
      var title = document.createElementNS(SVG, "title");
      title.textContent = dep.reason;
      path.appendChild(title);
      g.appendChild(path);
      // The health as a glyph at the middle: colour is never the only signal.
      var mx = 0.125 * x1 + 0.375 * c1 + 0.375 * c2 + 0.125 * x2, my = (y1 + y2) / 2;
      var badge = document.createElementNS(SVG, "g");
      badge.setAttribute("class", "dep-line__badge");
      badge.setAttribute("transform", "translate(" + mx + " " + my + ")");
      var circle = document.createElementNS(SVG, "circle");
      circle.setAttribute("r", "9");
      var text = document.createElementNS(SVG, "text");
      text.setAttribute("text-anchor", "middle");
      text.setAttribute("dominant-baseline", "central");
      text.textContent = dep.icon;
      var badgeTitle = document.createElementNS(SVG, "title");
      badgeTitle.textContent = dep.reason;
      badge.appendChild(circle);
      badge.appendChild(text);
      badge.appendChild(badgeTitle);
      g.appendChild(badge);
      svg.appendChild(g);
    });
  }

  /* --- focus, search, rows ----------------------------------------------------------------- */

  function applyRows() {
    $$("[data-team-row]").forEach(function (row) {
      var id = row.getAttribute("data-team-row");
      var open = state.expandAll || !!state.expanded[id];
      row.classList.toggle("is-expanded", open);
      var toggle = row.querySelector("[data-expand]");
      if (toggle) toggle.setAttribute("aria-expanded", String(open));
    });
  }

  function applyFilters() {
    var query = state.query.trim().toLowerCase();
    var focus = state.focus;
    var related = {};
    if (focus) {
      dependencies().forEach(function (dep) {
        if (dep.done && !state.showDone) return;
        if (dep.fromTeam === "team-" + focus || dep.toTeam === "team-" + focus) {
          if (dep.from) related[dep.from] = true;
          related[dep.to] = true;
        }
      });
    }
    var matches = 0;
    $$("[data-team-row]").forEach(function (row) { row.classList.remove("is-search-open"); });
    $$(".board__grid [data-card]").forEach(function (card) {
      var isFocus = !!focus && card.getAttribute("data-team") === focus;
      card.classList.toggle("is-focus", isFocus);
      card.classList.toggle("is-related", !!focus && !isFocus && !!related[card.id]);
      var match = false;
      if (query) {
        var key = (card.querySelector(".bcard__key") || {}).textContent || "";
        var title = (card.querySelector(".bcard__title") || {}).textContent || "";
        match = key.toLowerCase().indexOf(query) !== -1 || title.toLowerCase().indexOf(query) !== -1;
        if (match) {
          matches += 1;
          var row = card.closest("[data-team-row]");
          if (row && card.getAttribute("data-kind") === "story") row.classList.add("is-search-open");
        }
      }
      card.classList.toggle("is-match", match);
    });
    $$("[data-team-head]").forEach(function (head) {
      head.classList.toggle("is-focus", !!focus && head.getAttribute("data-team-head") === focus);
    });
    root.classList.toggle("is-focusing", !!focus);
    root.classList.toggle("is-searching", !!query);
    var out = document.getElementById("board-matches");
    if (out) out.textContent = query ? (matches === 1 ? "1 card matches" : matches + " cards match") : "";
  }

  function applyModes() {
    root.classList.toggle("deps-badges", state.mode === "badges");
    root.classList.toggle("show-done", state.showDone);
    $$("[data-dep-mode]").forEach(function (input) { input.checked = input.value === state.mode; });
    var done = $("[data-show-done]");
    if (done) done.checked = state.showDone;
    var all = $("[data-expand-all]");
    if (all) all.checked = state.expandAll;
  }

  function loadedPanels() {
    return ["backlog", "dependency-list", "changes"].filter(function (id) {
      return !!document.getElementById(id);
    }).join(",");
  }

  function applyPanel() {
    var panel = document.getElementById("board-panel");
    if (!panel) return;
    panel.hidden = !state.panel;
    if (state.panel) {
      var tab = document.getElementById(state.tab) || document.getElementById("tab-backlog");
      var active = tab ? document.getElementById(tab.getAttribute("aria-controls")) : null;
      var placeholder = active && active.querySelector("[data-panel-src]");
      if (placeholder && !placeholder.hasAttribute("data-loading")) {
        placeholder.setAttribute("data-loading", "");
        htmx.ajax("GET", placeholder.getAttribute("data-panel-src") + "?basis=" + encodeURIComponent(basis()), {
          target: placeholder, swap: "outerHTML"
        });
      }
    }
    root.classList.toggle("has-panel", state.panel);
    $$("[data-panel-toggle]").forEach(function (b) { b.setAttribute("aria-expanded", String(state.panel)); });
    $$("[data-tab]", panel).forEach(function (tab) {
      var on = tab.id === state.tab;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      var body = document.getElementById(tab.getAttribute("aria-controls"));
      if (body) body.hidden = !on;
    });
  }

  function refresh(scope) {
    initSortables(scope);
    applyRows();
    applyFilters();
    queueDraw();
  }

  /* --- events ------------------------------------------------------------------------------ */

  document.addEventListener("click", function (event) {
    var menu = event.target.closest("[data-card-menu]");
    var card = event.target.closest("[data-card]");
    if (state.linking && card && root.contains(card)) {
      event.preventDefault();
      event.stopPropagation();
      pick(card);
      return;
    }
    if (menu && card) {
      event.preventDefault();
      openMoveMenu(card, menu);
      return;
    }
    var expand = event.target.closest("[data-expand]");
    if (expand) {
      var id = expand.getAttribute("data-expand");
      state.expanded[id] = !(state.expandAll || state.expanded[id]);
      if (!state.expanded[id] && state.expandAll) {
        state.expandAll = false;
        $$("[data-team-row]").forEach(function (row) { state.expanded[row.getAttribute("data-team-row")] = true; });
        state.expanded[id] = false;
      }
      save(); applyModes(); applyRows(); queueDraw();
      return;
    }
    if (event.target.closest("[data-link-mode]")) { setLinking(!state.linking); return; }
    if (event.target.closest("[data-panel-toggle]")) { state.panel = !state.panel; save(); applyPanel(); queueDraw(); return; }
    var tab = event.target.closest("[data-tab]");
    if (tab) { state.tab = tab.id; save(); applyPanel(); return; }
    if (event.target.closest("[data-dialog-close]")) {
      var dialog = event.target.closest("dialog");
      if (dialog) dialog.close();
      return;
    }
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) state.opener = opener;
    var change = event.target.closest(".change-row[data-target], .dep-item[data-dep]");
    if (change) highlight(change);
  }, true);

  function highlight(item) {
    var target = item.getAttribute("data-target");
    if (target) {
      var el = document.getElementById(target);
      if (el) { el.scrollIntoView({ block: "center", inline: "center", behavior: "smooth" }); flash(el); }
      return;
    }
    var id = item.getAttribute("data-dep");
    var line = document.querySelector('g.dep-line[data-dep="' + id + '"]');
    if (line) {
      line.classList.add("is-highlighted");
      window.setTimeout(function () { line.classList.remove("is-highlighted"); }, 2500);
    }
    var dep = dependencies().filter(function (d) { return String(d.id) === id; })[0];
    if (dep) {
      var end = document.getElementById(dep.to) || document.getElementById(dep.toTeam);
      if (end) { end.scrollIntoView({ block: "center", inline: "center", behavior: "smooth" }); flash(end); }
    }
  }

  function flash(el) {
    el.classList.add("is-flash");
    window.setTimeout(function () { el.classList.remove("is-flash"); }, 1600);
  }

  document.addEventListener("change", function (event) {
    var t = event.target;
    if (t.matches("[data-dep-mode]")) { state.mode = t.value; save(); applyModes(); queueDraw(); }
    else if (t.matches("[data-show-done]")) { state.showDone = t.checked; save(); applyModes(); applyFilters(); queueDraw(); }
    else if (t.matches("[data-expand-all]")) {
      state.expandAll = t.checked;
      if (!t.checked) state.expanded = {};
      save(); applyRows(); queueDraw();
    }
    else if (t.matches("[data-show-changes]")) { root.classList.toggle("show-changes", t.checked); queueDraw(); }
    else if (t.matches("[data-board-focus]")) { state.focus = t.value; applyFilters(); queueDraw(); }
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-board-search]")) { state.query = event.target.value; applyFilters(); queueDraw(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.linking) { setLinking(false); return; }
    if (event.key === "Enter" && event.target.matches("[data-board-search]")) {
      var first = document.querySelector(".board__grid [data-card].is-match");
      if (first) {
        first.scrollIntoView({ block: "center", inline: "center" });
        flash(first);
        var button = first.querySelector("[data-card-menu]");
        if (button) button.focus();
      }
      event.preventDefault();
    }
  });

  // Writes of the board say which lists the page has, so that the answer swaps only those.
  document.addEventListener("htmx:configRequest", function (event) {
    var path = event.detail.path || "";
    var live = path.indexOf(fragmentUrl + "live/") === 0 || path.indexOf(fragmentUrl + "board-grid/") === 0;
    if (path.indexOf(moveUrl) === 0 || path.indexOf(dependencyUrl) === 0 || live) {
      event.detail.parameters.panels = loadedPanels();
      if (event.detail.parameters.expand === undefined) event.detail.parameters.expand = expandedIds();
      if (event.detail.parameters.basis === undefined) event.detail.parameters.basis = basis();
    }
  });

  // Refused or stale moves answer 403/409 with the board as it is now: show it, not an error.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var path = (event.detail.requestConfig && event.detail.requestConfig.path) || "";
    var code = event.detail.xhr.status;
    if (path.indexOf(moveUrl) === 0 && (code === 403 || code === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var path = (event.detail.requestConfig && event.detail.requestConfig.path) || "";
    if (path.indexOf(moveUrl) === 0 && event.detail.requestConfig.verb === "post") {
      status("Not saved: the board was reloaded to show where the cards are.", "error");
      refreshGrid();
    }
  });
  document.addEventListener("htmx:sendError", function () { refreshGrid(); });

  document.addEventListener("board:changed", function (event) {
    var detail = event.detail || {};
    state.pendingDrop = false;  // the server answered the drop: its rows show where cards are
    if (detail.level === "success") {
      var moveForm = document.getElementById("move-dialog");
      var fromDialog = moveForm && moveForm.open;
      closeDialog("move-dialog");
      if (detail.saved && fromDialog) {
        window.setTimeout(function () {
          var card = document.getElementById("card-" + detail.saved);
          var button = card && card.querySelector("[data-card-menu]");
          if (card) card.scrollIntoView({ block: "nearest", inline: "nearest" });
          if (button) button.focus();
        }, 30);
        state.opener = null;
      }
    } else {
      var dialog = document.getElementById("move-dialog");
      if (dialog && dialog.open && !dialog.querySelector("[aria-invalid='true'], .alert--error")) closeDialog("move-dialog");
    }
  });

  document.addEventListener("board:dependency-created", function () {
    closeDialog("dependency-dialog");
    setLinking(false, true);
  });

  var refreshQueued = false;
  function queueRefresh() {
    if (refreshQueued) return;
    refreshQueued = true;
    window.requestAnimationFrame(function () { refreshQueued = false; refresh(document); });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    queueRefresh();
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var dialogId = source && source.getAttribute && source.getAttribute("data-open-dialog");
    if (dialogId && event.detail.requestConfig.verb === "get") openDialog(dialogId);
  });
  document.addEventListener("htmx:oobAfterSwap", queueRefresh);

  window.addEventListener("resize", queueDraw);
  if (typeof ResizeObserver !== "undefined") {
    var observed = null;
    var observer = new ResizeObserver(queueDraw);
    var watch = function () {
      var grid = document.getElementById("board-grid");
      if (grid && grid !== observed) {
        if (observed) observer.unobserve(observed);
        observer.observe(grid);
        observed = grid;
      }
    };
    document.addEventListener("htmx:afterSettle", watch);
    watch();
  }
  if (document.fonts && document.fonts.ready) document.fonts.ready.then(queueDraw);
  window.addEventListener("beforeprint", function () { state.mode = "badges"; applyModes(); });

  // Strings stay readable up to a few dozen; past that, count badges are the default view
  // (the toggle brings the strings back, and focusing on a team thins them out).
  var openDeps = parseInt(root.getAttribute("data-open-dependencies") || "0", 10);
  if (openDeps > 80) state.mode = "badges";
  load();
  if (window.location.search.indexOf("panel=") !== -1) state.panel = true;
  applyModes();
  applyPanel();
  var startFocus = new URLSearchParams(window.location.search).get("focus");
  if (startFocus) {
    state.focus = startFocus;
    var select = $("[data-board-focus]");
    if (select) select.value = startFocus;
  }
  refresh(document);
  window.railyardBoard = { draw: draw, state: state, refresh: refresh, panels: loadedPanels };
})();
