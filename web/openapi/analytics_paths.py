"""The tenant API /api/v1: series, threshold advice, the overview, tariff, shifts and alerts."""
from __future__ import annotations

from web.openapi.common import json_body, json_response, op, path_param, query, schema, tenant_errors
from web.openapi.schemas import NUM_OR_NULL

DEVICE_ID = path_param("device_id", "The device's id.", 7)
BUCKET_EXAMPLE = {"start": "2026-05-04T00:00:00+02:00", "end": "2026-05-05T00:00:00+02:00", "energy_wh": 18250.5,
                  "running_s": 25200.0, "idle_s": 7200.0, "off_s": 50400.0, "nodata_s": 3600.0,
                  "running_wh": 16800.0, "idle_wh": 1300.5, "off_wh": 150.0, "max_power_w": 5210.0,
                  "avg_power_w": 792.2, "samples": 1380, "cost": 5.475, "utilization": 0.291667,
                  "availability": 0.875, "idle_waste_wh": 1450.5, "idle_waste_cost": 0.435}
TARIFF_EXAMPLE = {"price_per_kwh": 0.3, "bands": [{"weekdays": None, "start_hour": 22, "end_hour": 6,
                                                   "price": 0.15}], "currency": "EUR"}
SHIFTS_EXAMPLE = {"shifts": [{"weekday": d, "start": "06:00", "end": "14:00"} for d in range(5)]
                  + [{"weekday": 4, "start": "22:00", "end": "06:00"}]}
ALERT_EXAMPLE = {"id": 12, "device": {"id": 7, "name": "Lathe 1"}, "kind": "idle_waste", "status": "open",
                 "opened_at": "2026-05-04T10:15:00Z", "closed_at": None, "acknowledged_at": None,
                 "acknowledged_by": None, "details": {"amount": 2.6, "limit": 2.5, "unit": "kwh"}}
ALERT_SETTINGS_EXAMPLE = {"idle_limit": 2.5, "idle_unit": "kwh"}
ADVICE_EXAMPLE = {"device": 7, "current": {"off_below_w": 10, "run_above_w": 100}, "off_below_w": 40,
                  "run_above_w": 900, "apply": {"off_below_w": 40, "run_above_w": 900}, "changes": True,
                  "levels_w": [5, 320, 2400], "samples": 9800, "reason_code": "off_idle_running",
                  "reason": "Three power levels seen: off, idle and running.", "since": "2026-04-27T08:00:00Z"}
MACHINE_EXAMPLE = {"id": 7, "name": "Lathe 1", "site": "Hall A", "line": "Turning", "state": "idle", "online": True,
                   "since": "2026-05-04T09:40:00Z", "power_w": 410.0, "energy_wh": 9120.4, "cost": 2.736,
                   "utilization": 0.41, "running_s": 14760.0, "idle_s": 2400.0, "idle_waste_wh": 300.2,
                   "idle_waste_cost": 0.09}
OVERVIEW_ITEM = {"type": "object", "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "state": {"enum": ["running", "idle", "off", "offline",
                                                                             "unknown"]},
    "online": {"type": "boolean"}, "since": {"type": ["string", "null"]}, "power_w": NUM_OR_NULL,
    "energy_wh": {"type": "number"}, "cost": {"type": "number"}, "utilization": {"type": "number"},
    "idle_waste_wh": {"type": "number"}, "idle_waste_cost": {"type": "number"}}}

