// Draws the dashboard's charts with the vendored Apache ECharts. Each chart's option is JSON in the
// element's data-chart attribute (the content-security policy allows no inline script), made by
// the server from the same data as the table under it. Also: [data-print] buttons print the page.
(function () {
  "use strict";

  var drawn = [];

  function draw(root) {
    if (!window.echarts) return;
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (el) {
      if (el.getAttribute("data-drawn")) return;
      var option;
      try {
        option = JSON.parse(el.getAttribute("data-chart"));
      } catch (e) {
        return; // the table under the chart still has the numbers
      }
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      drawn.push(chart);
    });
  }

  // Charts whose element left the page (an htmx swap) are let go.
  function prune() {
    drawn = drawn.filter(function (chart) {
      if (document.body.contains(chart.getDom())) return true;
      chart.dispose();
      return false;
    });
  }

  // htmx keeps a snapshot of the page for the back button: leave it charts-free (a canvas does not
  // survive serialisation, and the styles ECharts sets would come back as inline styles, which the
  // CSP refuses), and draw them again when the page is restored.
  function clear() {
    drawn.forEach(function (chart) {
      // A fresh element: ECharts may still touch the old one's style after dispose().
      var el = chart.getDom();
      var fresh = el.cloneNode(false);
      fresh.removeAttribute("data-drawn");
      fresh.removeAttribute("style");
      fresh.removeAttribute("_echarts_instance_");
      chart.dispose();
      el.replaceWith(fresh);
    });
    drawn = [];
  }

  function resize() {
    drawn.forEach(function (chart) { chart.resize(); });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.body.addEventListener("htmx:afterSettle", function (e) {
    prune();
    draw(e.target);
  });
  document.body.addEventListener("htmx:beforeHistorySave", clear);
  document.body.addEventListener("htmx:historyRestore", function () { draw(document); });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(resize, 150);
  });
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);

  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-print]");
    if (!button) return;
    e.preventDefault();
    window.print();
  });
})();
