"""The tenant marketplace through real pages and forms (CSRF included): browse, search and filter, a
module's page, subscribing with consent, consenting again, the installed list, unsubscribing, opening a
module with a launch token, and module insights on the dashboard and the notification centre."""
from __future__ import annotations

import copy
import re
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from sqlalchemy import select

from marketplace import catalog, insights, modules
from marketplace.models import Insight, Installation, Module, WebhookDelivery
from marketplace.signing import module_secret
from telemetry import registry
from tenants import accounts
from tenants.models import Tenant, User
from tenants.scoping import tenant_context
from tests.conftest import post_form

SECRET_KEY = "test-secret-key-0123456789"  # the app_config fixture's
REPORT = {
    "name": "Idle Waste Report", "slug": "idle-report", "summary": "A daily report of the money lost idling.",
    "description": "# Idle waste\n\nEvery morning, **which machine** idled the most.\n\n<script>alert(1)</script>",
    "icon_url": "https://p.example/i.png", "categories": ["reports", "energy"], "languages": ["en", "zh-Hans"],
    "support_email": "help@p.example", "webhook_url": "https://p.example/hooks",
    "launch_url": "https://p.example/launch", "scopes": ["devices:read", "readings:read", "insights:write"],
    "events": ["device.daily_summary"], "pricing": {"model": "device_day", "prices": {"EUR": 5, "CNY": 40}},
    "version": "1.0.0",
}
VIBRATION = {**REPORT, "name": "Vibration Watch", "slug": "vibration-watch", "summary": "Spots bearings going bad.",
             "description": "Listens to the motor current.", "categories": ["maintenance"],
             "launch_url": "https://v.example/app?lang=en", "scopes": ["insights:write", "usage:write"],
             "events": [], "pricing": {"model": "unit", "unit_name": "report", "prices": {"EUR": 50}}}
ERP = {**REPORT, "name": "ERP Bridge", "slug": "erp-bridge", "summary": "Sends energy per order to your ERP.",
       "description": "Plain text.", "categories": ["integrations"], "scopes": [], "events": [],
       "pricing": {"model": "flat_day", "prices": {"EUR": 100}}}
YUAN_ONLY = {**REPORT, "name": "Yuan Only", "slug": "yuan-only", "summary": "Priced in yuan only.",
             "categories": ["quality"], "pricing": {"model": "flat_day", "prices": {"CNY": 700}}}


def _html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def publish(db):
    """Publish a module through the review flow: publish(manifest) -> module id."""
    with db.session() as session:
        partner_user = accounts.create_user(session, email="dev@partner.test", password="a-long-password-1")
        admin = accounts.create_user(session, email="ops@platform.test", password="a-long-password-2")
        admin.is_platform_admin = True
        session.flush()
        partner = modules.create_partner(session, name="Lean Watts GmbH", contact_email="hi@leanwatts.test",
                                         owner=partner_user)
        session.flush()
        ids = (partner.id, admin.id)

    def make(manifest: dict) -> int:
        from marketplace.models import Partner

        with db.session() as session:
            partner, admin = session.get(Partner, ids[0]), session.get(User, ids[1])
            module = modules.create_module(session, partner, copy.deepcopy(manifest))
            modules.approve(modules.submit_for_review(module), admin)
            session.flush()
            return module.id

    return make


@pytest.fixture
def machines(db, owner):
    """Two active machines of Acme Metall: {name: id}."""
    with tenant_context(owner.tenant_id), db.session() as session:
        found = {}
        for name in ("Lathe", "Press"):
            device, _token = registry.create_device(session, {"name": name})
            session.flush()
            found[name] = device.id
        return found


def _installations(db, tenant_id: int | None = None) -> list[Installation]:
    with db.session() as session:
        query = select(Installation).order_by(Installation.id)
        if tenant_id is not None:
            query = query.where(Installation.tenant_id == tenant_id)
        rows = list(session.scalars(query))
        session.expunge_all()
        return rows


def _deliveries(db) -> list[tuple[str, str, int]]:
    with db.session() as session:
        return [(d.event_type, d.status, d.installation_id)
                for d in session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))]


