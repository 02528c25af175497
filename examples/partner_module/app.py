"""A sample Digital Factory partner module: receives signed webhooks, opens from the platform with a
launch token, and posts a daily idle-waste report card billed per report.

Run it with `python -m examples.partner_module --port 8700` (or `python examples/partner_module/app.py`).
"""
from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Started as a script: import this file again as part of its package, then run it.
    import importlib

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.exit(importlib.import_module(f"{Path(__file__).resolve().parent.name}.app").main())

import argparse
import hmac
import json
import os
from datetime import UTC, datetime
from functools import partial

from flask import Flask, current_app, jsonify, render_template_string, request

from . import store as stored
from .report import ApiError, PartnerApi, report_day, run_report
from .security import LaunchError, SignatureError, verify_launch_token, verify_webhook

CONFIG_KEYS = ("DF_MODULE_SECRET", "DF_BASE_URL", "MODULE_SLUG", "DATA_PATH", "UNIT_PRICE_NOTE", "ADMIN_KEY")
DEFAULTS = {"DF_BASE_URL": "http://127.0.0.1:5000", "DATA_PATH": "partner_module_data.json"}
MAX_UNITS = 1000
HISTORIES = {"device.daily_summary": "daily_summaries", "device.state_changed": "state_changes",
             "device.offline": "state_changes"}

LAUNCH_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Idle waste report</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>Idle waste report</h1>
<p>Installation <strong>{{ installation_id }}</strong>{% if tenant %} for {{ tenant }}{% endif %}.</p>
{% if report %}
  <h2>{{ report.date }}: {{ "%.2f"|format(report.idle_waste_kwh) }} kWh
      ({{ "%.2f"|format(report.idle_waste_cost) }} {{ report.currency }})</h2>
  {% if report.worst_machine %}<p>Worst machine: {{ report.worst_machine.name }}</p>{% endif %}
  <ul>{% for machine in report.machines %}
    <li>{{ machine.name }}: {{ "%.2f"|format(machine.idle_waste_wh / 1000) }} kWh</li>{% endfor %}</ul>
{% else %}
  <p>No report yet: the first one is posted after the next run.</p>
{% endif %}
{% if price_note %}<p><small>{{ price_note }}</small></p>{% endif %}
</body></html>"""

ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cannot open the module</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 2rem auto">
<h1>Cannot open the module</h1><p>{{ reason }}</p></body></html>"""


def load_settings(config: dict | None) -> dict:
    """The module's settings: `config` when given, else the environment variables of the same names."""
    source = config if config is not None else os.environ
    settings = {key: source.get(key) or DEFAULTS.get(key) for key in CONFIG_KEYS}
    missing = [key for key in ("DF_MODULE_SECRET", "MODULE_SLUG") if not settings[key]]
    if missing:
        raise ValueError(f"set {' and '.join(missing)} (the module secret and slug from the partner portal)")
    settings["DF_BASE_URL"] = settings["DF_BASE_URL"].rstrip("/")
    return settings


def create_app(config: dict | None = None) -> Flask:
    """Build the module app from `config` (or the environment, see `load_settings`)."""
    app = Flask(__name__)
    settings = load_settings(config)
    app.config.update(settings, MAX_CONTENT_LENGTH=1024 * 1024)
    app.extensions["installations"] = stored.InstallationStore(settings["DATA_PATH"])
    app.add_url_rule("/webhooks", view_func=receive_webhook, methods=["POST"])
    app.add_url_rule("/launch", view_func=launch, methods=["GET"])
    app.add_url_rule("/installations/<int:installation_id>/run-report", view_func=post_report, methods=["POST"])
    app.add_url_rule("/healthz", view_func=healthz, methods=["GET"])
    return app


def installations() -> stored.InstallationStore:
    """The current app's installation store."""
    return current_app.extensions["installations"]


