"""`flask simulate` against the app served over real HTTP: backfill in batches, live rounds,
gateway devices that appear as pending, and retries that honour Retry-After."""
from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from telemetry.models import Device
from telemetry.simulator import simulate
from tenants.scoping import tenant_context
from tests.ingest.conftest import stored_readings
from tests.support.tcp_proxy import TcpProxy
from web.simulate_cli import Poster

FIELDS = ("power_w", "energy_wh", "voltage_v", "current_a", "power_factor")


def run(app, *args: str):
    """Run `flask simulate` in-process; fails the test on a non-zero exit."""
    result = app.test_cli_runner().invoke(args=["simulate", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_device_token_backfills_in_batches_then_posts_live_rounds(live_server, app, db, meter):
    output = run(app, "--url", live_server.url, "--token", meter.token, "--profile", "cnc",
                 "--backfill", "0.2", "--interval", "1", "--count", "2")
    assert re.findall(r"backfill \d+: (\d+) readings, accepted (\d+), duplicates 0", output) == [
        ("500", "500"), ("220", "220")]
    assert len(re.findall(r"live \d+: 1 readings, accepted 1, duplicates 0", output)) == 2
    assert "done: 722 readings posted, accepted 722, duplicates 0, rejected 0" in output
    stored = stored_readings(db, meter.tenant_id)
    assert len(stored) == 722 and {r["device"] for r in stored} == {"lathe-1"}
    expected = list(itertools.islice(simulate("cnc", stored[0]["ts"], 1.0), 722))
    for want, got in zip(expected, stored):
        assert got["ts"] == want.ts
        assert all(got[name] == getattr(want, name) for name in FIELDS), (got, want)


def test_gateway_key_names_devices_that_appear_as_pending(live_server, app, db, meter):
    output = run(app, "--url", live_server.url, "--token", meter.gateway, "--devices", "3",
                 "--profile", "compressor", "--backfill", "0.1", "--interval", "2", "--count", "1")
    assert "backfill 1: 500 readings, accepted 500" in output and "backfill 2: 40 readings, accepted 40" in output
    assert "live 1: 3 readings, accepted 3" in output
    with db.session() as session, tenant_context(meter.tenant_id):
        devices = {d.name: d.status for d in session.scalars(select(Device))}
    assert devices == {"lathe-1": "active", "compressor-1": "pending", "compressor-2": "pending",
                       "compressor-3": "pending"}
    stored = stored_readings(db, meter.tenant_id)
    assert {name: sum(r["device"] == name for r in stored) for name in devices} == {
        "lathe-1": 0, "compressor-1": 181, "compressor-2": 181, "compressor-3": 181}


@pytest.fixture
def one_post_per_second(live_app_config):
    """A device rate limit the simulator's batches run into (answered 429 with Retry-After)."""
    live_app_config["INGEST_DEVICE_LIMIT"] = "1/second"
    return live_app_config


def test_rate_limited_batches_are_retried_after_retry_after_and_none_is_lost(one_post_per_second, live_server, app,
                                                                             db, meter):
    output = run(app, "--url", live_server.url, "--token", meter.token, "--profile", "press",
                 "--backfill", "0.3", "--interval", "1", "--count", "0")
    assert re.search(r"HTTP 429; retrying 500 readings in [12]\.0 s", output), output
    assert len(re.findall(r"backfill \d+: \d+ readings, accepted \d+, duplicates 0", output)) == 3
    assert "done: 1080 readings posted, accepted 1080, duplicates 0, rejected 0" in output
    assert len(stored_readings(db, meter.tenant_id)) == 1080


def test_a_revoked_token_stops_the_simulator_with_the_reason(live_server, app):
    result = app.test_cli_runner().invoke(args=["simulate", "--url", live_server.url, "--token", "0" * 32,
                                                "--count", "1"])
    assert result.exit_code != 0 and "HTTP 401" in result.output


def test_lost_connections_are_retried_until_the_server_answers(live_server, db, meter):
    proxy = TcpProxy("127.0.0.1", live_server.port).start()
    proxy.cut()  # connections are accepted and dropped at once, as by a crashing load balancer
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            proxy.restore()

    lines: list[str] = []
    poster = Poster(f"http://127.0.0.1:{proxy.port}/api/v1/readings", meter.token, sleep=sleep, echo=lines.append)
    start = datetime.now(UTC) - timedelta(days=1)
    try:
        answer = poster.send([r.payload() for r in itertools.islice(simulate("press", start, 5), 40)], "batch 1")
    finally:
        proxy.stop()
    assert len(waits) == 3 and 0 < waits[0] <= waits[1] <= waits[2] <= 2, f"exponential backoff: {waits}"
    assert all(line.startswith("  ConnectionError; retrying 40 readings") for line in lines[:3]), lines
    assert answer["accepted"] == 40 and len(stored_readings(db, meter.tenant_id)) == 40