def _subscribe(client, slug: str, devices: list[int], cap: str = "") -> object:
    return post_form(client, f"/marketplace/{slug}/subscribe", {"devices": [str(i) for i in devices], "cap": cap})


def _installed(db, owner, publish, machines, client, manifest=REPORT) -> int:
    publish(manifest)
    response = _subscribe(client, manifest["slug"], [machines["Lathe"]])
    assert response.status_code == 302, _html(response)[:2000]
    return _installations(db, owner.tenant_id)[-1].id


# --- browsing ------------------------------------------------------------------------------------

def test_nav_and_empty_catalogue(owner_client):
    page = _html(owner_client.get("/marketplace/"))
    assert "No modules yet" in page
    installed = _html(owner_client.get("/marketplace/installed"))
    assert "No modules installed" in installed and 'href="/marketplace/"' in installed


def test_browse_lists_published_modules_with_prices_in_plain_words(owner_client, publish):
    for manifest in (REPORT, VIBRATION, ERP, YUAN_ONLY):
        publish(manifest)
    page = _html(owner_client.get("/marketplace/"))
    names = [re.sub(r"<[^>]+>", "", n)
             for n in re.findall(r"<h2><a href=\"/marketplace/[a-z-]+\">(.*?)</a></h2>", page)]
    assert names == ["ERP Bridge", "Idle Waste Report", "Vibration Watch", "Yuan Only"], "by name"
    assert "€0.05 per machine per day" in page and "€0.50 per report" in page and "€1.00 per day" in page
    assert "Not available in EUR" in page
    assert "by Lean Watts GmbH" in page and "A daily report of the money lost idling." in page
    assert "4 modules" in page and 'class="badge installed"' not in page
    assert 'src="https://p.example/i.png"' not in page, "off-site icons are blocked by the CSP: initials instead"


def test_search_and_category_filter(owner_client, publish):
    for manifest in (REPORT, VIBRATION, ERP):
        publish(manifest)
    page = _html(owner_client.get("/marketplace/?q=BEARINGS"))
    assert "Vibration Watch" in page and "Idle Waste Report" not in page and "ERP Bridge" not in page
    page = _html(owner_client.get("/marketplace/?q=motor+current"))  # every word, in the description too
    assert "Vibration Watch" in page and "1 module" in page
    page = _html(owner_client.get("/marketplace/?category=integrations"))
    assert "ERP Bridge" in page and "Vibration Watch" not in page
    assert re.search(r'<a href="/marketplace/\?category=integrations" aria-current="page">Integrations</a>', page)
    page = _html(owner_client.get("/marketplace/?q=idling&category=energy"))
    assert "Idle Waste Report" in page and "Vibration Watch" not in page, "summary words count, within the category"
    assert "No modules match" in _html(owner_client.get("/marketplace/?q=idling&category=maintenance"))
    page = _html(owner_client.get("/marketplace/?q=nothing-like-this"))
    assert "No modules match" in page and "Show every module" in page
    assert owner_client.get("/marketplace/?category=bogus").status_code == 400
    assert owner_client.get("/marketplace/?page=0").status_code == 400


def test_catalogue_pages_and_skips_unpublished(db, publish, owner):
    for number in range(26):
        publish({**ERP, "slug": f"bridge-{number:02d}", "name": f"Bridge {number:02d}"})
    with db.session() as session:
        from marketplace.models import Partner

        partner = session.scalars(select(Partner)).first()
        modules.create_module(session, partner, {**ERP, "slug": "draft-bridge", "name": "Bridge Draft"})
        first = catalog.browse(session, "bridge", None, 1)
        assert (first.total, first.pages, len(first.modules)) == (26, 2, 24)
        assert first.modules[0].manifest.name == "Bridge 00" and first.modules[0].partner_name == "Lean Watts GmbH"
        second = catalog.browse(session, "", "integrations", 2)
        assert [e.manifest.name for e in second.modules] == ["Bridge 24", "Bridge 25"]
        assert catalog.browse(session, "", None, 3).modules == []


def test_catalogue_pager_keeps_the_search(owner_client, publish):
    for number in range(25):
        publish({**ERP, "slug": f"bridge-{number:02d}", "name": f"Bridge {number:02d}"})
    page = _html(owner_client.get("/marketplace/?q=bridge"))
    assert "Page 1 of 2" in page and "Bridge 23" in page and "Bridge 24" not in page
    assert 'href="/marketplace/?q=bridge&amp;page=2"' in page
    assert "Bridge 24" in _html(owner_client.get("/marketplace/?q=bridge&page=2"))


