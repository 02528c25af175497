"""Ingest for firmware that checks another server's exact answers: emoncms and InfluxDB line protocol."""
from __future__ import annotations

from web.openapi.common import RETRY_AFTER, body_of, empty, json_response, op, query, schema, text_response

TAG = "Ingest (emoncms, InfluxDB)"
KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
EMONCMS_AUTH = [{"emoncmsKey": []}, {"deviceToken": []}]
INFLUX_AUTH = [{"influxToken": []}]
FAIL_CODES = ("400", "401", "413", "422", "429", "503")
LINE = "power,device=lathe-1 value=1520.5 1777881600\nenergy,device=lathe-1 value=6.294 1777881600"


def _emoncms_errors() -> dict:
    return {code: json_response("Failed; the message says why (emoncms's failure shape).", schema("EmoncmsJsonAnswer"),
                                {"success": False, "message": "item 0: the reading has no values"},
                                RETRY_AFTER if code in ("429", "503") else None) for code in FAIL_CODES}


def _emoncms(summary: str, description: str, bulk: bool) -> dict:
    params = [query("node", "Device name (with a gateway key) or any label (with a device token).", "lathe"),
              query("apikey", "Device token or gateway key (or `Authorization: Bearer`).", KEY)]
    if bulk:
        params += [query("data", "JSON array of [time, node, {values} or value, ...] rows.",
                         '[[1777881600,"lathe",{"power1":1520}]]'),
                   query("sentat", "The sender's clock when sending, in whole seconds: row times are moved by our "
                                   "clock minus it (a difference under 10 s is transit time and ignored).", None,
                         "integer"),
                   query("offset", "Rows are timed from now minus this many seconds.", None, "integer"),
                   query("time", "Rows are timed from this epoch second.", None, "integer"),
                   query("cb", "The body is the zlib-compressed `data` (emonhub with sendnames = 1).", None)]
    else:
        params += [query("fulljson", "Values as a JSON object; the answer is then `{\"success\": true}`.",
                         '{"power1":1520,"vrms":231.2}'),
                   query("json", "Values as emoncms' loose JSON (`{power1:1520,vrms:231.2}`).", None),
                   query("csv", "Values as comma-separated numbers (keys 1, 2, ...).", None),
                   query("time", "Epoch seconds (cut to whole seconds); default the receive second.", 1777881600,
                         "integer")]
    ok = {**text_response("Stored and committed: exactly `ok` (EmonESP and emonhub compare it as text).", "ok"),
          "description": "Stored and committed: exactly `ok`, or `{\"success\": true}` when the request has "
                         "`fulljson`, as emoncms answers."}
    form = {"type": "object", "additionalProperties": {"type": "string"}}
    body = body_of({"application/x-www-form-urlencoded": (form, {
        "apikey": KEY, "data": '[[1777881600,"lathe",{"power1":1520}],[1777881610,"lathe",{"power1":1510}]]',
        "sentat": "1777881611"} if bulk else {"apikey": KEY, "node": "lathe", "fulljson": '{"power1":1520}'}),
        **({"application/octet-stream": ({"type": "string", "format": "binary"}, "<zlib bytes>")} if bulk else {})},
        "The same fields as a form (a form value wins over the query's); with `cb` the zlib-compressed data.")
    answers = {"200": ok, **_emoncms_errors()}
    return {"get": op(TAG, summary + " (GET)", answers, description=description, params=tuple(params),
                      security=EMONCMS_AUTH),
            "post": op(TAG, summary + " (POST)", answers, description=description, body=body, security=EMONCMS_AUTH)}


def _influx_errors(version: str) -> dict:
    if version == "v1":
        return {code: json_response("Failed, in InfluxDB 1.x's error shape (and `X-InfluxDB-Error`).",
                                    schema("InfluxV1Error"), {"error": "line 1: no fields"},
                                    RETRY_AFTER if code in ("429", "503") else None) for code in FAIL_CODES}
    return {code: json_response("Failed, in InfluxDB 2.x's error shape (and `X-Platform-Error-Code`).",
                                schema("InfluxError"), {"code": "invalid", "message": "line 1: no fields"},
                                RETRY_AFTER if code in ("429", "503") else None) for code in FAIL_CODES}


