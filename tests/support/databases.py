"""A throw-away database per test session: SQLite, or PostgreSQL when TEST_DATABASE_URL is set.

On PostgreSQL the schema is migrated by the admin (owner) role and the app connects as an
ordinary role the session creates, so row-level security applies to it as in production.
"""
from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from tenants.db import Base, normalise_url
from tenants.migrate import upgrade
from tenants.schema import load_models


@dataclass
class TestDatabase:
    """URLs of the session's database: `url` for the app, `admin_url` for setup and cleanup."""

    url: str
    admin_url: str
    dialect: str
    drop: callable
    _admin: object = None

    def close(self) -> None:
        """Release the cleanup connection and drop the database."""
        if self._admin is not None:
            self._admin.dispose()
        self.drop()

    def truncate_all(self) -> None:
        """Empty every table (between tests). DELETE is much faster than TRUNCATE on small tables;
        the owner role bypasses row-level security only because it is the test superuser."""
        tables = [t.name for t in reversed(load_models().sorted_tables)]
        if self._admin is None:
            self._admin = create_engine(self.admin_url, **({"poolclass": NullPool} if self.dialect == "sqlite" else {}))
        for attempt in range(5):
            try:
                with self._admin.begin() as connection:
                    for table in tables:
                        connection.execute(text(f'DELETE FROM "{table}"'))
                return
            except OperationalError as error:
                # a live server may still answer the last test's browser (a page refreshing itself)
                # and lock rows in another order: PostgreSQL picks this DELETE as the deadlock victim
                if "deadlock" not in str(error.orig).lower() or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))


def create_test_database(tmp_dir: Path) -> TestDatabase:
    """Create and migrate the session's database."""
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return _postgres(normalise_url(base))
    path = tmp_dir / "test.sqlite"
    url = f"sqlite:///{path}"
    upgrade(url)
    return TestDatabase(url=url, admin_url=url, dialect="sqlite", drop=lambda: path.unlink(missing_ok=True))


def _postgres(base: str) -> TestDatabase:
    suffix = secrets.token_hex(4)
    name, role = f"df_test_{suffix}", f"df_app_{suffix}"
    server = create_engine(base, isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        connection.execute(text(f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{suffix}' NOSUPERUSER NOBYPASSRLS"))
    admin_url = make_url(base).set(database=name)
    upgrade(admin_url.render_as_string(hide_password=False))
    admin = create_engine(admin_url)
    with admin.begin() as connection:
        connection.execute(text(f'GRANT USAGE ON SCHEMA public TO "{role}"'))
        connection.execute(text(f'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}"'))
        connection.execute(text(f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
    admin.dispose()
    app_url = admin_url.set(username=role, password=suffix)

    def drop() -> None:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()

    return TestDatabase(url=app_url.render_as_string(hide_password=False),
                        admin_url=admin_url.render_as_string(hide_password=False), dialect="postgresql", drop=drop)


def metadata_tables() -> list[str]:
    """Every table the models declare."""
    return sorted(load_models().tables)


__all__ = ["Base", "TestDatabase", "create_test_database", "metadata_tables"]
