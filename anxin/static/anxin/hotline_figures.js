// anxin: the hotline figures page's charts (ECharts): calls per month by caller, by topic, and
// outreach calls by result, stacked. Data from <script type="application/json"
// id="hotline-figures-data"> (json_script); no inline script (strict CSP).
(function () {
  "use strict";
  function draw(node, data) {
    const series = (data[node.dataset.series] || []).filter((s) => s.total > 0);
    const chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 48, bottom: 40 },
      legend: { top: 0, type: "scroll" },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: series.map((s) => ({ name: s.name, type: "bar", stack: "all", data: s.values })),
    });
    window.addEventListener("resize", () => chart.resize());
    node.dataset.ready = "1";
  }
  function drawAll() {
    const source = document.getElementById("hotline-figures-data");
    if (!source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-series]").forEach((node) => draw(node, data));
  }
  document.addEventListener("DOMContentLoaded", drawAll);
})();
