"""The in-process cache of device credentials: a revocation takes effect within a few seconds
(at once when made in the same process), and a cached credential costs no lookup."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from telemetry import registry
from telemetry.credential_cache import VERIFIED_TTL_S, CredentialCache
from tenants.scoping import tenant_context
from tests.ingest.conftest import stored_readings
from web.ingesting import DEFAULT_CREDENTIAL_CACHE_S


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(app):
    """The app's credential cache, on a clock the test moves."""
    tick = Clock()
    app.extensions["ingest_credential_cache"] = CredentialCache(DEFAULT_CREDENTIAL_CACHE_S, clock=tick)
    return tick


def _post(client, token, minutes_ago: int, **values):
    ts = (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat()
    return client.post("/api/v1/readings", json={"ts": ts, **(values or {"power_w": 1})},
                       headers={"Authorization": f"Bearer {token}"})


def _revoke_behind_the_back(sql, meter) -> None:
    """Revoke the token as another worker process would: in the database only."""
    sql("DELETE FROM credential_index WHERE kind = 'device' AND tenant_id = :t", t=meter.tenant_id)
    sql("UPDATE device_credentials SET revoked_at = CURRENT_TIMESTAMP WHERE device_id = :d", d=meter.device_id)


def test_the_cache_lives_a_few_seconds():
    assert 0 < DEFAULT_CREDENTIAL_CACHE_S <= 5


def test_revoked_elsewhere_stops_working_when_the_entry_expires(client, db, meter, sql, clock):
    assert _post(client, meter.token, 30).status_code == 202
    _revoke_behind_the_back(sql, meter)
    if db.dialect == "postgresql":  # the storing statement checks a device token's credential itself
        assert _post(client, meter.token, 29).status_code == 401
        return
    # another process's revocation may go unseen for at most the cache's lifetime ...
    assert _post(client, meter.token, 29).status_code == 202
    clock.now += DEFAULT_CREDENTIAL_CACHE_S - 0.5
    assert _post(client, meter.token, 28).status_code == 202
    # ... and no longer
    clock.now += 0.6
    assert _post(client, meter.token, 27).status_code == 401
    assert _post(client, meter.token, 26).status_code == 401


def test_revoked_in_this_process_stops_working_at_once(client, db, meter, clock):
    assert _post(client, meter.token, 30).status_code == 202
    with db.session() as session, tenant_context(meter.tenant_id):
        new_token = registry.rotate_device_token(session, meter.device_id)
        session.flush()
    assert _post(client, meter.token, 29).status_code == 401
    assert _post(client, new_token, 29).status_code == 202


def test_gateway_key_revoked_in_this_process_stops_working_at_once(client, db, meter, clock):
    reading = {"device": "press", "power_w": 3}
    assert _post(client, meter.gateway, 30, **reading).status_code == 202
    with db.session() as session, tenant_context(meter.tenant_id):
        key = registry.list_gateway_keys(session)[0]
        registry.revoke_gateway_key(session, key.id)
        session.flush()
    assert _post(client, meter.gateway, 29, **reading).status_code == 401


def test_retired_in_this_process_stops_working_at_once(client, db, meter, clock):
    assert _post(client, meter.token, 30).status_code == 202
    with db.session() as session, tenant_context(meter.tenant_id):
        registry.set_status(session, meter.device_id, "retired")
        session.flush()
    assert _post(client, meter.token, 29).status_code == 401


def test_device_settings_changed_in_this_process_apply_at_once(client, db, meter, clock):
    assert _post(client, meter.token, 30, watts=7, energy_wh=100).status_code == 202
    with db.session() as session, tenant_context(meter.tenant_id):
        registry.update_device(session, meter.device_id, {"input_map": {"watts": "power_w"}})
        session.flush()
    assert _post(client, meter.token, 29, watts=8, energy_wh=101).status_code == 202
    first, second = stored_readings(db, meter.tenant_id)
    assert first["power_w"] is None and first["extra"] == {"watts": 7}
    assert second["power_w"] == 8


@pytest.fixture(params=[0, "0"])
def uncached_config(app_config, request):
    """The cache turned off, in the Flask config (0) or as the environment gives it ("0")."""
    app_config["INGEST_CREDENTIAL_CACHE_SECONDS"] = request.param
    return app_config


def test_a_zero_lifetime_turns_the_cache_off(uncached_config, client, meter, sql):
    assert _post(client, meter.token, 30).status_code == 202
    _revoke_behind_the_back(sql, meter)
    assert _post(client, meter.token, 29).status_code == 401


def test_a_cached_credential_costs_no_lookup(app, client, meter, clock):
    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    engine = app.extensions["database"].engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert _post(client, meter.token, 30).status_code == 202
        first = [s for s in statements if "credential" in s]
        statements.clear()
        assert _post(client, meter.token, 29).status_code == 202
        second = [s for s in statements if "credential" in s]
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert first and not second


def test_on_postgresql_a_device_token_is_served_from_the_cache_for_a_minute(client, db, meter, sql, clock):
    if db.dialect != "postgresql":
        pytest.skip("the verified lifetime needs the storing statement of PostgreSQL")
    assert _post(client, meter.token, 30).status_code == 202
    clock.now += VERIFIED_TTL_S - 1
    assert _post(client, meter.token, 29).status_code == 202, "no lookup, the statement checks the credential"
    sql("UPDATE device_credentials SET revoked_at = CURRENT_TIMESTAMP WHERE device_id = :d", d=meter.device_id)
    assert _post(client, meter.token, 28).status_code == 401, "revoked elsewhere: refused at once"
    assert len(stored_readings(db, meter.tenant_id)) == 2
