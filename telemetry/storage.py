"""Reading storage: bulk inserts through SQLAlchemy Core, first write wins."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from telemetry.models import Reading

READINGS = Reading.__table__
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_readings(session: Session, rows: list[dict]) -> list[tuple[int, datetime, float | None]]:
    """Insert reading rows, skipping any (tenant, device, ts) already stored; returns the
    (device_id, ts, power_w) of the rows actually inserted."""
    insert = _INSERTS[session.get_bind().dialect.name]
    statement = (
        insert(READINGS)
        .on_conflict_do_nothing(index_elements=["tenant_id", "device_id", "ts"])
        .returning(READINGS.c.device_id, READINGS.c.ts, READINGS.c.power_w)
    )
    return [tuple(row) for row in session.execute(statement, rows)]
