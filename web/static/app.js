// Liudan's own small script: inbox tabs keep the filter form in step, and server messages show as
// toasts (their words come from the page: data-msg-* on <body>, from web/i18n). Everything else is
// htmx attributes in the templates.
(function () {
  "use strict";

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

  // Inbox tabs are links (they work without script); with script they set the filter form's tab.
  document.addEventListener("click", function (e) {
    var link = e.target.closest && e.target.closest("a[data-tab]");
    var form = document.getElementById("inbox-filters");
    if (!link || !form || !window.htmx) return;
    e.preventDefault();
    form.elements.tab.value = link.getAttribute("data-tab");
    htmx.trigger(form, "submit");
  });
})();
