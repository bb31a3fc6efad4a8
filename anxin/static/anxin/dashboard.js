// anxin: the contract dashboard's street chart (ECharts). Data from <script type="application/json"
// id="street-chart-data"> (json_script); no inline script (strict CSP).
(function () {
  "use strict";
  function draw() {
    const node = document.getElementById("street-chart");
    const source = document.getElementById("street-chart-data");
    if (!node || !source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const labels = node.closest("section").querySelectorAll("#streets thead th");
    const chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 32, bottom: 90 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.streets, axisLabel: { rotate: 45, interval: 0 } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: labels[1].textContent, type: "bar", data: data.registered, itemStyle: { color: "#adb5bd" } },
        { name: labels[2].textContent, type: "bar", data: data.served, itemStyle: { color: "#198754" } },
      ],
    });
    window.addEventListener("resize", () => chart.resize());
    node.dataset.ready = "1";
  }
  document.addEventListener("DOMContentLoaded", draw);
})();
