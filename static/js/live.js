/* Live updates of a train page (art/live/ on the server).
 *
 * The page keeps one WebSocket to /ws/trains/<id>/live/. The server sends only which cards
 * changed ({model, id, teams, pi, seq}); the page then re-renders the parts that show them from
 * the server, through the page's named partials and with its reader's own permissions, so it
 * never applies a change of its own making. A part declares what it shows:
 *
 *   data-live="feature story dependency"  the kinds of card it shows ("presence" for the room)
 *   data-live-src="/…/fragment/live/"     where to fetch it (default: this page's address)
 *   data-live-swap="none"                 the answer swaps out of band (default: outerHTML of it)
 *   data-live-team="12" / data-live-pi="3" only changes touching that team / PI
 *   data-live-teams                        send the touched teams as ?teams=1,2 (or "all")
 *
 * A dropped socket reconnects with back-off and catches up from the last sequence number it saw
 * (or from the page's render time); the banner says when live updates pause and come back. A part
 * in use (focus in a field, an open dialog) waits until its person is done. Cards someone else
 * moved glide to their new place and flash; an open editor of a card that just changed says so.
 */
(function () {
  "use strict";
  var body = document.body;
  var socketPath = body && body.getAttribute("data-live-url");
  if (!socketPath || !("WebSocket" in window) || typeof htmx === "undefined") return;

  var sinceAt = body.getAttribute("data-live-at");
  var seq = null;
  var socket = null;
  var attempt = 0;
  var stopped = false;
  var everOpen = false;
  var paused = false;
  var pingTimer = null;
  var flushTimer = null;
  var pending = {};          // region id -> {el, teams: {id: true} | "all"}
  var editing = "";          // the card this page edits now ("story-12"), told to the room
  var locks = {};            // card -> names of the others editing it
  var banner = document.getElementById("live-banner");

  var HEARTBEAT_MS = 25000;
  var COALESCE_MS = 120;
  var MAX_BACKOFF_MS = 30000;
  // Changes the history does not keep (secret votes) and the room itself: refreshed after a gap.
  var UNRECORDED = ["vote", "presence"];

  function $$(selector, scope) { return Array.prototype.slice.call((scope || document).querySelectorAll(selector)); }

  function say(text, tone, hideAfter) {
    if (!banner) return;
    banner.textContent = text;
    banner.className = "live-banner live-banner--" + tone;
    banner.hidden = !text;
    body.setAttribute("data-live-state", tone);
    if (hideAfter) {
      window.setTimeout(function () { if (banner.textContent === text) banner.hidden = true; }, hideAfter);
    }
  }

  /* --- the socket -------------------------------------------------------------------------- */

  function connect() {
    if (stopped) return;
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var address = scheme + "//" + window.location.host + socketPath + "?page=" + encodeURIComponent(window.location.pathname);
    try {
      socket = new WebSocket(address);
    } catch (e) {
      reconnectLater();
      return;
    }
    socket.onopen = function () {
      var wasAway = everOpen && paused;
      everOpen = true;
      paused = false;
      attempt = 0;
      socket.send(JSON.stringify(seq !== null ? { type: "hello", since: seq } : { type: "hello", since_at: sinceAt }));
      if (editing) socket.send(JSON.stringify({ type: "editing", card: editing }));
      if (wasAway) {
        say("Live updates are back.", "live", 4000);
        refreshUnrecorded();
      } else {
        body.setAttribute("data-live-state", "live");
      }
      window.clearInterval(pingTimer);
      pingTimer = window.setInterval(function () {
        if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "ping" }));
      }, HEARTBEAT_MS);
    };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      if (data.type === "changes") {
        received(data.events || [], !!data.catchup);
        if (typeof data.seq === "number" && data.seq > (seq || 0)) seq = data.seq;
      } else if (data.type === "resync") {
        if (typeof data.seq === "number") seq = data.seq;
        $$("[data-live]").forEach(function (el) { queue(el, "all"); });
        schedule();
      } else if (data.type === "presence") {
        $$("[data-live~='presence']").forEach(function (el) { queue(el, "all"); });
        schedule();
      } else if (data.type === "revoked") {
        stop("You no longer have access to this train: live updates stopped. Reload the page.");
      }
    };
    socket.onclose = function (event) {
      window.clearInterval(pingTimer);
      socket = null;
      if (event.code === 4401) { stop("Signed out: live updates stopped. Sign in again to see changes."); return; }
      if (event.code === 4403) { stop("You no longer have access to this train: live updates stopped."); return; }
      if (stopped) return;
      paused = true;
      say("Live updates paused: reconnecting…", "paused");
      reconnectLater();
    };
  }

  function reconnectLater() {
    var delay = Math.min(MAX_BACKOFF_MS, 1000 * Math.pow(2, attempt));
    attempt += 1;
    window.setTimeout(connect, delay / 2 + Math.random() * delay / 2);
  }

  function stop(text) {
    stopped = true;
    window.clearInterval(pingTimer);
    say(text, "stopped");
    if (socket) { try { socket.close(); } catch (e) { /* closing anyway */ } }
  }

  /* --- which parts to refresh ---------------------------------------------------------------- */

  function matches(el, event) {
    var topics = (el.getAttribute("data-live") || "").split(/\s+/);
    if (topics.indexOf(event.model) < 0 && topics.indexOf("*") < 0) return false;
    var pi = el.getAttribute("data-live-pi");
    if (pi && event.pi !== null && event.pi !== undefined && String(event.pi) !== pi) return false;
    var team = el.getAttribute("data-live-team");
    if (team && event.teams && event.teams.length && event.teams.map(String).indexOf(team) < 0) return false;
    return true;
  }

  function queue(el, teams) {
    if (!el.id) return;
    var entry = pending[el.id] || (pending[el.id] = { el: el, teams: {} });
    entry.el = el;
    if (teams === "all" || entry.teams === "all") {
      entry.teams = "all";
    } else {
      teams.forEach(function (t) { entry.teams[t] = true; });
    }
  }

  function received(events, catchup) {
    events.forEach(function (event) {
      if (typeof event.seq === "number" && event.seq > (seq || 0)) seq = event.seq;
      warnEditor(event);
      $$("[data-live]").forEach(function (el) {
        if (!matches(el, event)) return;
        queue(el, event.teams && event.teams.length ? event.teams : "all");
      });
    });
    if (catchup && events.length) say("Caught up: " + events.length + " change" + (events.length === 1 ? "" : "s") + " while away.", "live", 4000);
    schedule();
  }

  function refreshUnrecorded() {
    $$("[data-live]").forEach(function (el) {
      var topics = (el.getAttribute("data-live") || "").split(/\s+/);
      if (UNRECORDED.some(function (t) { return topics.indexOf(t) >= 0; })) queue(el, "all");
    });
    schedule();
  }

  function schedule() {
    if (flushTimer) return;
    flushTimer = window.setTimeout(flush, COALESCE_MS);
  }

  function busy(el) {
    if (document.querySelector(".is-dragging-card")) return true;  // never swap a row mid-drag
    var active = document.activeElement;
    if (active && active !== body && el.contains(active) && active.matches("input, textarea, select, [contenteditable]")) return true;
    return !!el.querySelector("dialog[open], details[open] form, form[data-dirty]");
  }

  function flush() {
    flushTimer = null;
    Object.keys(pending).forEach(function (id) {
      var entry = pending[id];
      var el = document.getElementById(id) || entry.el;
      if (!el || !document.body.contains(el)) { delete pending[id]; return; }
      if (busy(el)) { el.setAttribute("data-live-stale", ""); return; }  // after its person is done
      delete pending[id];
      refresh(el, entry.teams);
    });
    // Parts still waiting for their person: look again shortly (a drag may end without a request).
    if (Object.keys(pending).length && !flushTimer) flushTimer = window.setTimeout(flush, 400);
  }

  function refresh(el, teams) {
    var src = el.getAttribute("data-live-src") || (window.location.pathname + window.location.search);
    if (el.hasAttribute("data-live-teams")) {
      var list = teams === "all" ? "all" : Object.keys(teams).join(",");
      src += (src.indexOf("?") < 0 ? "?" : "&") + "teams=" + encodeURIComponent(list || "all");
    }
    var swap = el.getAttribute("data-live-swap") || "outerHTML";
    var before = positions();
    el.removeAttribute("data-live-stale");
    htmx.ajax("GET", src, { source: el, target: swap === "none" ? el : "#" + el.id, swap: swap })
      .then(function () { window.requestAnimationFrame(function () { animate(before); applyLocks(); }); });
  }

  // A part that waited for its person refreshes once they leave it.
  function retryStale() { if ($$("[data-live-stale]").length) schedule(); }
  document.addEventListener("focusout", function () { window.setTimeout(retryStale, 50); });
  document.addEventListener("close", function () { window.setTimeout(retryStale, 50); }, true);
  document.addEventListener("htmx:afterSettle", function () { window.setTimeout(retryStale, 50); updateEditing(); });

  /* --- noticing what others did ----------------------------------------------------------- */

  function cardState(card) {
    return [card.getAttribute("data-version"), card.getAttribute("data-team"), card.getAttribute("data-iteration")].join("|");
  }

  function positions() {
    var out = {};
    $$("[data-card][id]").forEach(function (card) {
      out[card.id] = { state: cardState(card), rect: card.getBoundingClientRect() };
    });
    return out;
  }

  function animate(before) {
    var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    $$("[data-card][id]").forEach(function (card) {
      var was = before[card.id];
      if (!was || was.state === cardState(card)) return;
      card.classList.add("live-flash");
      window.setTimeout(function () { card.classList.remove("live-flash"); }, 2200);
      if (reduce || !card.animate) return;
      var now = card.getBoundingClientRect();
      var dx = was.rect.left - now.left;
      var dy = was.rect.top - now.top;
      if (Math.abs(dx) + Math.abs(dy) > 4 && was.rect.width > 0) {
        card.animate([{ transform: "translate(" + dx + "px," + dy + "px)" }, { transform: "none" }], { duration: 500, easing: "ease-out" });
      }
    });
  }

  /* --- soft locks: which card this page edits, and which the others edit ------------------- */

  function currentEditing() {
    var holder = $$("dialog[open] [data-edit-card], form[data-edit-card]").filter(function (el) {
      return el.offsetParent !== null || el.closest("dialog[open]");
    })[0];
    return holder ? holder.getAttribute("data-edit-card") : "";
  }

  function updateEditing() {
    var card = currentEditing();
    if (card === editing) return;
    editing = card;
    if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: "editing", card: editing }));
  }
  document.addEventListener("close", function () { window.setTimeout(updateEditing, 0); }, true);
  document.addEventListener("toggle", function () { window.setTimeout(updateEditing, 0); }, true);

  function applyLocks() {
    var strip = document.getElementById("presence");
    locks = {};
    var raw = strip ? strip.getAttribute("data-editing") || "" : "";
    raw.split(";").forEach(function (pair) {
      var at = pair.indexOf("=");
      if (at > 0) locks[pair.slice(0, at)] = pair.slice(at + 1);
    });
    $$(".is-being-edited").forEach(function (el) {
      el.classList.remove("is-being-edited");
      el.removeAttribute("data-editing-by");
    });
    Object.keys(locks).forEach(function (card) {
      var dash = card.lastIndexOf("-");
      var kind = card.slice(0, dash);
      var id = card.slice(dash + 1);
      $$("[data-card][data-kind='" + kind + "'][data-id='" + id + "'], [data-lock='" + card + "']").forEach(function (el) {
        el.classList.add("is-being-edited");
        el.setAttribute("data-editing-by", locks[card] + " is editing");
      });
    });
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "presence") applyLocks();
  });

  // An open editor of a card that someone else just changed says so: saving will be refused.
  function warnEditor(event) {
    if (!editing || event.model + "-" + event.id !== editing) return;
    $$("[data-edit-card='" + editing + "']").forEach(function (holder) {
      var note = holder.querySelector("[data-live-conflict]");
      if (!note) {
        note = document.createElement("p");
        note.className = "alert alert--warning live-conflict";
        note.setAttribute("role", "alert");
        note.setAttribute("data-live-conflict", "");
        holder.insertBefore(note, holder.firstChild);
      }
      note.textContent = "Someone else just changed this card. Saving now will be refused as a conflict: close and reopen it to see the latest.";
    });
  }

  window.addEventListener("pagehide", function () { stopped = true; if (socket) socket.close(); });
  connect();
})();
