"""The partner portal through real forms (CSRF included): partner signup, a module written in the form
with prices in major units, the secret shown once, review, installations, the delivery log and
redelivery; bad input stored nothing; other users' partners answer 404 on every route."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from marketplace import modules, signing, webhooks
from marketplace.models import Installation, Module, Partner, WebhookDelivery
from tenants import accounts
from tenants.clock import utcnow
from tenants.models import User
from tests.conftest import PASSWORD, post_form
from tests.marketplace.test_manifest import GOOD

SECRET_KEY = "test-secret-key-0123456789"  # the app_config fixture's SECRET_KEY
SECRET_ON_PAGE = re.compile(r'id="module-secret">(dfs_[0-9a-f]{64})<')
MODULE_FORM = {
    "name": "Idle Waste Report", "slug": "idle-report", "summary": "A daily report of the money lost idling.",
    "description": "# Idle waste\n\nEvery morning, **which machine** idled the most.",
    "icon_url": "https://p.example/i.png", "categories": ["reports", "energy"], "languages": "en, zh-Hans",
    "support_email": "help@p.example", "webhook_url": "https://p.example/hooks",
    "launch_url": "https://p.example/launch", "scopes": ["devices:read", "readings:read"],
    "events": ["device.daily_summary"], "pricing_model": "device_day", "unit_name": "",
    "prices": "EUR 0.50, CNY 4.00", "version": "1.0.0",
}


def _html(response) -> str:
    return response.get_data(as_text=True)


def signup_partner(client, name: str = "Lean Watts GmbH") -> int:
    """Sign a partner up through the form; its id."""
    response = post_form(client, "/partners/signup", {"name": name, "contact_email": "hi@leanwatts.test"})
    assert response.status_code == 302, _html(response)[:800]
    match = re.search(r"/partners/(\d+)/$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def create_module_by_form(client, partner_id: int, **changes) -> tuple[int, str]:
    """Write a module in the form; (module id, the secret the answer shows)."""
    response = post_form(client, f"/partners/{partner_id}/modules/new", {**MODULE_FORM, **changes})
    assert response.status_code == 201, _html(response)[:2000]
    page = _html(response)
    secret = SECRET_ON_PAGE.search(page).group(1)
    module_id = int(re.search(rf"/partners/{partner_id}/modules/(\d+)\"", page).group(1))
    return module_id, secret


@pytest.fixture
def make_admin(db):
    """Make a user a platform admin (created when needed): make_admin(email) -> user id."""
    def make(email: str = "ops@platform.test") -> int:
        with db.session() as session:
            user = accounts.find_user(session, email) or accounts.create_user(session, email=email, password=PASSWORD)
            user.verified_at = user.verified_at or utcnow()
            user.is_platform_admin = True
            session.flush()
            return user.id
    return make


@pytest.fixture
def stored(db):
    """Read the database: stored(Model, id) -> {column: value} or None; stored.count(Model)."""
    class Reader:
        def __call__(self, model, row_id: int) -> dict | None:
            with db.session() as session:
                row = session.get(model, row_id)
                return None if row is None else {c.name: getattr(row, c.name) for c in model.__table__.columns}

        def count(self, model) -> int:
            with db.session() as session:
                return session.scalar(select(func.count()).select_from(model))
    return Reader()


@pytest.fixture
def published_module(db, owner, make_admin):
    """A published module of a partner owned by `owner` (made through the domain), with an active
    installation in the owner's company: (partner id, module id, installation id)."""
    admin_id = make_admin()
    with db.session() as session:
        user, admin = session.get(User, owner.user_id), session.get(User, admin_id)
        partner = modules.create_partner(session, name="Lean Watts GmbH", contact_email="hi@leanwatts.test",
                                         owner=user)
        module = modules.approve(modules.submit_for_review(modules.create_module(session, partner, GOOD)), admin)
        session.flush()
        installation = Installation(tenant_id=owner.tenant_id, module_id=module.id, status="active",
                                    scopes=list(GOOD["scopes"]), scopes_version=1, device_ids=[],
                                    notified_states={}, installed_by_id=user.id)
        session.add(installation)
        session.flush()
        return partner.id, module.id, installation.id


