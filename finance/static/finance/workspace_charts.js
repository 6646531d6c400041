// The event workspace's charts (finance/templates/admin/finance/workspace.html), drawn with
// Chart.js from the figures the page carries in <script type="application/json"> (json_script):
// no inline script, no eval, so the strict Content-Security-Policy holds. The tables next to each
// chart hold the same figures, for readers, printing and browsers without script.
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function numbers(values) {
    return values.map(function (value) { return Number(value); });
  }
  function draw(canvasId, config) {
    var canvas = document.getElementById(canvasId);
    if (!canvas || typeof window.Chart === "undefined") {
      return;
    }
    canvas.hidden = false;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    new window.Chart(canvas, config);
  }
  var charts = data("workspace-chart-data");
  if (!charts) {
    return;
  }
  var green = "#1b7a33", red = "#b3261e", grey = "#8a8a8a";
  // Two bar series side by side: [label, key of the figures, colour] each.
  function bars(canvasId, figures, series) {
    if (!figures.labels.length) {
      return;
    }
    draw(canvasId, {
      type: "bar",
      data: {
        labels: figures.labels,
        datasets: series.map(function (one) {
          return { label: one[0], data: numbers(figures[one[1]]), backgroundColor: one[2] };
        })
      }
    });
  }
  bars("workspace-budget-chart", charts.budget, [[charts.labels.planned, "planned", grey], [charts.labels.actual, "actual", red]]);
  bars("workspace-cashflow-chart", charts.cashflow, [[charts.labels.income, "income", green], [charts.labels.expenses, "expenses", red]]);
  if (charts.income.labels.length) {
    draw("workspace-income-chart", {
      type: "doughnut",
      data: { labels: charts.income.labels, datasets: [{ data: numbers(charts.income.amounts) }] }
    });
  }
})();