# --- a module's page -----------------------------------------------------------------------------

def test_module_page_shows_scopes_in_plain_words_price_and_safe_description(owner_client, publish):
    publish(REPORT)
    page = _html(owner_client.get("/marketplace/idle-report"))
    assert "See the machines you choose: names, kinds, sites and live state." in page
    assert "Read those machines' readings and energy figures." in page
    assert "Post cards, alerts and report links to your overview and notifications." in page
    assert "€0.05 per machine per day" in page and "by Lean Watts GmbH" in page
    assert "<h3>Idle waste</h3>" in page and "<strong>which machine</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "English" in page and "Chinese" in page and "1.0.0" in page and "help@p.example" in page
    assert "Reports" in page and "Energy" in page
    assert "figures of the day" in page, "the events it receives, in plain words"
    assert 'href="/marketplace/idle-report/subscribe"' in page
    assert owner_client.get("/marketplace/no-such-module").status_code == 404


def test_members_are_asked_to_get_an_owner(app, owner, make_member, client_as, publish, machines):
    publish(REPORT)
    make_member(owner, "reader@acme.test", "member")
    member = client_as("reader@acme.test")
    page = _html(member.get("/marketplace/idle-report"))
    assert "Ask an owner or admin to install it" in page and "/subscribe" not in page
    assert member.get("/marketplace/idle-report/subscribe").status_code == 403
    assert _subscribe(member, "idle-report", [machines["Lathe"]]).status_code == 403
    assert _installations(app.extensions["database"]) == []


def test_a_module_without_a_price_in_the_company_currency_cannot_be_installed(db, owner_client, publish, machines):
    publish(YUAN_ONLY)
    page = _html(owner_client.get("/marketplace/yuan-only"))
    assert "Not available in EUR" in page and "/subscribe" not in page
    response = _subscribe(owner_client, "yuan-only", [machines["Lathe"]])
    assert response.status_code == 422 and "no price in EUR" in _html(response)
    assert _installations(db) == []


# --- subscribing ---------------------------------------------------------------------------------

def test_consent_screen_lists_scopes_machines_and_price(owner_client, publish, machines):
    publish(REPORT)
    page = _html(owner_client.get("/marketplace/idle-report/subscribe"))
    assert "See the machines you choose" in page and "€0.05 per machine per day" in page
    for name, device_id in machines.items():
        assert re.search(rf'<input type="checkbox" name="devices" value="{device_id}" checked> {name}', page)
    assert 'name="cap"' in page and "Agree and install" in page


def test_subscribe_creates_the_installation_and_queues_the_webhook(db, owner, owner_client, publish, machines):
    module_id = publish(REPORT)
    response = _subscribe(owner_client, "idle-report", [machines["Press"]], cap="20.00")
    assert response.status_code == 302 and response.headers["Location"].endswith("/marketplace/idle-report")
    [installation] = _installations(db)
    assert ((installation.tenant_id, installation.module_id, installation.status)
            == (owner.tenant_id, module_id, "active"))
    assert installation.device_ids == [machines["Press"]] and installation.monthly_cap_minor == 2000
    assert installation.scopes == REPORT["scopes"] and installation.installed_by_id == owner.user_id
    assert _deliveries(db) == [("installation.created", "pending", installation.id)]
    page = _html(owner_client.get("/marketplace/idle-report"))
    assert "Idle Waste Report was installed." in page and 'class="badge installed"' in page
    assert f'href="/marketplace/installations/{installation.id}/open"' in page
    assert f"/marketplace/installations/{installation.id}/unsubscribe" in page
    assert 'class="badge installed"' in _html(owner_client.get("/marketplace/"))
    again = owner_client.get("/marketplace/idle-report/subscribe")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/installations/{installation.id}/consent")


