"""`flask --app app simulate`: simulated meters (telemetry.simulator) posting readings over HTTP.

With a device token the readings of one machine go to `/api/v1/readings`; with a gateway key and
`--devices N` the readings name devices `<profile>-1..N` (new names appear as pending devices).
`--backfill HOURS` first posts that much history in batches of 500, then one round of readings
goes out every `--interval` seconds until Ctrl+C (or `--count` rounds).

A reading is only let go once the server has answered whether it stored it: timeouts, lost
connections, 429, 503 and other 5xx answers are retried with backoff (honouring Retry-After),
because readings are idempotent (a resent reading is counted as a duplicate)."""
from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

import click
import requests

from telemetry.simulator import PROFILES, simulate
from tenants.clock import utcnow

READINGS_PATH = "/api/v1/readings"
BATCH_SIZE = 500
TIMEOUT_S = (5.0, 60.0)  # connect, read
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 60.0

Round = tuple[datetime, list[dict]]


_now = utcnow


def retry_after(response: requests.Response) -> float | None:
    """Seconds a Retry-After header asks to wait (delay or HTTP date), or None without a usable one."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdecimal():
        return float(value)
    try:
        return max((parsedate_to_datetime(value) - _now()).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


def backoff(attempt: int) -> float:
    """Exponential backoff with jitter for the given attempt (0 first)."""
    return min(BACKOFF_BASE_S * 2 ** attempt, BACKOFF_MAX_S) * random.uniform(0.5, 1.0)


@dataclass
class Totals:
    """What the server said about everything posted."""

    posted: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


@dataclass
class Poster:
    """Posts batches of readings with a device token or gateway key, retrying until answered."""

    endpoint: str
    token: str
    sleep: Callable[[float], None] = time.sleep
    echo: Callable[[str], None] = click.echo
    http: requests.Session = field(default_factory=requests.Session)
    totals: Totals = field(default_factory=Totals)

    def send(self, readings: list[dict], label: str) -> dict:
        """Post one batch and print a line about it; returns the server's answer body."""
        answer = self.post(readings)
        rejected = answer.get("rejected") or []
        self.totals.posted += len(readings)
        self.totals.accepted += answer.get("accepted", 0)
        self.totals.duplicates += answer.get("duplicates", 0)
        self.totals.rejected += len(rejected)
        line = (f"{label}: {len(readings)} readings, accepted {answer.get('accepted', 0)}, "
                f"duplicates {answer.get('duplicates', 0)}")
        if rejected:
            line += f", rejected {len(rejected)} (item {rejected[0].get('index')}: {rejected[0].get('error')})"
        self.echo(line)
        return answer

    def post(self, readings: list[dict]) -> dict:
        """The answer body once the server has said what it did with the readings (2xx, or a final
        400/422); retries anything else that may be temporary. Raises ClickException on 401/403/404."""
        for attempt in itertools.count():
            try:
                response = self.http.post(self.endpoint, json={"readings": readings}, timeout=TIMEOUT_S,
                                          headers={"Authorization": f"Bearer {self.token}",
                                                   "User-Agent": "digital-factory-simulator"})
            except RETRY_ERRORS as exc:
                wait, why = backoff(attempt), type(exc).__name__
            else:
                if response.status_code not in RETRY_STATUSES:
                    return self._final(response, readings)
                wait, why = retry_after(response) or backoff(attempt), f"HTTP {response.status_code}"
            self.echo(f"  {why}; retrying {len(readings)} readings in {wait:.1f} s")
            self.sleep(wait)
        raise AssertionError("unreachable")

    def _final(self, response: requests.Response, readings: list[dict]) -> dict:
        status = response.status_code
        if status == 413 and len(readings) > 1:
            half = len(readings) // 2
            return _combined(self.post(readings[:half]), self.post(readings[half:]), half)
        body = _json(response)
        if 200 <= status < 300 or status in (400, 422):
            return body
        raise click.ClickException(f"the server refused the readings (HTTP {status}): "
                                   f"{body.get('error') or response.text[:200]}")


def _json(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _combined(first: dict, second: dict, offset: int) -> dict:
    """The answers of two halves of a batch as one answer about the whole batch."""
    rejected = list(first.get("rejected") or []) + [
        {**item, "index": item.get("index", 0) + offset} for item in second.get("rejected") or []]
    return {"accepted": first.get("accepted", 0) + second.get("accepted", 0),
            "duplicates": first.get("duplicates", 0) + second.get("duplicates", 0), "rejected": rejected}


def rounds(profile: str, names: list[str | None], start: datetime, interval_s: float, seed: int) -> Iterator[Round]:
    """(time, payloads) of each sampling round: one reading per device, named when `names` are given."""
    streams = [simulate(profile, start, interval_s, device=name or "", seed=seed) for name in names]
    for readings in zip(*streams):
        yield readings[0].ts, [reading.payload(name) for reading, name in zip(readings, names)]


def backfill(poster: Poster, stream: Iterator[Round], until: datetime) -> Round:
    """Post every round before `until` in batches of BATCH_SIZE; returns the first round not posted."""
    batch: list[dict] = []
    number = 0
    for ts, payloads in stream:
        if ts >= until:
            if batch:
                poster.send(batch, f"backfill {number + 1}")
            return ts, payloads
        batch.extend(payloads)
        while len(batch) >= BATCH_SIZE:
            number += 1
            poster.send(batch[:BATCH_SIZE], f"backfill {number}")
            batch = batch[BATCH_SIZE:]
    raise AssertionError("simulated streams never end")


def live(poster: Poster, stream: Iterable[Round], count: int | None) -> None:
    """Post each round when its time comes (at once when late), `count` rounds or forever."""
    for number, (ts, payloads) in enumerate(stream, 1):
        if count is not None and number > count:
            return
        wait = (ts - _now()).total_seconds()
        if wait > 0:
            poster.sleep(wait)
        poster.send(payloads, f"live {number}")


@click.command("simulate", help="Post simulated machine readings to a Digital Factory server over HTTP.")
@click.option("--url", required=True, help="the server's base address, e.g. http://127.0.0.1:5000")
@click.option("--token", required=True, help="a device token, or a gateway key with --devices")
@click.option("--devices", type=click.IntRange(1, 1000), default=None,
              help="with a gateway key: simulate devices <profile>-1..N")
@click.option("--interval", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="seconds between readings")
@click.option("--profile", type=click.Choice(sorted(PROFILES)), default="cnc", show_default=True)
@click.option("--backfill", "backfill_hours", type=click.FloatRange(min=0), default=0.0,
              help="hours of history to post first")
@click.option("--count", type=click.IntRange(min=0), default=None, help="stop after this many live rounds")
@click.option("--seed", type=int, default=0, show_default=True, help="the same seed gives the same traces")
def simulate_command(url, token, devices, interval, profile, backfill_hours, count, seed) -> None:
    """Backfill, then post live readings until Ctrl+C or `--count` rounds."""
    names: list[str | None] = [f"{profile}-{n}" for n in range(1, devices + 1)] if devices else [None]
    now = _now().replace(microsecond=0)
    stream = rounds(profile, names, now - timedelta(hours=backfill_hours), interval, seed)
    poster = Poster(url.rstrip("/") + READINGS_PATH, token)
    try:
        first = backfill(poster, stream, now)
        live(poster, itertools.chain([first], stream), count)
    except KeyboardInterrupt:
        click.echo("stopped")
    totals = poster.totals
    click.echo(f"done: {totals.posted} readings posted, accepted {totals.accepted}, "
               f"duplicates {totals.duplicates}, rejected {totals.rejected}")
