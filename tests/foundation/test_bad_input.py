"""Bad input on every form: a clear 4xx with the reason on the page, nothing stored, never a 500."""
import pytest

from tests.conftest import PASSWORD, post_form

SIGNUP = {"company": "Good Co", "country": "DE", "timezone": "Europe/Berlin", "currency": "EUR",
          "name": "Gina Good", "email": "gina@good.test", "password": PASSWORD}
COMPANY = {"company": "Acme Metall", "country": "DE", "timezone": "Europe/Berlin", "currency": "EUR"}


def assert_refused(response, reason: str, statuses=(400, 422)):
    """A 4xx answer (not a redirect, not a 500) that names the reason."""
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    assert reason in response.get_data(as_text=True)


def count(sql, table: str) -> int:
    return sql(f"SELECT count(*) FROM {table}")[0][0]


# Signup

@pytest.mark.parametrize("field, value, reason", [
    ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list"),
    ("timezone", "", "Choose a time zone from the list"),
    ("currency", "ABC", "Choose a currency code"),
    ("country", "ZZ", "Choose a country from the list"),
    ("password", "short", "Use at least 10 characters"),
    ("password", "p" * 257, "256"),
    ("email", "not-an-email", "Enter a valid email address."),
    ("email", "two@@signs.test", "Enter a valid email address."),
    ("company", "", "This field is required."),
    ("company", "C" * 201, "200"),
    ("name", "N" * 121, "120"),
])
def test_bad_signup_is_refused_and_stores_nothing(client, mailbox, sql, field, value, reason):
    response = post_form(client, "/signup", {**SIGNUP, field: value})

    assert_refused(response, reason)
    assert count(sql, "tenants") == count(sql, "users") == 0
    assert mailbox.messages == []


def test_bad_signup_keeps_what_was_typed(client):
    page = post_form(client, "/signup", {**SIGNUP, "currency": "ABC"}).get_data(as_text=True)
    assert 'value="Good Co"' in page and 'value="gina@good.test"' in page


# Login, forgot, reset, links

@pytest.mark.parametrize("data", [{}, {"email": "gina@good.test"}, {"password": PASSWORD}])
def test_incomplete_login_is_refused(client, data):
    assert_refused(post_form(client, "/login", data), "This field is required.")


def test_forgot_with_a_bad_address_says_so(client, mailbox):
    assert_refused(post_form(client, "/forgot", {"email": "no-at-sign"}), "Enter a valid email address.")
    assert mailbox.messages == []


@pytest.mark.parametrize("path", ["/verify/garbage", "/reset/garbage", "/invite/garbage",
                                  "/verify/" + "A" * 3000])
def test_broken_links_are_explained(client, path):
    assert_refused(client.get(path), "This link cannot be used", statuses=(400,))


def test_broken_reset_link_refuses_a_post(client):
    assert_refused(post_form(client, "/reset/garbage", {"password": "another-password-1"}),
                   "not valid", statuses=(400,))


# Company and account settings

@pytest.mark.parametrize("field, value, reason", [
    ("timezone", "Europe/Atlantis", "Choose a time zone from the list"),
    ("currency", "EURO", "Choose a currency code"),
    ("country", "Germany", "Choose a country from the list"),
    ("company", "", "This field is required."),
    ("company", "C" * 201, "200"),
])
def test_bad_company_settings_are_refused_and_change_nothing(owner_client, owner, sql, field, value, reason):
    response = post_form(owner_client, "/settings", {**COMPANY, field: value})

    assert_refused(response, reason)
    row = sql("SELECT name, country, timezone, currency FROM tenants WHERE id = :t", t=owner.tenant_id)[0]
    assert tuple(row) == ("Acme Metall", "DE", "Europe/Berlin", "EUR")


@pytest.mark.parametrize("field, value, reason", [
    ("currency", "ABC", "Choose a currency code"),
    ("timezone", "Nowhere/City", "Choose a time zone from the list"),
])
def test_bad_new_company_is_refused(owner_client, sql, field, value, reason):
    response = post_form(owner_client, "/companies/new", {**COMPANY, "company": "Second Co", field: value})

    assert_refused(response, reason)
    assert count(sql, "tenants") == 1


