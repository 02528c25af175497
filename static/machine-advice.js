// Threshold advice on the machine page: GET /api/v1/devices/<id>/advice, and for owners and admins a
// one-click apply (PATCH /api/v1/devices/<id> with the X-CSRFToken header).
(function () {
  "use strict";

  var DF = window.DF;

  // state: {card, button, cfg, t, page, advice}
  function slot(state, name, text) { return DF.setText(state.card, "[data-a=" + name + "]", text); }

  function suggestedText(state, value, applied) {
    if (value != null) { return DF.watts(value); }
    return applied != null ? DF.watts(applied) + " (" + state.t.keep + ")" : "–";
  }

  function message(state, body) {
    var t = state.t;
    if (!Object.keys(body.apply).length) { return ""; }
    if (!body.changes) { return t.advice_same; }
    return state.cfg.canEdit ? "" : t.advice_readonly;
  }

  function show(state, body) {
    var t = state.t;
    state.advice = body;
    slot(state, "current-off", DF.watts(state.cfg.off));
    slot(state, "current-run", DF.watts(state.cfg.run));
    slot(state, "off", suggestedText(state, body.off_below_w, body.apply.off_below_w));
    slot(state, "run", suggestedText(state, body.run_above_w, body.apply.run_above_w));
    slot(state, "reason", body.reason);
    slot(state, "levels", body.levels_w.length ? DF.fill(t.advice_levels, { levels: body.levels_w.map(DF.watts).join(", ") }) : "");
    state.button.hidden = !(state.cfg.canEdit && Object.keys(body.apply).length && body.changes);
    slot(state, "message", message(state, body));
    state.card.setAttribute("data-loaded", body.reason_code);
  }

  function apply(state) {
    if (!state.advice) { return; }
    state.button.disabled = true;
    var body = state.advice.apply;
    DF.api(state.page.url("device"), { method: "PATCH", body: body, csrf: state.cfg.csrf }).then(function (device) {
      state.cfg.off = device.off_below_w;
      state.cfg.run = device.run_above_w;
      state.advice.changes = false;
      show(state, state.advice);
      slot(state, "message", state.t.advice_applied);
      state.page.refreshAll();
    }).catch(function (error) {
      slot(state, "message", error.message || state.t.load_failed);
    }).then(function () { state.button.disabled = false; });
  }

  function start(root, cfg, t, page) {
    var card = root.querySelector("[data-advice]");
    var state = { card: card, button: card.querySelector("[data-apply]"), cfg: cfg, t: t, page: page, advice: null };
    state.button.addEventListener("click", function () { apply(state); });
    slot(state, "message", t.advice_loading);
    DF.api(page.url("advice")).then(function (body) { show(state, body); }).catch(function (error) {
      slot(state, "message", error.message || t.load_failed);
    });
  }

  window.DFAdvice = { start: start };
})();
