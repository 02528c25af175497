"""Every route of the marketplace and billing surfaces, called by someone entitled to it with garbage (junk
form fields, junk JSON, junk query arguments), answers without a 500. The precise refusals and their
reasons are tested with each surface; this sweep makes sure no route was left out."""
from __future__ import annotations

from pathlib import Path

import pytest

from marketplace import tokens
from marketplace.models import Partner, PartnerMember
from tenants.models import User
from tenants.scoping import tenant_context
from tests.conftest import csrf_token, login
from tests.foundation.test_cross_tenant import _factory, _installation_of

BLUEPRINTS = ("partners", "partner_members", "partner_statements", "admin_modules", "admin_billing", "admin_payouts",
              "marketplace", "billing", "billing_card", "api_partner", "alerts")
JUNK_FORM = {"name": "\x00" * 3, "email": "@@", "role": "emperor", "cap": "-1e99", "devices": ["x", "-5"],
             "reason": "", "prices": "EUR ∞", "payment_method": "pm_../../x", "month": "2026-13", "currency": "€€€",
             "partner_id": "NaN", "reference": "x" * 500, "fee": "1,2,3", "free_devices": "-1", "commission": "101",
             "pricing_model": "free", "webhook_url": "http://[::1", "slug": "../etc", "version": "∞", "q": "<script>"}
JUNK_JSON = {"quantity": "∞", "idempotency_key": {"a": 1}, "kind": ["card"], "title": None, "device_id": "1; drop",
             "day": "2026-02-30", "url": "http://[::1"}
JUNK_QUERY = "?page=%C2%B2&status=zzz&month=13-2026&q=%3Cscript%3E&from=yesterday&to=0001-01-01T00:00:00%2B01:00" \
             "&resolution=decade&limit=-1&category=none"


def _routes():
    from app import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x",
                      "INSTANCE_PATH": str(Path(__file__).parent / ".no-instance")})
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in BLUEPRINTS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield pytest.param(rule.rule, method, sorted(rule.arguments), id=f"{method} {rule.rule}")


@pytest.mark.parametrize(("rule", "method", "arguments"), list(_routes()))
def test_garbage_never_gets_a_500(app, db, client, make_account, rule, method, arguments):
    account = make_account("Own Works", "owner@own.test")
    with db.session() as session, tenant_context(account.tenant_id):
        values = {arg: _factory(rule, arg)(session, account) if arg != "slug" else "idle-units" for arg in arguments}
        token = tokens.issue_token(session, _installation_of(session, account))
        session.flush()
    with db.session() as session:  # entitled everywhere: platform admin and owner of every partner
        session.get(User, account.user_id).is_platform_admin = True
        for partner_id in session.query(Partner.id).all():
            if not session.query(PartnerMember).filter_by(partner_id=partner_id[0], user_id=account.user_id).count():
                session.add(PartnerMember(partner_id=partner_id[0], user_id=account.user_id, role="owner"))
    path = rule
    for arg, value in values.items():
        path = path.replace(f"<int:{arg}>", str(value)).replace(f"<{arg}>", str(value))
    if path.startswith("/api/partner/"):
        response = app.test_client().open(path + (JUNK_QUERY if method == "GET" else ""), method=method,
                                          json=JUNK_JSON, headers={"Authorization": f"Bearer {token}"})
    else:
        assert login(client, account.email).status_code == 302
        token_value = csrf_token(client)
        response = client.open(path + (JUNK_QUERY if method == "GET" else ""), method=method,
                               data={**JUNK_FORM, "csrf_token": token_value}, headers={"X-CSRFToken": token_value})
    assert response.status_code < 500, (method, path, response.status_code, response.get_data(as_text=True)[:300])
