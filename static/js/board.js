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
   - focus on a team (its row and its partners' only), search by key or title, stories per team
     row, rows collapsed to their load line, the side panel;
   - the projector view (fit to one screen, ?view=projector) and the zoom, both remembered in
     this browser (localStorage).
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
  var VIEW_KEY = "railyard-board-view";
  var ZOOM_KEY = "railyard-board-zoom";
  // A big train (more teams than one screen holds) starts with collapsed rows and draws the
  // strings of the focused team or the pointed-at card only.
  var big = root.hasAttribute("data-big-train");
  var collapseAbove = parseInt(root.getAttribute("data-collapse-above") || "12", 10);

  var state = {
    mode: "lines",
    showDone: false,
    expandAll: false,
    expanded: {},
    collapseAll: big,
    collapsed: {},
    focus: "",
    focusTeams: {},
    hover: null,
    view: root.getAttribute("data-view") || "standard",
    zoom: 1,
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
      ["mode", "showDone", "expandAll", "expanded", "collapseAll", "collapsed", "panel", "tab"].forEach(function (k) {
        if (saved[k] !== undefined) state[k] = saved[k];
      });
    } catch (e) { /* private mode: defaults */ }
  }

  function save() {
    try {
      window.sessionStorage.setItem(storeKey, JSON.stringify({
        mode: state.mode, showDone: state.showDone, expandAll: state.expandAll,
        expanded: state.expanded, collapseAll: state.collapseAll, collapsed: state.collapsed,
        panel: state.panel, tab: state.tab
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

  /* Strings are routed through the gutters, never across a load figure: out of the card to the
     gap beside its cell, along that gap, along the gap between two team rows (the target row's
     edge), down or up the gap beside the target's cell, into the card. Load figures sit inside
     the cells' padding, so the gaps are free of them. Each string takes its own lane in a gap. */
  function cellBox(el, base) {
    var cell = el.closest(".bcell") || el.closest(".brow__head") || el;
    var row = el.closest("[data-team-row]");
    var head = row ? row.querySelector(".brow__head") : null;
    var c = cell.getBoundingClientRect(), h = (head || cell).getBoundingClientRect();
    return {
      left: c.left - base.left, right: c.right - base.left,
      top: h.top - base.top, bottom: h.bottom - base.top,
      isHead: cell.classList.contains("brow__head")
    };
  }

  function route(a, b, base, lane) {
    var ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    var ca = cellBox(a, base), cb = cellBox(b, base);
    var ys = ra.top - base.top + ra.height / 2, yt = rb.top - base.top + rb.height / 2;
    var xs0, xs, xt0, xt;
    if (cb.left > ca.left + 1) { // rightwards: out on the right, in on the left
      xs0 = ra.right - base.left; xs = ca.right; xt0 = rb.left - base.left; xt = cb.left;
    } else if (cb.left < ca.left - 1) { // leftwards
      xs0 = ra.left - base.left; xs = ca.left; xt0 = rb.right - base.left; xt = cb.right;
    } else { // the same column: out and in on the right
      xs0 = ra.right - base.left; xs = ca.right; xt0 = rb.right - base.left; xt = cb.right;
    }
    // A team's head (its cards hidden in a collapsed row, or a dependency without a card) is
    // left and reached on its right edge, the string just right of it (the sticky head would
    // cover it otherwise).
    if (ca.isHead) { xs0 = ca.right; xs = ca.right + 1 + Math.abs(lane); } else xs += lane;
    if (cb.isHead) { xt0 = cb.right; xt = cb.right + 1 + Math.abs(lane); } else xt += lane;
    var points = [[xs0, ys], [xs, ys]];
    if (Math.abs(xs - xt) > 0.5) {
      // Along the edge of the target's row that faces the source; to a team's head (a collapsed
      // row: a narrow edge between two load lines), along the source row's edge that faces it.
      var yh = cb.isHead && !ca.isHead
        ? (yt > ca.bottom ? ca.bottom : ca.top)
        : (ys > cb.bottom ? cb.bottom : cb.top);
      if (cb.isHead && !ca.isHead && yt >= ca.top && yt <= ca.bottom) yh = ca.top; // the same row
      points.push([xs, yh + lane / 2], [xt, yh + lane / 2]);
    }
    points.push([xt, yt], [xt0, yt]);
    return points.filter(function (p, i) {
      var q = points[i - 1];
      return !q || Math.abs(p[0] - q[0]) > 0.5 || Math.abs(p[1] - q[1]) > 0.5;
    });
  }

  function pathOf(points) {
    var d = "M" + points[0][0] + " " + points[0][1];
    for (var i = 1; i < points.length - 1; i += 1) {
      var p = points[i], q = points[i - 1], n = points[i + 1];
      var lin = Math.hypot(p[0] - q[0], p[1] - q[1]), lout = Math.hypot(n[0] - p[0], n[1] - p[1]);
      var r = Math.min(8, lin / 2, lout / 2);
      var x1 = p[0] - (p[0] - q[0]) / (lin || 1) * r, y1 = p[1] - (p[1] - q[1]) / (lin || 1) * r;
      var x2 = p[0] + (n[0] - p[0]) / (lout || 1) * r, y2 = p[1] + (n[1] - p[1]) / (lout || 1) * r;
      d += " L" + x1 + " " + y1 + " Q" + p[0] + " " + p[1] + " " + x2 + " " + y2;
    }
    var last = points[points.length - 1];
    return d + " L" + last[0] + " " + last[1];
  }

  function overlaps(box, boxes) {
    for (var i = 0; i < boxes.length; i += 1) {
      var o = boxes[i];
      if (box.left < o.right && box.right > o.left && box.top < o.bottom && box.bottom > o.top) return true;
    }
    return false;
  }

  // The health glyph sits on the string where it covers no load figure and no card.
  function badgeSpot(points, blocked, r) {
    var best = null;
    for (var i = 1; i < points.length; i += 1) {
      var p = points[i - 1], q = points[i], len = Math.hypot(q[0] - p[0], q[1] - p[1]);
      if (len < 2 * r + 4) continue;
      for (var t = 0.5, k = 0; k < 9; k += 1, t = 0.5 + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * 0.1) {
        var x = p[0] + (q[0] - p[0]) * t, y = p[1] + (q[1] - p[1]) * t;
        if (!overlaps({ left: x - r, right: x + r, top: y - r, bottom: y + r }, blocked)) {
          if (!best || len > best.len) best = { x: x, y: y, len: len };
          break;
        }
      }
    }
    return best;
  }

  function shownDependencies() {
    var focus = state.focus;
    return dependencies().filter(function (dep) {
      if (dep.done && !state.showDone) return false;
      if (!dep.from) return false; // an external provider: the card carries the marker
      if (focus) return dep.fromTeam === "team-" + focus || dep.toTeam === "team-" + focus;
      if (big) {
        return !!state.hover && (dep.from === state.hover || dep.to === state.hover ||
          dep.fromTeam === state.hover || dep.toTeam === state.hover);
      }
      return true;
    });
  }

  function draw() {
    var grid = document.getElementById("board-grid");
    var layer = document.getElementById("dependency-layer");
    if (!grid || !layer) return;
    var svg = layer.querySelector("svg");
    $$("g.dep-line", svg).forEach(function (g) { g.remove(); });
    var base = grid.getBoundingClientRect();
    // The grid may be zoomed (CSS zoom); the layer is not: it works in the page's pixels.
    var width = Math.ceil(base.width), height = Math.ceil(base.height);
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    if (state.mode !== "lines") return;
    var loads = $$(".load", grid).filter(visible).map(function (el) {
      var r = el.getBoundingClientRect();
      return { left: r.left - base.left, right: r.right - base.left, top: r.top - base.top, bottom: r.bottom - base.top };
    });
    var blocked = loads.concat($$(".bcard", grid).filter(visible).map(function (el) {
      var r = el.getBoundingClientRect();
      return { left: r.left - base.left, right: r.right - base.left, top: r.top - base.top, bottom: r.bottom - base.top };
    }));
    var shown = shownDependencies();
    if (big) {
      var partners = {};
      if (state.hover && !state.focus) {
        shown.forEach(function (dep) { partners[dep.fromTeam] = true; partners[dep.toTeam] = true; });
      }
      $$("[data-team-head]", grid).forEach(function (head) { head.classList.toggle("is-partner", !!partners[head.id]); });
    }
    shown.forEach(function (dep, index) {
      var a = anchor(dep.from, dep.fromTeam), b = anchor(dep.to, dep.toTeam);
      if (!a || !b || a === b) return;
      var lane = ((index % 5) - 2) * 2 * Math.min(1, state.zoom);
      var points = route(a, b, base, lane);
      if (points.length < 2) return;
      var tone = TONES[dep.health] || "neutral";
      var g = document.createElementNS(SVG, "g");
      g.setAttribute("class", "dep-line dep-line--" + tone + (dep.hidden ? " dep-line--hidden-conflict" : ""));
      g.setAttribute("data-dep", dep.id);
      // Into a team's head the arrow is a thin one: it fits the narrow gap before the load figures.
      var toHead = !!b.closest && !b.closest(".bcell") && b.classList.contains("brow__head");
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", pathOf(toHead && points.length > 2 ? points.slice(0, -1) : points));
      path.setAttribute("class", "dep-line__path");
      if (!toHead) path.setAttribute("marker-end", "url(#arrow-" + tone + ")");
      var title = document.createElementNS(SVG, "title");
      title.textContent = dep.reason;
      path.appendChild(title);
      g.appendChild(path);
      if (toHead) {
        var to = points[points.length - 1];
        var tip = document.createElementNS(SVG, "path");
        tip.setAttribute("d", "M" + (to[0] + 6) + " " + to[1] + " L" + to[0] + " " + to[1]);
        tip.setAttribute("class", "dep-line__path dep-line__tip");
        tip.setAttribute("marker-end", "url(#arrow-" + tone + ")");
        g.appendChild(tip);
      }
      // The health as a glyph on the string: colour is never the only signal.
      var spot = badgeSpot(points, blocked, 9);
      if (spot) {
        var badge = document.createElementNS(SVG, "g");
        badge.setAttribute("class", "dep-line__badge");
        badge.setAttribute("transform", "translate(" + spot.x + " " + spot.y + ")");
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
      }
      svg.appendChild(g);
    });
  }

  /* --- focus, search, rows ----------------------------------------------------------------- */

  function isCollapsed(id) {
    // Focusing on a team opens its row, and its partners' when they are few, unless closed by hand.
    if (state.collapsed[id] !== undefined) return !!state.collapsed[id];
    if (state.focus === id) return false;
    if (state.focus && Object.keys(state.focusTeams).length <= collapseAbove) return false;
    return state.collapseAll;
  }

  function applyRows() {
    $$("[data-team-row]").forEach(function (row) {
      var id = row.getAttribute("data-team-row");
      var open = state.expandAll || !!state.expanded[id];
      row.classList.toggle("is-expanded", open);
      var toggle = row.querySelector("[data-expand]");
      if (toggle) toggle.setAttribute("aria-expanded", String(open));
      var collapsed = isCollapsed(id);
      row.classList.toggle("is-collapsed", collapsed);
      var collapse = row.querySelector("[data-collapse]");
      if (collapse) collapse.setAttribute("aria-expanded", String(!collapsed));
    });
    var all = $("[data-collapse-all]");
    if (all) all.checked = state.collapseAll;
  }

  function applyFilters() {
    var query = state.query.trim().toLowerCase();
    var focus = state.focus;
    var related = {};
    var partners = {};
    if (focus) {
      partners["team-" + focus] = true;
      dependencies().forEach(function (dep) {
        if (dep.done && !state.showDone) return;
        if (dep.fromTeam === "team-" + focus || dep.toTeam === "team-" + focus) {
          if (dep.from) related[dep.from] = true;
          related[dep.to] = true;
          if (dep.fromTeam) partners[dep.fromTeam] = true;
          partners[dep.toTeam] = true;
        }
      });
    }
    state.focusTeams = partners;
    // Focus on a team: its row and its dependency partners' rows only.
    $$("[data-team-row]").forEach(function (row) {
      row.classList.toggle("is-focus-hidden", !!focus && !partners["team-" + row.getAttribute("data-team-row")]);
    });
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
    var partnerCount = Object.keys(partners).length - 1;
    if (out) {
      out.textContent = query ? (matches === 1 ? "1 card matches" : matches + " cards match")
        : focus ? (partnerCount === 1 ? "with its 1 dependency partner" : "with its " + partnerCount + " dependency partners") : "";
    }
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
    applyFilters();
    applyRows();
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
    var collapse = event.target.closest("[data-collapse]");
    if (collapse) {
      var teamId = collapse.getAttribute("data-collapse");
      state.collapsed[teamId] = !isCollapsed(teamId);
      save(); applyRows(); layoutChanged();
      return;
    }
    var viewToggle = event.target.closest("[data-view-toggle]");
    if (viewToggle) {
      event.preventDefault();
      setView(state.view === "projector" ? "standard" : "projector", true);
      return;
    }
    if (event.target.closest("[data-zoom-fit]")) { rememberZoom("fit"); applyZoom(); return; }
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
      save(); applyRows(); layoutChanged();
    }
    else if (t.matches("[data-collapse-all]")) {
      state.collapseAll = t.checked;
      state.collapsed = {};
      save(); applyRows(); layoutChanged();
    }
    else if (t.matches("[data-show-changes]")) { root.classList.toggle("show-changes", t.checked); queueDraw(); }
    else if (t.matches("[data-board-focus]")) { state.focus = t.value; applyFilters(); applyRows(); layoutChanged(); }
  });

  /* --- projector view and zoom ------------------------------------------------------------ */

  function stored(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { window.localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }

  // Per view: a percentage or "fit". The projector fits by default, the laptop shows 100 %.
  function zoomChoice() {
    var saved = {};
    try { saved = JSON.parse(stored(ZOOM_KEY) || "{}") || {}; } catch (e) { saved = {}; }
    var choice = saved[state.view];
    if (choice === undefined) choice = state.view === "projector" ? "fit" : 100;
    return choice;
  }
  function rememberZoom(choice) {
    var saved = {};
    try { saved = JSON.parse(stored(ZOOM_KEY) || "{}") || {}; } catch (e) { saved = {}; }
    saved[state.view] = choice;
    store(ZOOM_KEY, JSON.stringify(saved));
  }

  function setZoom(z) {
    var board = document.getElementById("board");
    if (!board) return;
    z = Math.max(0.5, Math.min(1.5, z));
    state.zoom = z;
    board.style.setProperty("--board-zoom", String(z));
    var pct = Math.round(z * 100);
    var range = $("[data-board-zoom]");
    if (range) { range.value = String(Math.round(pct / 5) * 5); range.setAttribute("aria-valuetext", pct + " %"); }
    var out = $("[data-board-zoom-value]");
    if (out) out.textContent = pct + " %";
  }

  // The largest zoom (up to 150 %) at which the whole grid fits between its top and the bottom of
  // the window: the room sees every row and column without scrolling. It never goes below the
  // zoom at which card titles read 14 px (the back of the room); past that the page scrolls and
  // collapsing rows makes them fit.
  function fit() {
    var grid = document.getElementById("board-grid");
    var box = document.getElementById("board-scroll");
    if (!grid || !box) return;
    var top = box.getBoundingClientRect().top + window.scrollY;
    var room = window.innerHeight - top - 12;
    var title = grid.querySelector(".bcard__title");
    var titlePx = title ? parseFloat(window.getComputedStyle(title).fontSize) || 16 : 16;
    var lo = Math.max(0.5, Math.ceil(1400 / titlePx) / 100), hi = 1.5;
    setZoom(hi);
    if (grid.getBoundingClientRect().height > room) {
      for (var i = 0; i < 8; i += 1) {
        var mid = (lo + hi) / 2;
        setZoom(mid);
        if (grid.getBoundingClientRect().height <= room) lo = mid; else hi = mid;
      }
      setZoom(Math.floor(lo * 100) / 100);
    }
  }

  // The laptop view: the board's own scroll box ends at the bottom of the window, so the page
  // itself does not scroll as well (one scroll bar, not two).
  function sizeScrollBox() {
    var board = document.getElementById("board");
    var box = document.getElementById("board-scroll");
    if (!board || !box) return;
    if (!window.matchMedia("(min-width: 48rem)").matches) { // a phone: the page scrolls as before
      board.style.removeProperty("--board-scroll-max");
      return;
    }
    var main = document.getElementById("main");
    var below = main ? parseFloat(window.getComputedStyle(main).paddingBottom) || 0 : 0;
    var top = box.getBoundingClientRect().top + window.scrollY;
    var room = Math.max(320, Math.floor(window.innerHeight - top - below - 4));
    board.style.setProperty("--board-scroll-max", room + "px");
  }

  // The projector's columns: the IP iteration, when last, gets a narrower one.
  function projectorColumns() {
    var board = document.getElementById("board");
    var cols = $$(".board__grid .bcol");
    if (!board || !cols.length) return;
    var ipLast = cols[cols.length - 1].classList.contains("bcol--ip") && cols.length > 1;
    board.style.setProperty("--board-projector-columns", ipLast
      ? "var(--board-head-w) repeat(" + (cols.length - 1) + ", minmax(0, 1fr)) minmax(0, 0.6fr)"
      : "var(--board-head-w) repeat(" + cols.length + ", minmax(0, 1fr))");
  }

  function applyZoom() {
    var choice = zoomChoice();
    projectorColumns();
    if (state.view !== "projector") sizeScrollBox();
    if (choice === "fit") fit(); else setZoom((parseInt(choice, 10) || 100) / 100);
    var button = $("[data-zoom-fit]");
    if (button) button.setAttribute("aria-pressed", String(choice === "fit"));
    queueDraw();
  }

  function setView(view, remember) {
    state.view = view === "projector" ? "projector" : "standard";
    var on = state.view === "projector";
    root.classList.toggle("is-projector", on);
    document.body.classList.toggle("body--projector", on);
    $$("[data-view-toggle]").forEach(function (toggle) {
      toggle.setAttribute("aria-pressed", String(on));
      toggle.setAttribute("href", "?view=" + (on ? "standard" : "projector"));
    });
    if (remember) {
      store(VIEW_KEY, state.view);
      var params = new URLSearchParams(window.location.search);
      params.set("view", state.view);
      window.history.replaceState(null, "", window.location.pathname + "?" + params.toString() + window.location.hash);
    }
    applyZoom();
  }

  // Rows opened, closed, hidden or shown: the fitted zoom and the strings follow.
  function layoutChanged() {
    if (zoomChoice() === "fit") applyZoom(); else queueDraw();
  }

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-board-zoom]")) {
      var pct = parseInt(event.target.value, 10) || 100;
      rememberZoom(pct);
      setZoom(pct / 100);
      var button = $("[data-zoom-fit]");
      if (button) button.setAttribute("aria-pressed", "false");
      queueDraw();
    }
  });

  // On a big train the strings of the card (or team) under the pointer or keyboard focus are drawn.
  function hoverCard(card) {
    var id = card ? card.id : null;
    if (id === state.hover) return;
    state.hover = id;
    if (big && state.mode === "lines") queueDraw();
  }
  var POINTABLE = ".board__grid [data-card], .board__grid [data-team-head]";
  document.addEventListener("mouseover", function (event) {
    hoverCard(event.target.closest ? event.target.closest(POINTABLE) : null);
  });
  document.addEventListener("focusin", function (event) {
    var card = event.target.closest && event.target.closest(POINTABLE);
    if (card) hoverCard(card);
  });

  document.addEventListener("input", function (event) {
    if (event.target.matches("[data-board-search]")) { state.query = event.target.value; applyFilters(); queueDraw(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && state.linking) { setLinking(false); return; }
    if (event.key === " " && event.target.matches("[data-view-toggle]")) { // a link playing a button
      event.preventDefault();
      event.target.click();
      return;
    }
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
  // A move that never reached the server: show where the cards are once it answers again. Only
  // after a write: a failed read (a live update while the server is away) must not start a loop
  // of reads that fail in turn.
  document.addEventListener("htmx:sendError", function (event) {
    var config = event.detail && event.detail.requestConfig;
    if (config && config.verb === "post" && (config.path || "").indexOf(moveUrl) === 0) refreshGrid();
  });

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
    window.requestAnimationFrame(function () { refreshQueued = false; refresh(document); layoutChanged(); });
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    queueRefresh();
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var dialogId = source && source.getAttribute && source.getAttribute("data-open-dialog");
    if (dialogId && event.detail.requestConfig.verb === "get") openDialog(dialogId);
  });
  document.addEventListener("htmx:oobAfterSwap", queueRefresh);

  window.addEventListener("resize", function () {
    if (zoomChoice() === "fit" || state.view !== "projector") applyZoom(); else queueDraw();
  });
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
  // (the toggle brings the strings back, and focusing on a team thins them out). A big train keeps
  // the strings: it draws only those of the focused team or of the card pointed at.
  var openDeps = parseInt(root.getAttribute("data-open-dependencies") || "0", 10);
  if (openDeps > 80 && !big) state.mode = "badges";
  load();
  if (window.location.search.indexOf("panel=") !== -1) state.panel = true;
  applyModes();
  applyPanel();
  var startParams = new URLSearchParams(window.location.search);
  if (!startParams.get("view") && stored(VIEW_KEY) === "projector") state.view = "projector";
  var startFocus = startParams.get("focus");
  if (startFocus) {
    state.focus = startFocus;
    var select = $("[data-board-focus]");
    if (select) select.value = startFocus;
  }
  refresh(document);
  setView(state.view, false);
  window.railyardBoard = {
    draw: draw, state: state, refresh: refresh, panels: loadedPanels, fit: fit, setView: setView
  };
})();