PATHS = {
    "/api/v1/devices/{device_id}/series": {"get": op("Analytics", "Figures of a device per bucket of local time", {
        "200": json_response("The buckets (or raw readings for resolution=raw).", {"type": "object", "properties": {
            "device": {"type": "integer"}, "timezone": {"type": "string"}, "currency": {"type": "string"},
            "resolution": {"type": "string"}, "buckets": {"type": "array", "items": schema("Bucket")},
            "readings": {"type": "array", "items": schema("StoredReading")}, "truncated": {"type": "boolean"}}}, {
            "device": 7, "timezone": "Europe/Berlin", "currency": "EUR", "resolution": "day",
            "buckets": [BUCKET_EXAMPLE]}), **tenant_errors(400, 404)},
        description="Buckets are cut in the company's time zone (23- or 25-hour days on DST changes); cost uses "
                    "the tariff's time-of-use bands; availability is running time over planned (shift) time.",
        params=(DEVICE_ID,
                query("from", "Local date (inclusive) or RFC 3339 instant; default today.", "2026-05-04"),
                query("to", "Local date (inclusive: the end of that day) or RFC 3339 instant; default `from`.",
                      "2026-05-10"),
                query("resolution", "Bucket size, or raw readings (at most 7 days).", "day",
                      enum=["raw", "15min", "hour", "day", "week", "month"])))},
    "/api/v1/devices/{device_id}/advice": {"get": op("Analytics", "Suggested state thresholds for a device", {
        "200": json_response("The advice, with the values to PATCH onto the device.", {"type": "object"},
                             ADVICE_EXAMPLE), **tenant_errors(404)},
        description="From the time-weighted power levels of the device's last 7 days.", params=(DEVICE_ID,))},
    "/api/v1/overview": {"get": op("Analytics", "Every machine's state now and its figures for a local day", {
        "200": json_response("Machines, most in need of attention first.", {"type": "object", "properties": {
            "date": {"type": "string", "format": "date"}, "timezone": {"type": "string"},
            "currency": {"type": "string"}, "machines": {"type": "array", "items": OVERVIEW_ITEM},
            "totals": {"type": "object", "additionalProperties": {"type": "number"}}}}, {
            "date": "2026-05-04", "timezone": "Europe/Berlin", "currency": "EUR", "machines": [MACHINE_EXAMPLE],
            "totals": {"energy_wh": 9120.4, "cost": 2.736, "idle_waste_wh": 300.2, "idle_waste_cost": 0.09}}),
        **tenant_errors(400)}, params=(query("date", "Local date; default today.", "2026-05-04", format="date"),))},
    "/api/v1/tariff": {
        "get": op("Settings", "The company's tariff", {
            "200": json_response("The tariff.", schema("Tariff"), TARIFF_EXAMPLE), **tenant_errors()}),
        "put": op("Settings", "Set the price per kWh and time-of-use bands", {
            "200": json_response("The saved tariff.", schema("Tariff"), TARIFF_EXAMPLE), **tenant_errors(400, 403)},
            description="Bands price the local hours [start_hour, end_hour) on the given weekdays (0 = Monday, "
                        "null = every day); an end at or before the start runs past midnight; the first matching "
                        "band wins. Past costs are recomputed with the new tariff.",
            body=json_body(schema("Tariff"), {key: TARIFF_EXAMPLE[key] for key in ("price_per_kwh", "bands")}))},
    "/api/v1/shifts": {
        "get": op("Settings", "The weekly shift calendar", {
            "200": json_response("The shifts.", schema("Shifts"), SHIFTS_EXAMPLE), **tenant_errors()}),
        "put": op("Settings", "Replace the weekly shift calendar", {
            "200": json_response("The saved shifts.", schema("Shifts"), SHIFTS_EXAMPLE), **tenant_errors(400, 403)},
            description="Planned time is the overlap with the shifts (every hour when there are none); a shift "
                        "ending at or before its start runs past midnight.",
            body=json_body(schema("Shifts"), SHIFTS_EXAMPLE))},
    "/api/v1/alerts": {"get": op("Alerts", "Open alerts, or every alert, newest first", {
        "200": json_response("The alerts.", {"type": "object", "properties": {
            "status": {"type": "string"}, "alerts": {"type": "array", "items": schema("Alert")}}},
            {"status": "open", "alerts": [ALERT_EXAMPLE]}), **tenant_errors(400)},
        params=(query("status", "open (default) or all.", "open", enum=["open", "all"]),))},
    "/api/v1/alerts/{alert_id}/acknowledge": {"post": op("Alerts", "Acknowledge an alert (every role may)", {
        "200": json_response("The alert.", schema("Alert"),
                             {**ALERT_EXAMPLE, "acknowledged_at": "2026-05-04T10:20:00Z"}),
        **tenant_errors(404)}, params=(path_param("alert_id", "The alert's id.", 12),))},
    "/api/v1/alert-settings": {
        "get": op("Alerts", "The daily idle waste limit per machine", {
            "200": json_response("The limit (null: off).", schema("AlertSettings"), ALERT_SETTINGS_EXAMPLE),
            **tenant_errors()}),
        "put": op("Alerts", "Set the daily idle waste limit", {
            "200": json_response("The saved limit.", schema("AlertSettings"), ALERT_SETTINGS_EXAMPLE),
            **tenant_errors(400, 403)}, body=json_body(schema("AlertSettings"), ALERT_SETTINGS_EXAMPLE))},
}
