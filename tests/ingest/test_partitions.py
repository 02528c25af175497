"""PostgreSQL keeps readings in monthly partitions, each with the tenant policy, dropped whole past retention."""
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text

from telemetry.partitions import drop_expired_partitions, ensure_partitions, existing_partitions, month_start


@pytest.fixture
def owner_connection(test_db):
    if test_db.dialect != "postgresql":
        pytest.skip("partitions exist only on PostgreSQL (set TEST_DATABASE_URL)")
    engine = create_engine(test_db.admin_url)
    with engine.begin() as connection:
        yield connection
        connection.rollback()
    engine.dispose()


def test_old_partitions_are_dropped_whole_and_recent_ones_kept(owner_connection):
    now = datetime(2026, 11, 24, tzinfo=UTC)
    ensure_partitions(owner_connection, date(2023, 1, 1), date(2023, 2, 1))
    assert "readings_202301" in existing_partitions(owner_connection)
    dropped = drop_expired_partitions(owner_connection, keep_days=730, now=now)
    assert "readings_202301" in dropped and "readings_202302" in dropped
    remaining = existing_partitions(owner_connection)
    assert "readings_202411" not in dropped and "readings_202611" in remaining
    assert month_start(date(2026, 11, 24), 3) == date(2027, 2, 1)


def test_new_partitions_carry_the_tenant_policy(owner_connection):
    ensure_partitions(owner_connection, date(2030, 1, 1), date(2030, 1, 1))
    forced = owner_connection.execute(text(
        "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = 'readings_203001'")).scalar()
    assert forced is True
