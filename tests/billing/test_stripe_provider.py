"""Stripe payments end to end against a real localstripe server on loopback (no mocks): the customer and the
card saved the way Stripe.js does it, a closed invoice charged as Stripe invoice items, the signed webhook
received by the app over real HTTP and settling our invoice, a declined card leading to a failed payment, a
notice and the owner's mail, refused signatures, duplicate events, and a crash between Stripe calls
repaired by the next run."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import date, timedelta

import pytest
import requests
from sqlalchemy import func, select

from billing.invoices import close_month
from billing.models import BillingAccount, BillingNotice, Invoice, ProviderEvent, UsageRecord
from billing.payment_jobs import charge_due_invoices, mail_billing_notices
from billing.providers import LocalProvider, provider_from_settings
from billing.stripe_provider import StripeProvider
from tenants.clock import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.support.localstripe import (
    CARD_DECLINED,
    CARD_DECLINED_ON_CHARGE,
    CARD_OK,
    PUBLISHABLE_KEY,
    SECRET_KEY,
    WEBHOOK_SECRET,
)

OCTOBER = date(2026, 10, 1)
WEBHOOK_PATH = "/billing/webhooks/stripe"


@pytest.fixture
def stripe_config(app_config, localstripe):
    """The app's settings pointing Stripe at localstripe (request it before `app` or `live_server`)."""
    app_config.update(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                      STRIPE_API_BASE=localstripe.url, STRIPE_PUBLISHABLE_KEY=PUBLISHABLE_KEY)
    return app_config


@pytest.fixture
def stripe_app(stripe_config, app):
    """The app with Stripe configured (request it before logging in)."""
    return app


@pytest.fixture
def site(stripe_config, live_server, stripe_app, localstripe):
    """The app served over HTTP with Stripe configured, and localstripe sending it signed webhooks."""
    localstripe.send_webhooks_to(live_server(WEBHOOK_PATH))
    return live_server


@pytest.fixture
def provider(app) -> StripeProvider:
    """The app's payment provider, built from its settings as the jobs build it."""
    built = provider_from_settings(app.config["SETTINGS"])
    assert isinstance(built, StripeProvider)
    return built


def save_card(client, localstripe, number: str = CARD_OK):
    """What the billing page's card form does: a SetupIntent, Stripe.js confirming the card, the form post."""
    answer = client.post("/billing/card/setup-intent", headers={"X-CSRFToken": csrf_token(client)})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    confirmed = localstripe.confirm_card_setup(answer.get_json()["client_secret"], number)
    assert confirmed.status_code == 200, confirmed.text
    return post_form(client, "/billing/card", {"payment_method": confirmed.json()["payment_method"]})


def october_invoice(db, account) -> int:
    """October closed for the company: 20 machine-days at €0.50 plus 19 % VAT, €11.90 in all."""
    with tenant_context(account.tenant_id), db.session() as session:
        for day in range(1, 21):
            session.add(UsageRecord(day=date(2026, 10, day), meter="platform_device_day", quantity=1,
                                    unit_price_minor=50, amount_minor=50, currency="EUR", idempotency_key=f"d{day}"))
        session.flush()
        invoice = close_month(session, session.get(Tenant, account.tenant_id), OCTOBER)
        assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (1000, 190, 1190)
        return invoice.id


def load(db, account, model, *where):
    """Rows of a tenant-owned model, read as the company."""
    with tenant_context(account.tenant_id), db.session() as session:
        return list(session.scalars(select(model).where(*where)))


def wait_for(check, timeout: float = 15.0):
    """Poll until check() is truthy (webhooks arrive a second or so after the event)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
    return result


def stripe_invoices(localstripe, customer_id: str) -> list[dict]:
    """The customer's invoices on the Stripe side."""
    return localstripe.api("GET", "/v1/invoices", params={"customer": customer_id, "limit": 100})["data"]


