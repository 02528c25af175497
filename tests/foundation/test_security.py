"""Security baseline: CSRF on every form route, cookie flags, CSP, rate limits, no user enumeration,
the audit log, and the platform-admin pages."""
import re

import pytest

from tests.conftest import PASSWORD, csrf_token, login, post_form

# Blueprints whose POST routes are not browser forms: they authenticate with an API key or a device
# credential and read no cookies (DESIGN.md). A new machine-facing blueprint must be added here on
# purpose; every other POST route is checked, and no other blueprint may be CSRF-exempt.
NON_FORM_BLUEPRINTS = {"api_v1", "api_partner", "billing_webhooks", "ingest", "ingest_emoncms",
                       "ingest_influx"}  # tokens or signatures, not cookies
CSRF_FIELD = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')


def form_routes(app) -> list[str]:
    """Every POST URL of the app outside the non-form blueprints, with 1 for each path argument."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint.partition(".")[0] not in NON_FORM_BLUEPRINTS:
            urls.append(adapter.build(rule.endpoint, {arg: 1 for arg in rule.arguments}, method="POST"))
    return sorted(urls)


def page_text(response, *variable: str) -> str:
    """A page's body without its CSRF tokens and the given variable parts (such as the email)."""
    text = CSRF_FIELD.sub(r"\1…\2", response.get_data(as_text=True))
    for part in variable:
        text = text.replace(part, "…")
    return text


def wrong_login(client, email: str = "nobody@nowhere.test", **kwargs):
    return post_form(client, "/login", {"email": email, "password": "wrong-password-0"}, **kwargs)


def signup_data(email: str, company: str = "New Co") -> dict:
    return {"company": company, "country": "DE", "timezone": "Europe/Berlin", "currency": "EUR",
            "email": email, "password": PASSWORD}


# CSRF

def test_only_machine_facing_blueprints_skip_csrf(app):
    from web.extensions import csrf

    exempt = getattr(csrf, "_exempt_blueprints", set())
    exempt_paths = {path for path, bp in app.blueprints.items() if bp in exempt or bp.name in exempt}
    assert exempt_paths, "Flask-WTF keeps its exemptions elsewhere now: update this test"
    # a blueprint nested in a machine-facing one (api_v1.devices, ...) is machine-facing too
    assert {path.partition(".")[0] for path in exempt_paths} <= NON_FORM_BLUEPRINTS
    assert not getattr(csrf, "_exempt_views", set())


def test_form_routes_are_found(app):
    routes = form_routes(app)
    for expected in ("/login", "/signup", "/logout", "/forgot", "/settings", "/team/invite", "/switch/1"):
        assert expected in routes


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "owner"])
def test_every_form_route_refuses_a_post_without_csrf_token(app, client, owner, logged_in):
    if logged_in:
        login(client, owner.email)
    answers = {url: client.post(url, data={"email": owner.email, "password": PASSWORD, "name": "x"}).status_code
               for url in form_routes(app)}
    assert {url: status for url, status in answers.items() if status != 400} == {}


def test_csrf_token_of_another_session_is_refused(app, owner_client, sql):
    foreign_token = csrf_token(app.test_client())

    response = owner_client.post("/settings/api-keys", data={"csrf_token": foreign_token, "name": "ERP"})

    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)
    assert sql("SELECT count(*) FROM api_keys")[0][0] == 0


# Cookies and headers

def test_session_and_remember_cookies_are_httponly_and_lax(client, owner):
    client.get("/login")
    response = login(client, owner.email, remember=True)

    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= set(cookies)
    for name, header in cookies.items():
        assert "HttpOnly" in header, name
        assert "SameSite=Lax" in header, name


@pytest.mark.parametrize("path", ["/", "/login", "/signup", "/forgot", "/no-such-page"])
def test_pages_carry_a_content_security_policy(client, path):
    policy = client.get(path).headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_logged_in_pages_carry_a_content_security_policy(owner_client):
    for path in ("/", "/team", "/settings", "/account"):
        assert "script-src 'self'" in owner_client.get(path).headers["Content-Security-Policy"]


# Rate limits

