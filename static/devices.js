// Machine pages: copy buttons for tokens and setup snippets, and the live badge that turns green
// when a new machine's first reading arrives (polls GET /api/v1/devices/<id> every 5 s while waiting).
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "absolute";
    area.style.left = "-9999px";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
    return Promise.resolve();
  }

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) { return; }
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var label = button.textContent;
    function done() {
      button.textContent = button.getAttribute("data-copied") || label;
      window.setTimeout(function () { button.textContent = label; }, 2000);
    }
    copyText(source.textContent).then(done, function () {
      selectText(source);  // no clipboard access: select it so a long press or Ctrl+C copies it
    });
  });

  var live = document.getElementById("live");
  if (!live || live.getAttribute("data-waiting") !== "true") { return; }
  var POLL_MS = 5000;
  var lang = document.documentElement.lang || "en";

  function formatPower(watts) {
    var digits = Math.abs(watts) >= 100 ? 0 : 1;
    return watts.toLocaleString(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }) + " W";
  }

  function formatTime(iso) {
    var options = { dateStyle: "medium", timeStyle: "medium" };
    var zone = live.getAttribute("data-timezone");
    if (zone) { options.timeZone = zone; }
    try { return new Date(iso).toLocaleString(lang, options); } catch (e) { return iso; }
  }

  function part(name) { return live.querySelector('[data-live="' + name + '"]'); }

  function show(device) {
    var badge = document.createElement("span");
    badge.className = "badge " + (device.online ? "online" : "offline");
    badge.textContent = live.getAttribute(device.online ? "data-label-online" : "data-label-offline");
    part("badge").replaceChildren(badge);
    part("power").textContent = device.last_power_w === null ? "" : formatPower(device.last_power_w);
    part("time").textContent = formatTime(device.last_reading_at);
    var note = part("note");
    if (note) { note.remove(); }
    live.classList.remove("is-waiting");
    live.classList.add("is-live");
    live.setAttribute("data-waiting", "false");
  }

  function poll() {
    fetch(live.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (device) {
        if (device && device.last_reading_at) { show(device); } else { window.setTimeout(poll, POLL_MS); }
      })
      .catch(function () { window.setTimeout(poll, POLL_MS); });
  }

  window.setTimeout(poll, POLL_MS);
})();
