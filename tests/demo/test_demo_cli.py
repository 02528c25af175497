"""`flask demo`: prints the login and what the demo holds; with --feed it posts live readings of the
demo machines to a running server through a gateway key only the feed process knows."""
from __future__ import annotations

import re
from datetime import timedelta

from telemetry.demo_data import FEED_KEY_NAME, MACHINES
from tenants.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.conftest import login
from tests.demo.conftest import assert_counters_continue, readings_by_device

RATED = {m.name: m.rated_w for m in MACHINES}


def run(app, *args: str) -> str:
    """Run `flask demo ...` in-process; fails the test on a non-zero exit."""
    result = app.test_cli_runner().invoke(args=["demo", *args])
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_demo_prints_the_login_and_what_it_holds(app, client, sql):
    first = run(app, "--days", "1")
    assert f"demo company 'Demo Factory' created: log in as {DEMO_EMAIL} / {DEMO_PASSWORD}" in first
    assert "5 machines, 7,205 readings (7,205 added now, one a minute per machine)" in first
    second = run(app, "--days", "1")
    assert "demo company 'Demo Factory' ready" in second
    added = int(re.search(r"\(([\d,]+) added now", second).group(1).replace(",", ""))
    assert added in (0, 5, 10), "only the minutes since the first run"
    assert sql("SELECT count(*) FROM devices")[0][0] == 5 and sql("SELECT count(*) FROM tenants")[0][0] == 1
    assert login(client, DEMO_EMAIL, DEMO_PASSWORD).status_code == 302


def test_feed_posts_live_readings_that_continue_each_meter(live_server, app, db, sql):
    before = run(app, "--days", "1")
    assert "created" in before
    tenant_id = sql("SELECT id FROM tenants WHERE slug = 'demo-factory'")[0][0]
    history_end = {name: series[-1][0] for name, series in readings_by_device(db, tenant_id).items()}

    output = run(app, "--days", "1", "--feed", live_server.url, "--interval", "1", "--count", "3")
    assert f"posting live readings of the demo machines to {live_server.url}" in output
    assert "live 1:" not in output, "routine rounds stay out of the terminal"
    for name, series in readings_by_device(db, tenant_id).items():
        live = [row for row in series if row[0] > history_end[name]]
        assert len(live) >= 3 and [b[0] - a[0] for a, b in zip(live[-3:], live[-2:])] == [timedelta(seconds=1)] * 2
        assert all(received >= ts - timedelta(seconds=1) for ts, _p, _e, received in live[-3:])
        assert_counters_continue(series, RATED[name])
    keys = sql("SELECT name, revoked_at, last_used_at FROM device_credentials WHERE kind = 'gateway'")
    assert [(k.name, k.revoked_at is None, k.last_used_at is not None) for k in keys] == [(FEED_KEY_NAME, True, True)]

    run(app, "--days", "1", "--feed", live_server.url, "--interval", "1", "--count", "1")
    keys = sql("SELECT revoked_at FROM device_credentials WHERE kind = 'gateway' ORDER BY id")
    assert [k.revoked_at is None for k in keys] == [False, True], "the next feed revokes the previous key"
    assert sql("SELECT count(*) FROM devices WHERE tenant_id = :t", t=tenant_id)[0][0] == 5, "no pending devices"


def test_feed_gives_up_when_no_server_answers(app, monkeypatch):
    import web.demo_cli

    monkeypatch.setattr(web.demo_cli, "WAIT_S", 0.5)
    result = app.test_cli_runner().invoke(args=["demo", "--days", "1", "--feed", "http://127.0.0.1:9"])
    assert result.exit_code == 1 and "no server answered at http://127.0.0.1:9/healthz" in result.output