@pytest.mark.parametrize("path, make_data", [
    ("/login", lambda i: {"email": f"nobody{i}@nowhere.test", "password": "wrong-password-0"}),
    ("/forgot", lambda i: {"email": f"nobody{i}@nowhere.test"}),
    ("/signup", lambda i: {**signup_data(f"x{i}@nowhere.test"), "password": "short"}),
])
def test_auth_forms_allow_ten_posts_a_minute_per_address(client, path, make_data):
    answers = [post_form(client, path, make_data(i)).status_code for i in range(10)]
    assert 429 not in answers

    blocked = post_form(client, path, make_data(10))

    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    other_address = post_form(client, path, make_data(11), environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other_address.status_code != 429


def test_rate_limit_also_stops_a_correct_password(client, owner):
    for _ in range(10):
        wrong_login(client, owner.email)
    assert login(client, owner.email).status_code == 429


# No user enumeration

def test_forgot_answers_the_same_for_known_and_unknown_addresses(app, owner, mailbox):
    known = post_form(app.test_client(), "/forgot", {"email": owner.email})
    unknown = post_form(app.test_client(), "/forgot", {"email": "nobody@nowhere.test"})

    assert known.status_code == unknown.status_code == 200
    assert page_text(known, owner.email) == page_text(unknown, "nobody@nowhere.test")
    assert len(mailbox.to(owner.email)) == 1
    assert mailbox.to("nobody@nowhere.test", timeout=0.3) == []


def test_signup_with_a_taken_email_looks_like_a_new_signup(app, owner, mailbox, sql):
    taken = post_form(app.test_client(), "/signup", signup_data(owner.email))
    fresh = post_form(app.test_client(), "/signup", signup_data("fresh@newco.test", "Fresh Co"))

    assert taken.status_code == fresh.status_code == 200
    assert page_text(taken, owner.email) == page_text(fresh, "fresh@newco.test")
    assert sorted(r.name for r in sql("SELECT name FROM tenants")) == ["Acme Metall", "Fresh Co"]
    mail = mailbox.to(owner.email)[-1]
    assert "already have" in mail["Subject"]
    assert "/forgot" in mail.get_body(("plain",)).get_content()


def test_signup_with_a_taken_email_keeps_the_old_password(app, owner):
    post_form(app.test_client(), "/signup", {**signup_data(owner.email), "password": "attacker-chosen-9"})
    assert login(app.test_client(), owner.email, "attacker-chosen-9").status_code == 401
    assert login(app.test_client(), owner.email, PASSWORD).status_code == 302


def test_login_failure_reads_the_same_for_unknown_email_and_wrong_password(app, owner):
    unknown = wrong_login(app.test_client(), "nobody@nowhere.test")
    wrong = wrong_login(app.test_client(), owner.email)

    assert unknown.status_code == wrong.status_code == 401
    assert "Email or password is not correct." in wrong.get_data(as_text=True)
    assert page_text(unknown, "nobody@nowhere.test") == page_text(wrong, owner.email)


# Audit log

def audit_events(sql, tenant_id: int) -> list[str]:
    return [r.event for r in sql("SELECT event FROM audit_events WHERE tenant_id = :t ORDER BY id", t=tenant_id)]


def test_audit_log_records_logins_failures_keys_and_roles(app, owner, make_member, sql):
    member = make_member(owner, "max@acme.test")
    wrong_login(app.test_client(), owner.email)
    client = app.test_client()
    login(client, owner.email)
    post_form(client, "/settings/api-keys", {"name": "ERP export"})
    member_id = sql("SELECT id FROM memberships WHERE user_id = :u", u=member.user_id)[0].id
    post_form(client, f"/team/members/{member_id}/role", {"role": "admin"})

    events = audit_events(sql, owner.tenant_id)
    for expected in ("login_failed", "login", "api_key_created", "role_changed"):
        assert expected in events
    page = client.get("/settings/audit")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for expected in ("login_failed", "api_key_created", "role_changed", "ERP export", "127.0.0.1"):
        assert expected in text


def test_failed_login_of_an_unknown_email_records_nothing_anywhere(app, owner, sql):
    before = len(audit_events(sql, owner.tenant_id))
    wrong_login(app.test_client(), "nobody@nowhere.test")
    assert len(audit_events(sql, owner.tenant_id)) == before


@pytest.mark.parametrize("role", ["admin", "member"])
def test_audit_log_is_for_owners_only(owner, make_member, client_as, role):
    make_member(owner, f"{role}@acme.test", role)
    assert client_as(f"{role}@acme.test").get("/settings/audit").status_code == 403


# Platform admin

def test_admin_pages_are_404_for_anyone_but_platform_admins(client, owner_client):
    assert client.get("/admin/").status_code == 404
    assert owner_client.get("/admin/").status_code == 404
    assert owner_client.get("/admin/mail").status_code == 404


def test_platform_admin_sees_the_operator_pages(app, owner, make_account, sql, client_as):
    make_account(name="Beta Plastics", email="beta@plastics.test")
    sql("UPDATE users SET is_platform_admin = TRUE WHERE id = :u", u=owner.user_id)
    operator = client_as(owner.email)

    page = operator.get("/admin/")
    assert page.status_code == 200
    assert "Acme Metall" in page.get_data(as_text=True) and "Beta Plastics" in page.get_data(as_text=True)
    assert operator.get("/admin/mail").status_code == 200
