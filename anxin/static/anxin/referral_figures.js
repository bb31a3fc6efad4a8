// anxin: the referral figures page's charts (ECharts): referrals out and in per partner
// (horizontal bars) and per month. Data from <script type="application/json"
// id="referral-figures-data"> (json_script); the same figures are in the tables below each
// chart. No inline script (strict CSP).
(function () {
  "use strict";
  function directionSeries(data, values) {
    return data.directions.map((d) => ({ name: d.name, type: "bar", data: values(d) }));
  }
  function partnerChart(node, data) {
    const names = [];
    data.partners.forEach((p) => {
      if (!names.includes(p.partner)) names.push(p.partner);
    });
    node.style.height = Math.max(240, 80 + names.length * 40) + "px";
    const chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 16, right: 24, top: 40, bottom: 24, containLabel: true },
      legend: { top: 0 },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: names, inverse: true, axisLabel: { width: 200, overflow: "truncate" } },
      series: directionSeries(data, (d) =>
        names.map((name) => {
          const row = data.partners.find((p) => p.partner === name && p.direction === d.code);
          return row ? row.total : 0;
        })
      ),
    });
    return chart;
  }
  function monthChart(node, data) {
    const chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 40, right: 16, top: 40, bottom: 40 },
      legend: { top: 0 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "category", data: data.months, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: "value", minInterval: 1 },
      series: directionSeries(data, (d) => d.months),
    });
    return chart;
  }
  const DRAW = { partners: partnerChart, months: monthChart };
  function drawAll() {
    const source = document.getElementById("referral-figures-data");
    if (!source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("[data-chart]").forEach((node) => {
      const draw = DRAW[node.dataset.chart];
      if (!draw) return;
      const chart = draw(node, data);
      window.addEventListener("resize", () => chart.resize());
      node.dataset.ready = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", drawAll);
})();
