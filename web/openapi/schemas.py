"""Component schemas, shared responses and security schemes of the OpenAPI document."""
from __future__ import annotations

from web.openapi.common import RETRY_AFTER, json_response, schema

NUM_OR_NULL = {"type": ["number", "null"]}
STR_OR_NULL = {"type": ["string", "null"]}
TIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
INGEST_EXAMPLE = {"accepted": 2, "duplicates": 0, "rejected": []}


def _obj(properties: dict, required: tuple = (), description: str | None = None, **extra) -> dict:
    result = {"type": "object", "properties": properties, **extra}
    if required:
        result["required"] = list(required)
    if description:
        result["description"] = description
    return result


READING_IN = _obj({
    "ts": {"description": "RFC 3339 time, or epoch seconds (values above 1e11 are milliseconds); "
                          "the receive time when missing.", "type": ["string", "number"]},
    "power_w": {"type": "number"}, "energy_wh": {"type": "number", "description": "Cumulative counter in Wh."},
    "energy_kwh": {"type": "number", "description": "Cumulative counter in kWh (instead of energy_wh)."},
    "voltage_v": {"type": "number"}, "current_a": {"type": "number"}, "power_factor": {"type": "number"},
    "device": {"type": "string", "description": "Device name; only with a gateway key."},
}, description="One reading; other numeric keys are kept as `extra`.", additionalProperties={"type": "number"})

BUCKET = _obj({name: {"type": "number"} for name in (
    "energy_wh", "running_s", "idle_s", "off_s", "nodata_s", "running_wh", "idle_wh", "off_wh", "cost",
    "utilization", "idle_waste_wh", "idle_waste_cost")} | {
    "start": {"type": "string", "format": "date-time"}, "end": {"type": "string", "format": "date-time"},
    "max_power_w": NUM_OR_NULL, "avg_power_w": NUM_OR_NULL, "availability": NUM_OR_NULL,
    "samples": {"type": "integer"}}, description="Figures of one bucket of local time (DESIGN.md rules 5-7).")

