"""Ingest for firmware that speaks another server's API and checks its exact answers:
emoncms (EmonESP, emonhub, emonTx) and InfluxDB line protocol (Tasmota ESP32, Telegraf)."""
from __future__ import annotations

import base64

from flask import Blueprint, Response, jsonify, request

from telemetry.parsers import emoncms, influx
from web.auth import bearer_token
from web.ingesting import IngestAnswer, receive

bp = Blueprint("ingest_compat", __name__)
INFLUX_VERSION = "2.7.0"


def _retry_headers(answer: IngestAnswer) -> dict:
    return {"Retry-After": str(answer.retry_after)} if answer.retry_after else {}


# --- emoncms ---------------------------------------------------------------------------------

EMONCMS_JSON_OK = '{"success": true}'


def _emoncms_params() -> dict[str, str]:
    return {key: value for key, value in request.values.items(multi=False)}


def _emoncms_answer(answer: IngestAnswer, as_json: bool):
    if answer.status in (200, 202):
        # exactly emoncms's bytes: firmware compares the answer as text
        return Response(EMONCMS_JSON_OK if as_json else "ok", mimetype="application/json" if as_json else "text/plain"), 200
    message = answer.error or "; ".join(f"item {r.index}: {r.error}" for r in answer.outcome.rejected)
    if as_json:
        return jsonify({"success": False, "message": message}), answer.status, _retry_headers(answer)
    return Response(f"Error: {message}", mimetype="text/plain"), answer.status, _retry_headers(answer)


@bp.route("/input/post", methods=["GET", "POST"])
@bp.route("/input/post.json", methods=["GET", "POST"], endpoint="post_json")
def emoncms_post():
    """emoncms input/post: node with json, fulljson, csv or data; answers 'ok' (JSON with fulljson or .json)."""
    params = _emoncms_params()
    answer = receive(params.get("apikey") or bearer_token(), lambda ctx: emoncms.parse(params, ctx))
    return _emoncms_answer(answer, request.path.endswith(".json") or "fulljson" in params)


@bp.route("/input/bulk", methods=["GET", "POST"])
@bp.route("/input/bulk.json", methods=["GET", "POST"], endpoint="bulk_json")
def emoncms_bulk():
    """emoncms input/bulk as emonhub posts it; answers exactly 'ok', which emonhub requires."""
    params = _emoncms_params()
    answer = receive(params.get("apikey") or bearer_token(), lambda ctx: emoncms.parse(params, ctx, bulk=True))
    return _emoncms_answer(answer, as_json=False)


# --- InfluxDB ----------------------------------------------------------------------------------

def _influx_secret() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode("utf-8").partition(":")[2] or None
        except (ValueError, UnicodeDecodeError):
            return None
    return request.args.get("p") or request.args.get("token")


def _influx_error(answer: IngestAnswer):
    codes = {400: "invalid", 401: "unauthorized", 413: "request too large", 422: "invalid", 429: "too many requests"}
    message = answer.error or "; ".join(f"line {r.index + 1}: {r.error}" for r in answer.outcome.rejected)
    return jsonify({"code": codes.get(answer.status, "internal error"), "message": message}), answer.status, \
        _retry_headers(answer)


@bp.post("/api/v2/write")
@bp.post("/write", endpoint="write_v1")
def influx_write():
    """InfluxDB line protocol (v2 and v1 write); answers 204 with no body as InfluxDB does."""
    body = request.get_data(cache=False)
    precision = request.args.get("precision")
    answer = receive(_influx_secret(), lambda ctx: influx.parse(body, ctx), precision=precision)
    if answer.status in (200, 202):
        return Response(status=204, headers={"X-Influxdb-Version": INFLUX_VERSION})
    return _influx_error(answer)


@bp.route("/ping", methods=["GET", "HEAD"])
def influx_ping():
    """InfluxDB's liveness probe: 204."""
    return Response(status=204, headers={"X-Influxdb-Version": INFLUX_VERSION, "X-Influxdb-Build": "OSS"})


@bp.get("/health")
def influx_health():
    """InfluxDB v2's health document, which Tasmota reads before writing."""
    return jsonify({"name": "influxdb", "message": "ready for queries and writes", "status": "pass",
                    "checks": [], "version": INFLUX_VERSION, "commit": "digital-factory"})
