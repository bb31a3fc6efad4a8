// anxin: ECharts line charts of assessment totals over time (the case's assessment page).
// Data comes from <script type="application/json" id="assessment-series"> (json_script); each
// <div class="assessment-chart" data-series="N"> shows series N. No inline script (strict CSP).
(function () {
  "use strict";

  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  function chartOption(s) {
    const markLine = s.cutoff === null || s.cutoff === undefined ? undefined : {
      silent: true,
      symbol: "none",
      lineStyle: { type: "dashed", color: "#dc3545" },
      label: { formatter: String(s.cutoff), position: "end" },
      data: [{ yAxis: s.cutoff }],
    };
    return {
      animation: false,
      grid: { left: 36, right: 24, top: 16, bottom: 28 },
      tooltip: {
        trigger: "item",
        formatter: (p) => {
          const point = s.points[p.dataIndex];
          return `${escape(point.date)}<br>${escape(point.timepoint)}: <b>${escape(point.total)}</b> ${escape(point.band)}`;
        },
      },
      xAxis: {
        type: "time",
        splitNumber: 3,
        axisLabel: { hideOverlap: true, formatter: "{yyyy}-{MM}-{dd}" },
      },
      yAxis: {
        type: "value",
        min: s.min === null ? undefined : s.min,
        max: s.max === null ? undefined : s.max,
      },
      series: [{
        name: s.title,
        type: "line",
        symbolSize: 10,
        data: s.points.map((p) => [p.date, p.total]),
        markLine: markLine,
      }],
    };
  }

  function draw() {
    const source = document.getElementById("assessment-series");
    if (!source || typeof window.echarts === "undefined") {
      return;
    }
    const series = JSON.parse(source.textContent);
    const charts = [];
    document.querySelectorAll(".assessment-chart[data-series]").forEach((el) => {
      const s = series[Number(el.dataset.series)];
      if (!s) {
        return;
      }
      el.replaceChildren();
      const chart = window.echarts.init(el);
      chart.setOption(chartOption(s));
      charts.push(chart);
    });
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