SCHEMAS = {
    "Error": _obj({"error": {"type": "string"}}, ("error",), additionalProperties=True),
    "IngestResult": _obj({
        "accepted": {"type": "integer"}, "duplicates": {"type": "integer"},
        "rejected": {"type": "array", "items": _obj({"index": {"type": "integer"}, "error": {"type": "string"}},
                                                    ("index", "error"))},
        "error": {"type": "string", "description": "Why the request failed as a whole."},
        "device_status": {"type": "integer", "description": "Items without power or energy (uptime, relay, Wi-Fi "
                                                            "signal): kept as their device's reported status, not "
                                                            "stored as readings. Present when there were any."},
    }, ("accepted", "duplicates", "rejected")),
    "Reading": READING_IN,
    "ReadingsBody": {"oneOf": [schema("Reading"), {"type": "array", "items": schema("Reading"), "maxItems": 10000},
                               _obj({"readings": {"type": "array", "items": schema("Reading")},
                                     "device": {"type": "string"}}, ("readings",))]},
    "StoredReading": _obj({"ts": {"type": "string", "format": "date-time"},
                           "received_at": {"type": "string", "format": "date-time"}, "power_w": NUM_OR_NULL,
                           "energy_wh": NUM_OR_NULL, "voltage_v": NUM_OR_NULL, "current_a": NUM_OR_NULL,
                           "power_factor": NUM_OR_NULL, "extra": {"type": "object"}}),
    "Tenant": _obj({"id": {"type": "integer"}, "slug": {"type": "string"}, "name": {"type": "string"},
                    "country": {"type": "string"}, "timezone": {"type": "string"}, "currency": {"type": "string"}}),
    "ApiKey": _obj({"id": {"type": "integer"}, "name": {"type": "string"}, "prefix": {"type": "string"},
                    "created_at": {"type": "string", "format": "date-time"}, "last_used_at": TIME_OR_NULL,
                    "revoked_at": TIME_OR_NULL}),
    "DeviceInput": _obj({"name": {"type": "string", "maxLength": 100},
                         "kind": {"enum": ["smart_plug", "din_rail", "clamp", "other"]},
                         "site": {"type": "string"}, "line": {"type": "string"}, "rated_w": NUM_OR_NULL,
                         "off_below_w": {"type": "number"}, "run_above_w": {"type": "number"},
                         "max_gap_s": {"type": "integer", "minimum": 10, "maximum": 86400},
                         "input_map": {"type": "object", "additionalProperties": {"type": "string"}}},
                        additionalProperties=False),
    "Device": _obj({"id": {"type": "integer"}, "name": {"type": "string"}, "kind": {"type": "string"},
                    "site": STR_OR_NULL, "line": STR_OR_NULL, "rated_w": NUM_OR_NULL,
                    "off_below_w": {"type": "number"}, "run_above_w": {"type": "number"},
                    "max_gap_s": {"type": "integer"}, "input_map": {"type": "object"},
                    "status": {"enum": ["active", "pending", "retired"]}, "created_at": TIME_OR_NULL,
                    "last_reading_at": TIME_OR_NULL, "last_seen_at": TIME_OR_NULL, "last_power_w": NUM_OR_NULL,
                    "online": {"type": "boolean"}, "token": {"type": "string", "description": "Only when created."},
                    "reported_status": {"type": "object",
                                        "description": "What the meter last said about itself in posts without "
                                                       "power or energy (e.g. Tasmota's device.power1 relay state, "
                                                       "wifi.signal dBm, device.uptimesec)."},
                    "reported_at": TIME_OR_NULL}),
    "GatewayKey": _obj({"id": {"type": "integer"}, "name": {"type": "string"}, "created_at": TIME_OR_NULL,
                        "last_used_at": TIME_OR_NULL, "revoked_at": TIME_OR_NULL,
                        "key": {"type": "string", "description": "Only when created."}}),
    "Bucket": BUCKET,
    "Band": _obj({"weekdays": {"type": ["array", "null"], "items": {"type": "integer", "minimum": 0, "maximum": 6}},
                  "start_hour": {"type": "integer", "minimum": 0, "maximum": 23},
                  "end_hour": {"type": "integer", "minimum": 0, "maximum": 24},
                  "price": {"type": "number", "minimum": 0, "maximum": 1000}}, ("start_hour", "end_hour", "price")),
    "Tariff": _obj({"price_per_kwh": {"type": "number", "minimum": 0, "maximum": 1000},
                    "bands": {"type": "array", "items": schema("Band"), "maxItems": 48},
                    "currency": {"type": "string", "readOnly": True}}, ("price_per_kwh",)),
    "Shift": _obj({"weekday": {"type": "integer", "minimum": 0, "maximum": 6},
                   "start": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"},
                   "end": {"type": "string", "pattern": "^\\d{1,2}:\\d{2}$"}}, ("weekday", "start", "end")),
    "Shifts": _obj({"shifts": {"type": "array", "items": schema("Shift"), "maxItems": 100}}, ("shifts",)),
    "Alert": _obj({"id": {"type": "integer"}, "device": _obj({"id": {"type": "integer"}, "name": {"type": "string"}}),
                   "kind": {"enum": ["offline", "outside_shift", "idle_waste", "over_rated"]},
                   "status": {"enum": ["open", "closed"]}, "opened_at": TIME_OR_NULL, "closed_at": TIME_OR_NULL,
                   "acknowledged_at": TIME_OR_NULL, "acknowledged_by": {"type": ["integer", "null"]},
                   "details": {"type": "object"}}),
    "AlertSettings": _obj({"idle_limit": NUM_OR_NULL, "idle_unit": {"enum": ["kwh", "money"]}}),
    "EmoncmsJsonAnswer": _obj({"success": {"type": "boolean"}, "message": {"type": "string"}}, ("success",)),
    "InfluxError": _obj({"code": {"type": "string"}, "message": {"type": "string"}}, ("code", "message")),
    "InfluxV1Error": _obj({"error": {"type": "string"}}, ("error",)),
}