def signed(payload: bytes, secret: str = WEBHOOK_SECRET) -> dict:
    """The Stripe-Signature header Stripe would send with this payload."""
    stamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{stamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={stamp},v1={digest}", "Content-Type": "application/json"}


# --- the whole way ---------------------------------------------------------------------------------

def test_card_saved_invoice_charged_and_webhook_received(site, owner, owner_client, db, localstripe, provider):
    response = save_card(owner_client, localstripe)
    assert response.status_code == 302 and response.headers["Location"].endswith("/billing/#card")
    [account] = load(db, owner, BillingAccount)
    assert account.provider == "stripe" and account.card_summary == "visa •••• 4242"
    customer = localstripe.api("GET", f"/v1/customers/{account.customer_id}")
    assert customer["metadata"] == {"df_tenant_id": str(owner.tenant_id)}
    assert customer["invoice_settings"]["default_payment_method"] == account.payment_method_id

    invoice_id = october_invoice(db, owner)
    assert charge_due_invoices(db, provider, utcnow()) == 1
    [invoice] = load(db, owner, Invoice)
    assert (invoice.status, invoice.provider, invoice.paid_at is not None) == ("paid", "stripe", True)
    [remote] = stripe_invoices(localstripe, account.customer_id)
    assert (remote["id"], remote["status"], remote["total"]) == (invoice.provider_invoice_id, "paid", 1190)
    assert remote["metadata"]["df_invoice_id"] == str(invoice_id)
    assert sorted(line["amount"] for line in remote["lines"]["data"]) == [190, 1000]

    def event_seen():
        with db.session() as session:
            return session.scalar(select(ProviderEvent).where(ProviderEvent.event_type == "invoice.payment_succeeded"))
    wait_for(event_seen)
    assert charge_due_invoices(db, provider, utcnow()) == 0  # nothing left to charge


def test_the_signed_webhook_settles_an_invoice_paid_on_stripe(site, owner, owner_client, db, localstripe, provider):
    save_card(owner_client, localstripe)
    invoice_id = october_invoice(db, owner)
    with tenant_context(owner.tenant_id), db.session() as session:  # pushed and finalised, then paid on Stripe
        invoice = session.get(Invoice, invoice_id)
        account = provider.ensure_customer(session, session.get(Tenant, owner.tenant_id))
        remote = provider.finalize(invoice, provider.push(session, invoice, account))
    assert provider.pay(invoice, remote).status == "paid"
    assert load(db, owner, Invoice)[0].status == "open"  # our side only learns it from the webhook

    paid = wait_for(lambda: [i for i in load(db, owner, Invoice) if i.status == "paid"])
    assert (paid[0].provider, paid[0].provider_invoice_id) == ("stripe", remote.id)


@pytest.mark.browser
def test_the_card_form_saves_a_card_with_stripe_js(site, owner, stripe_app, db, localstripe, page, console_errors):
    from playwright.sync_api import expect

    page.goto(site("/login"))
    page.fill("#email", owner.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(site("/billing/"))
    for placeholder, value in (("number", CARD_OK), ("exp_month", "12"), ("exp_year", "34"), ("cvc", "123"),
                               ("postal_code", "10115")):
        page.locator(f"#card-element input[placeholder={placeholder}]").fill(value)
    page.get_by_role("button", name="Add or replace card").click()
    expect(page.get_by_text("Card on file: visa •••• 4242")).to_be_visible()
    assert load(db, owner, BillingAccount)[0].payment_method_id.startswith("pm_")
    assert console_errors == []


# --- declines ----------------------------------------------------------------------------------------

def test_declined_charge_fails_the_invoice_and_mails_the_owner(site, owner, owner_client, db, app, mailbox,
                                                                localstripe, provider):
    save_card(owner_client, localstripe, CARD_DECLINED_ON_CHARGE)
    october_invoice(db, owner)
    now = utcnow()
    assert charge_due_invoices(db, provider, now) == 1
    [invoice] = load(db, owner, Invoice)
    assert (invoice.status, invoice.payment_attempts, invoice.provider) == ("payment_failed", 1, "stripe")
    assert invoice.last_payment_error == "Your card was declined."
    assert invoice.next_payment_at == now + timedelta(days=1)
    [notice] = load(db, owner, BillingNotice)
    assert notice.kind == "payment_failed" and notice.details["number"] == invoice.number

    assert mail_billing_notices(db, app.extensions["mailer"], site.url, now) == 1
    [mail] = mailbox.to(owner.email)
    assert mail["Subject"] == f"Payment failed at Acme Metall: invoice {invoice.number}"
    body = mail.get_body(("plain",)).get_content()
    assert "(€11.90) failed: Your card was declined." in body and f"/billing/invoices/{invoice.id}" in body
    assert mail_billing_notices(db, app.extensions["mailer"], site.url, now) == 0  # mailed once

    assert charge_due_invoices(db, provider, now) == 0  # the retry waits for its day
    save_card(owner_client, localstripe, CARD_OK)
    assert charge_due_invoices(db, provider, now + timedelta(days=1, minutes=1)) == 1
    [invoice] = load(db, owner, Invoice)
    assert (invoice.status, invoice.payment_attempts) == ("paid", 1)
    assert len(stripe_invoices(localstripe, load(db, owner, BillingAccount)[0].customer_id)) == 1


def test_a_declined_or_foreign_card_is_not_saved(stripe_app, owner, owner_client, db, localstripe, make_account):
    app = stripe_app
    answer = owner_client.post("/billing/card/setup-intent", headers={"X-CSRFToken": csrf_token(owner_client)})
    assert localstripe.confirm_card_setup(answer.get_json()["client_secret"], CARD_DECLINED).status_code == 402
    assert owner_client.post("/billing/card/setup-intent").status_code == 400  # no CSRF header
    declined = localstripe.api("POST", "/v1/payment_methods", data={
        "type": "card", "card[number]": CARD_DECLINED, "card[exp_month]": 12, "card[exp_year]": 2034,
        "card[cvc]": "123"})
    page = post_form(owner_client, "/billing/card", {"payment_method": declined["id"]}, follow_redirects=True)
    assert "The card was declined." in page.get_data(as_text=True)

    other = make_account(name="Beta Werk", email="owner@beta.test")
    with tenant_context(other.tenant_id), db.session() as session:
        other_account = provider_from_settings(app.config["SETTINGS"]).ensure_customer(
            session, session.get(Tenant, other.tenant_id))
    foreign = localstripe.api("POST", "/v1/payment_methods", data={
        "type": "card", "card[number]": CARD_OK, "card[exp_month]": 12, "card[exp_year]": 2034, "card[cvc]": "123"})
    localstripe.api("POST", f"/v1/payment_methods/{foreign['id']}/attach", data={"customer": other_account.customer_id})
    page = post_form(owner_client, "/billing/card", {"payment_method": foreign["id"]}, follow_redirects=True)
    assert "The card could not be saved." in page.get_data(as_text=True)
    [account] = load(db, owner, BillingAccount)
    assert account.payment_method_id is None and account.card_summary == ""


# --- webhooks ----------------------------------------------------------------------------------------

def test_bad_or_missing_signatures_are_refused(site, owner, owner_client, db, localstripe, provider):
    save_card(owner_client, localstripe)
    october_invoice(db, owner)
    forged = json.dumps({"id": "evt_forged", "object": "event", "type": "invoice.paid", "data": {"object": {
        "id": "in_forged", "object": "invoice", "metadata": {"df_tenant_id": str(owner.tenant_id),
                                                             "df_invoice_id": "1"}}}}).encode()
    for headers in (signed(forged, "whsec_wrong"), {"Content-Type": "application/json"},
                    {**signed(forged), "Stripe-Signature": "t=1,v1=00"}):
        answer = requests.post(site(WEBHOOK_PATH), data=forged, headers=headers, timeout=10)
        assert answer.status_code == 400 and answer.json()["error"]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProviderEvent)) == 0
    assert [i.status for i in load(db, owner, Invoice)] == ["open"]