def _enqueue(db, module_id: int, installation_id: int, event_type: str = "installation.created") -> int:
    with db.session() as session:
        module, installation = session.get(Module, module_id), session.get(Installation, installation_id)
        delivery = webhooks.enqueue(session, installation, module, event_type,
                                    {"installation": {"id": installation.id}})
        session.flush()
        return delivery.id


# Signup and the partner list

def test_partner_list_explains_partners_and_links_to_signup(owner_client):
    page = _html(owner_client.get("/partners/"))
    assert "A partner is a company that builds app modules" in page and 'href="/partners/signup"' in page


def test_signup_creates_the_partner_and_opens_its_portal(owner_client, owner, stored):
    form = _html(owner_client.get("/partners/signup"))
    assert f'value="{owner.email}"' in form, "the contact email starts as the user's"
    partner_id = signup_partner(owner_client)
    portal = owner_client.get(f"/partners/{partner_id}/")
    assert portal.status_code == 200
    page = _html(portal)
    assert "Lean Watts GmbH is a partner now" in page and "No modules yet" in page
    assert f'href="/partners/{partner_id}/modules/new"' in page
    assert stored(Partner, partner_id)["contact_email"] == "hi@leanwatts.test"
    listing = _html(owner_client.get("/partners/"))
    assert f'href="/partners/{partner_id}/"' in listing and "Lean Watts GmbH" in listing


def test_signup_with_bad_input_stores_nothing(owner_client, stored):
    response = post_form(owner_client, "/partners/signup", {"name": " ", "contact_email": "not-an-address"})
    assert response.status_code == 422
    assert "Enter a valid email address." in _html(response)
    assert stored.count(Partner) == 0


