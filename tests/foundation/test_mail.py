"""Outgoing mail: through SMTP when configured (a real aiosmtpd server here), into the outbox table
with status 'logged' when not, and a failed delivery never breaks the page."""
import re
import socket

import pytest

from tests.conftest import PASSWORD, post_form

EMAIL = "mail@test-factory.test"


def signup(client):
    response = post_form(client, "/signup", {"company": "Mail Test", "country": "DE", "timezone": "Europe/Berlin",
                                             "currency": "EUR", "email": EMAIL, "password": PASSWORD})
    assert response.status_code == 200
    return response


def outbox(sql) -> list:
    return sql("SELECT recipient, subject, body_text, status, error FROM mail_outbox ORDER BY id")


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://\S+", text)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def public_base_url(app_config):
    app_config["BASE_URL"] = "https://factory.example.com"


@pytest.fixture
def dead_smtp(app_config):
    app_config["SMTP_PORT"] = str(closed_port())


def test_mail_is_delivered_over_smtp_and_recorded_as_sent(client, mailbox, sql):
    signup(client)

    mail = mailbox.to(EMAIL)[-1]
    assert mail["To"] == EMAIL
    assert "Digital Factory" in mail["From"]
    assert mail["Subject"] == "Confirm your email address for Digital Factory"
    body = mail.get_body(("plain",)).get_content()
    assert any(link.startswith("http://localhost/verify/") for link in links_in(body))
    assert [(r.recipient, r.subject, r.status) for r in outbox(sql)] == [(EMAIL, mail["Subject"], "sent")]


@pytest.mark.usefixtures("public_base_url")
def test_mailed_links_use_the_configured_base_url(client, mailbox):
    signup(client)
    body = mailbox.to(EMAIL)[-1].get_body(("plain",)).get_content()
    assert any(link.startswith("https://factory.example.com/verify/") for link in links_in(body))


@pytest.mark.usefixtures("no_smtp")
def test_without_smtp_mail_goes_to_the_outbox_as_logged(app, client, mailbox, sql):
    assert app.extensions["mailer"].smtp is None

    signup(client)

    assert mailbox.to(EMAIL, timeout=0.3) == []
    [row] = outbox(sql)
    assert (row.recipient, row.status, row.error) == (EMAIL, "logged", None)
    assert "/verify/" in row.body_text


@pytest.mark.usefixtures("no_smtp")
def test_link_from_the_outbox_works(client, sql):
    signup(client)
    link = next(link for link in links_in(outbox(sql)[0].body_text) if "/verify/" in link)

    assert client.get(re.sub(r"^https?://[^/]+", "", link)).status_code == 302
    assert sql("SELECT verified_at FROM users")[0].verified_at is not None


@pytest.mark.usefixtures("dead_smtp")
def test_unreachable_smtp_server_is_recorded_and_the_page_still_answers(client, sql):
    response = signup(client)

    assert "Check your inbox" in response.get_data(as_text=True)
    [row] = outbox(sql)
    assert row.status == "failed" and row.error
    assert sql("SELECT count(*) FROM tenants")[0][0] == 1


def test_operator_reads_the_outbox(client, owner, sql, client_as):
    post_form(client, "/forgot", {"email": owner.email})
    sql("UPDATE users SET is_platform_admin = TRUE WHERE id = :u", u=owner.user_id)

    page = client_as(owner.email).get(f"/admin/mail?to={owner.email}").get_data(as_text=True)

    assert owner.email in page and "Choose a new Digital Factory password" in page
