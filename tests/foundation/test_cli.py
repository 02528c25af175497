"""The operator CLI (`flask --app app ...`): command names and options are a contract."""
import re

import pytest

from tests.conftest import login

OWNER = {"--name": "CLI Fabrik", "--email": "cli@fabrik.test", "--password": "cli-password-77",
         "--timezone": "Asia/Shanghai", "--currency": "CNY"}


@pytest.fixture
def cli(app):
    """Run a command like `flask --app app <args>`; returns Click's result."""
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(args=list(args))

    return run


def options(values: dict) -> list[str]:
    return [part for pair in values.items() for part in pair]


def create_tenant(cli, **overrides) -> str:
    result = cli("tenants", "create", *options({**OWNER, **overrides}))
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def test_tenants_create_prints_the_slug_and_the_owner_can_log_in(app, cli, sql):
    slug = create_tenant(cli)

    assert slug == "cli-fabrik"
    row = sql("SELECT name, timezone, currency FROM tenants WHERE slug = :s", s=slug)[0]
    assert tuple(row) == ("CLI Fabrik", "Asia/Shanghai", "CNY")
    client = app.test_client()
    assert login(client, "cli@fabrik.test", "cli-password-77").status_code == 302
    assert "CLI Fabrik" in client.get("/").get_data(as_text=True)


def test_apikeys_create_prints_a_key_that_works_on_the_api(app, cli, sql):
    slug = create_tenant(cli)

    result = cli("apikeys", "create", "--tenant", slug, "--name", "ERP export")

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert re.fullmatch(r"df_[0-9a-f]{40}", secret)
    response = app.test_client().get("/api/v1/tenant", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200 and response.json["slug"] == slug
    assert secret not in str(sql("SELECT * FROM api_keys"))


def test_users_make_admin_opens_the_operator_pages(app, cli, owner, client_as):
    assert client_as(owner.email).get("/admin/").status_code == 404

    result = cli("users", "make-admin", owner.email)

    assert result.exit_code == 0, result.output
    assert client_as(owner.email).get("/admin/").status_code == 200


def test_db_upgrade_is_idempotent(cli, owner):
    for _ in range(2):
        result = cli("db", "upgrade")
        assert result.exit_code == 0, result.output
    assert owner.slug == "acme-metall"  # the data is untouched


def test_apikeys_create_for_an_unknown_slug_fails_with_a_message(cli, sql):
    result = cli("apikeys", "create", "--tenant", "no-such-company", "--name", "ERP")

    assert result.exit_code != 0
    assert "no-such-company" in result.output
    assert sql("SELECT count(*) FROM api_keys")[0][0] == 0


def test_make_admin_of_an_unknown_email_fails_with_a_message(cli):
    result = cli("users", "make-admin", "nobody@nowhere.test")
    assert result.exit_code != 0 and "nobody@nowhere.test" in result.output


@pytest.mark.parametrize("option, value, reason", [
    ("--timezone", "Mars/Olympus_Mons", "time zone"),
    ("--currency", "ABC", "currency"),
    ("--password", "short", "at least 10 characters"),
    ("--email", "not-an-email", "valid email"),
])
def test_tenants_create_with_bad_input_fails_and_stores_nothing(cli, sql, option, value, reason):
    result = cli("tenants", "create", *options({**OWNER, option: value}))

    assert result.exit_code != 0
    assert reason in result.output
    assert sql("SELECT count(*) FROM tenants")[0][0] == sql("SELECT count(*) FROM users")[0][0] == 0


def test_missing_required_option_is_a_usage_error(cli):
    result = cli("tenants", "create", "--name", "No Owner")
    assert result.exit_code == 2 and "--email" in result.output
