"""Error answers: JSON under /api/ (and the device endpoints), friendly pages elsewhere."""
from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from tenants.errors import DomainError
from tenants.scoping import TenantContextError

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/input/", "/write", "/query", "/ping", "/health")
RETRY_AFTER_S = "5"


def wants_json() -> bool:
    """Whether this request is answered in JSON."""
    return request.path.startswith(JSON_PREFIXES) or request.path == "/healthz"


def error_response(status: int, message: str, **extra):
    """An error in the request's format: JSON body or an HTML page."""
    if wants_json():
        response = jsonify({"error": message, **extra})
        response.status_code = status
        return response
    try:
        return render_template("error.html", status=status, message=message), status
    except Exception:  # the page itself failed: still answer, in plain text
        log.exception("error page failed")
        return f"{status} {message}", status, {"Content-Type": "text/plain; charset=utf-8"}


def exception_headers(exc: HTTPException) -> dict[str, str]:
    """The headers an HTTP error carries besides its body's type: Allow (405), Retry-After (429, 503),
    WWW-Authenticate (401)."""
    return {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}


def with_headers(response, headers: dict[str, str]) -> Response:
    """`response` (a response or a (body, status) pair) as a Response with `headers` added."""
    response = make_response(response)
    for name, value in headers.items():
        response.headers[name] = value
    return response


def domain_message(exc: DomainError) -> str:
    """The translated message of a domain error."""
    return gettext(exc.message, **exc.params)


def init_errors(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        response = with_headers(error_response(exc.code or 500, exc.description if wants_json() else _page_text(exc)),
                                exception_headers(exc))
        if exc.code == 429:
            response.headers.setdefault("Retry-After", "60")
        return response

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400,
                              gettext("The form expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(DomainError)
    def _domain(exc: DomainError):
        return error_response(exc.status, domain_message(exc))

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def _database_down(exc: DBAPIError):
        log.error("database unavailable: %s", exc.__class__.__name__)
        return with_headers(error_response(503, gettext("The service is briefly unavailable. Please retry shortly.")),
                            {"Retry-After": RETRY_AFTER_S})

    @app.errorhandler(IntegrityError)
    def _conflict(exc: IntegrityError):
        # a broken constraint will not heal on retry: never answer 503 (devices would retry forever)
        log.warning("integrity error: %s", exc.orig.__class__.__name__ if exc.orig else exc.__class__.__name__)
        return error_response(409, gettext("This clashes with data that already exists."))

    @app.errorhandler(TenantContextError)
    def _scope(exc: TenantContextError):
        log.error("tenant scoping refused an operation: %s", exc)
        return error_response(404, gettext("Not found."))

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unhandled error")
        return error_response(500, gettext("Something went wrong on our side. It has been logged."))


def _page_text(exc: HTTPException) -> str:
    texts = {
        400: gettext("The request could not be understood."),
        403: gettext("Your role does not allow this."),
        404: gettext("This page does not exist, or you have no access to it."),
        405: gettext("This action is not available here."),
        413: gettext("The request is too large."),
        429: gettext("Too many attempts. Please wait a minute and try again."),
    }
    return texts.get(exc.code or 500, exc.description or gettext("Error"))
