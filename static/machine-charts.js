// uPlot charts of the machine page: power with a state band under the plot, and daily energy by state.
(function () {
  "use strict";

  var DF = window.DF;
  var DAY = 86400;

  function chartHeight(container) {
    return container.clientWidth < 600 ? 220 : 300;
  }

  // Keep a chart as wide as its container (phones rotate, desktops resize).
  function keepSized(chart, container, after) {
    var width = container.clientWidth;
    var observer = new ResizeObserver(function () {
      if (container.clientWidth !== width && container.clientWidth > 0) {
        width = container.clientWidth;
        chart.setSize({ width: width, height: chartHeight(container) });
        if (after) { after(); }
      }
    });
    observer.observe(container);
  }

  function zoned(zone) {
    return function (ts) { return uPlot.tzDate(new Date(ts * 1e3), zone); };
  }

  function axisStyle() {
    return { stroke: "#5d6b7c", grid: { stroke: "#eef1f4", width: 1 }, ticks: { stroke: "#dde2e8", width: 1 } };
  }

  function withStyle(extra) {
    var axis = axisStyle();
    Object.keys(extra).forEach(function (key) { axis[key] = extra[key]; });
    return axis;
  }

  // x-axis labels in the company's zone and the page's language: times, with the date where the day changes.
  function timeLabels(zone) {
    return function (self, ticks, axisIdx, space, incr) {
      var lastDay = null;
      return ticks.map(function (tick) {
        var date = DF.shortDate(tick * 1000, zone);
        if (incr >= DAY) { return date; }
        var label = DF.clock(tick * 1000, zone, false);
        if (date !== lastDay) { label += "\n" + date; lastDay = date; }
        return label;
      });
    };
  }

  // Ticks a day or more apart at local midnights (uPlot's own drift by an hour after a DST change).
  function localDaySplits(chart, zone) {
    var base = chart.axes[0].splits;
    chart.axes[0].splits = function (self, axisIdx, min, max, incr) {
      if (incr < DAY) { return base.apply(null, arguments); }
      return DF.midnights(zone, min * 1000, max * 1000, Math.round(incr / DAY)).map(function (ms) { return ms / 1000; });
    };
  }

  // Daily buckets: one label every few bars, counted back from the newest so today is always labelled.
  function daySplits(self) {
    var xs = self.data[0], width = Math.max(1, self.width - 110);  // CSS px of the plot, roughly
    var step = Math.max(1, Math.ceil(xs.length * 58 / width));
    return xs.filter(function (x, i) { return (xs.length - 1 - i) % step === 0; });
  }

  var BAND_PX = 12, BAND_GAP_PX = 4;

  // Paint [start, end, state] segments as a band in the strip between the plot area and the x axis.
  function drawBand(u, segments) {
    var ctx = u.ctx, ratio = u.ctx.canvas.width / Math.max(1, u.width);
    var colors = DF.stateColors();
    var left = u.bbox.left, right = u.bbox.left + u.bbox.width;
    var top = u.bbox.top + u.bbox.height + Math.round(BAND_GAP_PX * ratio), height = Math.round(BAND_PX * ratio);
    var min = u.scales.x.min, max = u.scales.x.max;
    ctx.save();
    ctx.fillStyle = colors.nodata;
    ctx.fillRect(left, top, right - left, height);
    segments.forEach(function (seg) {
      if (seg[1] <= min || seg[0] >= max) { return; }
      var x0 = Math.max(left, u.valToPos(Math.max(seg[0], min), "x", true));
      var x1 = Math.min(right, u.valToPos(Math.min(seg[1], max), "x", true));
      ctx.fillStyle = colors[seg[2]] || colors.nodata;
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), height);
    });
    ctx.restore();
  }

  // options: zone, strings, onZoom(min, max), onReset().
  function powerChart(container, options) {
    var segments = [];
    var brand = getComputedStyle(document.documentElement).getPropertyValue("--brand").trim() || "#0b6e4f";
    var u = new uPlot({
      width: container.clientWidth, height: chartHeight(container), tzDate: zoned(options.zone),
      scales: { x: { time: true }, y: { range: function (self, lo, hi) { return [0, Math.max(10, (hi || 0) * 1.1)]; } } },
      series: [{ label: options.strings.time, value: function (self, v) { return v == null ? "–" : DF.clock(v * 1000, options.zone, true); } }, {
        label: options.strings.power, stroke: brand, width: 1.5, fill: "rgba(11,110,79,0.10)",
        paths: uPlot.paths.stepped({ align: 1 }), points: { show: false },
        value: function (self, v) { return DF.watts(v); }
      }],
      axes: [withStyle({ gap: BAND_PX + 3 * BAND_GAP_PX, size: 54 + BAND_PX, ticks: { show: false }, values: timeLabels(options.zone) }), withStyle({ size: 64, values: function (self, ticks) { return ticks.map(DF.watts); } })],
      cursor: { drag: { x: true, y: false, setScale: false }, points: { show: false } },
      hooks: {
        draw: [function (self) { drawBand(self, segments); }],
        setSelect: [function (self) {
          if (self.select.width < 4) { return; }
          var min = self.posToVal(self.select.left, "x"), max = self.posToVal(self.select.left + self.select.width, "x");
          self.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
          options.onZoom(min, max);
        }]
      }
    }, [[], []], container);
    localDaySplits(u, options.zone);
    u.over.addEventListener("dblclick", function () { options.onReset(); });
    keepSized(u, container);
    return {
      plot: u,
      set: function (data, from, to) {
        segments = data.segments;
        u.setData([data.xs, data.ys], true);
        u.setScale("x", { min: from, max: to });
      }
    };
  }

  // Daily energy bars stacked by state (kWh) and the utilization line (%); `actual()` gives the unstacked kWh.
  function dailySeries(options, actual) {
    var colors = DF.stateColors(), t = options.strings;
    var bars = uPlot.paths.bars({ size: [0.7, 48], align: 0 });
    function bar(label, color, index) {
      return { label: label, fill: color, stroke: "transparent", paths: bars, points: { show: false },
               value: function (self, v, si, di) { var kwh = actual()[index]; return di == null || !kwh ? "–" : DF.kwh(kwh[di] * 1000); } };
    }
    return [{ label: t.day, value: function (self, v) { return v == null ? "–" : DF.day(v * 1000, options.zone); } },
      bar(t.off_energy, colors.off, 2), bar(t.idle_energy, colors.idle, 1), bar(t.running_energy, colors.running, 0),
      { label: t.utilization, scale: "pct", stroke: "#1c2430", width: 2, points: { show: true, size: 4 },
        value: function (self, v) { return v == null ? "–" : DF.percent(v / 100); } }];
  }

  function dailyAxes(zone) {
    return [withStyle({ splits: daySplits, values: function (self, ticks) {
              return ticks.map(function (tick) { return DF.shortDate(tick * 1000, zone); }); } }),
            withStyle({ size: 56, label: "kWh", labelSize: 18, values: function (self, ticks) {
              return ticks.map(function (v) { return DF.number(v, v % 1 ? 1 : 0); }); } }),
            withStyle({ scale: "pct", side: 1, size: 50, grid: { show: false }, values: function (self, ticks) {
              return ticks.map(function (v) { return v + "%"; }); } })];
  }

  // Stacked columns: off on top of idle on top of running (each series is drawn over the previous one).
  function stacked(buckets) {
    var xs = [], run = [], idle = [], off = [], util = [];
    buckets.forEach(function (b) {
      xs.push(Date.parse(b.start) / 1000);
      run.push(b.running_wh / 1000); idle.push(b.idle_wh / 1000); off.push(b.off_wh / 1000);
      util.push(b.running_s + b.idle_s + b.off_s > 0 ? b.utilization * 100 : null);
    });
    var ri = run.map(function (v, i) { return v + idle[i]; });
    var all = ri.map(function (v, i) { return v + off[i]; });
    return { data: [xs, all, ri, run, util], actual: [run, idle, off] };
  }

  function dailyChart(container, options) {
    var actual = [];
    var u = new uPlot({
      width: container.clientWidth, height: chartHeight(container), tzDate: zoned(options.zone),
      scales: { x: { time: true, range: function (self, lo, hi) { return [lo - DAY / 2, hi + DAY / 2]; } },
                y: { range: function (self, lo, hi) { return [0, Math.max(0.1, (hi || 0) * 1.1)]; } },
                pct: { range: [0, 100] } },
      series: dailySeries(options, function () { return actual; }), axes: dailyAxes(options.zone),
      cursor: { drag: { x: false, y: false }, points: { show: false } }
    }, [[], [], [], [], []], container);
    keepSized(u, container);
    return {
      plot: u,
      set: function (buckets) {
        var result = stacked(buckets);
        actual = result.actual;
        u.setData(result.data);
      }
    };
  }

  window.DFCharts = { power: powerChart, daily: dailyChart, drawBand: drawBand };
})();
