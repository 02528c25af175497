"""`flask --app app demo`: the demo company with five simulated machines and a month of history
(telemetry.demo_data), and with `--feed URL` live readings of its machines posted to a running server.

The feed posts over HTTP with a gateway key naming the demo machines, as a site gateway would, so the
readings take the real ingest path. The key is made by the feed process itself and its secret lives
only in that process's memory (the database keeps a hash): nothing secret is written to disk, and the
next feed revokes the key of the previous one. Nothing of this runs unless someone runs the command.
"""
from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import click
import requests
from flask.cli import with_appcontext

from services.demo import prepare_demo
from telemetry.demo_data import HISTORY_DAYS, LIVE_INTERVAL_S, live_rounds
from tenants.clock import utcnow
from web.database import database
from web.simulate_cli import READINGS_PATH, Poster, live

WAIT_S = 60.0


@click.command("demo", help="Make sure the demo company and its simulated machines exist, top their history "
                            "up to now, and print how to log in.")
@click.option("--days", type=click.IntRange(1, 365), default=HISTORY_DAYS, show_default=True,
              help="days of history a new demo machine starts with (a top-up adds at most this much)")
@click.option("--feed", "feed_url", metavar="URL", default=None,
              help="then post live readings of the demo machines to the server at URL until stopped")
@click.option("--interval", type=click.FloatRange(min=1), default=LIVE_INTERVAL_S, show_default=True,
              help="with --feed: seconds between live readings")
@click.option("--count", type=click.IntRange(min=0), default=None, help="with --feed: stop after this many rounds")
@with_appcontext
def demo_command(days, feed_url, interval, count) -> None:
    """Ensure the demo, print the login and what it holds; with --feed, keep its machines live."""
    demo = prepare_demo(database(), utcnow(), days, with_feed=bool(feed_url))
    summary, invoice, tenant = demo.summary, demo.invoice, demo.summary.account.tenant
    account = summary.account
    click.echo(f"demo company {tenant.name!r} {'created' if account.created else 'ready'}: "
               f"log in as {account.email} / {account.password}")
    click.echo(f"{summary.machines} machines, {summary.readings:,} readings "
               f"({summary.added:,} added now, one a minute per machine)")
    if invoice is not None:
        click.echo(f"last month's invoice {invoice.number}: see /billing/ (local provider: awaiting bank transfer)")
    if feed_url:
        _feed(feed_url.rstrip("/"), demo.feed_secret or "", live_rounds(demo.anchors or {}, ZoneInfo(tenant.timezone),
                                                                         interval), count)


def _feed(base_url: str, secret: str, rounds, count: int | None) -> None:
    _wait_until_up(base_url)
    click.echo(f"posting live readings of the demo machines to {base_url}")
    poster = Poster(base_url + READINGS_PATH, secret, echo=_quiet)
    try:
        live(poster, rounds, count)
    except KeyboardInterrupt:
        pass


def _wait_until_up(base_url: str) -> None:
    """Return once the server answers /healthz with 200; ClickException after WAIT_S seconds."""
    timeout_s = WAIT_S
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if requests.get(base_url + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise click.ClickException(f"no server answered at {base_url}/healthz within {timeout_s:.0f} s")
        time.sleep(0.5)


def _quiet(line: str) -> None:
    """Keep routine 'live N: ... accepted' lines out of the server's terminal; say retries and rejections."""
    if not line.startswith("live ") or "rejected" in line:
        click.echo(line, err=True)
