"""Ingest for firmware that speaks emoncms's input API and checks its exact answers: EmonESP,
emonhub and emonTx sketches. Answers as emoncms (Modules/input/input_controller.php) does: `ok`, or
`{"success": true}` when the request carries `fulljson`; a failure is `{"success": false, ...}`."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from telemetry.inflate import ZLIB_WBITS
from telemetry.parsers import emoncms
from web.auth import bearer_token
from web.errors import exception_headers, with_headers
from web.ingesting import IngestAnswer, inflate_request_body, inflated, receive

bp = Blueprint("ingest_emoncms", __name__)
bp.before_request(inflate_request_body)
JSON_OK = '{"success": true}'


def _params() -> dict[str, str]:
    """Query and form parameters, a form value winning as in emoncms; with `cb` (emonhub's compressed
    bulk), `data` is the zlib-inflated body."""
    params = {**request.args.to_dict(flat=True), **request.form.to_dict(flat=True)}
    if "cb" in params:
        params["data"] = inflated(request.get_data(cache=False), ZLIB_WBITS).decode("utf-8", "replace")
    return params


def _failure(status: int, message: str, headers: dict[str, str]):
    return with_headers((jsonify({"success": False, "message": message}), status), headers)


def _answer(answer: IngestAnswer, params: dict[str, str]):
    if answer.status in (200, 202):
        # exactly emoncms's bytes: EmonESP and emonhub compare the answer as text
        if "fulljson" in params:
            return Response(JSON_OK, mimetype="application/json")
        return Response("ok", mimetype="text/plain")
    message = answer.error or "; ".join(f"item {r.index}: {r.error}" for r in answer.outcome.rejected)
    return _failure(answer.status, message, answer.headers())


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _failure(exc.code or 500, exc.description or exc.name, exception_headers(exc))


@bp.route("/input/post", methods=["GET", "POST"])
@bp.route("/input/post.json", methods=["GET", "POST"], endpoint="post_json")
def emoncms_post():
    """emoncms input/post: node with json, fulljson, csv or data, and time (EmonESP, emonTx sketches)."""
    params = _params()
    answer = receive(params.get("apikey") or bearer_token(), lambda ctx: emoncms.parse(params, ctx))
    return _answer(answer, params)


@bp.route("/input/bulk", methods=["GET", "POST"])
@bp.route("/input/bulk.json", methods=["GET", "POST"], endpoint="bulk_json")
def emoncms_bulk():
    """emoncms input/bulk as emonhub posts it (a form's `data`, or with `cb` a zlib body)."""
    params = _params()
    answer = receive(params.get("apikey") or bearer_token(), lambda ctx: emoncms.parse(params, ctx, bulk=True))
    return _answer(answer, params)
