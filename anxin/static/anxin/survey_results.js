// anxin: the survey results page's charts (ECharts): one horizontal bar chart per choice
// question, the count of each option with its share of those who answered. Data from
// <script type="application/json" id="survey-results-data"> (json_script); the same figures are
// in the table under each chart. No inline script (strict CSP).
(function () {
  "use strict";
  function percent(share) {
    if (share === null || share === undefined) return "—";
    return (share * 100).toFixed(1).replace(/\.0$/, "") + "%";
  }
  function questionChart(node, question, seriesName) {
    const labels = question.options.map((o) => o.label);
    node.style.height = Math.max(160, 48 + labels.length * 36) + "px";
    const chart = window.echarts.init(node, null, { renderer: "svg" });
    chart.setOption({
      animation: false,
      grid: { left: 16, right: 72, top: 8, bottom: 24, containLabel: true },
      tooltip: {
        trigger: "axis",
        axisPointer: { type: "shadow" },
        formatter: (params) => {
          const p = params[0];
          const option = question.options[p.dataIndex];
          return `${option.label}<br>${option.count} (${percent(option.share)})`;
        },
      },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: {
        type: "category",
        data: labels,
        inverse: true,
        axisLabel: { width: 180, overflow: "truncate" },
      },
      series: [
        {
          name: seriesName,
          type: "bar",
          data: question.options.map((o) => o.count),
          label: {
            show: true,
            position: "right",
            formatter: (p) => {
              const option = question.options[p.dataIndex];
              return `${option.count} · ${percent(option.share)}`;
            },
          },
        },
      ],
    });
    return chart;
  }
  function drawAll() {
    const source = document.getElementById("survey-results-data");
    if (!source || !window.echarts) return;
    const data = JSON.parse(source.textContent);
    const byCode = {};
    data.questions.forEach((q) => {
      byCode[q.code] = q;
    });
    document.querySelectorAll("[data-question-chart]").forEach((node) => {
      const question = byCode[node.dataset.questionChart];
      if (!question) return;
      const chart = questionChart(node, question, data.series);
      window.addEventListener("resize", () => chart.resize());
      node.dataset.ready = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", drawAll);
})();