def test_a_module_without_device_scopes_needs_no_machines(db, owner_client, publish):
    publish(ERP)
    page = _html(owner_client.get("/marketplace/erp-bridge/subscribe"))
    assert 'name="devices"' not in page and "This module asks for no access to your data." in page
    assert _subscribe(owner_client, "erp-bridge", []).status_code == 302
    [installation] = _installations(db)
    assert installation.device_ids == [] and installation.monthly_cap_minor is None


@pytest.mark.parametrize("devices, cap, reason", [
    ([], "", "Choose at least one machine the module may see."),
    (["Lathe"], "abc", "Enter the monthly cap as an amount such as 20.00"),
    (["Lathe"], "-5", "Enter the monthly cap as an amount such as 20.00"),
    (["Lathe"], "1.234", "Enter the monthly cap as an amount such as 20.00"),
    (["Lathe"], "999999999999", "The monthly cap is too large."),
    ([999999], "", "Choose machines of this company that are active."),
])
def test_bad_input_is_refused_with_a_reason_and_nothing_is_stored(db, owner_client, publish, machines, devices, cap,
                                                                  reason):
    publish(REPORT)
    chosen = [machines.get(d, d) for d in devices]
    response = _subscribe(owner_client, "idle-report", chosen, cap=cap)
    assert response.status_code == 422
    assert reason in _html(response).replace("&#39;", "'")
    assert _installations(db) == [] and _deliveries(db) == []


def test_another_companys_machine_cannot_be_chosen(db, owner_client, make_account, publish, machines):
    publish(REPORT)
    other = make_account("Other Works", "owner@other.test")
    with tenant_context(other.tenant_id), db.session() as session:
        device, _token = registry.create_device(session, {"name": "Their lathe"})
        session.flush()
        their_id = device.id
    response = _subscribe(owner_client, "idle-report", [machines["Lathe"], their_id])
    assert response.status_code == 422 and "Choose machines of this company" in _html(response)
    assert _installations(db) == []


def test_a_refused_consent_again_changes_nothing_and_shows_the_form(db, owner, owner_client, make_account, publish,
                                                                    machines):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    other = make_account("Other Works", "owner@other.test")
    with tenant_context(other.tenant_id), db.session() as session:
        device, _token = registry.create_device(session, {"name": "Their lathe"})
        session.flush()
        their_id = device.id
    url = f"/marketplace/installations/{installation_id}/consent"
    response = post_form(owner_client, url, {"devices": [str(machines["Lathe"]), str(their_id)], "cap": "9"})
    page = _html(response)
    assert response.status_code == 422 and "Choose machines of this company" in page
    assert f'action="{url}"' in page and "Their lathe" not in page
    [installation] = _installations(db)
    assert installation.device_ids == [machines["Lathe"]] and installation.monthly_cap_minor is None


# --- installed, consent again, unsubscribe -------------------------------------------------------

def test_installed_page_shows_spend_against_the_cap(db, owner, owner_client, publish, machines):
    publish(VIBRATION)
    assert _subscribe(owner_client, "vibration-watch", [], cap="20.00").status_code == 302
    [installation] = _installations(db)
    with tenant_context(owner.tenant_id), db.session() as session:
        from billing import usage

        module = session.get(Module, installation.module_id)
        usage.report_usage(session, session.get(Installation, installation.id), module,
                           session.get(Tenant, owner.tenant_id), {"quantity": 3, "idempotency_key": "k1"})
    page = _html(owner_client.get("/marketplace/installed"))
    assert "Vibration Watch" in page and "€1.50 of €20.00" in page and "€0.50 per report" in page
    assert f'href="/marketplace/installations/{installation.id}/consent"' in page


