"""Ingest for software that speaks InfluxDB's HTTP API: Tasmota's built-in InfluxDB push, Telegraf
and the InfluxDB client libraries. Answers as InfluxDB does, because they check: writes 204; the 1.x
API (/write, /query, /ping) with 1.x's error shape `{"error": ...}`, the 2.x API (/api/v2/write,
/health) with 2.x's `{"code": ..., "message": ...}`."""
from __future__ import annotations

import base64
import re

from flask import Blueprint, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from telemetry.parsers import influx
from web.database import commit
from web.errors import exception_headers, with_headers
from web.ingesting import IngestAnswer, device_source, inflate_request_body, receive

bp = Blueprint("ingest_influx", __name__)
bp.before_request(inflate_request_body)
V1_VERSION = "1.8.10"
V2_VERSION = "2.7.0"
V2_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not found", 405: "method not allowed",
            413: "request too large", 415: "invalid", 422: "unprocessable entity", 429: "too many requests",
            503: "unavailable"}
_CREATE_DATABASE = re.compile(r'\s*CREATE\s+DATABASE\s+("(?:[^"\\]|\\.)+"|[A-Za-z_][\w.-]*)(\s+WITH\b.*)?\s*',
                              re.I | re.S)
_STATEMENTS = re.compile(r';(?=(?:[^"\']|"[^"]*"|\'[^\']*\')*$)')


def _is_v2() -> bool:
    return request.path.startswith("/api/v2/")


def _version_headers() -> dict[str, str]:
    return {"X-Influxdb-Version": V2_VERSION if _is_v2() else V1_VERSION, "X-Influxdb-Build": "OSS"}


def _error(status: int, message: str, headers: dict[str, str] | None = None):
    """An error in the shape of the API version the client speaks."""
    extra = {**_version_headers(), **(headers or {})}
    if _is_v2():
        code = V2_CODES.get(status, "internal error")
        return with_headers((jsonify({"code": code, "message": message}), status),
                            {**extra, "X-Platform-Error-Code": code})
    if status == 401:
        extra["WWW-Authenticate"] = 'Basic realm="InfluxDB"'
    else:
        extra["X-InfluxDB-Error"] = message[:1024]
    return with_headers((jsonify({"error": message}), status), extra)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return _error(exc.code or 500, exc.description or exc.name, exception_headers(exc))


def _secret() -> str | None:
    """The key, wherever the client puts it: `Token`/`Bearer` (Tasmota, Telegraf v2, influxdb-client; as
    `user:key` for InfluxDB 1.8's compatibility API),
    Basic's password (Telegraf v1, the 1.x client), or the 1.x `p` parameter."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip().rpartition(":")[2]  # InfluxDB 1.8's "Token user:password" too
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value).decode("utf-8").partition(":")[2] or None
        except (ValueError, UnicodeDecodeError):
            return None
    return request.values.get("p") or request.args.get("token")


def _failure(answer: IngestAnswer):
    message = answer.error or "; ".join(f"line {r.index + 1}: {r.error}" for r in answer.outcome.rejected)
    return _error(answer.status, message, answer.headers())


@bp.post("/api/v2/write")
@bp.post("/write", endpoint="write_v1")
def influx_write():
    """Line protocol (v2 and v1 write); answers 204 with no body as InfluxDB does."""
    body = request.get_data(cache=False)
    answer = receive(_secret(), lambda ctx: influx.parse(body, ctx), precision=request.args.get("precision"))
    if answer.status in (200, 202):
        return Response(status=204, headers=_version_headers())
    return _failure(answer)


def _statement_result(index: int, statement: str) -> dict:
    if _CREATE_DATABASE.fullmatch(statement):
        return {"statement_id": index}  # readings are kept per company, not per database: nothing to create
    return {"statement_id": index, "error": "only CREATE DATABASE is understood here: Digital Factory stores "
                                            "readings and answers no InfluxQL queries"}


@bp.route("/query", methods=["GET", "POST"])
def influx_query():
    """InfluxDB 1.x /query, for the CREATE DATABASE that Telegraf and client libraries send first."""
    source = device_source(_secret())
    if isinstance(source, IngestAnswer):
        return _failure(source)
    commit()  # the credential's last use
    query = request.values.get("q", "")
    if not query.strip():
        return _error(400, 'missing required parameter "q"')
    statements = [part for part in _STATEMENTS.split(query) if part.strip()]
    return with_headers(jsonify({"results": [_statement_result(i, s) for i, s in enumerate(statements)]}),
                        _version_headers())


@bp.route("/ping", methods=["GET", "HEAD"])
def influx_ping():
    """InfluxDB's liveness probe: 204, or with `verbose` 200 and the version (Tasmota's v1 mode checks)."""
    if request.args.get("verbose", "") not in ("", "0", "false"):
        return with_headers(jsonify({"version": V1_VERSION}), _version_headers())
    return Response(status=204, headers=_version_headers())


@bp.get("/health")
def influx_health():
    """InfluxDB v2's health document, which Tasmota reads before writing."""
    return with_headers(jsonify({"name": "influxdb", "message": "ready for queries and writes", "status": "pass",
                                 "checks": [], "version": V2_VERSION, "commit": "digital-factory"}),
                        {"X-Influxdb-Version": V2_VERSION, "X-Influxdb-Build": "OSS"})
