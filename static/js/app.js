/* Railyard's small layer of behaviour on top of htmx: toasts, the confirm dialog, focus after
   swaps, the collapsible train navigation, menus and copy buttons. No framework, no build. */
(function () {
  "use strict";

  /* The CSRF header htmx sends (body's hx-headers), for the boards' own requests (cards.js,
     kanban.js). */
  window.railyardCsrfHeaders = function () {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (e) {
      return {};
    }
  };

  var sprite = function () {
    var el = document.querySelector("[data-sprite]");
    return el ? el.getAttribute("data-sprite") : "";
  };

  /* --- toasts ---------------------------------------------------------------------------- */
  var ICONS = { success: "check-circle", error: "x-circle", warning: "alert", info: "info" };

  function dismiss(toast) {
    toast.classList.add("toast--leaving");
    window.setTimeout(function () { toast.remove(); }, 200);
  }

  function arm(toast) {
    var close = toast.querySelector("[data-toast-close]");
    if (close) close.addEventListener("click", function () { dismiss(toast); });
    // Errors stay until dismissed: they explain a refusal the person has to act on.
    if (!toast.classList.contains("toast--error")) {
      window.setTimeout(function () { if (toast.isConnected) dismiss(toast); }, 6000);
    }
  }

  function showToast(message, level) {
    level = level || "success";
    var template = document.getElementById("toast-template");
    var region = document.getElementById("toasts");
    if (!template || !region || !message) return;
    var toast = template.content.firstElementChild.cloneNode(true);
    toast.classList.add("toast--" + level);
    toast.querySelector("use").setAttribute("href", sprite() + "#" + (ICONS[level] || "info"));
    toast.querySelector(".toast__text").textContent = message;
    if (level === "error") toast.setAttribute("role", "alert");
    region.appendChild(toast);
    arm(toast);
  }
  window.railyardToast = showToast;

  /* --- confirm dialog (hx-confirm) ------------------------------------------------------- */
  function confirmDialog(question, onConfirm) {
    var dialog = document.getElementById("confirm-dialog");
    if (!dialog || typeof dialog.showModal !== "function") {
      if (window.confirm(question)) onConfirm();
      return;
    }
    var opener = document.activeElement;
    dialog.querySelector("[data-confirm-text]").textContent = question;
    dialog.returnValue = "";
    dialog.showModal();
    dialog.addEventListener("close", function handler() {
      dialog.removeEventListener("close", handler);
      if (opener && opener.isConnected) opener.focus();
      if (dialog.returnValue === "confirm") onConfirm();
    });
  }

  /* --- focus after swaps ----------------------------------------------------------------- */
  function focusAfterSwap(root) {
    var marker = document.querySelector("[data-focus-after-swap]");
    var target = null;
    if (marker) {
      target = document.getElementById(marker.getAttribute("data-focus-after-swap"));
      marker.remove();
    }
    // htmx reports the swapped element's old node for outerHTML swaps: look it up again by id.
    if (root && root.id && !root.isConnected) root = document.getElementById(root.id);
    if (!target && root && root.querySelector) {
      target = root.querySelector("[aria-invalid='true']") || root.querySelector("[data-autofocus]");
    }
    if (target) {
      target.focus({ preventScroll: false });
      if (target.hasAttribute("data-select-on-focus") && target.select) target.select();
    }
  }

  /* --- wiring ---------------------------------------------------------------------------- */
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toast]").forEach(arm);

    var toggle = document.querySelector("[data-nav-toggle]");
    var nav = document.getElementById("train-nav");
    if (toggle && nav) {
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", String(open));
        nav.classList.toggle("train-nav--open", open);
      });
    }

    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) invalid.focus();
    var selectable = document.querySelector("[data-select-on-focus]");
    if (selectable) { selectable.focus(); selectable.select(); }
  });

  document.addEventListener("click", function (event) {
    // Close open menus when clicking elsewhere.
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });

    var copy = event.target.closest("[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.getAttribute("data-copy"));
      var label = copy.querySelector("[data-copy-label]");
      var done = function () {
        if (label) label.textContent = "Copied";
        showToast(copy.getAttribute("data-copy-message") || "Copied to the clipboard.", "success");
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done, function () { source.select(); });
      } else {
        source.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* the key stays selected */ }
      }
    }

    var opener = event.target.closest("[data-open-disclosure]");
    if (opener) {
      var details = document.getElementById(opener.getAttribute("data-open-disclosure"));
      if (details) {
        event.preventDefault();
        details.open = true;
        var first = details.querySelector("input:not([type=hidden]), select, textarea");
        if (first) first.focus();
      }
    }
  });

  /* --- small behaviours named by data attributes (no inline handlers: the CSP forbids them) */
  document.addEventListener("change", function (event) {
    var field = event.target.closest ? event.target.closest("[data-autosubmit]") : null;
    if (field && field.form) field.form.requestSubmit();
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });

  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail.question;
    if (!question) return;
    event.preventDefault();
    confirmDialog(question, function () { event.detail.issueRequest(true); });
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.tagName === "FORM") {
      elt.setAttribute("aria-busy", "true");
      elt.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.tagName === "FORM" && elt.isConnected) {
      elt.removeAttribute("aria-busy");
      elt.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    }
  });

  document.addEventListener("htmx:afterSettle", function (event) { focusAfterSwap(event.detail.elt); });

  document.addEventListener("toast", function (event) {
    var detail = event.detail || {};
    showToast(detail.message, detail.level);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var text;
    if (xhr.status === 403) text = (xhr.responseText || "").trim() || "You may not do this.";
    else if (xhr.status === 404) text = "Not found: it may have been deleted meanwhile. Reload the page.";
    else if (xhr.status === 409 || xhr.status === 412) text = "Someone else changed this meanwhile. Reload to see their change, then retry.";
    else text = "Something went wrong on the server (" + xhr.status + "). Nothing was changed; try again.";
    if (text.length > 300) text = text.slice(0, 300) + "…";
    showToast(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showToast("Could not reach Railyard. Check your connection and try again.", "error");
  });
})();
