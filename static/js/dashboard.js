/* Draws the dashboard's charts from their #chart-NAME JSON with the local Plotly bundle.
   The server sends each figure once, compactly; hover texts are built here. */
(function () {
  "use strict";
  var sources = document.querySelectorAll('script[type="application/json"][id^="chart-"]');
  if (!sources.length || typeof Plotly === "undefined") return;
  var figures = {};
  sources.forEach(function (source) {
    figures[source.id.slice("chart-".length)] = JSON.parse(source.textContent);
  });

  function config(name) {
    // Plotly's own PNG download stays in the mode bar.
    return {
      responsive: true,
      displaylogo: false,
      toImageButtonOptions: { format: "png", filename: "ovp-" + name, scale: 2 },
    };
  }

  function heatmap(fig, el) {
    var trace = fig.data[0];
    var meta = fig.meta || {};
    var names = meta.criteria || trace.x;
    var rows = trace.y.length;
    var na = {};
    (meta.na || []).forEach(function (p) { na[p[0] + ":" + p[1]] = true; });
    trace.text = trace.z.map(function (row, r) {
      return row.map(function (v, i) {
        var word = na[r + ":" + i] ? meta.not_applicable : v === null ? meta.unrated : v + "/4";
        return names[i] + ": " + word;
      });
    });
    trace.hovertemplate = "%{y}<br>%{text}<extra></extra>";
    if (rows <= 40) {
      trace.texttemplate = "%{z}";
    }
    var layout = fig.layout;
    // Tall enough to read up to ~60 offices; beyond that an overview, with names on hover.
    layout.height = Math.min(Math.max(260, rows * 24 + 120), 1400);
    if (rows > 60) {
      layout.yaxis.showticklabels = false;
      layout.margin.l = 20;
    }
    layout.xaxis.tickvals = trace.x;
    layout.xaxis.ticktext = trace.x;
    Plotly.newPlot(el, [trace], layout, config("heatmap"));
  }

  function plain(name) {
    return function (fig, el) {
      if (name === "distribution" && fig.meta) {
        fig.data.forEach(function (trace) {
          trace.customdata = fig.meta.criteria;
          trace.hovertemplate = "%{customdata}<br>" + trace.name + ": %{y}<extra></extra>";
        });
      }
      Plotly.newPlot(el, fig.data, fig.layout, config(name));
    };
  }

  var draw = {
    heatmap: heatmap,
    radar: plain("radar"),
    trends: plain("trends"),
    distribution: plain("distribution"),
  };
  document.querySelectorAll("[data-chart]").forEach(function (el) {
    var name = el.getAttribute("data-chart");
    var fig = figures[name];
    if (fig && draw[name] && fig.data.length) draw[name](fig, el);
  });
})();
