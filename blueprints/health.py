"""GET /healthz: is the database reachable."""
from __future__ import annotations

import time

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from web.database import database

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """Report the database status as JSON (503 when it does not answer)."""
    started = time.perf_counter()
    try:
        with database().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return jsonify({"status": "error", "database": "unavailable", "error": exc.__class__.__name__}), 503, {
            "Retry-After": "5"}
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return jsonify({"status": "ok", "database": "ok", "database_ms": elapsed_ms, "dialect": database().dialect})
