"""Device ingest in JSON formats: ours, ThingsBoard, SenML, URL templates, Tasmota and Shelly."""
from __future__ import annotations

from web.openapi.common import (
    DEVICE_AUTH,
    NO_AUTH,
    body_of,
    ingest_errors,
    json_body,
    json_response,
    op,
    path_param,
    query,
    ref,
    schema,
)
from web.openapi.schemas import INGEST_EXAMPLE

TAG = "Ingest"
TOKEN = path_param("token", "The device token (32 lowercase hex characters) or a gateway key.",
                   "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "string")
ANY_OBJECT = {"type": "object", "additionalProperties": True}


def _accepted(status: str = "202", description: str | None = None) -> dict:
    if description is None:
        return {status: ref("responses", "IngestAccepted"), **ingest_errors()}
    return {status: json_response(description, schema("IngestResult"), INGEST_EXAMPLE), **ingest_errors()}


def _json_post(summary: str, description: str, example, security=NO_AUTH, params=(), status="202",
               status_text=None, body_schema=ANY_OBJECT) -> dict:
    return {"post": op(TAG, summary, _accepted(status, status_text), description=description, params=params,
                       body=json_body(body_schema, example), security=security)}


PATHS = {
    "/api/v1/readings": _json_post(
        "Readings in our own JSON format",
        "One reading, a list, or `{\"readings\": [...]}`. With a gateway key each reading (or the whole body) names "
        "its `device`; an unknown name creates a pending device. Each reading is accepted, a duplicate (same device "
        "and `ts`, first write wins) or rejected with its index and reason. Used by scripts and ESPHome "
        "`http_request`.",
        {"readings": [{"ts": "2026-05-04T08:00:00Z", "power_w": 1520.5, "energy_wh": 123456.7, "voltage_v": 229.8},
                      {"ts": 1777881630, "power_w": 1498, "energy_kwh": 123.4599}]},
        security=DEVICE_AUTH, body_schema=schema("ReadingsBody")),
    "/api/v1/senml": {"post": op(TAG, "SenML records (RFC 8428)", _accepted(), security=DEVICE_AUTH,
                                 description="Records with `bn bt n u v s t`; units W, Wh, kWh, J, V, A are converted.",
                                 body=body_of({"application/senml+json": ({"type": "array", "items": ANY_OBJECT}, [
                                     {"bn": "urn:dev:mac:0024befffe804ff1:", "bt": 1777881600, "n": "power", "u": "W",
                                      "v": 1372}, {"n": "energy", "u": "kWh", "v": 52.1, "t": 0}]),
                                     "application/json": ({"type": "array", "items": ANY_OBJECT},
                                                          [{"n": "power", "u": "W", "v": 1372}])}))},
    "/api/v1/{token}/telemetry": _json_post(
        "ThingsBoard HTTP device API",
        "For anything that speaks ThingsBoard's device API: `{\"k\": v}`, `{\"ts\": ms, \"values\": {...}}` or a "
        "list of those. Answers 200 (not 202) on success, as ThingsBoard does.",
        [{"ts": 1777881600000, "values": {"power": 26, "current": 0.12}},
         {"ts": 1777881660000, "values": {"power": 25}}],
        params=(TOKEN,), status="200", status_text="Stored and committed (ThingsBoard answers 200).",
        body_schema={"oneOf": [ANY_OBJECT, {"type": "array", "items": ANY_OBJECT}]}),
    "/api/v1/d/{token}": {method: op(
        TAG, f"URL template ({method.upper()})", _accepted(), params=(
            TOKEN, query("power_w", "Power in W.", 87, "number"), query("energy_wh", "Counter in Wh.", None, "number"),
            query("energy_kwh", "Counter in kWh.", 6.294, "number"), query("voltage_v", "Voltage.", None, "number"),
            query("current_a", "Current.", None, "number"),
            query("ts", "Time (RFC 3339 or epoch seconds); default the receive time.", None)),
        description="Values as query (or form) parameters: Tasmota `WebQuery`, Shelly webhooks and scripts, ESPHome. "
                    "Other numeric parameters are kept as extra values or mapped by the device's input map.",
        security=NO_AUTH) for method in ("get", "post")},
    "/api/v1/tasmota/{token}": _json_post(
        "Tasmota SENSOR document",
        "A Tasmota `tele/.../SENSOR` JSON document; `Time` without an offset is read in the company's time zone and "
        "`ENERGY.Total` (kWh) becomes the counter.",
        {"Time": "2026-05-04T10:00:00", "ENERGY": {"Total": 6.294, "Today": 0.954, "Power": 2635, "Voltage": 229,
                                                   "Current": 11.5, "Factor": 0.99}}, params=(TOKEN,)),
    "/api/v1/shelly/{token}": _json_post(
        "Shelly Gen2+ status",
        "`Switch.GetStatus`, `NotifyStatus` or `NotifyFullStatus` JSON: `apower`, `aenergy.total` (Wh), `voltage`, "
        "`current`, `pf`.",
        {"id": 0, "output": True, "apower": 1520.4, "voltage": 231.2, "current": 6.61, "pf": 0.99,
         "aenergy": {"total": 12345.678}}, params=(TOKEN,)),
}