ERROR_EXAMPLES = {400: "to must be after from.", 401: "invalid API key", 403: "your role is read-only",
                  404: "Not found.", 409: "only pending devices can be rejected; delete others instead",
                  422: "Unprocessable.", 429: "Too many requests."}

RESPONSES = {
    "MethodNotAllowed": {**json_response("The path does not take this method (TRACE, ...).", schema("Error"),
                                         {"error": "The method is not allowed for the requested URL."}),
                         "headers": {"Allow": {"description": "The methods the path takes.",
                                               "schema": {"type": "string"}, "example": "POST, OPTIONS"}}},
    "BadRequest": json_response("The request is malformed or a value is out of range.", schema("Error"),
                                {"error": ERROR_EXAMPLES[400]}),
    "Unauthorized": json_response("No valid API key (or session).", schema("Error"), {"error": ERROR_EXAMPLES[401]}),
    "Forbidden": json_response("The caller's role is read-only.", schema("Error"), {"error": ERROR_EXAMPLES[403]}),
    "NotFound": json_response("No such object for this company (another company's objects answer 404 too).",
                              schema("Error"), {"error": ERROR_EXAMPLES[404]}),
    "Conflict": json_response("The action clashes with the object's state.", schema("Error"),
                              {"error": ERROR_EXAMPLES[409]}),
    "Unprocessable": json_response("The values break a rule.", schema("Error"), {"error": ERROR_EXAMPLES[422]}),
    "RateLimited": json_response("Over the rate limit (600 requests a minute per key).", schema("Error"),
                                 {"error": "Too many requests."}, RETRY_AFTER),
    "Unavailable": json_response("The database is briefly unavailable; retry after the given seconds.",
                                 schema("Error"),
                                 {"error": "The service is briefly unavailable. Please retry shortly."}, RETRY_AFTER),
    "IngestAccepted": json_response("Stored and committed (duplicates change nothing; rejected items say why).",
                                    schema("IngestResult"), INGEST_EXAMPLE),
    "IngestBadRequest": json_response("The body is not a usable document; nothing was stored.", schema("IngestResult"),
                                      {"accepted": 0, "duplicates": 0, "rejected": [], "error": "invalid JSON"}),
    "IngestUnauthorized": json_response("Unknown or revoked device token or gateway key.", schema("IngestResult"),
                                        {"accepted": 0, "duplicates": 0, "rejected": [],
                                         "error": "invalid or revoked device token or gateway key"}),
    "IngestTooLarge": json_response("More than 10,000 readings, or a body of more than 1 MiB (inflated, when it "
                                    "came gzip or deflate compressed).", schema("Error"),
                                    {"error": "at most 10000 readings per request"}),
    "IngestUnprocessable": json_response("Every reading was rejected; nothing was stored.", schema("IngestResult"),
                                         {"accepted": 0, "duplicates": 0, "rejected": [
                                             {"index": 0, "error": "more than 5 minutes in the future"}]}),
    "IngestRateLimited": json_response("Over the device's or company's rate limit, or this address failed to "
                                       "authenticate too often (60 a minute).", schema("IngestResult"),
                                       {"accepted": 0, "duplicates": 0, "rejected": [],
                                        "error": "rate limit reached; retry later"}, RETRY_AFTER),
}

SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "A company API key (Settings → API keys): `Authorization: Bearer <key>`."},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "The web app's logged-in session; changing requests also need an `X-CSRFToken` header."},
    "deviceToken": {"type": "http", "scheme": "bearer",
                    "description": "A device token or gateway key: 32 lowercase hex characters."},
    "emoncmsKey": {"type": "apiKey", "in": "query", "name": "apikey",
                   "description": "Device token or gateway key as emoncms firmware sends it "
                                  "(or `Authorization: Bearer`)."},
    "influxToken": {"type": "apiKey", "in": "header", "name": "Authorization",
                    "description": "`Token <key>` (InfluxDB v2), `Basic` with the key as password, "
                                   "or `?p=<key>` (v1)."},
}