def test_consent_again_after_the_module_asks_for_more(db, owner, owner_client, publish, machines):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    with db.session() as session:
        module = session.scalar(select(Module).where(Module.slug == "idle-report"))
        module.scopes_version += 1  # as an approved scope change does
    banner = "now asks for more access"
    assert banner in _html(owner_client.get("/marketplace/idle-report"))
    assert banner in _html(owner_client.get("/marketplace/installed"))
    form = _html(owner_client.get(f"/marketplace/installations/{installation_id}/consent"))
    assert re.search(rf'value="{machines["Lathe"]}" checked> Lathe', form)
    assert not re.search(rf'value="{machines["Press"]}" checked>', form), "pre-filled with the earlier choice"
    bad = post_form(owner_client, f"/marketplace/installations/{installation_id}/consent",
                    {"devices": [str(machines["Press"])], "cap": "abc"})
    assert bad.status_code == 422
    response = post_form(owner_client, f"/marketplace/installations/{installation_id}/consent",
                         {"devices": [str(machines["Lathe"]), str(machines["Press"])], "cap": "12.5"})
    assert response.status_code == 302
    [installation] = _installations(db)
    assert installation.scopes_version == 2 and installation.monthly_cap_minor == 1250
    assert installation.device_ids == sorted(machines.values())
    assert banner not in _html(owner_client.get("/marketplace/idle-report"))
    assert 'value="12.50"' in _html(owner_client.get(f"/marketplace/installations/{installation_id}/consent"))


def test_unsubscribe_asks_first_then_removes_and_tells_the_partner(db, owner, owner_client, publish, machines):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    confirm = _html(owner_client.get(f"/marketplace/installations/{installation_id}/unsubscribe"))
    assert "Billing for the module stops at once." in confirm and "The partner is notified" in confirm
    assert owner_client.post(f"/marketplace/installations/{installation_id}/unsubscribe").status_code == 400, \
        "no CSRF token, no removal"
    response = post_form(owner_client, f"/marketplace/installations/{installation_id}/unsubscribe")
    assert response.status_code == 302 and response.headers["Location"].endswith("/marketplace/installed")
    [installation] = _installations(db)
    assert installation.status == "deleted" and installation.deleted_at is not None
    assert _deliveries(db) == [("installation.created", "failed", installation_id),
                               ("installation.deleted", "pending", installation_id)]
    assert "No modules installed" in _html(owner_client.get("/marketplace/installed"))
    for url in ("consent", "unsubscribe", "open"):
        assert owner_client.get(f"/marketplace/installations/{installation_id}/{url}").status_code == 404
    assert post_form(owner_client, f"/marketplace/installations/{installation_id}/unsubscribe").status_code == 409


# --- opening a module ----------------------------------------------------------------------------

def test_open_redirects_with_a_launch_token(db, owner, owner_client, publish, machines):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    response = owner_client.get(f"/marketplace/installations/{installation_id}/open")
    assert response.status_code == 302 and response.headers["Cache-Control"] == "no-store"
    location = response.headers["Location"]
    assert location.startswith("https://p.example/launch?token=")
    with db.session() as session:
        secret = module_secret(SECRET_KEY, session.scalar(select(Module).where(Module.slug == "idle-report")))
    claims = jwt.decode(parse_qs(urlsplit(location).query)["token"][0], secret, algorithms=["HS256"],
                        audience="idle-report", issuer="http://localhost")
    assert (claims["installation_id"], claims["tenant_id"], claims["sub"]) == (
        installation_id, owner.tenant_id, str(owner.user_id))


def test_open_appends_to_an_existing_query_and_any_member_may_open(db, owner, owner_client, publish, machines,
                                                                   make_member, client_as):
    installation_id = _installed(db, owner, publish, machines, owner_client, manifest=VIBRATION)
    make_member(owner, "reader@acme.test", "member")
    response = client_as("reader@acme.test").get(f"/marketplace/installations/{installation_id}/open")
    assert response.status_code == 302
    assert re.match(r"^https://v\.example/app\?lang=en&token=[\w-]+\.[\w-]+\.[\w-]+$", response.headers["Location"])


def test_a_suspended_module_cannot_be_opened(db, owner, owner_client, publish, machines):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    with db.session() as session:
        admin = accounts.find_user(session, "ops@platform.test")
        modules.suspend(session.scalar(select(Module).where(Module.slug == "idle-report")), admin, "Checking it.")
    response = owner_client.get(f"/marketplace/installations/{installation_id}/open")
    assert response.status_code == 409 and "suspended" in _html(response)
    page = _html(owner_client.get("/marketplace/installed"))
    assert "Suspended by the platform" in page and f"/installations/{installation_id}/open" not in page
    assert owner_client.get("/marketplace/idle-report").status_code == 404


# --- other companies -----------------------------------------------------------------------------

