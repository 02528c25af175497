"""Device ingest in our own and common JSON formats: native, ThingsBoard, SenML, URL templates,
Tasmota SENSOR documents and Shelly Gen2 status (device token or gateway key)."""
from __future__ import annotations

from flask import Blueprint, jsonify, request

from telemetry.parsers import native, senml, shelly, tasmota, thingsboard, urlquery
from web.auth import bearer_token
from web.ingesting import IngestAnswer, inflate_request_body, receive

bp = Blueprint("ingest", __name__)
bp.before_request(inflate_request_body)


def _answer(answer: IngestAnswer, success_status: int | None = None):
    status = success_status if success_status and answer.status == 202 else answer.status
    response = jsonify(answer.json())
    response.status_code = status
    response.headers.update(answer.headers())
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="devices"'
    return response


def _query_params() -> dict[str, str]:
    return {key: value for key, value in request.values.items(multi=False)}


@bp.post("/api/v1/readings")
def readings():
    """Our own format: one reading, a list, or {"readings": [...]} (Bearer device token or gateway key)."""
    body = request.get_data(cache=False)
    return _answer(receive(bearer_token(), lambda ctx: native.parse(body, ctx)))


@bp.post("/api/v1/senml")
def senml_records():
    """SenML (RFC 8428) records (Bearer device token or gateway key)."""
    body = request.get_data(cache=False)
    return _answer(receive(bearer_token(), lambda ctx: senml.parse(body, ctx)))


@bp.post("/api/v1/<token>/telemetry")
def thingsboard_telemetry(token: str):
    """ThingsBoard's HTTP device API: the token is in the path; answers 200 as ThingsBoard does."""
    body = request.get_data(cache=False)
    return _answer(receive(token, lambda ctx: thingsboard.parse(body, ctx)), success_status=200)


@bp.route("/api/v1/d/<token>", methods=["GET", "POST"])
def url_template(token: str):
    """Values as query or form parameters: Tasmota WebQuery, Shelly webhooks, ESPHome."""
    params = _query_params()
    return _answer(receive(token, lambda ctx: urlquery.parse(params, ctx)))


@bp.post("/api/v1/tasmota/<token>")
def tasmota_sensor(token: str):
    """A Tasmota tele/.../SENSOR JSON document."""
    body = request.get_data(cache=False)
    return _answer(receive(token, lambda ctx: tasmota.parse(body, ctx)))


@bp.post("/api/v1/shelly/<token>")
def shelly_status(token: str):
    """Shelly Gen2 status (Switch.GetStatus, NotifyStatus, NotifyFullStatus)."""
    body = request.get_data(cache=False)
    return _answer(receive(token, lambda ctx: shelly.parse(body, ctx)))
