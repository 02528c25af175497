// The factory overview: a tile per machine from /api/v1/overview, refreshed every 30 s without a reload.
(function () {
  "use strict";

  var REFRESH_MS = 30000;
  var root = document.getElementById("overview");
  if (!root || !window.DF) { return; }
  var DF = window.DF;
  var t = DF.strings(root);
  var tiles = root.querySelector("[data-tiles]");
  var template = root.querySelector("template[data-tile-template]");
  var status = root.querySelector("[data-status]");
  var timer = null;

  function machineUrl(id) {
    return root.getAttribute("data-machine-url").replace(/0$/, String(id));
  }

  function place(machine) {
    if (machine.site && machine.line) { return DF.fill(t.place, { site: machine.site, line: machine.line }); }
    return machine.site || machine.line || "";
  }

  function fillTile(item, machine, currency, now) {
    var link = item.querySelector("a.tile");
    link.href = machineUrl(machine.id);
    link.className = "tile state-" + machine.state;
    link.setAttribute("data-machine", String(machine.id));
    DF.setText(item, "[data-f=name]", machine.name);
    var pill = DF.setText(item, "[data-f=state]", (t.state || {})[machine.state] || machine.state);
    pill.className = "pill state-" + machine.state;
    DF.setText(item, "[data-f=place]", place(machine));
    DF.setText(item, "[data-f=since]", DF.sinceText(t, machine.state, machine.since, now));
    DF.setText(item, "[data-f=energy]", DF.kwh(machine.energy_wh));
    DF.setText(item, "[data-f=cost]", DF.money(machine.cost, currency));
    DF.setText(item, "[data-f=utilization]", DF.percent(machine.utilization));
    item.querySelector("[data-f=bar]").style.width = Math.min(100, Math.max(0, machine.utilization * 100)) + "%";
  }

  function render(body) {
    var now = Date.now();
    var fragment = document.createDocumentFragment();
    body.machines.forEach(function (machine) {
      var item = template.content.firstElementChild.cloneNode(true);
      fillTile(item, machine, body.currency, now);
      fragment.appendChild(item);
    });
    tiles.replaceChildren(fragment);
    DF.setText(root, "[data-total=energy]", DF.kwh(body.totals.energy_wh));
    DF.setText(root, "[data-total=cost]", DF.money(body.totals.cost, body.currency));
    DF.setText(root, "[data-total=waste]", DF.money(body.totals.idle_waste_cost, body.currency));
    DF.setText(root, "[data-total=waste-energy]", DF.kwh(body.totals.idle_waste_wh));
    status.textContent = DF.fill(t.updated, { time: DF.clock(now, body.timezone) });
    status.classList.remove("error");
    root.setAttribute("data-loaded", String(now));
  }

  function refresh() {
    return DF.api(root.getAttribute("data-api")).then(render).catch(function () {
      status.textContent = t.load_failed;
      status.classList.add("error");
    });
  }

  function schedule() {
    window.clearInterval(timer);
    timer = window.setInterval(function () {
      if (!document.hidden) { refresh(); }
    }, REFRESH_MS);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { refresh(); schedule(); }
  });
  refresh();
  schedule();
})();
