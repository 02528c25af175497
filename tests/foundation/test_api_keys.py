"""Tenant API keys: named, prefixed, stored hashed, shown once, revocable, and used on /api/v1."""
import hashlib
import re

import pytest

from tests.conftest import post_form

KEY = re.compile(r"df_[0-9a-f]{40}")


def create_key(client, name: str = "ERP export") -> str:
    """Create a key through the settings page; returns the secret shown once."""
    response = post_form(client, "/settings/api-keys", {"name": name})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    secrets = KEY.findall(response.get_data(as_text=True))
    assert len(set(secrets)) == 1
    return secrets[0]


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def key_row(sql, name: str = "ERP export"):
    return sql("SELECT * FROM api_keys WHERE name = :n", n=name)[0]


@pytest.fixture
def api(app):
    """A client without any session: only what the Authorization header says counts."""
    return app.test_client()


def test_created_key_is_shown_once_and_only_its_prefix_later(owner_client):
    secret = create_key(owner_client)

    listing = owner_client.get("/settings/api-keys").get_data(as_text=True)

    assert "ERP export" in listing and secret[:10] in listing
    assert secret not in listing


def test_database_never_holds_the_secret(owner_client, sql):
    secret = create_key(owner_client)

    row = key_row(sql)
    assert secret.startswith(row.prefix) and len(row.prefix) < len(secret)
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    for table in ("api_keys", "credential_index", "audit_events", "mail_outbox"):
        for stored in sql(f"SELECT * FROM {table}"):
            assert not any(secret in str(value) for value in stored), table


def test_key_reads_its_tenant(api, owner, owner_client):
    secret = create_key(owner_client)

    response = api.get("/api/v1/tenant", headers=bearer(secret))

    assert response.status_code == 200
    assert response.json == {"id": owner.tenant_id, "slug": owner.slug, "name": "Acme Metall", "country": "DE",
                             "timezone": "Europe/Berlin", "currency": "EUR"}


def test_using_a_key_records_its_last_use(api, owner_client, sql):
    secret = create_key(owner_client)
    assert key_row(sql).last_used_at is None

    api.get("/api/v1/tenant", headers=bearer(secret))

    assert key_row(sql).last_used_at is not None
    assert "never" not in owner_client.get("/settings/api-keys").get_data(as_text=True)


def test_key_lists_keys_without_secrets(api, owner_client):
    first, second = create_key(owner_client, "ERP export"), create_key(owner_client, "Grafana")

    response = api.get("/api/v1/api-keys", headers=bearer(first))

    assert response.status_code == 200
    keys = response.json["api_keys"]
    assert sorted(k["name"] for k in keys) == ["ERP export", "Grafana"]
    assert {k["prefix"] for k in keys} == {first[:10], second[:10]}
    assert first not in response.get_data(as_text=True) and second not in response.get_data(as_text=True)


def test_revoked_key_answers_401_at_once(api, owner_client, sql):
    secret = create_key(owner_client)
    assert api.get("/api/v1/tenant", headers=bearer(secret)).status_code == 200

    revoked = post_form(owner_client, f"/settings/api-keys/{key_row(sql).id}/revoke")

    assert revoked.status_code == 302
    refused = api.get("/api/v1/tenant", headers=bearer(secret))
    assert refused.status_code == 401 and "error" in refused.json
    assert key_row(sql).revoked_at is not None
    assert "revoked" in owner_client.get("/settings/api-keys").get_data(as_text=True)


def test_key_revokes_another_key_through_the_api(api, owner_client, sql):
    keeper, doomed = create_key(owner_client, "ERP export"), create_key(owner_client, "Old script")

    response = api.delete(f"/api/v1/api-keys/{key_row(sql, 'Old script').id}", headers=bearer(keeper))

    assert response.status_code == 200 and response.json["revoked_at"] is not None
    assert api.get("/api/v1/tenant", headers=bearer(doomed)).status_code == 401
    assert api.get("/api/v1/tenant", headers=bearer(keeper)).status_code == 200


def test_key_can_revoke_itself(api, owner_client, sql):
    secret = create_key(owner_client)

    assert api.delete(f"/api/v1/api-keys/{key_row(sql).id}", headers=bearer(secret)).status_code == 200

    assert api.get("/api/v1/tenant", headers=bearer(secret)).status_code == 401


def test_unknown_key_id_is_404(api, owner_client):
    secret = create_key(owner_client)
    response = api.delete("/api/v1/api-keys/999999", headers=bearer(secret))
    assert response.status_code == 404 and "error" in response.json


@pytest.mark.parametrize("header", ["Bearer df_" + "0" * 40, "Bearer nonsense", "Basic dXNlcjpwYXNz", ""])
def test_bad_or_missing_key_is_401_json(api, owner_client, header):
    create_key(owner_client)

    response = api.get("/api/v1/tenant", headers={"Authorization": header} if header else {})

    assert response.status_code == 401
    assert response.is_json and isinstance(response.json["error"], str)


def test_session_caller_needs_the_csrf_header_to_revoke(owner_client, sql):
    create_key(owner_client)
    key_id = key_row(sql).id

    refused = owner_client.delete(f"/api/v1/api-keys/{key_id}")

    assert refused.status_code == 400 and "error" in refused.json
    assert key_row(sql).revoked_at is None


def test_member_session_cannot_revoke_through_the_api(owner, owner_client, make_member, client_as, sql):
    create_key(owner_client)
    make_member(owner, "max@acme.test", "member")
    member = client_as("max@acme.test")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', member.get("/").get_data(as_text=True)).group(1)

    response = member.delete(f"/api/v1/api-keys/{key_row(sql).id}", headers={"X-CSRFToken": token})

    assert response.status_code == 403 and "error" in response.json
    assert member.get("/api/v1/api-keys").status_code == 200
    assert key_row(sql).revoked_at is None


def test_admin_creates_keys_too(owner, make_member, client_as):
    make_member(owner, "ada@acme.test", "admin")
    assert KEY.fullmatch(create_key(client_as("ada@acme.test")))


def test_unverified_owner_cannot_create_keys(owner_client, owner, sql):
    sql("UPDATE users SET verified_at = NULL WHERE id = :u", u=owner.user_id)

    response = post_form(owner_client, "/settings/api-keys", {"name": "ERP export"})

    assert response.status_code == 302
    assert sql("SELECT count(*) FROM api_keys")[0][0] == 0
