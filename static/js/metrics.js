/* Railyard metrics charts: Chart.js (vendored) drawn from the JSON each chart's page embeds
   (<script type="application/json" id="chart-…-data">), styled from the design tokens. Every
   chart's numbers are also in its data table and CSV download; this only draws them.
   Extras: a shaded target band, labelled horizontal lines (percentiles), a vertical marker
   between two categories, dates on the x axis, print (details opened, charts resized). */
(function () {
  "use strict";

  var FALLBACK = {
    blue: "#0072b2", orange: "#e69f00", sky: "#56b4e9", green: "#009e73", vermillion: "#d55e00",
    purple: "#cc79a7", yellow: "#f0e442", grey: "#8a929c", navy: "#1f4e79", ink: "#171c23"
  };
  var charts = [];

  function token(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function colour(name) {
    return token("--chart-" + name, FALLBACK[name] || name);
  }

  function alpha(hex, a) {
    var m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
    if (!m) return hex;
    return "rgba(" + parseInt(m[1], 16) + "," + parseInt(m[2], 16) + "," + parseInt(m[3], 16) + "," + a + ")";
  }

  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function isoLabel(iso) {
    var parts = String(iso).split("-");
    if (parts.length !== 3) return iso;
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + (parts[1] === "01" && parts[2] === "01" ? " " + parts[0] : "");
  }
  function epochDayLabel(n) {
    var d = new Date(Math.round(n) * 86400000);
    return d.getUTCDate() + " " + MONTHS[d.getUTCMonth()] + " " + String(d.getUTCFullYear()).slice(2);
  }

  /* --- plugins ----------------------------------------------------------------------------- */
  function label(ctx, text, x, y, align, color) {
    ctx.font = "700 12px " + token("--font-sans", "sans-serif");
    var width = ctx.measureText(text).width;
    var left = align === "right" ? x - width : x;
    ctx.fillStyle = alpha(token("--c-surface", "#ffffff"), 0.9);
    ctx.fillRect(left - 4, y - 12, width + 8, 16);
    ctx.fillStyle = color;
    ctx.textAlign = "left";
    ctx.fillText(text, left, y);
  }

  function bandBox(chart, band) {
    var area = chart.chartArea;
    if (chart.options.indexAxis === "y") {
      var x = chart.scales.x;
      var left = x.getPixelForValue(band.from), right = x.getPixelForValue(band.to);
      return { x: left, y: area.top, w: right - left, h: area.bottom - area.top, vertical: true };
    }
    var y = chart.scales.y;
    var top = y.getPixelForValue(band.to), bottom = y.getPixelForValue(band.from);
    return { x: area.left, y: top, w: area.right - area.left, h: bottom - top, vertical: false };
  }

  var bandPlugin = {
    id: "railyardBand",
    beforeDatasetsDraw: function (chart) {
      var band = chart.config.options.railyard && chart.config.options.railyard.band;
      if (!band) return;
      var box = bandBox(chart, band), ctx = chart.ctx;
      ctx.save();
      ctx.fillStyle = alpha(colour("green"), 0.16);
      ctx.fillRect(box.x, box.y, box.w, box.h);
      ctx.strokeStyle = alpha(colour("green"), 0.8);
      ctx.setLineDash([4, 4]);
      ctx.strokeRect(box.x, box.y, box.w, box.h);
      ctx.restore();
    },
    afterDatasetsDraw: function (chart) {
      var band = chart.config.options.railyard && chart.config.options.railyard.band;
      if (!band) return;
      var box = bandBox(chart, band), ctx = chart.ctx;
      ctx.save();
      if (box.vertical) label(ctx, band.label, box.x + 4, box.y + 14, "left", token("--c-text", "#171c23"));
      else label(ctx, band.label, chart.chartArea.left + 8, box.y - 6, "left", token("--c-text", "#171c23"));
      ctx.restore();
    }
  };

  var linesPlugin = {
    id: "railyardLines",
    afterDatasetsDraw: function (chart) {
      var opts = chart.config.options.railyard || {};
      var ctx = chart.ctx, area = chart.chartArea;
      (opts.lines || []).forEach(function (line) {
        var py = chart.scales.y.getPixelForValue(line.value);
        ctx.save();
        ctx.strokeStyle = colour(line.color || "ink");
        ctx.lineWidth = 2;
        if (line.dash) ctx.setLineDash([8, 5]);
        ctx.beginPath(); ctx.moveTo(area.left, py); ctx.lineTo(area.right, py); ctx.stroke();
        ctx.setLineDash([]);
        label(ctx, line.label, area.right - 6, py - 6, "right", token("--c-text", "#171c23"));
        ctx.restore();
      });
      if (opts.marker) {
        var x = chart.scales.x;
        var px = (x.getPixelForValue(opts.marker.after) + x.getPixelForValue(opts.marker.after + 1)) / 2;
        ctx.save();
        ctx.strokeStyle = colour("vermillion");
        ctx.setLineDash([6, 4]);
        ctx.lineWidth = 2;
        ctx.beginPath(); ctx.moveTo(px, area.top); ctx.lineTo(px, area.bottom); ctx.stroke();
        ctx.setLineDash([]);
        label(ctx, opts.marker.label, px + 6, area.top + 14, "left", token("--c-conflict-text", "#9a3a00"));
        ctx.restore();
      }
    }
  };

  /* --- one chart from its spec --------------------------------------------------------------- */
  function build(canvas, spec) {
    var text = token("--c-text-muted", "#515b68");
    var grid = token("--c-border", "#dde1e7");
    var font = token("--font-sans", "system-ui, sans-serif");
    var stacked = !!spec.stacked || !!(spec.y && spec.y.stacked);
    var horizontal = !!spec.horizontal;
    var box = canvas.parentNode;
    if (spec.narrow_horizontal && box.clientWidth < 560) {
      // On a phone, many categories read better as rows: one bar per PI per team.
      horizontal = true;
      box.style.height = Math.max(288, spec.labels.length * (spec.datasets.length * 14 + 12) + 110) + "px";
    }
    var unit = (spec.y && spec.y.unit) || "";

    var datasets = spec.datasets.map(function (d, index) {
      var c = colour(d.color || "blue");
      var ds = {
        label: d.label,
        data: d.data,
        type: d.type || undefined,
        backgroundColor: spec.type === "line" ? alpha(c, d.fill ? 0.55 : 0.15) : (d.type === "line" ? c : alpha(c, 0.85)),
        borderColor: c,
        borderWidth: spec.type === "bar" && d.type !== "line" ? 0 : 2,
        pointRadius: spec.type === "scatter" ? 4 : (spec.labels && spec.labels.length > 60 ? 0 : 2),
        pointHoverRadius: 5,
        fill: d.fill ? (index === 0 ? "origin" : "-1") : false,
        tension: 0,
        stepped: spec.type === "line" && spec.dates ? false : false,
        borderDash: d.dash ? [6, 4] : undefined,
        yAxisID: d.axis === "y2" ? "y2" : (horizontal ? undefined : "y"),
        xAxisID: horizontal ? "x" : undefined,
        stack: d.stack,
        order: d.type === "line" ? 0 : 1,
        maxBarThickness: 48
      };
      return ds;
    });

    var valueAxis = {
      beginAtZero: true,
      min: spec.y && spec.y.min !== undefined ? spec.y.min : undefined,
      max: spec.y && spec.y.max !== undefined ? spec.y.max : undefined,
      stacked: stacked,
      title: { display: !!(spec.y && spec.y.title), text: spec.y && spec.y.title, color: text, font: { family: font, size: 12, weight: "600" } },
      ticks: {
        color: text, font: { family: font, size: 12 }, precision: spec.y && spec.y.integer ? 0 : undefined,
        callback: function (v) { return v + unit; }
      },
      grid: { color: grid }
    };
    var categoryAxis = {
      stacked: stacked,
      title: { display: !!(spec.x && spec.x.title), text: spec.x && spec.x.title, color: text, font: { family: font, size: 12, weight: "600" } },
      ticks: {
        color: text, font: { family: font, size: 12 }, autoSkip: true, maxRotation: 0, autoSkipPadding: 12,
        callback: function (value) {
          var label = this.getLabelForValue(value);
          return spec.dates ? isoLabel(label) : label;
        }
      },
      grid: { display: false }
    };
    if (spec.type === "scatter") {
      categoryAxis = {
        type: "linear",
        title: categoryAxis.title,
        ticks: { color: text, font: { family: font, size: 12 }, maxRotation: 0, callback: epochDayLabel },
        grid: { color: grid }
      };
    }
    var roomy = spec.labels && box.clientWidth / spec.labels.length >= 72;
    if (spec.type === "bar" && !spec.dates && spec.labels && !roomy && !horizontal) {
      // Too narrow to name every category: skip some, keep the distinctive part of the name.
      categoryAxis.ticks.callback = function (value) {
        var text = String(this.getLabelForValue(value));
        return text.indexOf(" · ") > 0 ? text.split(" · ").pop() : text;
      };
    }
    if (spec.type === "bar" && !spec.dates && spec.labels && (roomy || horizontal)) {
      // Every category named (teams, iterations): long names wrap onto two lines.
      categoryAxis.ticks.autoSkip = false;
      categoryAxis.ticks.callback = function (value) {
        var text = String(this.getLabelForValue(value));
        if (horizontal || text.length <= 12) return text;
        var parts = text.indexOf(" · ") > 0 ? text.split(" · ") : text.split(" ");
        if (parts.length > 2) parts = [parts.slice(0, Math.ceil(parts.length / 2)).join(" "), parts.slice(Math.ceil(parts.length / 2)).join(" ")];
        return parts;
      };
    }
    var scales = horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis };
    if (spec.y2) {
      scales.y2 = {
        position: "right", beginAtZero: true,
        title: { display: true, text: spec.y2.title, color: text, font: { family: font, size: 12, weight: "600" } },
        ticks: { color: text, font: { family: font, size: 12 } },
        grid: { drawOnChartArea: false }
      };
    }

    return new window.Chart(canvas, {
      type: spec.type === "scatter" ? "scatter" : spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        devicePixelRatio: Math.max(window.devicePixelRatio || 1, 2),
        interaction: { mode: spec.type === "scatter" ? "nearest" : "index", intersect: spec.type === "scatter" },
        railyard: { band: spec.band, lines: spec.lines, marker: spec.marker },
        plugins: {
          legend: {
            display: spec.datasets.length > 1,
            position: "bottom",
            labels: { color: text, font: { family: font, size: 13 }, boxWidth: 14, boxHeight: 14 }
          },
          tooltip: {
            callbacks: {
              title: function (items) {
                if (!items.length) return "";
                var item = items[0];
                if (spec.type === "scatter") return item.raw.label + " · finished " + epochDayLabel(item.raw.x);
                return spec.dates ? isoLabel(item.label) : item.label;
              },
              label: function (item) {
                if (spec.type === "scatter") return item.raw.y + " days";
                var v = horizontal ? item.parsed.x : item.parsed.y;
                return item.dataset.label + ": " + (v === null || v === undefined ? "no figure" : v + (item.dataset.yAxisID === "y2" ? "" : unit));
              }
            }
          }
        },
        scales: scales
      },
      plugins: [bandPlugin, linesPlugin]
    });
  }

  function init() {
    if (!window.Chart) return;
    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var source = document.getElementById(canvas.getAttribute("data-chart"));
      if (!source) return;
      try {
        charts.push(build(canvas, JSON.parse(source.textContent)));
      } catch (error) {
        canvas.closest(".chart").setAttribute("data-chart-error", "The chart could not be drawn: see its data table.");
        if (window.console) console.error(error);
      }
    });
  }

  /* --- print: open the data tables, size the charts for paper -------------------------------- */
  var opened = [];
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details[data-print-open]:not([open])").forEach(function (d) {
      d.open = true; opened.push(d);
    });
    charts.forEach(function (chart) { chart.resize(); });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
    charts.forEach(function (chart) { chart.resize(); });
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (form && event.target.tagName === "SELECT") form.submit();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
