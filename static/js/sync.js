/* The ART sync's clock: the facilitator starts the sync, each agenda section counts down its
   minutes, "Next section" moves on (a section may run over: it says by how much). The state
   lives in localStorage per event, so a reload, or the projector's browser restarting, keeps
   it. Without JavaScript the agenda reads the same, without the clock. */
(function () {
  "use strict";

  var clock = document.querySelector("[data-sync-clock]");
  if (!clock) return;
  clock.hidden = false;
  var key = "railyard-sync-" + clock.getAttribute("data-event");
  var total = parseInt(clock.getAttribute("data-minutes"), 10);
  var announce = document.querySelector("[data-clock-announce]");

  function sections() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-section]"));
  }
  function load() {
    try { return JSON.parse(window.localStorage.getItem(key)); } catch (e) { return null; }
  }
  function save(state) {
    try {
      if (state) window.localStorage.setItem(key, JSON.stringify(state));
      else window.localStorage.removeItem(key);
    } catch (e) { /* private mode: the clock still runs until the page is left */ }
  }
  function fmt(ms) {
    var seconds = Math.floor(Math.abs(ms) / 1000);
    var minutes = Math.floor(seconds / 60);
    seconds = seconds % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }
  function title(el) {
    var heading = el.querySelector(".agenda-section__title");
    return heading ? heading.textContent.trim() : "";
  }

  var state = load();

  function render() {
    var list = sections();
    var now = Date.now();
    list.forEach(function (el, index) {
      var countdown = el.querySelector("[data-countdown]");
      el.classList.remove("is-current", "is-done");
      el.removeAttribute("aria-current");
      if (!countdown) return;
      countdown.classList.remove("is-over");
      if (!state) { countdown.textContent = ""; return; }
      if (index < state.current) {
        el.classList.add("is-done");
        countdown.textContent = "done";
      } else if (index === state.current) {
        el.classList.add("is-current");
        el.setAttribute("aria-current", "step");
        var length = (parseInt(el.getAttribute("data-ends"), 10) - parseInt(el.getAttribute("data-starts"), 10)) * 60000;
        var left = length - (now - state.sectionStarted);
        countdown.textContent = left >= 0 ? fmt(left) + " left" : fmt(left) + " over";
        if (left < 0) countdown.classList.add("is-over");
      } else {
        countdown.textContent = "";
      }
    });
    var elapsed = clock.querySelector("[data-clock-elapsed]");
    var start = clock.querySelector("[data-clock-start]");
    var next = clock.querySelector("[data-clock-next]");
    var reset = clock.querySelector("[data-clock-reset]");
    if (!state) {
      elapsed.textContent = "Not started · " + total + " min";
    } else if (state.current >= list.length) {
      elapsed.textContent = "Finished in " + fmt(state.ended - state.started);
    } else {
      elapsed.textContent = fmt(now - state.started) + " of " + total + ":00";
    }
    start.hidden = !!state;
    next.disabled = !state || state.current >= list.length;
    reset.disabled = !state;
  }

  function say(text) {
    if (announce) announce.textContent = text;
  }

  function focusCurrent() {
    var current = sections()[state ? state.current : -1];
    if (current) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  clock.querySelector("[data-clock-start]").addEventListener("click", function () {
    var now = Date.now();
    state = { started: now, current: 0, sectionStarted: now };
    save(state);
    render();
    var first = sections()[0];
    if (first) say("Started. Now: " + title(first));
    clock.querySelector("[data-clock-next]").focus();
  });
  clock.querySelector("[data-clock-next]").addEventListener("click", function () {
    if (!state) return;
    var now = Date.now();
    var list = sections();
    state.current += 1;
    state.sectionStarted = now;
    if (state.current >= list.length) {
      state.ended = now;
      say("The agenda is done.");
    } else {
      say("Now: " + title(list[state.current]));
    }
    save(state);
    render();
    focusCurrent();
  });
  clock.querySelector("[data-clock-reset]").addEventListener("click", function () {
    state = null;
    save(null);
    render();
    say("Clock reset.");
  });

  document.body.addEventListener("htmx:afterSettle", render);
  render();
  window.setInterval(render, 1000);
})();
