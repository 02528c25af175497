"""Password reset by a mailed link: works once, expires after one hour, ends other sessions."""
from tests.conftest import PASSWORD, login, post_form

NEW_PASSWORD = "reset-to-this-one-3"
ONE_HOUR = 3600


def request_reset_link(client, mailbox, email: str) -> str:
    response = post_form(client, "/forgot", {"email": email})
    assert response.status_code == 200
    return mailbox.last_link(email, "/reset/")


def choose_password(client, link: str, password: str = NEW_PASSWORD):
    return post_form(client, link, {"password": password})


def test_reset_link_sets_a_new_password(app, client, owner, mailbox):
    link = request_reset_link(client, mailbox, owner.email)
    assert 'name="password"' in client.get(link).get_data(as_text=True)

    response = choose_password(client, link)

    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert login(app.test_client(), owner.email, PASSWORD).status_code == 401
    assert login(app.test_client(), owner.email, NEW_PASSWORD).status_code == 302


def test_reset_mail_says_the_link_expires_in_an_hour(client, owner, mailbox):
    request_reset_link(client, mailbox, owner.email)
    body = mailbox.to(owner.email)[-1].get_body(("plain",)).get_content()
    assert "one hour" in body


def test_reset_link_works_only_once(client, owner, mailbox):
    link = request_reset_link(client, mailbox, owner.email)
    choose_password(client, link)

    assert client.get(link).status_code == 400
    again = choose_password(client, link, "yet-another-password-4")
    assert again.status_code == 400
    assert "not valid or was already used" in again.get_data(as_text=True)
    assert login(client, owner.email, NEW_PASSWORD).status_code == 302


def test_reset_link_expires_after_one_hour(app, client, owner, mailbox, link_clock):
    link = request_reset_link(client, mailbox, owner.email)
    link_clock.advance(ONE_HOUR + 5)

    page = client.get(link)
    assert page.status_code == 400
    assert "expired" in page.get_data(as_text=True)
    assert choose_password(client, link).status_code == 400
    assert login(app.test_client(), owner.email, PASSWORD).status_code == 302


def test_reset_link_works_until_the_hour_is_over(client, owner, mailbox, link_clock):
    link = request_reset_link(client, mailbox, owner.email)
    link_clock.advance(ONE_HOUR - 120)

    assert choose_password(client, link).status_code == 302


def test_every_outstanding_link_dies_once_one_is_used(client, owner, mailbox):
    first = request_reset_link(client, mailbox, owner.email)
    second = request_reset_link(client, mailbox, owner.email)
    assert choose_password(client, second).status_code == 302

    assert client.get(first).status_code == 400


def test_reset_logs_out_every_session(owner, owner_client, app, mailbox):
    link = request_reset_link(app.test_client(), mailbox, owner.email)

    choose_password(app.test_client(), link)

    assert owner_client.get("/settings").status_code == 302


def test_reset_also_confirms_an_unverified_address(app, client, mailbox, sql):
    post_form(client, "/signup", {"company": "Late Verifier", "country": "DE", "timezone": "Europe/Berlin",
                                  "currency": "EUR", "email": "late@verifier.test", "password": PASSWORD})
    link = request_reset_link(client, mailbox, "late@verifier.test")

    choose_password(client, link)

    assert login(app.test_client(), "late@verifier.test", NEW_PASSWORD).status_code == 302


def test_short_new_password_is_refused_and_the_link_stays_usable(client, owner, mailbox):
    link = request_reset_link(client, mailbox, owner.email)

    response = choose_password(client, link, "short")

    assert response.status_code in (400, 422)
    assert "Use at least 10 characters" in response.get_data(as_text=True)
    assert choose_password(client, link).status_code == 302
