"""The API documentation: the OpenAPI document at /api/openapi.json and a readable page at /api/docs (public)."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from web.auth import bind_session_user
from web.openapi import build_spec
from web.openapi.docs_view import groups, inline_code

bp = Blueprint("docs", __name__)


@bp.get("/api/openapi.json")
def openapi_json():
    """The OpenAPI 3.1 document of the tenant API and the device ingest endpoints."""
    response = jsonify(build_spec())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/api/docs")
def api_docs():
    """The API reference rendered on the server from the same document, grouped by tag."""
    if current_user.is_authenticated:
        bind_session_user()  # the page chrome shows the company; the page itself is public
    spec = build_spec()
    return render_template("docs/api.html", info=spec["info"], groups=groups(spec, request.host_url),
                           code=inline_code)
