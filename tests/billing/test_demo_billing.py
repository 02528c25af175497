"""The quick start without Stripe keys: the demo company's history is billed, and its billing page shows
last month's invoice from the local provider, awaiting bank transfer."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from billing.demo import bill_demo_history
from telemetry.demo_data import ensure_demo
from tenants.demo import DEMO_EMAIL, DEMO_PASSWORD
from tenants.scoping import tenant_context
from tests.conftest import login


def test_the_demo_has_last_months_invoice_from_the_local_provider(app, db, client):
    now = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
    with db.session() as session:
        tenant = ensure_demo(session, now, days=3).account.tenant
        with tenant_context(tenant.id):
            invoice = bill_demo_history(session, tenant, now - timedelta(days=3), now)
            again = bill_demo_history(session, tenant, now - timedelta(days=3), now)
        number, total = invoice.number, invoice.total_minor
    assert again.id == invoice.id and invoice.provider == "local" and invoice.status == "open"
    assert invoice.period_start.isoformat() == "2026-10-01" and total > 0
    assert login(client, DEMO_EMAIL, DEMO_PASSWORD).status_code == 302
    page = client.get("/billing/").get_data(as_text=True)
    assert number in page
    shown = client.get(f"/billing/invoices/{invoice.id}").get_data(as_text=True)
    assert "bank transfer" in shown and number in shown
