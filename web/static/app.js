// Liudan's own small script: inbox tabs keep the filter form in step, and server messages show as
// toasts (their words come from the page: data-msg-* on <body>, from web/i18n). Everything else is
// htmx attributes in the templates. Each part below is an enhancement: the page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function toast(message, isError) {
    var box = document.getElementById("toasts");
    if (!box || !message) return;
    var el = document.createElement("div");
    el.className = "toast" + (isError ? " error" : "");
    el.setAttribute("role", "status");
    el.textContent = message;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 5000);
  }

  // HX-Trigger: {"toast": "..."} from the server.
  document.body.addEventListener("toast", function (e) {
    toast(e.detail && e.detail.value, false);
  });

  // A request htmx would not swap (403 CSRF, 500...): say so instead of failing silently.
  document.body.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    var text = (xhr.responseText || "").replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
    toast(text.slice(0, 200) || (document.body.dataset.msgFailed + " (" + xhr.status + ")"), true);
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.msgOffline, true);
  });

  // A case page that is closed or left tells the server at once (store.presence.leave), so another
  // officer's page stops saying "正在查看此案件" at its next poll rather than 45 s later.
  window.addEventListener("pagehide", function () {
    var presence = document.querySelector("[data-leave]");
    if (!presence || !navigator.sendBeacon) return;
    var token = "";
    try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || ""; } catch (err) { return; }
    var form = new FormData();
    form.append("csrf_token", token);
    navigator.sendBeacon(presence.getAttribute("data-leave"), form);
  });

  // Inbox tabs are links (they work without script); with script they set the filter form's tab.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-tab]");
    var form = document.getElementById("inbox-filters");
    if (!link || !form || !window.htmx) return;
    e.preventDefault();
    form.elements.tab.value = link.getAttribute("data-tab");
    htmx.trigger(form, "submit");
  });

  // Copy buttons (the tracking link): hidden until script can copy; the field stays selectable.
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
  });
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = function () { toast(button.getAttribute("data-copied"), false); };
    var failed = function () { toast(button.getAttribute("data-copy-failed"), true); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, failed);
    } else {
      try { document.execCommand("copy") ? done() : failed(); } catch (err) { failed(); }
    }
  });

  // On a phone the top bar's links fold behind a menu button, and the inbox filters behind theirs
  // (app.css hides them only when the html element has the "js" class, so without script all shows).
  function foldable(target, label, extraClass) {
    if (!target || !label) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "fold-toggle " + extraClass;
    button.textContent = label;
    button.setAttribute("aria-expanded", "false");
    if (!target.id) target.id = "fold-" + extraClass;
    button.setAttribute("aria-controls", target.id);
    button.addEventListener("click", function () {
      var open = target.classList.toggle("unfolded");
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    target.parentNode.insertBefore(button, target);
  }
  var topNav = document.querySelector(".topbar .nav");
  if (topNav) {
    var inner = topNav.parentNode;
    var panel = document.createElement("div");
    panel.className = "topbar-menu";
    while (topNav.nextSibling) panel.appendChild(topNav.nextSibling);
    inner.insertBefore(panel, topNav);
    panel.insertBefore(topNav, panel.firstChild);
    foldable(panel, "\u2630", "menu-toggle");
    var menuButton = inner.querySelector(".menu-toggle");
    if (menuButton) menuButton.setAttribute("aria-label", topNav.getAttribute("aria-label") || "");
  }
  var filters = document.getElementById("inbox-filters");
  if (filters) foldable(filters, filters.getAttribute("data-fold-label"), "filters-toggle");

  // Inbox keyboard: j / k move between cases, Enter (or o) opens one, x ticks its bulk box.
  var current = -1;
  function inboxItems() {
    return Array.prototype.slice.call(document.querySelectorAll("#inbox li.item"));
  }
  function mark(index) {
    var items = inboxItems();
    if (!items.length) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (item, i) { item.classList.toggle("kb-current", i === current); });
    var link = items[current].querySelector("a.title");
    if (link) link.focus();
  }
  document.addEventListener("keydown", function (e) {
    if (!document.getElementById("inbox") || e.altKey || e.ctrlKey || e.metaKey) return;
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT|BUTTON)$/.test(t.tagName))) return;
    var items = inboxItems();
    var at = items.indexOf(document.activeElement && document.activeElement.closest
      ? document.activeElement.closest("li.item") : null);
    if (at >= 0) current = at;
    if (e.key === "j") { mark(current + 1); e.preventDefault(); }
    else if (e.key === "k") { mark(current < 0 ? 0 : current - 1); e.preventDefault(); }
    else if ((e.key === "Enter" || e.key === "o") && current >= 0 && items[current]) {
      var link = items[current].querySelector("a.title");
      if (link && document.activeElement !== link) { link.click(); e.preventDefault(); }
    } else if (e.key === "x" && current >= 0 && items[current]) {
      var box = items[current].querySelector("input.pick");
      if (box) { box.checked = !box.checked; box.dispatchEvent(new Event("change", { bubbles: true })); }
    }
  });
  document.body.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "inbox" && current >= 0) {
      var items = inboxItems();
      if (items[current]) items[current].classList.add("kb-current");
    }
  });

  // Bulk 签收 / 接单: "select all" ticks this page's boxes; while any is ticked the inbox stops
  // refreshing itself, so a 15-second poll never wipes a half-made selection.
  document.addEventListener("change", function (e) {
    if (e.target && e.target.id === "pick-all") {
      document.querySelectorAll("#inbox input.pick").forEach(function (box) { box.checked = e.target.checked; });
    }
  });
  document.body.addEventListener("htmx:beforeRequest", function (e) {
    var elt = e.detail.elt;
    if (elt && elt.id === "inbox" && e.detail.requestConfig && e.detail.requestConfig.triggeringEvent &&
        e.detail.requestConfig.triggeringEvent.type !== "inbox-changed" &&
        document.querySelector("#inbox input.pick:checked")) {
      e.preventDefault();
    }
  });

  // A bulk decision that went through clears its form (a refusal keeps what was typed).
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt && e.detail.elt.id === "bulk-form" && e.detail.xhr && e.detail.xhr.status === 200) {
      e.detail.elt.reset();
      document.querySelectorAll("#inbox input.pick:checked").forEach(function (box) { box.checked = false; });
    }
  });

  // Canned replies (常用语) beside every "response" and "result" text field: a picker that puts the
  // chosen text in the field, which stays editable. The list is the officer's org's, fetched once.
  var canned = null;
  function cannedReplies() {
    if (!canned) {
      canned = fetch("/canned-replies/options", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { replies: {} }; })
        .catch(function () { return { replies: {} }; });
    }
    return canned;
  }
  function attachPickers(root) {
    var fields = (root || document).querySelectorAll("textarea[name=response], textarea[name=result]");
    if (!fields.length || !document.querySelector(".topbar .nav")) return;
    cannedReplies().then(function (data) {
      fields.forEach(function (field) {
        var texts = (data.replies || {})[field.name] || [];
        if (!texts.length || field.dataset.canned) return;
        field.dataset.canned = "1";
        var select = document.createElement("select");
        select.className = "canned-picker";
        select.setAttribute("aria-label", data.label || "");
        var first = document.createElement("option");
        first.value = "";
        first.textContent = data.placeholder || "";
        select.appendChild(first);
        texts.forEach(function (text) {
          var option = document.createElement("option");
          option.value = text;
          option.textContent = text.length > 40 ? text.slice(0, 40) + "…" : text;
          select.appendChild(option);
        });
        select.addEventListener("change", function () {
          if (!select.value) return;
          field.value = select.value;
          field.dispatchEvent(new Event("input", { bubbles: true }));
          select.value = "";
          field.focus();
        });
        // Outside the field's <label>: a label names its first control, which must stay the field.
        var owner = field.closest("label") || field;
        owner.insertAdjacentElement("afterend", select);
      });
    });
  }
  attachPickers(document);
  document.body.addEventListener("htmx:load", function (e) { attachPickers(e.detail.elt); });
})();
