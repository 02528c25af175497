"""The billing pages through real requests and forms (CSRF included): the month so far and its projection,
the overall cap, invoices on screen and on paper (tax, reverse charge, late days, bank transfer), the
past-due banner, billing notices in the notification centre, other companies' 404s, and the operators'
price book and invoice list (marking paid writes the partners' revenue entries)."""
from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from billing import notices
from billing.invoices import close_month
from billing.models import BillingNotice, Invoice, PriceBookEntry, RevenueEntry, UsageRecord
from billing.pricebook import prices_for
from billing.settlement import settle_failed
from telemetry import registry
from tenants import accounts
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tests.conftest import post_form
from tests.marketplace.support import install, publish_module

TODAY = date(2026, 11, 11)  # ten closed days of a 30-day month
NOW = datetime(2026, 11, 11, 9, tzinfo=UTC)
CLOSED_AT = datetime(2026, 11, 1, 6, tzinfo=UTC)  # October's invoice, due on 15 November


@pytest.fixture(autouse=True)
def fixed_clock(clock):
    """Every test of this module runs on TODAY, at NOW."""
    clock.set(NOW)
    return clock


def _html(response) -> str:
    return response.get_data(as_text=True)


def _text(response) -> str:
    """The page's text without tags and with collapsed spaces (for figures split across elements)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _html(response)))


def _row(session, day: date, meter: str, key: str, quantity: int = 1, price: int = 5, module=None,
         installation_id: int | None = None) -> None:
    session.add(UsageRecord(day=day, meter=meter, quantity=quantity, unit_price_minor=price,
                            amount_minor=quantity * price, currency="EUR", idempotency_key=key,
                            module_id=module.id if module else None, partner_id=module.partner_id if module else None,
                            installation_id=installation_id))


@pytest.fixture
def installed(db, owner):
    """Acme Metall with a machine and the per-unit module "Idle Units" installed with a €20.00 cap."""
    with db.session() as session:
        module = publish_module(session)
        with tenant_context(owner.tenant_id):
            device, _token = registry.create_device(session, {"name": "Lathe"})
        installation, _token = install(session, owner, module, [device.id], cap=2000)
        session.flush()
        return {"module_id": module.id, "installation_id": installation.id}


def _month_so_far(db, owner, installed) -> None:
    """Ten days of November: 3 machines a day at €0.05, and 4 units of the module at €0.50."""
    from marketplace.models import Module

    with tenant_context(owner.tenant_id), db.session() as session:
        module = session.get(Module, installed["module_id"])
        for day in range(1, 11):
            for device in range(3):
                _row(session, date(2026, 11, day), "platform_device_day", f"pdd:{device}:{day}")
        _row(session, date(2026, 11, 3), "module_unit", "u1", quantity=4, price=50, module=module,
             installation_id=installed["installation_id"])


def _october_invoice(db, account, module_id: int | None = None, vat_id: str | None = None,
                     country: str | None = None) -> int:
    """Close October for the account: 20 machine-days at €0.05 (and 2 module units at €0.50)."""
    from marketplace.models import Module

    with tenant_context(account.tenant_id), db.session() as session:
        tenant = session.get(Tenant, account.tenant_id)
        tenant.vat_id, tenant.country = vat_id, country or tenant.country
        for day in range(1, 21):
            _row(session, date(2026, 10, day), "platform_device_day", f"oct:{day}")
        if module_id is not None:
            _row(session, date(2026, 10, 5), "module_unit", "oct-u", quantity=2, price=50,
                 module=session.get(Module, module_id))
        session.flush()
        return close_month(session, tenant, date(2026, 10, 1), now=CLOSED_AT).id


# --- the billing page ------------------------------------------------------------------------------

def test_new_company_sees_how_billing_works(owner_client):
    page = _text(owner_client.get("/billing/"))
    assert "No charges yet" in page
    assert "costs €0.05 for that day" in page
    assert "The first 2 machines each day are free." in page
    assert "At the start of each month you get an invoice for the month before" in page
    assert "Invoices add 19% tax for Germany." in page
    assert "No invoices yet" in page
    assert "Invoices are paid by bank transfer" in page  # the payment card partial, local provider


def test_month_to_date_by_meter_with_projection_and_module_caps(owner_client, db, owner, installed):
    _month_so_far(db, owner, installed)
    page = _text(owner_client.get("/billing/"))
    assert "Digital Factory platform: Active machine-days 30 €1.50" in page
    assert "Idle Units: Units 4 €2.00" in page
    assert "Total so far €3.50" in page
    assert "At this pace: about €10.50 by the end of the month." in page  # 3.50 * 30 / 10
    assert "Based on 10 days of 30; before tax." in page
    assert "€2.00 of €20.00 this month" in page  # the module's cap
    html = _html(owner_client.get("/billing/"))
    assert f'href="/marketplace/installations/{installed["installation_id"]}/consent"' in html
    assert "No monthly cap is set." in page


def test_member_sees_the_page_but_no_cap_form(client_as, make_member, owner, db, installed):
    member = make_member(owner, "member@acme.test")
    member_client = client_as(member.email)
    html = _html(member_client.get("/billing/"))
    assert "Monthly cap" in html and 'action="/billing/cap"' not in html
    assert "/consent" not in html
    assert post_form(member_client, "/billing/cap", {"cap": "10"}).status_code == 403


def _cap(db, owner) -> int | None:
    with db.session() as session:
        return session.get(Tenant, owner.tenant_id).monthly_cap_minor


def test_overall_cap_set_clear_and_bad_input(owner_client, db, owner, installed):
    _month_so_far(db, owner, installed)
    response = post_form(owner_client, "/billing/cap", {"cap": "5.00"})
    assert response.status_code == 302 and _cap(db, owner) == 500
    page = _text(owner_client.get("/billing/"))
    assert "€3.50 of €5.00 this month (70%)" in page
    assert re.search(r'<progress class="spend" max="500" value="350"', _html(owner_client.get("/billing/")))

    for bad, reason in (("abc", "Enter the monthly cap as an amount such as 20.00"),
                        ("1.234", "Enter the monthly cap as an amount"),
                        ("0", "The monthly cap must be a positive amount")):
        response = post_form(owner_client, "/billing/cap", {"cap": bad})
        assert response.status_code == 422, bad
        assert reason in _html(response)
        assert _cap(db, owner) == 500

    post_form(owner_client, "/billing/cap", {"cap": "3"})
    assert "The cap is reached. Nothing stops" in _text(owner_client.get("/billing/"))
    response = post_form(owner_client, "/billing/cap", {"cap": ""})
    assert response.status_code == 302 and _cap(db, owner) is None
    assert owner_client.post("/billing/cap", data={"cap": "9"}).status_code == 400  # no CSRF token
    assert _cap(db, owner) is None


# --- invoices ------------------------------------------------------------------------------------

def test_invoice_page_and_printable_page(owner_client, db, owner, installed):
    invoice_id = _october_invoice(db, owner, installed["module_id"])
    listing = _text(owner_client.get("/billing/"))
    assert "DF-2026-000001 October 2026 €2.38 Open" in listing  # (1.00 + 1.00) + 19 %
    page = _text(owner_client.get(f"/billing/invoices/{invoice_id}"))
    for expected in ("From Digital Factory", "Bill to Acme Metall Germany", "Invoice number DF-2026-000001",
                     "Period Oct 1, 2026 – Oct 31, 2026", "Issued Nov 1, 2026", "Due Nov 15, 2026", "Status Open",
                     "Digital Factory platform: Active machine-days 20 €0.05 €1.00", "Idle Units: Units 2 €0.50 €1.00",
                     "Subtotal €2.00", "Tax (19%) €0.38", "Total €2.38", "Awaiting bank transfer.",
                     "Please use the reference DF-2026-000001"):
        assert expected in page, expected
    assert "Reverse charge" not in page and "VAT ID" not in page

    printable = owner_client.get(f"/billing/invoices/{invoice_id}/print")
    html = _html(printable)
    assert printable.status_code == 200
    assert 'class="mainnav"' not in html and 'class="topbar"' not in html
    assert 'data-print' in html and '<script src="/static/print.js"></script>' in html
    assert re.search(r"<script>(?!</script>)", html) is None  # no inline script: the CSP forbids it
    assert "Total €2.38" in _text(printable) and "Invoice DF-2026-000001" in _text(printable)
    assert owner_client.get("/static/print.js").status_code == 200


def test_reverse_charge_for_an_eu_business_with_a_vat_id(owner_client, db, owner):
    invoice_id = _october_invoice(db, owner, vat_id="ATU12345678", country="AT")
    for url in (f"/billing/invoices/{invoice_id}", f"/billing/invoices/{invoice_id}/print"):
        page = _text(owner_client.get(url))
        assert "Bill to Acme Metall Austria VAT ID: ATU12345678" in page
        assert "Reverse charge: VAT to be accounted for by the recipient" in page
        assert "Subtotal €1.00 VAT €0.00 Total €1.00" in page


def test_late_days_are_named(owner_client, db, owner):
    _october_invoice(db, owner)
    with tenant_context(owner.tenant_id), db.session() as session:
        for day in (30, 31):  # readings that arrived after October was closed
            _row(session, date(2026, 10, day), "platform_device_day", f"late:{day}")
        _row(session, date(2026, 11, 2), "platform_device_day", "nov:2")
        session.flush()
        invoice = close_month(session, session.get(Tenant, owner.tenant_id), date(2026, 11, 1),
                              now=datetime(2026, 12, 1, 6, tzinfo=UTC))
        invoice_id = invoice.id
    page = _text(owner_client.get(f"/billing/invoices/{invoice_id}"))
    assert "Active machine-days billed late for 2026-10-30, 2026-10-31 2 €0.05 €0.10" in page
    assert "Period Nov 1, 2026 – Nov 30, 2026" in page


def test_past_due_banner_on_every_page(owner_client, db, owner):
    invoice_id = _october_invoice(db, owner)
    assert "past-due" not in _html(owner_client.get("/"))
    with tenant_context(owner.tenant_id), db.session() as session:
        settle_failed(session, session.get(Invoice, invoice_id), "Your card was declined.")
    for url in ("/", "/devices", "/alerts", "/billing/"):
        html = _html(owner_client.get(url))
        assert "The payment of invoice DF-2026-000001 failed." in html, url
        assert f'href="/billing/invoices/{invoice_id}"' in html
    page = _text(owner_client.get(f"/billing/invoices/{invoice_id}"))
    assert "Payment failed" in page and "The last payment attempt failed: Your card was declined." in page


def test_open_invoice_past_due_shows_the_banner(owner_client, db, owner, clock):
    invoice_id = _october_invoice(db, owner)  # due on 15 November
    assert "past-due" not in _html(owner_client.get("/"))
    clock.set(datetime(2026, 11, 16, tzinfo=UTC))
    html = _html(owner_client.get("/"))
    assert "Invoice DF-2026-000001 is past due." in html and f"/billing/invoices/{invoice_id}" in html
    assert "Overdue" in _text(owner_client.get("/billing/"))


# --- notices -------------------------------------------------------------------------------------

def _notices(db, owner, installed) -> dict:
    with tenant_context(owner.tenant_id), db.session() as session:
        details = {"month": "2026-11", "currency": "EUR"}
        notices.add_notice(session, "cap_80:overall:2026-11", "cap_80", {**details, "spent_minor": 1600,
                                                                       "cap_minor": 2000})
        notices.add_notice(session, f"cap_100:installation:{installed['installation_id']}:2026-11", "cap_100",
                           {**details, "spent_minor": 2000, "cap_minor": 2000}, installed["installation_id"])
        notices.add_notice(session, "payment_failed:9:1", "payment_failed",
                           {"invoice_id": 9, "number": "DF-2026-000009", "total_minor": 1190, "currency": "EUR",
                            "error": "Insufficient funds."})
        return {n.kind: n.id for n in session.scalars(select(BillingNotice))}


def test_notices_in_the_notification_centre_and_dismiss(owner_client, db, owner, installed):
    ids = _notices(db, owner, installed)
    page = _text(owner_client.get("/alerts"))
    assert "You have used 80% of your monthly cap for 2026-11: €16.00 of €20.00." in page
    assert "Idle Units reached its monthly cap for 2026-11: €20.00 of €20.00." in page
    assert "The payment of invoice DF-2026-000009 (€11.90) failed: Insufficient funds." in page
    assert "You have used 80%" in _text(owner_client.get("/billing/"))

    response = post_form(owner_client, f"/billing/notices/{ids['cap_80']}/dismiss")
    assert response.status_code == 302 and response.headers["Location"].endswith("/alerts#billing-notices")
    page = _text(owner_client.get("/alerts"))
    assert "You have used 80%" not in page and "Idle Units reached its monthly cap" in page
    response = post_form(owner_client, f"/billing/notices/{ids['cap_100']}/dismiss", {"back": "billing"})
    assert response.headers["Location"].endswith("/billing/#notices")
    assert "Idle Units reached" not in _text(owner_client.get("/billing/"))
    with tenant_context(owner.tenant_id), db.session() as session:
        assert session.get(BillingNotice, ids["cap_80"]).dismissed_at is not None
    assert owner_client.post(f"/billing/notices/{ids['payment_failed']}/dismiss").status_code == 400  # no CSRF


def test_no_notices_says_so(owner_client):
    assert "No billing notices" in _text(owner_client.get("/alerts"))


def test_other_company_gets_404(owner_client, db, owner, installed, make_account, client_as):
    invoice_id = _october_invoice(db, owner)
    ids = _notices(db, owner, installed)
    other = make_account(name="Other GmbH", email="owner@other.test")
    other_client = client_as(other.email)
    assert other_client.get(f"/billing/invoices/{invoice_id}").status_code == 404
    assert other_client.get(f"/billing/invoices/{invoice_id}/print").status_code == 404
    assert post_form(other_client, f"/billing/notices/{ids['cap_80']}/dismiss").status_code == 404
    assert "DF-2026-000001" not in _html(other_client.get("/billing/"))
    with tenant_context(owner.tenant_id), db.session() as session:
        assert session.get(BillingNotice, ids["cap_80"]).dismissed_at is None


def test_card_context_follows_the_stripe_settings(app_config, db, owner):
    from app import create_app
    from blueprints import billing
    from services import billing as billing_service
    from tenants.clock import utcnow
    from web.auth import bind_tenant
    from web.database import db_session

    for secret, expected in ((None, None), ("sk_test_1", "pk_test_1")):
        config = {**app_config, "STRIPE_PUBLISHABLE_KEY": "pk_test_1"}
        if secret:
            config["STRIPE_SECRET_KEY"] = secret
        application = create_app(config)
        with application.test_request_context("/billing/"):
            bind_tenant(owner.tenant_id)
            page = billing_service.billing_page(db_session(), db_session().get(Tenant, owner.tenant_id), utcnow())
            context = billing._card_context(page.billing_account)
        application.extensions["database"].dispose()
        assert context == {"billing_account": None, "stripe_publishable_key": expected,
                           "stripe_js_url": "https://js.stripe.com/v3/"}


# --- operators -----------------------------------------------------------------------------------

@pytest.fixture
def admin_client(db, client_as):
    """A logged-in platform admin without a company."""
    from tenants.clock import utcnow

    with db.session() as session:
        admin = accounts.find_user(session, "ops@platform.test") or accounts.create_user(
            session, email="ops@platform.test", password="correct-horse-1")
        admin.is_platform_admin, admin.verified_at = True, utcnow()
    return client_as("ops@platform.test")


def test_admin_billing_is_hidden_from_others(owner_client, db, owner):
    invoice_id = _october_invoice(db, owner)
    for url in ("/admin/billing/", "/admin/billing/invoices"):
        assert owner_client.get(url).status_code == 404
    for url in ("/admin/billing/prices", f"/admin/billing/invoices/{owner.tenant_id}/{invoice_id}/paid",
                f"/admin/billing/invoices/{owner.tenant_id}/{invoice_id}/void"):
        assert post_form(owner_client, url, {"currency": "EUR"}).status_code == 404


def test_admin_edits_prices(admin_client, db, owner, make_account):
    make_account(name="Shanghai Parts", email="owner@sh.test", timezone="Asia/Shanghai", currency="CNY", country="CN")
    page = _text(admin_client.get("/admin/billing/"))
    assert "CNY Defaults" in page and "EUR Defaults" in page  # currencies in use, no entries yet
    response = post_form(admin_client, "/admin/billing/prices", {"currency": "eur", "device_day": "0.07",
                                                                 "free_devices": "3", "commission": "12.5"})
    assert response.status_code == 302
    with db.session() as session:
        prices = prices_for(session, "EUR")
        assert (prices.device_day_minor, prices.free_devices, prices.commission_bp, prices.is_default) == (7, 3, 1250,
                                                                                                          False)
    page = _text(admin_client.get("/admin/billing/"))
    assert "€0.07 per machine-day · 3 free machines a day · 12.5% commission" in page
    response = post_form(admin_client, "/admin/billing/prices", {"currency": "JPY", "device_day": "8",
                                                                 "free_devices": "0", "commission": "20"})
    assert response.status_code == 302

    for data, reason in (({"device_day": "0.075"}, "at most 2 decimals"),
                         ({"currency": "JPY", "device_day": "7.5"}, "at most 0 decimals"),
                         ({"commission": "120"}, "Enter a percentage from 0 to 100"),
                         ({"free_devices": "-1"}, "Enter a whole number"),
                         ({"currency": "ZZZ"}, "Choose a currency code"),
                         ({"device_day": "abc"}, "Enter an amount in EUR")):
        form = {"currency": "EUR", "device_day": "0.09", "free_devices": "1", "commission": "30", **data}
        response = post_form(admin_client, "/admin/billing/prices", form)
        assert response.status_code == 422, data
        assert reason in _html(response), (data, _text(response)[:3000])
    with db.session() as session:
        assert [e.currency for e in session.scalars(select(PriceBookEntry).order_by(PriceBookEntry.currency))] == [
            "EUR", "JPY"]
        assert prices_for(session, "EUR").device_day_minor == 7 and prices_for(session, "JPY").device_day_minor == 8


def test_admin_marks_invoices_paid_and_void(admin_client, db, owner, installed, make_account):
    invoice_id = _october_invoice(db, owner, installed["module_id"])
    other = make_account(name="Other GmbH", email="owner@other.test")
    other_invoice = _october_invoice(db, other)
    page = _text(admin_client.get("/admin/billing/invoices"))
    assert "DF-2026-000001 Acme Metall" in page and "DF-2026-000002 Other GmbH" in page

    url = f"/admin/billing/invoices/{owner.tenant_id}/{invoice_id}"
    assert post_form(admin_client, f"/admin/billing/invoices/{other.tenant_id}/{invoice_id}/paid").status_code == 404
    response = post_form(admin_client, url + "/paid", {"next": "/admin/billing/invoices?status=all"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/billing/invoices?status=all")
    with db.session() as session:
        with tenant_context(owner.tenant_id):
            assert session.get(Invoice, invoice_id).status == "paid"
        entries = list(session.scalars(select(RevenueEntry)))
        assert [(e.invoice_id, e.gross_minor, e.commission_minor, e.net_minor) for e in entries] == [
            (invoice_id, 100, 20, 80)]
    assert post_form(admin_client, f"/admin/billing/invoices/{other.tenant_id}/{other_invoice}/void").status_code == 302
    with tenant_context(other.tenant_id), db.session() as session:
        assert session.get(Invoice, other_invoice).status == "void"
    assert "No invoices here." in _text(admin_client.get("/admin/billing/invoices"))  # nothing unpaid is left
    paid = _text(admin_client.get("/admin/billing/invoices?status=paid"))
    assert "DF-2026-000001" in paid and "DF-2026-000002" not in paid
    response = post_form(admin_client, url + "/void")  # a paid invoice cannot be voided
    assert response.status_code == 302
    assert "A paid invoice cannot be voided." in _html(admin_client.get("/admin/billing/invoices?status=all"))
    assert admin_client.get("/admin/billing/invoices?status=bogus").status_code == 400
