/* Draws the dashboard's charts (#plot-NAME) from their #chart-NAME JSON with the local
   Plotly bundle.
   The server sends each figure once, compactly; hover texts are built here.
   Plotly (1.2 MB, about 400 ms of a phone's main thread to parse and run) is loaded only
   when a chart comes near the screen, and each chart is drawn then: the page shows its text
   and tables at once, and a phone that never scrolls to a chart never pays for it. Its URL
   is this script's data-plotly attribute. */
(function () {
  "use strict";
  var script = document.currentScript;
  var plotlySrc = script && script.getAttribute("data-plotly");
  var charts = document.querySelectorAll("[data-chart]");
  if (!charts.length || !plotlySrc) return;

  var waiting = null;
  function withPlotly(callback) {
    if (typeof Plotly !== "undefined") {
      callback();
      return;
    }
    if (!waiting) {
      waiting = [];
      var tag = document.createElement("script");
      tag.src = plotlySrc;
      tag.onload = function () {
        waiting.forEach(function (f) { f(); });
      };
      document.head.appendChild(tag);
    }
    waiting.push(callback);
  }

  function figure(name) {
    var source = document.getElementById("chart-" + name);
    return source ? JSON.parse(source.textContent) : null;
  }

  function config(name) {
    // Downloads are the page's own buttons (below each chart, keyboard-reachable); the mode
    // bar keeps Plotly's PNG button for mouse users.
    return {
      responsive: true,
      displaylogo: false,
      toImageButtonOptions: { format: "png", filename: "ovp-dashboard-" + name, scale: 2 },
    };
  }

  function heatmap(fig, el) {
    var trace = fig.data[0];
    var meta = fig.meta || {};
    var names = meta.criteria || trace.x;
    var rows = trace.y.length;
    var na = {};
    (meta.na || []).forEach(function (p) { na[p[0] + ":" + p[1]] = true; });
    // A row of several offices (too many for a row each) shows their median level.
    var median = meta.median ? " (" + meta.median + ")" : "";
    trace.text = trace.z.map(function (row, r) {
      return row.map(function (v, i) {
        var word = na[r + ":" + i] ? meta.not_applicable : v === null ? meta.unrated : v + "/4" + median;
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
      layout.yaxis.ticks = "";
      layout.margin.l = 20;
      trace.ygap = 0;  // a row of a few pixels: a white gap would be a third of it
    }
    layout.xaxis.tickvals = trace.x;
    layout.xaxis.ticktext = trace.x;
    Plotly.newPlot(el, [trace], layout, config("heatmap"));
  }

  // Small multiples: as many columns as the width allows, one row of panels ~220 px high.
  function trends(fig, el) {
    var layout = fig.layout;
    var panels = (fig.meta && fig.meta.panels) || 1;
    var width = el.clientWidth || 800;
    var columns = Math.min(panels, width < 576 ? 1 : width < 992 ? 2 : 3);
    var rows = Math.ceil(panels / columns);
    layout.grid.columns = columns;
    layout.grid.rows = rows;
    layout.height = rows * 220 + 160;
    // Panel titles cut to the panel's width (the full name is in the hover and the tables).
    var chars = Math.max(12, Math.floor(width / columns / 7.5));
    var names = layout.annotations.map(function (a) { return a.text; });
    layout.annotations.forEach(function (a) {
      a.font = { size: 12 };
      a.hovertext = a.text;
      if (a.text.length > chars) a.text = a.text.slice(0, chars - 1) + "…";
    });
    var meta = fig.meta;
    var per = meta.criteria.length;
    var middle = (per - 1) / 2;
    fig.data.forEach(function (trace, i) {
      var c = i % per;
      var office = names[Math.floor(i / per)];
      var offset = (c - middle) * meta.offset;
      trace.type = "scatter";
      trace.mode = "lines+markers";
      trace.name = meta.criteria[c];
      trace.legendgroup = String(c);
      trace.showlegend = i < per;
      trace.line = { color: meta.colours[c % meta.colours.length], width: 1.5 };
      trace.marker = { size: 6 };
      trace.connectgaps = false;
      // Nudged off the level so that equal lines stay visible; the hover says the level.
      trace.customdata = trace.y;
      trace.y = trace.y.map(function (v) { return v === null ? null : v + offset; });
      trace.hovertemplate = office + "<br>%{x}: %{customdata}<extra>" + trace.name + "</extra>";
    });
    Plotly.newPlot(el, fig.data, layout, config("trends"));
  }

  function plain(name) {
    return function (fig, el) {
      if (name === "radar" && fig.meta) {
        // The "N/A" marks: their hover says the office's reason.
        fig.data.forEach(function (trace) {
          if (!trace.customdata) return;
          trace.hovertemplate = "%{theta}<br>" + fig.meta.not_applicable +
            ": %{customdata}<extra>" + trace.legendgroup + "</extra>";
        });
        if (el.clientWidth < 576) {
          // A phone has no room for the criteria's names around the circle: their numbers
          // (the table below names them).
          fig.data.forEach(function (trace) {
            trace.theta = trace.theta.map(function (t) { return t.split(".")[0]; });
          });
          fig.layout.polar.angularaxis = { type: "category" };
          fig.layout.margin.l = fig.layout.margin.r = 30;
        }
      }
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
    trends: trends,
    distribution: plain("distribution"),
  };
  function drawChart(el) {
    var name = el.getAttribute("data-chart");
    var fig = figure(name);
    if (fig && draw[name] && fig.data.length) {
      draw[name](fig, el);
      var buttons = document.querySelector('[data-downloads-for="' + el.id + '"]');
      if (buttons) buttons.hidden = false;
    }
  }

  function whenNear(el) {
    withPlotly(function () { drawChart(el); });
  }
  if ("IntersectionObserver" in window) {
    // A little ahead, so that the chart is mostly drawn by the time it scrolls into view.
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (!entry.isIntersecting) return;
        observer.unobserve(entry.target);
        whenNear(entry.target);
      });
    }, { rootMargin: "200px 0px" });
    charts.forEach(function (el) { observer.observe(el); });
  } else {
    charts.forEach(whenNear);
  }

  // "Download PNG" / "Download SVG": Plotly draws the image in the browser, nothing is fetched.
  document.querySelectorAll("[data-download]").forEach(function (button) {
    button.addEventListener("click", function () {
      var el = document.getElementById(button.getAttribute("data-chart-id"));
      var format = button.getAttribute("data-download");
      Plotly.downloadImage(el, {
        format: format,
        filename: "ovp-dashboard-" + el.getAttribute("data-chart"),
        width: el.clientWidth,
        height: el.clientHeight,
        scale: format === "png" ? 2 : 1,
      });
    });
  });
})();

/* The country list follows the region: only the chosen region's countries are offered, so
   the filters cannot make an impossible pair (the server checks it too, for pages without
   this script). */
(function () {
  "use strict";
  var source = document.getElementById("dashboard-countries");
  var region = document.getElementById("id_region");
  var country = document.getElementById("id_country");
  if (!source || !region || !country) return;
  var countries = JSON.parse(source.textContent);
  var all = country.options[0].cloneNode(true);
  function update() {
    var chosen = country.value;
    var keep = "";
    country.replaceChildren(all.cloneNode(true));
    countries.forEach(function (c) {
      if (region.value && c[2] !== region.value) return;
      var option = new Option(c[1], c[0]);
      if (c[0] === chosen) keep = chosen;
      country.add(option);
    });
    country.value = keep;
  }
  region.addEventListener("change", update);
  update();
})();