def test_another_company_gets_404_on_installation_routes_and_insights(db, owner, owner_client, publish, machines,
                                                                      make_account, client_as):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    with tenant_context(owner.tenant_id), db.session() as session:
        insight = insights.post_insight(session, session.get(Installation, installation_id),
                                        {"kind": "card", "title": "Lathe idled 3 h"})
        session.flush()
        insight_id = insight.id
    make_account("Other Works", "owner@other.test")
    other = client_as("owner@other.test")
    for url in ("consent", "unsubscribe", "open"):
        assert other.get(f"/marketplace/installations/{installation_id}/{url}").status_code == 404, url
    assert post_form(other, f"/marketplace/installations/{installation_id}/consent",
                     {"devices": [str(machines["Lathe"])]}).status_code == 404
    assert post_form(other, f"/marketplace/installations/{installation_id}/unsubscribe").status_code == 404
    assert post_form(other, f"/alerts/insights/{insight_id}/dismiss").status_code == 404
    assert "Lathe idled 3 h" not in _html(other.get("/")) and "Lathe idled 3 h" not in _html(other.get("/alerts"))
    assert _installations(db)[0].status == "active"
    with tenant_context(owner.tenant_id), db.session() as session:
        assert session.get(Insight, insight_id).dismissed_at is None


# --- insights ------------------------------------------------------------------------------------

def test_insights_show_on_the_dashboard_and_alerts_and_can_be_dismissed(db, owner, owner_client, publish, machines,
                                                                        make_member, client_as):
    empty = _html(owner_client.get("/"))
    assert "From your modules" in empty and "Nothing yet." in empty
    installation_id = _installed(db, owner, publish, machines, owner_client)
    with tenant_context(owner.tenant_id), db.session() as session:
        installation = session.get(Installation, installation_id)
        card = insights.post_insight(session, installation, {"kind": "card", "severity": "warning",
                                                             "title": "Lathe idled 3 h", "body": "Worth €4.20."})
        report = insights.post_insight(session, installation, {"kind": "report", "title": "March report",
                                                               "url": "https://p.example/r/1"})
        alert = insights.post_insight(session, installation, {"kind": "alert", "severity": "critical",
                                                              "title": "Bearing noise on the press"})
        session.flush()
        ids = card.id, report.id, alert.id
    dashboard = _html(owner_client.get("/"))
    assert "Lathe idled 3 h" in dashboard and "Worth €4.20." in dashboard and "From Idle Waste Report" in dashboard
    assert 'class="insight severity-warning kind-card"' in dashboard
    assert re.search(r'href="https://p\.example/r/1" target="_blank" rel="noopener noreferrer"', dashboard)
    assert "Bearing noise" not in dashboard, "alerts go to the notification centre only"
    alerts_page = _html(owner_client.get("/alerts"))
    for title in ("Lathe idled 3 h", "March report", "Bearing noise on the press"):
        assert title in alerts_page
    assert f'action="/alerts/insights/{ids[2]}/dismiss"' in alerts_page
    make_member(owner, "reader@acme.test", "member")
    member = client_as("reader@acme.test")
    assert owner_client.post(f"/alerts/insights/{ids[0]}/dismiss").status_code == 400, "CSRF"
    response = post_form(member, f"/alerts/insights/{ids[0]}/dismiss")
    assert response.status_code == 302
    assert "Lathe idled 3 h" not in _html(owner_client.get("/"))
    assert "Lathe idled 3 h" not in _html(owner_client.get("/alerts"))
    assert post_form(owner_client, "/alerts/insights/999999/dismiss").status_code == 404


def test_dashboard_shows_the_five_newest(db, owner, owner_client, publish, machines):
    installation_id = _installed(db, owner, publish, machines, owner_client)
    from datetime import timedelta

    from tenants.clock import utcnow

    start = utcnow()
    with tenant_context(owner.tenant_id), db.session() as session:
        installation = session.get(Installation, installation_id)
        for number in range(7):
            insights.post_insight(session, installation, {"title": f"Card number {number}"},
                                  now=start + timedelta(minutes=number))
    page = _html(owner_client.get("/"))
    assert [n for n in range(7) if f"Card number {n}<" in page] == [2, 3, 4, 5, 6]
    assert page.index("Card number 6") < page.index("Card number 2"), "newest first"

