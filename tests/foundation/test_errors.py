"""Error answers: JSON with an "error" key under /api/, friendly HTML pages elsewhere; /healthz JSON."""
import pytest


@pytest.mark.parametrize("path", ["/api/v1/tenant", "/api/v1/api-keys"])
def test_api_without_credentials_is_401_json(client, path):
    response = client.get(path)

    assert response.status_code == 401
    assert response.is_json
    assert isinstance(response.json["error"], str) and response.json["error"]


def test_api_delete_without_credentials_is_401_json(client):
    response = client.delete("/api/v1/api-keys/1")
    assert response.status_code == 401 and "error" in response.json


def test_unknown_api_path_is_404_json(owner_client):
    response = owner_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.is_json and "error" in response.json


def test_wrong_method_on_the_api_is_405_json(owner_client):
    response = owner_client.put("/api/v1/tenant")
    assert response.status_code == 405 and response.is_json and "error" in response.json


def test_unknown_page_is_a_friendly_html_404(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "This page does not exist" in page and 'href="/"' in page


def test_forbidden_page_is_friendly_html(owner, make_member, client_as):
    make_member(owner, "max@acme.test")
    response = client_as("max@acme.test").get("/settings/api-keys")

    assert response.status_code == 403 and response.mimetype == "text/html"
    assert "Your role does not allow this." in response.get_data(as_text=True)


def test_healthz_is_json(client):
    response = client.get("/healthz")

    assert response.status_code == 200 and response.is_json
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    assert response.json["dialect"] in ("sqlite", "postgresql")


def test_a_broken_constraint_is_409_not_a_retryable_503(app, client):
    from sqlalchemy import text

    from web.database import db_session

    @app.get("/api/v1/_constraint_probe")
    def _probe():
        db_session().execute(text("INSERT INTO tenants (id, slug, name, country, timezone, currency, plan_state, "
                                  "raw_retention_days, created_at) VALUES (1, 'a', 'a', 'DE', 'UTC', 'EUR', 'x', 1, "
                                  "CURRENT_TIMESTAMP), (1, 'b', 'b', 'DE', 'UTC', 'EUR', 'x', 1, CURRENT_TIMESTAMP)"))
        return "unreachable"

    response = client.get("/api/v1/_constraint_probe")
    assert response.status_code == 409 and "Retry-After" not in response.headers