@pytest.mark.parametrize("data, reason", [
    ({"name": "Me", "locale": "klingon"}, "Not a valid choice"),
    ({"name": "N" * 121, "locale": "en"}, "120"),
])
def test_bad_profile_is_refused(owner_client, owner, sql, data, reason):
    assert_refused(post_form(owner_client, "/account", data), reason)
    assert sql("SELECT locale FROM users WHERE id = :u", u=owner.user_id)[0].locale is None


def test_unknown_language_is_refused_with_a_reason(client):
    assert_refused(post_form(client, "/language", {"language": "tlh"}), "Choose one of the offered languages.",
                   statuses=(400,))


@pytest.mark.parametrize("data, reason", [
    ({"current": PASSWORD, "password": "short"}, "Use at least 10 characters"),
    ({"current": PASSWORD}, "This field is required."),
])
def test_bad_password_change_is_refused(app, owner, owner_client, data, reason):
    assert_refused(post_form(owner_client, "/account/password", data), reason)
    assert owner_client.get("/settings").status_code == 200


# Team

@pytest.mark.parametrize("email, role, reason", [
    ("nina@newcomer.test", "superuser", "Not a valid choice"),
    ("nina@newcomer.test", "owner", "Not a valid choice"),
    ("nina@newcomer.test", "", "Not a valid choice"),
    ("not-an-email", "member", "Enter a valid email address."),
    ("n" * 250 + "@x.test", "member", "254"),
])
def test_bad_invitation_is_refused_and_sends_nothing(owner_client, mailbox, sql, email, role, reason):
    assert_refused(post_form(owner_client, "/team/invite", {"email": email, "role": role}), reason)
    assert count(sql, "invitations") == 0
    assert mailbox.messages == []


def test_unknown_role_change_is_refused(owner, owner_client, make_member, sql):
    member = make_member(owner, "max@acme.test")
    membership = sql("SELECT id FROM memberships WHERE user_id = :u", u=member.user_id)[0].id

    assert_refused(post_form(owner_client, f"/team/members/{membership}/role", {"role": "owner"}),
                   "Choose the role admin or member.")
    assert sql("SELECT role FROM memberships WHERE id = :m", m=membership)[0].role == "member"


def test_short_password_when_accepting_an_invitation(app, owner_client, mailbox, sql):
    post_form(owner_client, "/team/invite", {"email": "nina@newcomer.test", "role": "member"})
    link = mailbox.last_link("nina@newcomer.test", "/invite/")

    response = post_form(app.test_client(), link, {"password": "short"})

    assert_refused(response, "Use at least 10 characters")
    assert "Join Acme Metall" in response.get_data(as_text=True)
    assert sql("SELECT count(*) FROM users WHERE email = 'nina@newcomer.test'")[0][0] == 0
    assert post_form(app.test_client(), link, {"password": "long-enough-pass-6"}).status_code == 302


@pytest.mark.parametrize("path", ["/team/members/999999/remove", "/team/members/999999/transfer",
                                  "/team/invitations/999999/revoke", "/settings/api-keys/999999/revoke"])
def test_actions_on_unknown_ids_are_404(owner_client, path):
    assert post_form(owner_client, path).status_code == 404


# API keys

@pytest.mark.parametrize("name, reason", [("", "This field is required."), ("K" * 101, "100")])
def test_bad_api_key_name_is_refused(owner_client, sql, name, reason):
    assert_refused(post_form(owner_client, "/settings/api-keys", {"name": name}), reason)
    assert count(sql, "api_keys") == 0


# Page numbers

@pytest.mark.parametrize("page", ["-5", "100001", "99999999999999999999999"])
def test_audit_page_out_of_range_is_a_clear_400(owner_client, page):
    assert_refused(owner_client.get(f"/settings/audit?page={page}"), "There is no such page", statuses=(400,))


@pytest.mark.parametrize("page", ["abc", "0", "1"])
def test_audit_page_that_is_not_a_number_shows_the_first_page(owner_client, page):
    assert owner_client.get(f"/settings/audit?page={page}").status_code == 200


@pytest.mark.parametrize("page", ["-5", "0", "abc", "99999999999999999999999"])
def test_operator_page_numbers_never_fail(owner, sql, client_as, page):
    sql("UPDATE users SET is_platform_admin = TRUE WHERE id = :u", u=owner.user_id)
    response = client_as(owner.email).get(f"/admin/?page={page}")
    assert response.status_code == 200 and "Acme Metall" in response.get_data(as_text=True)