def test_the_same_event_is_processed_once(stripe_app, owner, owner_client, db, localstripe, provider):
    app = stripe_app  # no webhooks configured: the test delivers localstripe's event itself
    save_card(owner_client, localstripe)
    october_invoice(db, owner)
    charge_due_invoices(db, provider, utcnow())
    [event] = localstripe.api("GET", "/v1/events", params={"type": "invoice.payment_succeeded"})["data"]
    payload = json.dumps(event).encode()
    outcomes = [app.test_client().post(WEBHOOK_PATH, data=payload, headers=signed(payload)).get_json()["outcome"]
                for _ in range(2)]
    assert outcomes == ["processed", "duplicate"]
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(ProviderEvent)) == 1
    other = json.dumps({**event, "id": "evt_other", "type": "customer.updated"}).encode()
    assert app.test_client().post(WEBHOOK_PATH, data=other, headers=signed(other)).get_json()["outcome"] == "ignored"


def test_without_stripe_the_local_provider_waits_for_a_bank_transfer(app, owner, db):
    assert app.test_client().post(WEBHOOK_PATH, data=b"{}", headers=signed(b"{}")).status_code == 404
    provider = provider_from_settings(app.config["SETTINGS"])
    assert isinstance(provider, LocalProvider)
    october_invoice(db, owner)
    assert charge_due_invoices(db, provider, utcnow()) == 0
    [invoice] = load(db, owner, Invoice)
    assert (invoice.status, invoice.provider, invoice.provider_invoice_id) == ("open", "local", None)


