"""The demo company's use case (`flask demo`): make sure it exists with its machines and their history up
to now, bill that history, and, for the live feed, a fresh gateway key and where each machine's readings
left off."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from billing.demo import bill_demo_history
from billing.models import Invoice
from telemetry.demo_data import DemoSummary, ensure_demo, issue_feed_key, live_anchors
from tenants.db import Database
from tenants.models import Tenant
from tenants.unit_of_work import TenantUnit


@dataclass(frozen=True)
class Demo:
    """The demo as it now stands: what it holds, last month's invoice (if any), and the feed's key and anchors
    (None without a feed)."""

    summary: DemoSummary
    invoice: Invoice | None
    feed_secret: str | None
    anchors: dict | None


def prepare_demo(db: Database, now: datetime, days: int, with_feed: bool) -> Demo:
    """Ensure the demo company and its machines with `days` of history (topped up to `now`), bill that history,
    and with `with_feed` issue the live feed's gateway key; each step commits (running it again is safe)."""
    with db.session() as session:
        summary = ensure_demo(session, now, days=days)
    with TenantUnit(db, summary.account.tenant.id).session() as session:
        tenant = session.get_one(Tenant, summary.account.tenant.id)
        invoice = bill_demo_history(session, tenant, now - timedelta(days=days), now)
        secret, anchors = (issue_feed_key(session), live_anchors(session)) if with_feed else (None, None)
    return Demo(summary, invoice, secret, anchors)
