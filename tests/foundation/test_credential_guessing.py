"""Guessing credentials costs the guesser: failed device token, gateway key, API key and installation
token attempts are counted per client address, and past the limit that address gets 429 with
Retry-After before any credential is looked up in the database. Valid credentials never count, and
other addresses are not affected."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from telemetry import registry
from tenants import apikeys
from tenants.scoping import tenant_context

LIMIT = 5
WRONG = "0123456789abcdef" * 2  # 32 hex characters, like a real secret


@pytest.fixture
def app_config(app_config):
    app_config["AUTH_FAILURE_LIMIT"] = f"{LIMIT}/minute"
    return app_config


@pytest.fixture
def secrets(db, owner):
    """A device token, a gateway key, an API key and an installation token of one company."""
    from tests.marketplace.support import install, publish_module

    with tenant_context(owner.tenant_id), db.session() as session:
        device, token = registry.create_device(session, {"name": "Lathe"})
        _key, gateway = registry.create_gateway_key(session, "gw")
        _api, api_key = apikeys.create_key(session, "script")
        device_id = device.id
    with db.session() as session:
        module = publish_module(session)
        _installation, installation_token = install(session, owner, module, [device_id])
    return {"device": token, "gateway": gateway, "api": api_key, "installation": installation_token}


def _calls(client, kind: str, secret: str, address: str = "203.0.113.7"):
    environ = {"REMOTE_ADDR": address}
    if kind == "device":
        return client.post("/api/v1/readings", json={"power_w": 1}, headers={"Authorization": f"Bearer {secret}"},
                           environ_base=environ)
    if kind == "gateway":
        return client.post("/api/v2/write?org=o&bucket=b", data="power,device=x value=1",
                           headers={"Authorization": f"Token {secret}"}, environ_base=environ)
    if kind == "api":
        return client.get("/api/v1/tenant", headers={"Authorization": f"Bearer {secret}"}, environ_base=environ)
    return client.get("/api/partner/v1/installation", headers={"Authorization": f"Bearer {secret}"},
                      environ_base=environ)


@pytest.fixture
def statements(db):
    """How many SQL statements the app sends (counted on its engine)."""
    count = {"n": 0}

    def counted(*_args):
        count["n"] += 1

    event.listen(db.engine, "before_cursor_execute", counted)
    yield count
    event.remove(db.engine, "before_cursor_execute", counted)


@pytest.mark.parametrize("kind", ["device", "gateway", "api", "installation"])
def test_guessing_is_refused_after_the_limit_without_touching_the_database(client, secrets, statements, kind):
    for _ in range(LIMIT):
        assert _calls(client, kind, WRONG).status_code == 401
    before = statements["n"]
    for _ in range(50):
        refused = _calls(client, kind, WRONG)
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
    assert statements["n"] == before, "no credential was looked up while the address is refused"
    assert "too many failed credential attempts" in refused.get_data(as_text=True)
    assert _calls(client, kind, secrets[kind], address="198.51.100.9").status_code < 300, "other addresses work"


def test_valid_credentials_never_count(client, secrets):
    for _ in range(3 * LIMIT):
        assert _calls(client, "device", secrets["device"]).status_code == 202
    assert _calls(client, "device", WRONG).status_code == 401, "still below the limit of failures"


def test_failures_of_every_kind_add_up_per_address(client, secrets):
    kinds = ["device", "gateway", "api", "installation", "device"]
    assert [_calls(client, kind, WRONG).status_code for kind in kinds] == [401] * LIMIT
    assert _calls(client, "api", WRONG).status_code == 429


def test_emoncms_and_influx_answers_keep_their_shapes_when_refused(client, secrets):
    for _ in range(LIMIT):
        _calls(client, "device", WRONG)
    emoncms = client.get(f"/input/post?node=x&fulljson={{}}&apikey={WRONG}",
                         environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert emoncms.status_code == 429 and emoncms.get_json()["success"] is False and emoncms.headers["Retry-After"]
    influx = client.post("/write?db=x", data="power value=1", headers={"Authorization": f"Token {WRONG}"},
                         environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert influx.status_code == 429 and "error" in influx.get_json() and influx.headers["Retry-After"]
