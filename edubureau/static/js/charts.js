// Charts of the dashboards, drawn with the vendored ECharts (static/vendor/echarts).
//
// A page marks a chart container with data-chart="<id>", where <id> is the id of a
// <script type="application/json"> element written by Django's json_script filter:
//   {"type": "hbar-stacked" | "bar-stacked" | "line", "title": "…",
//    "categories": ["…"], "series": [{"name": "…", "data": [1, 2], "links": ["/…?…"]}]}
// No page carries inline JavaScript or data in code. Clicking a bar or a point opens
// the list of rows it counts (its link). Every chart also has a table on the page,
// so nothing is lost without JavaScript.
(function () {
  "use strict";

  var PALETTE = ["#2563eb", "#f59e0b", "#dc2626", "#16a34a", "#7c3aed", "#0891b2"];

  function narrow(el) {
    return el.clientWidth < 480;
  }

  function axisLabel(el) {
    return { fontSize: narrow(el) ? 10 : 12, hideOverlap: true };
  }

  function build(spec, el) {
    var horizontal = spec.type === "hbar-stacked";
    var stacked = spec.type === "hbar-stacked" || spec.type === "bar-stacked";
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: axisLabel(el),
      inverse: horizontal,
    };
    var valueAxis = { type: "value", minInterval: 1, axisLabel: axisLabel(el) };
    return {
      color: PALETTE,
      animation: false,
      tooltip: { trigger: "axis", confine: true, axisPointer: { type: horizontal ? "shadow" : "line" } },
      legend: { type: "scroll", top: 0, textStyle: { fontSize: narrow(el) ? 11 : 12 } },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: spec.series.map(function (s) {
        return {
          name: s.name,
          type: spec.type === "line" ? "line" : "bar",
          stack: stacked ? "total" : undefined,
          data: s.data,
          barMaxWidth: 28,
          symbolSize: 6,
          emphasis: { focus: "series" },
          cursor: s.links ? "pointer" : "default",
        };
      }),
    };
  }

  function sizeFor(spec, el) {
    // Horizontal bars grow with the number of categories so labels stay readable.
    if (spec.type === "hbar-stacked") {
      el.style.height = Math.max(200, 44 + spec.categories.length * 30) + "px";
    }
  }

  function init(el) {
    var source = document.getElementById(el.getAttribute("data-chart"));
    if (!source || !window.echarts) return;
    var spec = JSON.parse(source.textContent);
    if (!spec || !spec.categories || spec.categories.length === 0) return;
    sizeFor(spec, el);
    var chart = window.echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(build(spec, el));
    chart.on("click", function (params) {
      var series = spec.series[params.seriesIndex];
      var url = series && series.links ? series.links[params.dataIndex] : null;
      // Only same-site paths: the links come from the server's own list URLs.
      if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/") {
        window.location.href = url;
      }
    });
    var redraw = function () {
      chart.setOption(build(spec, el));
      chart.resize();
    };
    if ("ResizeObserver" in window) {
      new ResizeObserver(redraw).observe(el);
    } else {
      window.addEventListener("resize", redraw);
    }
  }

  function start() {
    var nodes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < nodes.length; i++) init(nodes[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
