"""Ingest for firmware that checks another server's exact answers: emoncms and InfluxDB line protocol."""
from __future__ import annotations

from web.openapi.common import RETRY_AFTER, body_of, empty, json_response, op, query, schema, text_response

TAG = "Ingest (emoncms, InfluxDB)"
KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
EMONCMS_AUTH = [{"emoncmsKey": []}, {"deviceToken": []}]
INFLUX_AUTH = [{"influxToken": []}]
FAIL_CODES = ("400", "401", "413", "422", "429", "503")
LINE = "power,device=lathe-1 value=1520.5 1777881600\nenergy,device=lathe-1 value=6.294 1777881600"


def _emoncms_errors(as_json: bool) -> dict:
    answers = {}
    for code in FAIL_CODES:
        headers = RETRY_AFTER if code in ("429", "503") else None
        if as_json:
            answers[code] = json_response("Failed; the message says why.", schema("EmoncmsJsonAnswer"),
                                          {"success": False, "message": "item 0: no numeric values"}, headers)
        else:
            answers[code] = {**text_response("Failed; the text says why.", "Error: item 0: no numeric values"),
                             **({"headers": headers} if headers else {})}
    return answers


def _emoncms(summary: str, description: str, bulk: bool, as_json: bool) -> dict:
    params = [query("node", "Device name (with a gateway key) or any label (with a device token).", "lathe"),
              query("apikey", "Device token or gateway key.", KEY)]
    if bulk:
        params += [query("data", "JSON array of [time, node, {values} or value, ...] rows.",
                         '[[1777881600,"lathe",{"power1":1520}]]'),
                   query("sentat", "The sender's clock when sending (corrects row times).", None, "integer"),
                   query("offset", "Seconds to add to relative row times.", None, "integer")]
    else:
        params += [query("fulljson", "Values as a JSON object.", '{"power1":1520,"vrms":231.2}'),
                   query("json", "Values as emoncms' loose JSON (`power1:1520,vrms:231.2`).", None),
                   query("csv", "Values as comma-separated numbers (keys 1, 2, ...).", None),
                   query("time", "Epoch seconds; default the receive time.", 1777881600, "integer")]
    ok = (json_response("Stored and committed.", schema("EmoncmsJsonAnswer"), {"success": True}) if as_json
          else text_response("Stored and committed: exactly `ok`, which emonhub checks.", "ok"))
    form = {"type": "object", "additionalProperties": {"type": "string"}}
    body = body_of({"application/x-www-form-urlencoded": (form, {
        "apikey": KEY, "data": '[[1777881600,"lathe",{"power1":1520}],[1777881610,"lathe",{"power1":1510}]]',
        "sentat": "1777881611"} if bulk else {"apikey": KEY, "node": "lathe", "fulljson": '{"power1":1520}'})},
        "The same fields as a form (emonhub posts them this way).")
    answers = {"200": ok, **_emoncms_errors(as_json)}
    return {"get": op(TAG, summary + " (GET)", answers, description=description, params=tuple(params),
                      security=EMONCMS_AUTH),
            "post": op(TAG, summary + " (POST)", answers, description=description, body=body, security=EMONCMS_AUTH)}


def _influx_errors() -> dict:
    return {code: json_response("Failed, in InfluxDB's error shape.", schema("InfluxError"),
                                {"code": "invalid", "message": "line 1: no fields"},
                                RETRY_AFTER if code in ("429", "503") else None) for code in FAIL_CODES}


def _influx_write(version: str) -> dict:
    params = (query("precision", "Time unit of the line timestamps (default ns).", "s",
                    enum=["ns", "us", "u", "ms", "s", "m", "h"]),
              query("org", "Accepted and ignored.", "factory"), query("bucket", "Accepted and ignored.", "meters"),
              query("db", "Accepted and ignored (v1).", None), query("p", "The key, for v1 clients.", None))
    return {"post": op(TAG, f"InfluxDB line protocol write ({version})", {
        "204": empty("Stored and committed (no body, as InfluxDB answers).", {
            "X-Influxdb-Version": {"schema": {"type": "string"}, "description": "Always set."}}),
        **_influx_errors()}, params=params, security=INFLUX_AUTH,
        description="Tasmota ESP32's InfluxDB push and Telegraf. The device is the `device` (or `name`, `host`) tag; "
                    "each field is a value, or `value` with the measurement as its name.",
        body=body_of({"text/plain": ({"type": "string"}, LINE)}))}


PATHS = {
    "/input/post": _emoncms("emoncms input/post", "EmonESP and emonTx sketches: one set of values for a node. "
                            "Answers `ok`, or `{\"success\": true}` when `fulljson` is used.", False, False),
    "/input/post.json": _emoncms("emoncms input/post.json", "As /input/post, answering JSON.", False, True),
    "/input/bulk": _emoncms("emoncms input/bulk", "emonhub's bulk upload; answers exactly `ok`.", True, False),
    "/input/bulk.json": _emoncms("emoncms input/bulk.json", "As /input/bulk (emonhub checks for `ok`).", True, False),
    "/api/v2/write": _influx_write("v2"),
    "/write": _influx_write("v1"),
    "/ping": {"get": op(TAG, "InfluxDB liveness probe", {"204": empty("Alive.")}, security=[])},
    "/health": {"get": op(TAG, "InfluxDB v2 health document (Tasmota reads it before writing)", {
        "200": json_response("Ready.", {"type": "object"}, {
            "name": "influxdb", "message": "ready for queries and writes", "status": "pass", "checks": [],
            "version": "2.7.0", "commit": "digital-factory"})}, security=[])},
}
