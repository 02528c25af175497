// Shared helpers of the overview and machine pages: translated strings, locale formatting, API calls.
// Every user-facing word comes from the page's data-strings (marked with _() in the template).
(function () {
  "use strict";

  var lang = document.documentElement.lang || "en";

  function strings(el) {
    try { return JSON.parse(el.getAttribute("data-strings") || "{}"); } catch (e) { return {}; }
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : whole;
    });
  }

  function number(value, digits) {
    return new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
  }

  // kWh with two decimals below 100, one below 1000, none above (the tests read the same rule).
  function kwh(wh) {
    var value = (wh || 0) / 1000;
    var digits = Math.abs(value) < 100 ? 2 : Math.abs(value) < 1000 ? 1 : 0;
    return number(value, digits) + " kWh";
  }

  function watts(w) {
    if (w === null || w === undefined) { return "–"; }
    return Math.abs(w) >= 10000 ? number(w / 1000, 1) + " kW" : number(w, 0) + " W";
  }

  function money(amount, currency) {
    try {
      return new Intl.NumberFormat(lang, { style: "currency", currency: currency }).format(amount || 0);
    } catch (e) {
      return number(amount || 0, 2) + " " + currency;
    }
  }

  function percent(ratio) {
    return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 0 }).format(ratio || 0);
  }

  function unit(value, name, display) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: display || "short" }).format(value);
  }

  // A length of time: "45 min", "2 hr 5 min", "3 days"; compact: "45m", "2h 5m", "3d".
  function duration(seconds, compact) {
    var display = compact ? "narrow" : "short";
    var minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 60) { return unit(minutes, "minute", display); }
    var hours = Math.floor(minutes / 60);
    if (hours < 48) {
      return unit(hours, "hour", display) + (minutes % 60 ? " " + unit(minutes % 60, "minute", display) : "");
    }
    return unit(Math.floor(hours / 24), "day", display);
  }

  // "Idle for 12 min" from a state and the ISO time it started; "" when unknown.
  function sinceText(t, state, sinceIso, now) {
    var template = (t.state_for || {})[state];
    if (!template || !sinceIso) { return state === "unknown" ? (t.no_readings || "") : ""; }
    var seconds = ((now || Date.now()) - Date.parse(sinceIso)) / 1000;
    return fill(template, { duration: duration(seconds) });
  }

  function clock(epochMs, zone, withDate) {
    var options = { hour: "numeric", minute: "2-digit", timeZone: zone };
    if (withDate) { options.month = "short"; options.day = "numeric"; }
    try { return new Intl.DateTimeFormat(lang, options).format(new Date(epochMs)); } catch (e) {
      delete options.timeZone;
      return new Intl.DateTimeFormat(lang, options).format(new Date(epochMs));
    }
  }

  function shortDate(epochMs, zone) {
    return new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", timeZone: zone }).format(new Date(epochMs));
  }

  function day(epochMs, zone) {
    var options = { weekday: "short", month: "short", day: "numeric", timeZone: zone };
    return new Intl.DateTimeFormat(lang, options).format(new Date(epochMs));
  }

  // Milliseconds the zone is ahead of UTC at an instant.
  function zoneOffsetMs(zone, epochMs) {
    var v = {};
    new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric" }).formatToParts(new Date(epochMs)).forEach(function (p) {
      v[p.type] = Number(p.value);
    });
    return Date.UTC(v.year, v.month - 1, v.day, v.hour % 24, v.minute, v.second) - Math.floor(epochMs / 1000) * 1000;
  }

  // Epoch ms of every stepDays-th local midnight in the zone from fromMs to toMs (DST-proof).
  function midnights(zone, fromMs, toMs, stepDays) {
    var first = new Date(fromMs + zoneOffsetMs(zone, fromMs)), found = [];
    for (var i = 0; i < 400; i += Math.max(1, stepDays)) {
      var wall = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate() + i);
      var guess = wall - zoneOffsetMs(zone, wall);
      var midnight = wall - zoneOffsetMs(zone, guess);
      if (midnight > toMs) { break; }
      if (midnight >= fromMs) { found.push(midnight); }
    }
    return found;
  }

  // The local calendar date (YYYY-MM-DD) in a zone, `offsetDays` from today.
  function localDate(zone, offsetDays) {
    var today = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" })
      .format(new Date());
    var parts = today.split("-").map(Number);
    return new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + (offsetDays || 0))).toISOString().slice(0, 10);
  }

  function api(url, options) {
    options = options || {};
    var headers = { "Accept": "application/json" };
    if (options.csrf) { headers["X-CSRFToken"] = options.csrf; }
    if (options.body !== undefined) { headers["Content-Type"] = "application/json"; }
    return fetch(url, {
      method: options.method || "GET", headers: headers, credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok) {
          var error = new Error(body.error || ("HTTP " + response.status));
          error.status = response.status;
          throw error;
        }
        return body;
      });
    });
  }

  function cssColor(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  function stateColors() {
    return {
      running: cssColor("--run", "#1a9d5b"), idle: cssColor("--idle", "#e0a400"), off: cssColor("--off", "#8a96a3"),
      offline: cssColor("--offline", "#c23b3b"), nodata: cssColor("--nodata", "#e4e8ec")
    };
  }

  function setText(root, selector, text) {
    var el = root.querySelector(selector);
    if (el) { el.textContent = text; }
    return el;
  }

  window.DF = {
    lang: lang, strings: strings, fill: fill, number: number, kwh: kwh, watts: watts, money: money,
    percent: percent, duration: duration, sinceText: sinceText, clock: clock, day: day, shortDate: shortDate, midnights: midnights, localDate: localDate, api: api,
    stateColors: stateColors, setText: setText
  };
})();