def test_pages_need_a_login(client):
    response = client.get("/partners/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# A module from the form to publication

def test_module_form_to_review_to_publication(owner_client, app, db, owner, make_admin, client_as, stored):
    partner_id = signup_partner(owner_client)
    new_form = _html(owner_client.get(f"/partners/{partner_id}/modules/new"))
    assert "See the machines you choose" in new_form, "each scope is explained in plain words"
    assert 'name="categories" type="checkbox" value="reports"' in new_form or 'value="reports"' in new_form

    module_id, secret = create_module_by_form(owner_client, partner_id)
    module = stored(Module, module_id)
    assert module["status"] == "draft" and module["slug"] == "idle-report"
    assert module["draft_manifest"]["pricing"] == {"model": "device_day", "prices": {"CNY": 400, "EUR": 50},
                                                   "unit_name": None}
    assert module["draft_manifest"]["languages"] == ["en", "zh-Hans"]
    with db.session() as session:
        assert secret == signing.module_secret(SECRET_KEY, session.get(Module, module_id))

    page = _html(owner_client.get(f"/partners/{partner_id}/modules/{module_id}"))
    assert secret not in page, "the secret is shown only once"
    assert "Draft" in page and "Submit for review" in page and "http://localhost/api/partner/v1" in page
    assert "installation.created" in page, "the credentials section says where tokens come from"
    portal = _html(owner_client.get(f"/partners/{partner_id}/"))
    assert "Idle Waste Report" in portal and "idle-report" in portal and "Draft" in portal

    submitted = post_form(owner_client, f"/partners/{partner_id}/modules/{module_id}/submit")
    assert submitted.status_code == 302
    assert stored(Module, module_id)["status"] == "in_review"
    assert "Submitted for review" in _html(owner_client.get(submitted.headers["Location"]))

    make_admin()
    admin = client_as("ops@platform.test")
    review = _html(admin.get(f"/admin/modules/{module_id}"))
    assert "Idle Waste Report" in review and "EUR 0.50" in review and "CNY 4.00" in review
    approved = post_form(admin, f"/admin/modules/{module_id}/approve")
    assert approved.status_code == 302
    assert stored(Module, module_id)["status"] == "published"
    assert stored(Module, module_id)["live_manifest"]["pricing"]["prices"] == {"CNY": 400, "EUR": 50}
    assert "Published" in _html(owner_client.get(f"/partners/{partner_id}/modules/{module_id}"))


def test_unit_pricing_and_whole_yen(owner_client, stored):
    partner_id = signup_partner(owner_client)
    module_id, _secret = create_module_by_form(owner_client, partner_id, pricing_model="unit", unit_name="report",
                                               prices="JPY 80; EUR 0,75")
    pricing = stored(Module, module_id)["draft_manifest"]["pricing"]
    assert pricing == {"model": "unit", "prices": {"EUR": 75, "JPY": 80}, "unit_name": "report"}


@pytest.mark.parametrize("changes, reason", [
    ({"name": ""}, "This field is required."),
    ({"slug": "Idle Report"}, "slug must be 3-50 lower-case letters"),
    ({"prices": "EUR 0.505"}, "EUR prices have at most 2 decimals (not 0.505)."),
    ({"prices": "XXQ 1.00"}, "XXQ is not a currency code"),
    ({"prices": "JPY 0.5"}, "JPY has no smaller unit"),
    ({"prices": "fifty cents"}, "Write each price as a currency code and an amount"),
    ({"prices": "EUR 1, EUR 2"}, "EUR is priced twice"),
    ({"webhook_url": "ftp://p.example/x"}, "webhook_url must be an http(s) address"),
    ({"categories": []}, "Choose at least one of the categories."),
    ({"languages": "english!"}, "languages must list language codes"),
    ({"pricing_model": "unit"}, "The pricing.unit_name is required."),
    ({"version": "v1"}, "version must look like 1.0.0."),
    ({"scopes": ["devices:write"]}, "not a valid choice"),
])
def test_bad_module_input_is_refused_with_the_reason_and_nothing_stored(owner_client, stored, changes, reason):
    partner_id = signup_partner(owner_client)
    response = post_form(owner_client, f"/partners/{partner_id}/modules/new", {**MODULE_FORM, **changes})
    assert response.status_code == 422
    page = _html(response)
    assert reason in page.replace("&#34;", '"').replace("&#39;", "'"), page[page.find("<main"):][:3000]
    assert "has-error" in page or "flash error" in page
    assert stored.count(Module) == 0


def test_a_taken_slug_is_refused(owner_client, stored):
    partner_id = signup_partner(owner_client)
    create_module_by_form(owner_client, partner_id)
    response = post_form(owner_client, f"/partners/{partner_id}/modules/new", MODULE_FORM)
    assert response.status_code == 409 and "The slug idle-report is taken" in _html(response)
    assert stored.count(Module) == 1


def test_edit_form_is_filled_and_saves(owner_client, stored):
    partner_id = signup_partner(owner_client)
    module_id, _secret = create_module_by_form(owner_client, partner_id)
    url = f"/partners/{partner_id}/modules/{module_id}/edit"
    form = _html(owner_client.get(url))
    assert 'value="CNY 4.00, EUR 0.50"' in form and 'value="en, zh-Hans"' in form and 'name="slug"' not in form
    response = post_form(owner_client, url, {**MODULE_FORM, "summary": "Now with charts.", "prices": "EUR 1.25"})
    assert response.status_code == 302
    manifest = stored(Module, module_id)["draft_manifest"]
    assert manifest["summary"] == "Now with charts." and manifest["pricing"]["prices"] == {"EUR": 125}
    assert manifest["slug"] == "idle-report"
    bad = post_form(owner_client, url, {**MODULE_FORM, "prices": "EUR 0.505"})
    assert bad.status_code == 422 and stored(Module, module_id)["draft_manifest"]["pricing"]["prices"] == {"EUR": 125}


def test_published_edit_of_prices_waits_for_review(owner_client, published_module, stored):
    partner_id, module_id, _installation = published_module
    unchanged = post_form(owner_client, f"/partners/{partner_id}/modules/{module_id}/submit")
    assert "There is nothing to review" in _html(owner_client.get(unchanged.headers["Location"]))
    url = f"/partners/{partner_id}/modules/{module_id}/edit"
    response = post_form(owner_client, url, {**MODULE_FORM, "prices": "EUR 0.09, CNY 0.40"})
    assert response.status_code == 302
    page = _html(owner_client.get(response.headers["Location"]))
    assert "submit the module for review" in page
    assert stored(Module, module_id)["live_manifest"]["pricing"]["prices"] == {"CNY": 40, "EUR": 5}
    assert post_form(owner_client, f"/partners/{partner_id}/modules/{module_id}/submit").status_code == 302
    assert stored(Module, module_id)["review_pending"] is True
    page = _html(owner_client.get(f"/partners/{partner_id}/modules/{module_id}"))
    assert "Edit waiting for review" in page and "/submit" not in page


def test_rotating_the_secret_shows_a_new_one_once(owner_client, db, stored):
    partner_id = signup_partner(owner_client)
    module_id, first = create_module_by_form(owner_client, partner_id)
    response = post_form(owner_client, f"/partners/{partner_id}/modules/{module_id}/secret")
    assert response.status_code == 200
    second = SECRET_ON_PAGE.search(_html(response)).group(1)
    assert second != first and stored(Module, module_id)["secret_version"] == 2
    with db.session() as session:
        assert signing.module_secret(SECRET_KEY, session.get(Module, module_id)) == second
    assert owner_client.post(f"/partners/{partner_id}/modules/{module_id}/secret").status_code == 400, "CSRF"
    assert stored(Module, module_id)["secret_version"] == 2


# Installations and the delivery log

def test_module_page_lists_installations(owner_client, published_module):
    partner_id, module_id, installation_id = published_module
    page = _html(owner_client.get(f"/partners/{partner_id}/modules/{module_id}"))
    assert "Acme Metall" in page and f"#{installation_id}" in page and "0 machines" in page
    assert "version 1" in page and "Active" in page and "1 company" in page


def test_delivery_log_lists_and_redelivers(owner_client, db, published_module, stored):
    partner_id, module_id, installation_id = published_module
    delivery_id = _enqueue(db, module_id, installation_id)
    url = f"/partners/{partner_id}/modules/{module_id}/deliveries"
    page = _html(owner_client.get(url))
    event_id = stored(WebhookDelivery, delivery_id)["event_id"]
    assert "installation.created" in page and event_id in page and "Queued" in page
    assert f"/deliveries/{delivery_id}/redeliver" not in page, "a queued event not yet tried cannot be sent again"
    queued = post_form(owner_client, f"{url}/{delivery_id}/redeliver")
    assert "This event is already queued." in _html(owner_client.get(queued.headers["Location"]))

    with db.session() as session:  # it failed for good
        delivery = session.get(WebhookDelivery, delivery_id)
        delivery.status, delivery.attempts, delivery.next_attempt_at = "failed", 9, None
        delivery.last_status_code, delivery.last_error = 500, "HTTP 500"
        delivery.give_up_at = utcnow() - timedelta(hours=1)
    failed = _html(owner_client.get(url + "?status=failed"))
    assert event_id in failed and "HTTP 500" in failed and "9 attempts" in failed
    assert event_id not in _html(owner_client.get(url + "?status=delivered"))
    assert owner_client.get(url + "?status=bogus").status_code == 400

    response = post_form(owner_client, f"{url}/{delivery_id}/redeliver?status=failed")
    assert response.status_code == 302 and response.headers["Location"].endswith("/deliveries?status=failed")
    row = stored(WebhookDelivery, delivery_id)
    assert row["status"] == "pending" and row["next_attempt_at"] is not None
    assert row["give_up_at"] > utcnow().replace(tzinfo=row["give_up_at"].tzinfo) + timedelta(hours=23)
    assert "is queued again" in _html(owner_client.get(url))


def test_delivery_log_pages_by_50(owner_client, db, published_module):
    partner_id, module_id, installation_id = published_module
    for _ in range(51):
        _enqueue(db, module_id, installation_id, "installation.deleted")
    url = f"/partners/{partner_id}/modules/{module_id}/deliveries"
    first = _html(owner_client.get(url))
    assert "Page 1 of 2" in first and first.count("<tr>") == 51  # the header row and 50 events
    assert "51 events" in first
    assert "Page 2 of 2" in _html(owner_client.get(url + "?page=2"))
    assert owner_client.get(url + "?page=0").status_code == 400


# Nobody else's partner

def _partner_routes(app) -> list[tuple[str, str, set]]:
    return [(rule.rule, rule.endpoint, rule.methods - {"HEAD", "OPTIONS"}) for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("partners.") and "partner_id" in rule.arguments]


def test_a_non_member_gets_404_on_every_partner_route(app, db, owner_client, published_module, make_account,
                                                      client_as, stored):
    partner_id, module_id, installation_id = published_module
    delivery_id = _enqueue(db, module_id, installation_id)
    make_account("Other Works", "other@other.test")
    outsider = client_as("other@other.test")
    other_partner = signup_partner(outsider, "Outsider Labs")
    values = {"partner_id": partner_id, "module_id": module_id, "delivery_id": delivery_id}
    routes = _partner_routes(app)
    assert len(routes) == 8
    before = (stored(Module, module_id), stored(WebhookDelivery, delivery_id))
    for rule, _endpoint, methods in routes:
        for method in methods:
            # their partner; and their module under the outsider's own partner
            for partner in (partner_id, other_partner) if "module_id" in rule else (partner_id,):
                path = rule
                for arg, value in {**values, "partner_id": partner}.items():
                    path = path.replace(f"<int:{arg}>", str(value))
                data = {**MODULE_FORM, "csrf_token": _csrf(outsider)} if method == "POST" else None
                response = outsider.open(path, method=method, data=data)
                assert response.status_code == 404, (method, path, response.status_code)
    assert (stored(Module, module_id), stored(WebhookDelivery, delivery_id)) == before
    assert stored.count(Module) == 1


def _csrf(client) -> str:
    page = _html(client.get("/partners/"))
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_member_can_use_its_own_partner(owner_client, published_module):
    partner_id, module_id, _installation = published_module
    for path in ("/", f"/modules/{module_id}", f"/modules/{module_id}/edit", f"/modules/{module_id}/deliveries",
                 "/modules/new"):
        assert owner_client.get(f"/partners/{partner_id}{path}").status_code == 200, path
    assert owner_client.get(f"/partners/{partner_id}/modules/{module_id + 1000}").status_code == 404


def test_what_partners_write_is_escaped(owner_client, make_admin, client_as):
    partner_id = signup_partner(owner_client, "<b>Evil</b> Labs")
    module_id, _secret = create_module_by_form(owner_client, partner_id, name='<script>alert("x")</script>',
                                               description="<img src=x onerror=alert(1)> [link](javascript:alert(1))")
    make_admin()
    admin = client_as("ops@platform.test")
    base = f"/partners/{partner_id}/modules/{module_id}"
    pages = [owner_client.get(f"/partners/{partner_id}/"), owner_client.get(base), owner_client.get(f"{base}/edit"),
             owner_client.get("/partners/"), admin.get(f"/admin/modules/{module_id}"), admin.get("/admin/modules/")]
    for response in pages:
        page = _html(response)
        assert response.status_code == 200
        assert "<script>alert" not in page and "<b>Evil</b>" not in page and "<img src=x" not in page
        assert 'href="javascript' not in page
