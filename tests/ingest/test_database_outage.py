"""The database goes away mid-stream: every request answered 2xx is stored, every other one got
503 with Retry-After and is accepted on retry once the database is back.

PostgreSQL: the app reaches the database through a TCP proxy on loopback that the test cuts
(every connection closed, new ones refused) and restores, while a stream of readings is posted
over real HTTP. SQLite: another connection holds an exclusive lock, and the app's busy timeout
(DATABASE_TIMEOUT_S) is short, so writes fail with `database is locked`."""
from __future__ import annotations

import itertools
import sqlite3
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy.engine import make_url

from telemetry.simulator import simulate
from tests.ingest.conftest import stored_readings
from tests.support.tcp_proxy import TcpProxy
from web.simulate_cli import Poster

START = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
"""Yesterday: well inside the accepted window whenever the suite runs."""
BATCHES = 60
BATCH_SIZE = 20
OUTAGES = 3
"""Cut and restored this many times during the stream."""


@pytest.fixture
def outage(test_db, live_app_config):
    """Something that can cut the app off its database and restore it (PostgreSQL: a TCP proxy;
    SQLite: an exclusive lock); the app is built to reach its database through it."""
    live_app_config["INGEST_DEVICE_LIMIT"] = live_app_config["INGEST_TENANT_LIMIT"] = "100000/minute"
    if test_db.dialect == "postgresql":
        url = make_url(test_db.url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
        live_app_config["DATABASE_URL"] = url.set(host="127.0.0.1", port=proxy.port).render_as_string(
            hide_password=False)
        yield proxy
        proxy.stop()
    else:
        live_app_config["DATABASE_TIMEOUT_S"] = "0.2"
        lock = SqliteLock(make_url(test_db.url).database)
        yield lock
        lock.restore()


class SqliteLock:
    """Holds `BEGIN EXCLUSIVE` on a SQLite file from another connection while cut."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection: sqlite3.Connection | None = None

    def cut(self) -> None:
        """Take the exclusive lock (waits for a writer in progress)."""
        self.connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        self.connection.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        """Release the lock."""
        if self.connection is not None:
            self.connection.execute("ROLLBACK")
            self.connection.close()
            self.connection = None


@dataclass
class Stream:
    """Posts batches of readings one after another and keeps every answer."""

    url: str
    token: str
    answers: list[tuple[list[dict], requests.Response]] = field(default_factory=list)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def post(self, batch: list[dict]) -> requests.Response:
        """Post one batch (no retry); the response."""
        return requests.post(self.url, json={"readings": batch}, timeout=60,
                             headers={"Authorization": f"Bearer {self.token}"})

    def run(self, batches: list[list[dict]]) -> None:
        """Post every batch in order, recording each answer."""
        for batch in batches:
            response = self.post(batch)
            with self.changed:
                self.answers.append((batch, response))
                self.changed.notify_all()

    def wait_for(self, status_ok: bool, more: int, timeout: float = 30) -> None:
        """Block until `more` further answers that are (or are not) 2xx have arrived."""
        def count() -> int:
            return sum((200 <= r.status_code < 300) == status_ok for _, r in self.answers)

        with self.changed:
            target = count() + more
            assert self.changed.wait_for(lambda: count() >= target or len(self.answers) == BATCHES, timeout)


def batches() -> list[list[dict]]:
    """BATCHES batches of BATCH_SIZE readings, one second apart, no time repeated."""
    def reading(second: int) -> dict:
        return {"ts": (START + timedelta(seconds=second)).isoformat().replace("+00:00", "Z"),
                "power_w": 500.0 + second % 1000, "energy_wh": 10_000.0 + second}

    return [[reading(b * BATCH_SIZE + i) for i in range(BATCH_SIZE)] for b in range(BATCHES)]


def sabotage(stream: Stream, outage) -> threading.Thread:
    """A thread that cuts the database off after some stored batches, restores it after some
    refused ones, OUTAGES times over, while the stream keeps posting."""
    def run() -> None:
        for _ in range(OUTAGES):
            stream.wait_for(status_ok=True, more=5)
            outage.cut()
            try:
                stream.wait_for(status_ok=False, more=3)
            finally:
                outage.restore()

    thread = threading.Thread(target=run, name="saboteur", daemon=True)
    thread.start()
    return thread


def stamps(readings: list[dict]) -> set[str]:
    """The times of readings as posted."""
    return {r["ts"] for r in readings}


def stored_stamps(db, tenant_id: int) -> list[str]:
    """The times of every stored reading, as posted."""
    return [r["ts"].isoformat().replace("+00:00", "Z") for r in stored_readings(db, tenant_id)]


def test_database_outage_mid_stream_loses_nothing(outage, live_server, db, meter):
    stream = Stream(live_server("/api/v1/readings"), meter.token)
    saboteur = sabotage(stream, outage)
    stream.run(batches())
    saboteur.join(timeout=60)
    assert not saboteur.is_alive()

    statuses = [response.status_code for _, response in stream.answers]
    assert set(statuses) <= {202, 503}, statuses
    assert statuses.count(503) >= OUTAGES and statuses.count(202) >= OUTAGES * 5, statuses
    refused = []
    for batch, response in stream.answers:
        if response.status_code == 503:
            assert int(response.headers["Retry-After"]) > 0
            refused.append(batch)
        else:
            body = response.json()
            assert body["accepted"] == len(batch) and not body["rejected"], body

    committed = set(stored_stamps(db, meter.tenant_id))
    for batch, response in stream.answers:
        if response.status_code == 202:
            assert stamps(batch) <= committed, "a 202 answer means the readings are stored"

    for batch in refused:  # the database is back: a retry is accepted (a cut commit counts as duplicates)
        retried = stream.post(batch)
        body = retried.json()
        assert retried.status_code == 202, body
        assert body["accepted"] + body["duplicates"] == len(batch) and not body["rejected"], body

    stored = stored_stamps(db, meter.tenant_id)
    posted = set().union(*(stamps(batch) for batch in batches()))
    assert len(stored) == len(set(stored)) == len(posted) and set(stored) == posted


def test_simulator_waits_as_told_and_resends_until_the_database_is_back(outage, live_server, db, meter):
    waits: list[float] = []

    def sleep(seconds: float) -> None:  # the database comes back while the simulator waits
        waits.append(seconds)
        if len(waits) == 2:
            outage.restore()

    lines: list[str] = []
    poster = Poster(live_server("/api/v1/readings"), meter.token, sleep=sleep, echo=lines.append)
    readings = [r.payload() for r in itertools.islice(simulate("compressor", START, 10), 50)]
    outage.cut()
    answer = poster.send(readings, "batch 1")
    assert waits == [5.0, 5.0], "Retry-After of the 503 answers"
    assert lines[:2] == ["  HTTP 503; retrying 50 readings in 5.0 s"] * 2
    assert answer == {"accepted": 50, "duplicates": 0, "rejected": []}
    assert len(stored_readings(db, meter.tenant_id)) == 50


def test_a_restarted_database_costs_a_device_nothing(test_db, client, db, meter, sql):
    """PostgreSQL: the one-round-trip path does not ping its pooled connections; when the server
    dropped them (a restart), the request is sent once more on a fresh connection and stored once."""
    if test_db.dialect != "postgresql":
        pytest.skip("the session-free path and its pool exist on PostgreSQL")
    first = (datetime.now(UTC) - timedelta(minutes=2)).replace(microsecond=0)
    post = lambda ts, watts: client.post("/api/v1/readings", json={"ts": ts.isoformat(), "power_w": watts},  # noqa: E731
                                         headers={"Authorization": f"Bearer {meter.token}"})
    assert post(first, 100).status_code == 202
    assert post(first + timedelta(seconds=10), 110).status_code == 202  # cached: the session-free path
    role = make_url(test_db.url).username
    sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role", role=role)
    again = post(first + timedelta(seconds=20), 120)
    assert again.status_code == 202 and again.get_json()["accepted"] == 1
    assert post(first + timedelta(seconds=20), 120).get_json() == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert [r["power_w"] for r in stored_readings(db, meter.tenant_id)] == [100, 110, 120]