def _influx_write(version: str) -> dict:
    params = (query("precision", "Time unit of the line timestamps (default ns).", "s",
                    enum=["ns", "us", "u", "ms", "s", "m", "h"]),
              query("org", "Accepted and ignored.", "factory"), query("bucket", "Accepted and ignored.", "meters"),
              query("db", "Accepted and ignored (v1).", None), query("p", "The key, for v1 clients.", None))
    return {"post": op(TAG, f"InfluxDB line protocol write ({version})", {
        "204": empty("Stored and committed (no body, as InfluxDB answers).", {
            "X-Influxdb-Version": {"schema": {"type": "string"}, "description": "Always set."}}),
        **_influx_errors(version)}, params=params, security=INFLUX_AUTH,
        description="Tasmota ESP32's InfluxDB push and Telegraf. The device is the `device` (or `name`, `host`) tag; "
                    "each field is a value, or `value` with the measurement as its name. Lines without power or energy "
                    "(Tasmota's uptime, relay and Wi-Fi lines) are kept as the device's reported status. "
                    "`Content-Encoding: gzip` (Telegraf's default) is read, chunked or not.",
        body=body_of({"text/plain": ({"type": "string"}, LINE)}))}


QUERY = {"results": [{"statement_id": 0}]}
_query = op(TAG, "InfluxDB 1.x query, for CREATE DATABASE", {
    "200": json_response("Each statement's result: CREATE DATABASE succeeds (readings are kept per company, so "
                         "there is nothing to create); other statements carry an `error`.", {"type": "object"}, QUERY),
    "400": json_response("No `q`.", schema("InfluxV1Error"), {"error": 'missing required parameter "q"'}),
    "401": json_response("No valid key.", schema("InfluxV1Error"),
                         {"error": "invalid or revoked device token or gateway key"}),
    "429": json_response("Too many failed keys from this address.", schema("InfluxV1Error"),
                         {"error": "too many failed credential attempts from this address; retry later"}, RETRY_AFTER)},
    description="Telegraf's InfluxDB output and the `influxdb` client's create_database() send "
                "`CREATE DATABASE \"telegraf\"` first.",
    params=(query("q", "InfluxQL statements separated by `;`.", 'CREATE DATABASE "telegraf"', required=True),
            query("p", "The key, for v1 clients.", None)), security=INFLUX_AUTH)

PATHS = {
    "/input/post": _emoncms("emoncms input/post", "EmonESP and emonTx sketches: one set of values for a node. "
                            "Answers `ok`, or `{\"success\": true}` when `fulljson` is used.", False),
    "/input/post.json": _emoncms("emoncms input/post.json", "As /input/post: `ok` (EmonESP 2.x checks for it), or "
                                 "`{\"success\": true}` with `fulljson`.", False),
    "/input/bulk": _emoncms("emoncms input/bulk", "emonhub's bulk upload; answers exactly `ok`.", True),
    "/input/bulk.json": _emoncms("emoncms input/bulk.json", "As /input/bulk (emonhub checks for `ok`).", True),
    "/api/v2/write": _influx_write("v2"),
    "/write": _influx_write("v1"),
    "/query": {"get": _query, "post": _query},
    "/ping": {"get": op(TAG, "InfluxDB liveness probe", {
        "204": empty("Alive."),
        "200": json_response("With `verbose` (Tasmota's InfluxDB v1 mode checks for 200).", {"type": "object"},
                             {"version": "1.8.10"})},
        params=(query("verbose", "Answer 200 with the version.", "true"),), security=[])},
    "/health": {"get": op(TAG, "InfluxDB v2 health document (Tasmota reads it before writing)", {
        "200": json_response("Ready.", {"type": "object"}, {
            "name": "influxdb", "message": "ready for queries and writes", "status": "pass", "checks": [],
            "version": "2.7.0", "commit": "digital-factory"})}, security=[])},
}
