"""Online signup creates a company and its owner; the mailed verification link works once and expires."""
from tests.conftest import PASSWORD, login, post_form

EMAIL = "maria@schmidt-cnc.test"
THREE_DAYS = 3 * 24 * 3600


def signup(client, **overrides):
    data = {"company": "Schmidt CNC GmbH", "country": "AT", "timezone": "Europe/Vienna", "currency": "EUR",
            "name": "Maria Schmidt", "email": EMAIL, "password": PASSWORD, **overrides}
    return post_form(client, "/signup", data)


def test_signup_page_offers_company_fields(client):
    page = client.get("/signup").get_data(as_text=True)
    for field in ("company", "country", "timezone", "currency", "email", "password"):
        assert f'name="{field}"' in page
    assert "Asia/Shanghai" in page and "CNY" in page


def test_signup_creates_tenant_and_unverified_owner(client, sql):
    response = signup(client)

    assert response.status_code == 200
    assert "Check your inbox" in response.get_data(as_text=True)
    tenants = sql("SELECT id, slug, name, country, timezone, currency FROM tenants")
    assert [tuple(t[1:]) for t in tenants] == [("schmidt-cnc-gmbh", "Schmidt CNC GmbH", "AT", "Europe/Vienna", "EUR")]
    users = sql("SELECT id, email, name, verified_at, password_hash FROM users")
    assert [(u.email, u.name, u.verified_at) for u in users] == [(EMAIL, "Maria Schmidt", None)]
    assert PASSWORD not in users[0].password_hash
    roles = sql("SELECT tenant_id, user_id, role FROM memberships")
    assert [tuple(r) for r in roles] == [(tenants[0].id, users[0].id, "owner")]


def test_signup_normalises_email_and_currency(client, sql):
    assert signup(client, email="  Maria@Schmidt-CNC.TEST ", currency="cny", country="cn",
                  timezone="Asia/Shanghai").status_code == 200
    assert sql("SELECT email FROM users")[0].email == EMAIL
    assert tuple(sql("SELECT country, currency FROM tenants")[0]) == ("CN", "CNY")


def test_same_company_name_gets_its_own_slug(client, make_account, sql):
    make_account(name="Schmidt CNC GmbH", email="other@owner.test")
    signup(client)
    assert sorted(r.slug for r in sql("SELECT slug FROM tenants")) == ["schmidt-cnc-gmbh", "schmidt-cnc-gmbh-2"]


def test_unverified_owner_cannot_log_in_and_gets_a_new_link(client, mailbox):
    signup(client)
    assert len(mailbox.to(EMAIL)) == 1

    response = login(client, EMAIL)

    assert response.status_code == 403
    assert "Confirm your email address first" in response.get_data(as_text=True)
    assert len(mailbox.to(EMAIL)) == 2


def test_verification_link_confirms_then_login_shows_the_company(client, mailbox, sql):
    signup(client)
    link = mailbox.last_link(EMAIL, "/verify/")

    response = client.get(link)

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert sql("SELECT verified_at FROM users")[0].verified_at is not None
    assert login(client, EMAIL).status_code == 302
    assert "Schmidt CNC GmbH" in client.get("/").get_data(as_text=True)


def test_verification_link_works_once(client, mailbox):
    signup(client)
    link = mailbox.last_link(EMAIL, "/verify/")
    assert client.get(link).status_code == 302

    again = client.get(link)

    assert again.status_code == 400
    assert "not valid or was already used" in again.get_data(as_text=True)


def test_verification_link_expires_after_three_days(client, mailbox, sql, link_clock):
    signup(client)
    link = mailbox.last_link(EMAIL, "/verify/")
    link_clock.advance(THREE_DAYS + 60)

    response = client.get(link)

    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert sql("SELECT verified_at FROM users")[0].verified_at is None


def test_verification_link_still_works_shortly_before_expiry(client, mailbox, link_clock):
    signup(client)
    link = mailbox.last_link(EMAIL, "/verify/")
    link_clock.advance(THREE_DAYS - 600)

    assert client.get(link).status_code == 302


def test_tampered_verification_link_is_refused(client, mailbox, sql):
    signup(client)
    link = mailbox.last_link(EMAIL, "/verify/")

    response = client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))

    assert response.status_code == 400
    assert sql("SELECT verified_at FROM users")[0].verified_at is None


def test_logged_in_user_can_create_another_company(owner_client, owner, sql):
    response = post_form(owner_client, "/companies/new",
                         {"company": "Acme Zwei", "country": "DE", "timezone": "Europe/Berlin", "currency": "EUR"})

    assert response.status_code == 302
    assert "Acme Zwei" in owner_client.get("/").get_data(as_text=True)
    rows = sql("SELECT t.name, m.role FROM memberships m JOIN tenants t ON t.id = m.tenant_id "
               "WHERE m.user_id = :u ORDER BY t.name", u=owner.user_id)
    assert [tuple(r) for r in rows] == [("Acme Metall", "owner"), ("Acme Zwei", "owner")]