def test_cap_notices_are_mailed_to_owners_and_admins_once(app, db, owner, make_member, mailbox):
    from billing.notices import add_notice
    from telemetry import registry
    from tenants.models import User
    from tests.marketplace.support import install, publish_module

    admin = make_member(owner, "admin@acme.test", "admin")
    make_member(owner, "member@acme.test", "member")
    with db.session() as session:
        session.get(User, admin.user_id).locale = "zh-CN"
        module = publish_module(session)
        with tenant_context(owner.tenant_id):
            device, _token = registry.create_device(session, {"name": "Lathe"})
        installation, _token = install(session, owner, module, [device.id], cap=2000)
    figures = {"month": "2026-10", "currency": "EUR", "spent_minor": 2000, "cap_minor": 2000}
    with tenant_context(owner.tenant_id), db.session() as session:
        add_notice(session, "cap_80:overall:2026-10", "cap_80", {**figures, "spent_minor": 8000, "cap_minor": 10000})
        add_notice(session, f"cap_100:installation:{installation.id}:2026-10", "cap_100", figures, installation.id)

    assert mail_billing_notices(db, app.extensions["mailer"], "http://df.test/", utcnow()) == 4
    subjects = sorted(mail["Subject"] for mail in mailbox.to(owner.email))
    assert subjects == ["Acme Metall: monthly cap for 2026-10", "Idle Units at Acme Metall: monthly cap for 2026-10"]
    bodies = " ".join(mail.get_body(("plain",)).get_content() for mail in mailbox.to(owner.email))
    assert "You have used 80% of your monthly cap for 2026-10: €80.00 of €100.00." in bodies
    assert "Idle Units reached its monthly cap for 2026-10: €20.00 of €20.00." in bodies
    assert "http://df.test/billing/" in bodies
    assert len(mailbox.to("admin@acme.test")) == 2 and mailbox.to("member@acme.test", timeout=0.3) == []
    assert mail_billing_notices(db, app.extensions["mailer"], "http://df.test/", utcnow()) == 0


# --- crashes between Stripe calls ---------------------------------------------------------------------

class Crash(Exception):
    """The process dying half-way: the transaction is rolled back, Stripe keeps what it got."""


@pytest.mark.parametrize("stop_after", ["first item", "stripe invoice", "stripe invoice stored"])
def test_a_crash_between_stripe_calls_is_repaired_by_the_next_run(stop_after, stripe_app, owner, owner_client, db,
                                                                  localstripe, provider):
    save_card(owner_client, localstripe)
    invoice_id = october_invoice(db, owner)
    try:
        with tenant_context(owner.tenant_id), db.session() as session:
            invoice = session.get(Invoice, invoice_id)
            account = provider.ensure_customer(session, session.get(Tenant, owner.tenant_id))
            if stop_after == "first item":
                first = provider._items(session, invoice)[0]
                provider.api.invoice_items.create(params={
                    "customer": account.customer_id, "amount": first[1], "currency": "eur", "description": first[2],
                    "metadata": {"df_invoice_id": str(invoice_id), "df_item": first[0]}})
                raise Crash()
            provider.push(session, invoice, account)  # items and the Stripe invoice, not finalised
            if stop_after == "stripe invoice":
                raise Crash()
    except Crash:
        pass
    assert charge_due_invoices(db, provider, utcnow()) == 1
    [invoice] = load(db, owner, Invoice)
    assert invoice.status == "paid"
    [remote] = stripe_invoices(localstripe, load(db, owner, BillingAccount)[0].customer_id)
    assert (remote["id"], remote["status"], remote["total"]) == (invoice.provider_invoice_id, "paid", 1190)
    assert sorted(line["amount"] for line in remote["lines"]["data"]) == [190, 1000]
