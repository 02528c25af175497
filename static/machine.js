// The machine page: today's figures, the power chart with zoom, 30 days of energy, the state timeline and
// threshold advice, all from /api/v1 (session cookie; writes carry the X-CSRFToken header).
(function () {
  "use strict";

  var root = document.getElementById("machine");
  if (!root || !window.DF || !window.DFCharts || !window.DFAdvice || !window.uPlot) { return; }
  var DF = window.DF;
  var t = DF.strings(root);
  var HOUR = 3600, DAY = 86400, REFRESH_MS = 30000, RAW_MAX_S = 2 * DAY, PAGE = 5000, MAX_PAGES = 8;
  var cfg = {
    id: Number(root.getAttribute("data-device")), zone: root.getAttribute("data-timezone"),
    currency: root.getAttribute("data-currency"), off: Number(root.getAttribute("data-off-below")),
    run: Number(root.getAttribute("data-run-above")), maxGap: Number(root.getAttribute("data-max-gap")),
    canEdit: root.getAttribute("data-can-edit") === "true", csrf: root.getAttribute("data-csrf")
  };
  var view = { days: 1, from: 0, to: 0, request: 0 };
  var power, daily;

  function url(name, params) {
    var query = new URLSearchParams(params || {}).toString();
    return root.getAttribute("data-" + name + "-url") + (query ? "?" + query : "");
  }

  function iso(seconds) { return new Date(seconds * 1000).toISOString(); }

  function stateOf(p) { return p < cfg.off ? "off" : p < cfg.run ? "idle" : "running"; }

  // ---- today's figures and the live state ----
  function showFigures(bucket) {
    var values = {
      energy: DF.kwh(bucket.energy_wh), cost: DF.money(bucket.cost, cfg.currency), utilization: DF.percent(bucket.utilization),
      running: DF.duration(bucket.running_s, true), idle: DF.duration(bucket.idle_s, true), waste: DF.money(bucket.idle_waste_cost, cfg.currency)
    };
    Object.keys(values).forEach(function (key) { DF.setText(root, "[data-k=" + key + "]", values[key]); });
  }

  function showState(state, since) {
    var pill = root.querySelector("[data-state]");
    var sinceEl = root.querySelector("[data-since]");
    if (state) {
      pill.setAttribute("data-state", state);
      pill.className = "pill state-" + state;
      pill.textContent = (t.state || {})[state] || state;
      sinceEl.setAttribute("data-since", since || "");
    }
    sinceEl.textContent = DF.sinceText(t, pill.getAttribute("data-state"), sinceEl.getAttribute("data-since"));
  }

  function refreshToday() {
    var today = DF.localDate(cfg.zone, 0);
    DF.api(url("series", { from: today, to: today, resolution: "day" })).then(function (body) {
      if (body.buckets && body.buckets.length) { showFigures(body.buckets[0]); }
    }).catch(function () {});
    DF.api(url("overview")).then(function (body) {
      var mine = body.machines.filter(function (m) { return m.id === cfg.id; })[0];
      showState(mine && mine.state, mine && mine.since);
    }).catch(function () { showState(); });
  }

  // ---- power over a range: raw readings up to 2 days, 15-minute or hourly averages beyond ----
  function fetchReadings(from, to) {
    var all = [];
    function page(after, left) {
      var params = { from: iso(from), to: iso(to), limit: PAGE };
      if (after) { params.after = after; }
      return DF.api(url("readings", params)).then(function (body) {
        all = all.concat(body.readings);
        return body.next_after && left > 1 ? page(body.next_after, left - 1) : all;
      });
    }
    return page(null, MAX_PAGES);
  }

  // Rule 2 and 3 of the analytics semantics: each reading holds until the next, at most max_gap_s.
  function fromReadings(readings, to) {
    var xs = [], ys = [], segments = [], now = Date.now() / 1000;
    readings.forEach(function (r, i) {
      var ts = Date.parse(r.ts) / 1000, next = readings[i + 1];
      var nextTs = next ? Date.parse(next.ts) / 1000 : Math.min(now, to, ts + cfg.maxGap);
      var dt = nextTs - ts, p = r.power_w;
      if (p == null && next && r.energy_wh != null && next.energy_wh != null && dt > 0 && dt <= cfg.maxGap) {
        p = Math.max(0, (next.energy_wh - r.energy_wh) * 3600 / dt);
      }
      var covered = Math.min(dt, cfg.maxGap);
      xs.push(ts); ys.push(p);
      segments.push([ts, ts + covered, p == null ? "nodata" : stateOf(p)]);
      if (covered < dt || !next) {  // the hold ends: draw it to its end, then leave a gap
        xs.push(ts + covered); ys.push(p);
        xs.push(ts + covered + 0.5); ys.push(null);
      }
    });
    return { xs: xs, ys: ys, segments: segments };
  }

  function majority(b) {
    var pairs = [["running", b.running_s], ["idle", b.idle_s], ["off", b.off_s], ["nodata", b.nodata_s]];
    return pairs.reduce(function (best, pair) { return pair[1] > best[1] ? pair : best; })[0];
  }

  function fromBuckets(buckets) {
    var xs = [], ys = [], segments = [], now = Date.now() / 1000;
    buckets.forEach(function (b) {
      var start = Date.parse(b.start) / 1000, end = Date.parse(b.end) / 1000;
      var future = Math.max(0, end - Math.max(start, now));  // the running bucket: its future is not "no data"
      xs.push(start); ys.push(b.nodata_s >= end - start - future ? null : b.avg_power_w);
      if (future < end - start) {
        segments.push([start, end - future, majority(Object.assign({}, b, { nodata_s: b.nodata_s - future }))]);
      }
    });
    if (buckets.length) {
      var last = buckets[buckets.length - 1];
      xs.push(Date.parse(last.end) / 1000); ys.push(ys[ys.length - 1]);
    }
    return { xs: xs, ys: ys, segments: segments };
  }

  function resolutionFor(span) {
    return span <= RAW_MAX_S ? "raw" : span <= 10 * DAY ? "15min" : "hour";
  }

  function loadPower(from, to) {
    var request = ++view.request;
    var resolution = resolutionFor(to - from);
    view.from = from; view.to = to;
    var loading = resolution === "raw"
      ? fetchReadings(from, to).then(function (readings) { return fromReadings(readings, to); })
      : DF.api(url("series", { from: iso(from), to: iso(to), resolution: resolution })).then(function (body) {
        return fromBuckets(body.buckets);
      });
    return loading.then(function (data) {
      if (request !== view.request) { return; }  // a newer range was asked for meanwhile
      power.set(data, from, to);
      showRange(from, to, resolution);
      showTimeline(data.segments);
      root.setAttribute("data-power-loaded", resolution);
    }).catch(function () {
      DF.setText(root, "[data-range-label]", t.load_failed);
    });
  }

  function showRange(from, to, resolution) {
    var withDate = to - from > DAY / 2;
    var values = { start: DF.clock(from * 1000, cfg.zone, withDate), end: DF.clock(to * 1000, cfg.zone, withDate) };
    var text = resolution === "raw" ? DF.fill(t.range_raw, values)
      : DF.fill(t.range_buckets, Object.assign(values, { step: t["step_" + resolution] }));
    DF.setText(root, "[data-range-label]", text);
  }

  function loadDays(days) {
    view.days = days;
    root.querySelectorAll("[data-days]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(Number(button.getAttribute("data-days")) === days));
    });
    var to = Math.ceil(Date.now() / 1000 / 60) * 60;
    return loadPower(to - days * DAY, to);
  }

  // ---- the state timeline: merged periods of the loaded range, newest first ----
  function merge(segments) {
    var periods = [];
    segments.forEach(function (seg) {
      var last = periods[periods.length - 1];
      if (last && last[2] === seg[2] && Math.abs(last[1] - seg[0]) < 1) { last[1] = seg[1]; }
      else { periods.push([seg[0], seg[1], seg[2]]); }
    });
    return periods;
  }

  function showTimeline(segments) {
    var LIMIT = 12;
    var periods = merge(segments).filter(function (p) { return p[1] > view.from && p[0] < view.to; }).reverse();
    var list = root.querySelector("[data-timeline]");
    var items = periods.slice(0, LIMIT).map(function (p) {
      var li = document.createElement("li");
      li.className = "state-" + p[2];
      var when = document.createElement("span");
      when.className = "when";
      var sameDay = DF.shortDate(p[0] * 1000, cfg.zone) === DF.shortDate(p[1] * 1000, cfg.zone);
      var withDate = view.to - view.from > DAY;
      when.textContent = DF.clock(p[0] * 1000, cfg.zone, withDate) + " – " + DF.clock(p[1] * 1000, cfg.zone, withDate && !sameDay);
      var what = document.createElement("span");
      what.className = "what";
      what.textContent = ((t.state || {})[p[2]] || p[2]) + " · " + DF.duration(p[1] - p[0], true);
      li.append(when, what);
      return li;
    });
    list.replaceChildren.apply(list, items);
    var note = periods.length === 0 ? t.timeline_empty
      : periods.length > LIMIT ? DF.fill(t.timeline_more, { count: LIMIT }) : "";
    DF.setText(root, "[data-timeline-note]", note);
  }

  // ---- 30 days of energy by state ----
  function loadDaily() {
    var params = { from: DF.localDate(cfg.zone, -29), to: DF.localDate(cfg.zone, 0), resolution: "day" };
    return DF.api(url("series", params)).then(function (body) {
      daily.set(body.buckets);
      root.setAttribute("data-daily-loaded", "true");
    }).catch(function () {});
  }

  function refreshAll() {
    refreshToday();
    loadDaily();
    loadDays(view.days);
  }

  function start() {
    power = window.DFCharts.power(root.querySelector("[data-chart=power]"), {
      zone: cfg.zone, strings: t,
      onZoom: function (min, max) { loadPower(Math.floor(min), Math.ceil(Math.max(max, min + 60))); },
      onReset: function () { loadDays(view.days); }
    });
    daily = window.DFCharts.daily(root.querySelector("[data-chart=daily]"), { zone: cfg.zone, strings: t });
    root.querySelectorAll("[data-days]").forEach(function (button) {
      button.addEventListener("click", function () { loadDays(Number(button.getAttribute("data-days"))); });
    });
    showState();
    refreshToday();
    loadDays(1);
    loadDaily();
    window.DFAdvice.start(root, cfg, t, { url: url, refreshAll: refreshAll });
    window.setInterval(function () { if (!document.hidden) { refreshToday(); } }, REFRESH_MS);
  }

  start();  // the script comes after the page's markup
})();