def receive_webhook():
    """POST /webhooks: verify the signature, apply each event id once, answer 200 quickly."""
    body = request.get_data(cache=True)
    try:
        verify_webhook(current_app.config["DF_MODULE_SECRET"], request.headers.get("DF-Signature"), body)
        event = json.loads(body)
    except SignatureError as exc:
        return jsonify(ok=False, error=str(exc)), 400
    except ValueError:
        return jsonify(ok=False, error="body is not JSON"), 400
    if not isinstance(event, dict) or not event.get("id") or not isinstance(event.get("installation_id"), int):
        return jsonify(ok=False, error="event without id or installation_id"), 400
    if event.get("module") not in (None, current_app.config["MODULE_SLUG"]):
        return jsonify(ok=False, error="event for another module"), 400
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    if event.get("type") == "installation.created":
        # Each delivery attempt carries a fresh token (the previous one is revoked): always keep the latest.
        installation = {**(data.get("installation") or {}), "id": event["installation_id"]}
        installations().update(partial(stored.save_token, installation=installation,
                                       token=data.get("installation_token", ""), api_base=data.get("api_base", "")))
    applied = installations().apply_event(str(event["id"]), partial(apply_event, event=event, data=data))
    return jsonify(ok=True, duplicate=not applied), 200


def apply_event(stored_data: dict, event: dict, data: dict) -> None:
    """The effect of a first-seen event on the stored data."""
    installation_id, kind = event["installation_id"], event.get("type")
    if kind == "installation.deleted":
        stored.forget(stored_data, installation_id)
    elif kind in HISTORIES:
        entry = {"type": kind, "received_at": datetime.now(UTC).isoformat(timespec="seconds"), **data}
        stored.remember(stored_data, installation_id, HISTORIES[kind], entry)


def launch():
    """GET /launch?token=<JWT>: the module page for the installation named in a valid launch token."""
    config = current_app.config
    try:
        claims = verify_launch_token(request.args.get("token"), config["DF_MODULE_SECRET"],
                                     audience=config["MODULE_SLUG"], issuer=config["DF_BASE_URL"])
    except LaunchError as exc:
        return no_store(render_template_string(ERROR_PAGE, reason=str(exc)), 401)
    installation = installations().get(claims["installation_id"]) or {}
    page = render_template_string(
        LAUNCH_PAGE, installation_id=claims["installation_id"], tenant=(installation.get("tenant") or {}).get("name"),
        report=installation.get("last_report"), price_note=config.get("UNIT_PRICE_NOTE"))
    return no_store(page, 200)


def no_store(page: str, status: int):
    """A page response that is neither cached nor leaks the token in the URL through the Referer."""
    return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def post_report(installation_id: int):
    """POST /installations/<id>/run-report: compute, post and bill one idle-waste report."""
    admin_key = current_app.config.get("ADMIN_KEY")
    if not admin_key:
        return jsonify(error="set ADMIN_KEY to run reports (each run bills the tenant)"), 403
    if not hmac.compare_digest(request.headers.get("X-Admin-Key", "").encode(), admin_key.encode()):
        return jsonify(error="missing or wrong X-Admin-Key"), 403
    installation = installations().get(installation_id)
    if not installation or not installation.get("token"):
        return jsonify(error="unknown installation (no installation.created event received)"), 404
    options = request.get_json(silent=True) or {}
    units = options.get("units", 1) if isinstance(options, dict) else None
    if isinstance(units, bool) or not isinstance(units, int) or not 1 <= units <= MAX_UNITS:
        return jsonify(error=f"units must be a whole number from 1 to {MAX_UNITS}"), 400
    tenant = installation.get("tenant") or {}
    try:
        day = report_day(options.get("date"), tenant.get("timezone"))
    except (TypeError, ValueError):
        return jsonify(error="date must look like 2025-01-31"), 400
    api = PartnerApi(installation["api_base"], installation["token"])
    try:
        result = run_report(api, installation_id, day, units, tenant.get("currency") or "EUR")
    except ApiError as exc:
        if exc.status == 401:
            return jsonify(error="the installation was deleted or its token revoked", reason=exc.reason), 409
        return jsonify(error="the partner API refused the report", status=exc.status, reason=exc.reason), 502
    installations().update(partial(stored.save_report, installation_id=installation_id, report=result["report"]))
    return jsonify(result), 200


def healthz():
    """GET /healthz: the module is up."""
    return jsonify(ok=True), 200


def main(argv: list[str] | None = None) -> int:
    """Run the development server (settings from the environment)."""
    parser = argparse.ArgumentParser(description="Sample Digital Factory partner module (dev server).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--debug", action="store_true")
    args = parser.parse_args(argv)
    try:
        app = create_app()
    except ValueError as exc:
        parser.error(str(exc))
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0
