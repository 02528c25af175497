"""Fixtures: a real database per session (SQLite, or PostgreSQL via TEST_DATABASE_URL), a real
SMTP server on loopback, an app per test, and helpers to sign up, log in and post forms."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from tests.support.databases import create_test_database
from tests.support.mailbox import Mailbox

pytest_plugins = ["tests.support.live_server", "tests.support.browser", "tests.support.localstripe"]

PASSWORD = "correct-horse-1"


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2 at its cheapest parameters: the suite creates hundreds of users."""
    from tenants.passwords import use_cheap_hashing

    use_cheap_hashing()


@pytest.fixture(autouse=True)
def fresh_job_environment():
    """Jobs build their settings and mailer once per process; a test may change the environment first."""
    from jobs.environment import forget

    forget()
    yield
    forget()


@pytest.fixture(scope="session")
def test_db(tmp_path_factory):
    """The session's migrated database; dropped at the end."""
    database = create_test_database(tmp_path_factory.mktemp("db"))
    yield database
    database.close()


@pytest.fixture(scope="session")
def mailbox():
    """A real SMTP server on loopback."""
    server = Mailbox().start()
    yield server
    server.stop()


@pytest.fixture
def app_config(test_db, mailbox, tmp_path):
    """Settings of the app under test (tests may change them before using `app`)."""
    return {
        "DATABASE_URL": test_db.url, "SECRET_KEY": "test-secret-key-0123456789", "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"), "BASE_URL": "http://localhost",
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(mailbox.port), "SMTP_STARTTLS": "false",
        "REDIS_URL": "", "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def app(app_config, test_db, mailbox):
    """A fresh app on the session database, emptied after the test."""
    from app import create_app

    application = create_app(app_config)
    yield application
    application.extensions["database"].dispose()
    test_db.truncate_all()
    mailbox.clear()


@pytest.fixture
def db(app):
    """The app's Database (use `with db.session() as s:` in tests)."""
    return app.extensions["database"]


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


def csrf_token(client) -> str:
    """A CSRF token for this client's session (every page's footer carries one)."""
    page = client.get("/login", follow_redirects=True).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, **kwargs):
    """POST a form with a valid CSRF token, as a browser would."""
    return client.post(url, data={"csrf_token": csrf_token(client), **(data or {})}, **kwargs)


@dataclass
class Account:
    """A company with its owner, ready to log in."""

    tenant_id: int
    slug: str
    user_id: int
    email: str
    password: str = PASSWORD


@pytest.fixture
def make_account(db):
    """Create a verified company owner directly through the domain (no HTTP)."""
    from tenants import accounts
    from tenants.clock import utcnow

    def make(name: str = "Acme Metall", email: str = "owner@acme.test", timezone: str = "Europe/Berlin",
             currency: str = "EUR", country: str = "DE") -> Account:
        with db.session() as session:
            user = accounts.find_user(session, email) or accounts.create_user(session, email=email, password=PASSWORD)
            user.verified_at = user.verified_at or utcnow()
            tenant = accounts.create_tenant(session, name=name, country=country, timezone=timezone,
                                            currency=currency, owner=user)
            return Account(tenant.id, tenant.slug, user.id, user.email)

    return make


def login(client, email: str, password: str = PASSWORD, remember: bool = False):
    """Log a client in through the login form; returns the response."""
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return post_form(client, "/login", data)


@pytest.fixture
def owner(make_account):
    """A company 'Acme Metall' and its owner."""
    return make_account()


@pytest.fixture
def owner_client(client, owner):
    """A client logged in as the owner of Acme Metall."""
    response = login(client, owner.email)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def pytest_report_header(config):
    """Say which database the suite runs on."""
    return "database: " + ("PostgreSQL (TEST_DATABASE_URL)" if os.environ.get("TEST_DATABASE_URL") else "SQLite")


@pytest.fixture
def no_smtp(app_config):
    """No SMTP server configured: request it before `app` (e.g. `@pytest.mark.usefixtures("no_smtp")`)."""
    app_config["SMTP_HOST"] = ""
    return app_config


@pytest.fixture
def sql(test_db, app):
    """Run raw SQL as the database owner (sees every tenant's rows): `sql("SELECT ...", x=1)` -> rows."""
    from sqlalchemy import create_engine, text

    engine = create_engine(test_db.admin_url)

    def run(statement: str, **params) -> list:
        with engine.begin() as connection:
            result = connection.execute(text(statement), params)
            return list(result) if result.returns_rows else []

    yield run
    engine.dispose()


@pytest.fixture
def make_member(db):
    """Add a verified user with a role to an existing company, directly through the domain."""
    from tenants import accounts
    from tenants.clock import utcnow
    from tenants.models import Membership

    def make(account: Account, email: str, role: str = "member") -> Account:
        with db.session() as session:
            user = accounts.find_user(session, email) or accounts.create_user(session, email=email, password=PASSWORD)
            user.verified_at = user.verified_at or utcnow()
            session.add(Membership(tenant_id=account.tenant_id, user_id=user.id, role=role))
            session.flush()
            return Account(account.tenant_id, account.slug, user.id, user.email)

    return make


@pytest.fixture
def client_as(app):
    """A new client of the app, logged in through the login form as the given email."""

    def make(email: str, password: str = PASSWORD):
        new_client = app.test_client()
        response = login(new_client, email, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return new_client

    return make


class FrozenClock:
    """The application's clock stopped at one moment, moved only by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> datetime:
        """Stop the clock at `now` (aware); returns it."""
        if now.tzinfo is None:
            raise ValueError("the clock needs an aware datetime")
        self.now = now
        return now

    def advance(self, **delta: float) -> datetime:
        """Move the clock on, e.g. `advance(days=1)`; returns the new now."""
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock():
    """The application's clock (tenants.clock), stopped at the machine's time when the test starts:
    `clock.set(datetime(...))` fixes the day a test is about, `clock.advance(hours=2)` moves it."""
    from tenants.clock import reset_clock, set_clock, system_now

    frozen = FrozenClock(system_now())
    set_clock(frozen)
    yield frozen
    reset_clock()


@pytest.fixture
def link_clock(monkeypatch):
    """The clock of itsdangerous (signed mail links) only: `link_clock.advance(seconds)` ages every link."""
    import time as real_time

    import itsdangerous.timed

    class LinkClock:
        offset = 0.0

        def time(self) -> float:
            return real_time.time() + self.offset

        def advance(self, seconds: float) -> None:
            self.offset += seconds

    clock = LinkClock()
    monkeypatch.setattr(itsdangerous.timed, "time", clock)
    return clock
