"""The request's database session and the app's Database."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session

from tenants.db import Database


def init_database(app: Flask, url: str) -> Database:
    """Create the app's Database and close the request session at teardown."""
    settings = app.config.get("SETTINGS")
    database = Database(url, sqlite_timeout_s=settings.database_timeout_s) if settings else Database(url)
    app.extensions["database"] = database

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()

    return database


def database() -> Database:
    """The current app's Database."""
    return current_app.extensions["database"]


def db_session() -> Session:
    """The session of the current request (rolled back at teardown unless committed)."""
    if "db_session" not in g:
        g.db_session = database().Session()
    return g.db_session


def commit() -> None:
    """Commit the request's session; views call it before answering success."""
    db_session().commit()
