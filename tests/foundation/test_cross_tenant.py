"""Every route with an object in its URL answers 404 to another tenant's user and API key.

The routes come from the app's URL map, so a new route cannot skip this test: a URL argument
with no factory below fails `test_every_url_argument_has_a_factory`.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tenants import apikeys
from tenants.clock import utcnow
from tenants.db import tenant_owned_tables
from tenants.models import Invitation, Membership
from tenants.scoping import tenant_context
from tests.conftest import csrf_token, login

# URL arguments that are not tenant objects, with the reason.
NOT_TENANT_OBJECTS = {
    "token": "signed single-use link tokens (verify, reset, invite) are tested in their own suites",
    "filename": "static files",
    "slug": "published modules are listed to every company: a module's slug is public",
}
PLAUSIBLE_FORM = {"role": "admin", "name": "x", "email": "someone@example.test", "password": "long-enough-pw-1",
                  "language": "en", "company": "X", "country": "DE", "timezone": "Europe/Berlin", "currency": "EUR"}


def _api_key(session, victim) -> int:
    return apikeys.create_key(session, "victim key")[0].id


def _membership(session, victim) -> int:
    from tenants import accounts

    user = accounts.create_user(session, email="member@victim.test", password="long-enough-pw-1")
    membership = Membership(tenant_id=victim.tenant_id, user_id=user.id, role="member")
    session.add(membership)
    session.flush()
    return membership.id


def _invitation(session, victim) -> int:
    invitation = Invitation(email="invitee@victim.test", role="member", token_hash="0" * 64,
                            expires_at=utcnow() + timedelta(days=1))
    session.add(invitation)
    session.flush()
    return invitation.id


def _tenant(session, victim) -> int:
    return victim.tenant_id


def _device(session, victim) -> int:
    from telemetry import registry

    return registry.create_device(session, {"name": f"victim lathe {next(_slugs)}"})[0].id


def _alert(session, victim) -> int:
    from telemetry import registry
    from telemetry.alerts import Alert

    device = registry.create_device(session, {"name": "victim alerting press"})[0]
    session.flush()
    alert = Alert(device_id=device.id, kind="offline", opened_at=utcnow(), details={})
    session.add(alert)
    session.flush()
    return alert.id


_slugs = itertools.count(1)


def _published_module(session):
    from tests.marketplace.support import UNIT_MANIFEST, publish_module

    return publish_module(session, {**UNIT_MANIFEST, "slug": f"victim-module-{next(_slugs)}"},
                          partner_email="dev@victim-partner.test")


def _partner(session, victim) -> int:
    return _published_module(session).partner_id


def _partner_member(session, victim) -> int:
    from marketplace.models import PartnerMember
    from tenants import accounts

    user = accounts.find_user(session, "teammate@victim-partner.test") or accounts.create_user(
        session, email="teammate@victim-partner.test", password="long-enough-pw-1")
    member = PartnerMember(partner_id=_partner(session, victim), user_id=user.id, role="member")
    session.add(member)
    session.flush()
    return member.id


def _module(session, victim) -> int:
    return _published_module(session).id


def _installation_of(session, victim):
    from marketplace import installations
    from tenants.models import Tenant, User

    return installations.subscribe(session, session.get(Tenant, victim.tenant_id), _published_module(session),
                                   session.get(User, victim.user_id), [_device(session, victim)], None)


def _installation(session, victim) -> int:
    return _installation_of(session, victim).id


def _delivery(session, victim) -> int:
    from marketplace.models import WebhookDelivery

    installation = _installation_of(session, victim)
    session.flush()
    return session.query(WebhookDelivery).filter_by(installation_id=installation.id).one().id


def _insight(session, victim) -> int:
    from marketplace import insights

    return insights.post_insight(session, _installation_of(session, victim), {"title": "Victim's idle waste"}).id


def _payout(session, victim) -> int:
    from datetime import date

    from billing.models import Payout

    payout = Payout(partner_id=_partner(session, victim), period_start=date(2026, 9, 1), currency="EUR",
                    gross_minor=100, commission_minor=20, net_minor=80)
    session.add(payout)
    session.flush()
    return payout.id


def _invoice(session, victim) -> int:
    from datetime import date

    from billing.models import Invoice

    invoice = Invoice(number=f"DF-T-{victim.tenant_id}", period_start=date(2026, 9, 1), period_end=date(2026, 10, 1),
                      currency="EUR", subtotal_minor=100, tax_rate_bp=1900, tax_minor=19, total_minor=119,
                      country="DE", company_name="Victim Works", status="open")
    session.add(invoice)
    session.flush()
    return invoice.id


def _notice(session, victim) -> int:
    from billing.models import BillingNotice

    notice = BillingNotice(key="cap_80:overall:2026-10", kind="cap_80", details={"month": "2026-10"})
    session.add(notice)
    session.flush()
    return notice.id


FACTORIES: dict[str, Callable] = {
    "payout_id": _payout,
    "invoice_id": _invoice,
    "notice_id": _notice,
    "month": lambda session, victim: "2026-10",
    "partner_id": _partner,
    "member_id": _partner_member,
    "module_id": _module,
    "installation_id": _installation,
    "delivery_id": _delivery,
    "insight_id": _insight,
    "key_id": _api_key,
    "membership_id": _membership,
    "invitation_id": _invitation,
    "tenant_id": _tenant,
    "device_id": _device,
    "alert_id": _alert,
}


def _gateway_key(session, victim) -> int:
    from telemetry import registry

    return registry.create_gateway_key(session, "victim gateway")[0].id


# (a piece of the rule, URL argument) -> factory, for an argument that names another kind of object on
# some routes: `key_id` is a gateway key under /gateway-keys/ and an API key elsewhere.
ROUTE_FACTORIES: dict[tuple[str, str], Callable] = {("/gateway-keys/", "key_id"): _gateway_key}


def _factory(rule: str, arg: str) -> Callable:
    return next((make for (piece, name), make in ROUTE_FACTORIES.items() if name == arg and piece in rule),
                FACTORIES[arg])


def _routes():
    from app import create_app

    throwaway = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x",
                            "INSTANCE_PATH": str(Path(__file__).parent / ".no-instance")})
    for rule in throwaway.url_map.iter_rules():
        arguments = sorted(rule.arguments)
        if arguments and not all(a in NOT_TENANT_OBJECTS for a in arguments):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, rule.endpoint, method, arguments, id=f"{method} {rule.rule}")


ROUTES = list(_routes())


def test_every_url_argument_has_a_factory():
    missing = {arg for _rule, _ep, _m, args in (p.values for p in ROUTES) for arg in args
               if arg not in FACTORIES and arg not in NOT_TENANT_OBJECTS}
    assert not missing, f"add a factory for {missing} in {__file__}"


def _victim_rows(test_db, tenant_id: int) -> dict:
    engine = create_engine(test_db.admin_url)
    with engine.begin() as connection:
        if test_db.dialect == "postgresql":
            connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        rows = {table: connection.execute(text(f'SELECT * FROM "{table}" WHERE tenant_id = :t ORDER BY 1'),
                                          {"t": tenant_id}).all() for table in [*tenant_owned_tables(), "memberships"]}
    engine.dispose()
    return rows


@pytest.mark.parametrize(("rule", "endpoint", "method", "arguments"), ROUTES)
def test_other_tenant_gets_404(app, db, client, make_account, test_db, rule, endpoint, method, arguments):
    victim = make_account("Victim Works", "victim@victim.test")
    attacker = make_account("Attacker Ltd", "attacker@attacker.test")
    with db.session() as session, tenant_context(victim.tenant_id):
        values = {arg: _factory(rule, arg)(session, victim) for arg in arguments}
        session.flush()
    with db.session() as session, tenant_context(attacker.tenant_id):
        _key, attacker_key = apikeys.create_key(session, "attacker key")
        session.flush()
    path = rule
    for arg, value in values.items():
        path = path.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
    before = _victim_rows(test_db, victim.tenant_id)

    if path.startswith("/api/partner/"):
        _assert_installation_token_gets_404(app, db, attacker, path, method)
        assert _victim_rows(test_db, victim.tenant_id) == before
        return
    assert login(client, attacker.email).status_code == 302
    headers = {"X-CSRFToken": csrf_token(client)}
    response = client.open(path, method=method, data={**PLAUSIBLE_FORM, "csrf_token": headers["X-CSRFToken"]},
                           headers=headers)
    assert response.status_code == 404, (method, path, response.status_code, response.get_data(as_text=True)[:300])
    if path.startswith("/api/"):
        keyed = app.test_client().open(path, method=method, json={},
                                       headers={"Authorization": f"Bearer {attacker_key}"})
        assert keyed.status_code == 404, (method, path, "API key", keyed.status_code)
    assert _victim_rows(test_db, victim.tenant_id) == before, "another tenant's request changed this tenant's data"


def _assert_installation_token_gets_404(app, db, attacker, path: str, method: str) -> None:
    """The partner API takes installation tokens only: the attacker's own installation asks for the victim's objects."""
    from marketplace import tokens

    with db.session() as session, tenant_context(attacker.tenant_id):
        installation = _installation_of(session, attacker)
        token = tokens.issue_token(session, installation)
        session.flush()
    response = app.test_client().open(path, method=method, json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404, (method, path, "installation token", response.status_code)
