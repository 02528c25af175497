"""The sample partner module (examples/partner_module) against payloads signed here, the way the
platform signs them: webhook signatures, deduplication, launch tokens, and the report run against a
small partner API served on loopback."""
from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
import uuid
from pathlib import Path

import jwt
import pytest
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

from examples.partner_module.app import create_app
from marketplace.manifest import parse_manifest

SECRET = "dfs_" + "5e" * 32
OTHER_SECRET = "dfs_" + "0f" * 32
BASE_URL = "http://df.test"
SLUG = "idle-report"
MANIFEST = Path(__file__).resolve().parents[2] / "examples" / "partner_module" / "manifest.json"


def sign(body: bytes, timestamp: int | None = None, secret: str = SECRET) -> str:
    """A DF-Signature header for `body`, as the platform builds it."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={stamp},v1={digest}"


def event(kind: str, installation_id: int = 7, data: dict | None = None, event_id: str | None = None) -> dict:
    """A webhook event body."""
    return {"id": event_id or str(uuid.uuid4()), "type": kind, "created_at": "2025-03-02T06:00:00Z",
            "module": SLUG, "installation_id": installation_id, "data": data or {}}


def created(installation_id: int = 7, token: str = "dfi_first", api_base: str = "http://df.test/api/partner/v1",
            event_id: str | None = None) -> dict:
    """An installation.created event carrying a token."""
    installation = {"id": installation_id, "status": "active", "scopes": ["devices:read"], "device_ids": [1],
                    "tenant": {"id": 3, "name": "Acme Metall", "timezone": "Europe/Berlin", "currency": "EUR"}}
    return event("installation.created", installation_id, event_id=event_id, data={
        "installation": installation, "installation_token": token, "api_base": api_base})


def launch_token(**overrides) -> str:
    """A launch token as the platform mints it; `overrides` replace claims (None drops one)."""
    now = int(time.time())
    claims = {"iss": BASE_URL, "aud": SLUG, "sub": "5", "installation_id": 7, "tenant_id": 3,
              "iat": now, "nbf": now, "exp": now + 60, "jti": str(uuid.uuid4())}
    claims.update(overrides)
    secret = claims.pop("secret", SECRET)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


ADMIN_KEY = "test-admin-key"


def test_reports_are_refused_without_an_admin_key(tmp_path):
    app = create_app({"DF_MODULE_SECRET": SECRET, "MODULE_SLUG": SLUG, "DATA_PATH": str(tmp_path / "i.json")})
    response = app.test_client().post("/installations/7/run-report", json={})
    assert response.status_code == 403 and "ADMIN_KEY" in response.get_json()["error"]


@pytest.fixture
def module_app(tmp_path):
    """The sample module with its store in a temporary file."""
    return create_app({"DF_MODULE_SECRET": SECRET, "DF_BASE_URL": BASE_URL + "/", "MODULE_SLUG": SLUG,
                       "DATA_PATH": str(tmp_path / "installations.json"), "ADMIN_KEY": ADMIN_KEY})


@pytest.fixture
def module_client(module_app):
    """A test client of the sample module, sending the admin key (webhooks ignore it)."""
    client = module_app.test_client()
    client.environ_base["HTTP_X_ADMIN_KEY"] = ADMIN_KEY
    return client


def deliver(client, body: dict, signature: str | None = "sign"):
    """POST an event to /webhooks, signed unless `signature` says otherwise."""
    raw = json.dumps(body).encode()
    headers = {"Content-Type": "application/json", "DF-Event-Id": body["id"], "DF-Event-Type": body["type"]}
    if signature == "sign":
        headers["DF-Signature"] = sign(raw)
    elif signature is not None:
        headers["DF-Signature"] = signature
    return client.post("/webhooks", data=raw, headers=headers)


def stored(app, installation_id: int = 7) -> dict | None:
    """The installation as the module stored it."""
    return app.extensions["installations"].get(installation_id)


def test_valid_signature_is_accepted_and_stores_the_token(module_app, module_client):
    response = deliver(module_client, created(token="dfi_abc"))
    assert response.status_code == 200 and response.get_json()["ok"] is True
    installation = stored(module_app)
    assert installation["token"] == "dfi_abc"
    assert installation["api_base"] == "http://df.test/api/partner/v1"
    assert installation["tenant"]["timezone"] == "Europe/Berlin"
    on_disk = json.loads((module_app.extensions["installations"].path).read_text())
    assert on_disk["installations"]["7"]["token"] == "dfi_abc"


def test_a_retry_with_a_fresh_token_replaces_the_stored_one(module_app, module_client):
    first = created(token="dfi_first")
    deliver(module_client, first)
    retry = created(token="dfi_second", event_id=first["id"])
    assert deliver(module_client, retry).status_code == 200
    assert stored(module_app)["token"] == "dfi_second"


def test_forged_signature_is_rejected(module_app, module_client):
    body = created()
    forged = sign(json.dumps(body).encode(), secret=OTHER_SECRET)
    response = deliver(module_client, body, signature=forged)
    assert response.status_code == 400
    assert "signature" in response.get_json()["error"]
    assert stored(module_app) is None


def test_signature_of_another_body_is_rejected(module_app, module_client):
    signature = sign(json.dumps(created(token="dfi_original")).encode())
    response = deliver(module_client, created(token="dfi_tampered"), signature=signature)
    assert response.status_code == 400
    assert stored(module_app) is None


def test_stale_timestamp_is_rejected(module_app, module_client):
    body = created()
    stale = sign(json.dumps(body).encode(), timestamp=int(time.time()) - 600)
    response = deliver(module_client, body, signature=stale)
    assert response.status_code == 400
    assert "stale" in response.get_json()["error"]
    assert stored(module_app) is None


@pytest.mark.parametrize("signature", [None, "", "t=123", "v1=abc", "garbage"])
def test_missing_or_malformed_signature_is_rejected(module_app, module_client, signature):
    response = deliver(module_client, created(), signature=signature)
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert stored(module_app) is None


def test_duplicate_event_is_acknowledged_but_not_applied_again(module_app, module_client):
    deliver(module_client, created())
    summary = event("device.daily_summary", data={
        "device": {"id": 1, "name": "Lathe"}, "date": "2025-03-01", "timezone": "Europe/Berlin",
        "currency": "EUR", "figures": {"idle_waste_wh": 1200.0}})
    first, again = deliver(module_client, summary), deliver(module_client, summary)
    assert first.status_code == again.status_code == 200
    assert first.get_json() == {"ok": True, "duplicate": False}
    assert again.get_json() == {"ok": True, "duplicate": True}
    assert len(stored(module_app)["daily_summaries"]) == 1


def test_installation_deleted_forgets_the_token(module_app, module_client):
    deliver(module_client, created())
    deleted = event("installation.deleted", data={"installation": {"id": 7, "status": "deleted"}})
    assert deliver(module_client, deleted).status_code == 200
    assert stored(module_app) is None
    late_retry = created(token="dfi_late")
    assert deliver(module_client, late_retry).status_code == 200
    assert stored(module_app) is None


def test_valid_launch_token_opens_the_page(module_client):
    deliver(module_client, created())
    response = module_client.get("/launch", query_string={"token": launch_token()})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Installation <strong>7</strong>" in page and "Acme Metall" in page
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("claims, reason", [
    ({"aud": "another-module"}, "another module"),
    ({"iat": int(time.time()) - 600, "nbf": int(time.time()) - 600, "exp": int(time.time()) - 540}, "expired"),
    ({"secret": OTHER_SECRET}, "signature"),
    ({"iss": "http://evil.test"}, "another platform"),
    ({"exp": None}, "exp"),
    ({"installation_id": None}, "installation"),
])
def test_invalid_launch_token_is_refused(module_client, claims, reason):
    response = module_client.get("/launch", query_string={"token": launch_token(**claims)})
    assert response.status_code == 401
    assert reason in response.get_data(as_text=True)


def test_launch_without_token_is_refused(module_client):
    assert module_client.get("/launch").status_code == 401


def test_healthz(module_client):
    assert module_client.get("/healthz").status_code == 200


class PartnerApi:
    """A small stand-in of the platform's partner API, served on loopback over real HTTP."""

    def __init__(self, usage_status: int = 201, revoked: bool = False):
        self.usage_status, self.revoked, self.posted = usage_status, revoked, []
        app = Flask("partner_api")
        app.add_url_rule("/api/partner/v1/<path:path>", view_func=self.handle, methods=["GET", "POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}/api/partner/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def handle(self, path: str):
        if self.revoked or request.headers.get("Authorization") != "Bearer dfi_first":
            return jsonify(error="invalid or revoked installation token"), 401
        if path == "devices":
            return jsonify(devices=[{"id": 1, "name": "Lathe"}, {"id": 2, "name": "Compressor"}])
        if path.endswith("/series"):
            waste = {"1": 500.0, "2": 2500.0}[path.split("/")[1]]
            return jsonify(device=1, timezone="Europe/Berlin", currency="EUR", resolution="day", buckets=[
                {"start": request.args["from"], "idle_waste_wh": waste, "idle_waste_cost": waste * 0.28 / 1000}])
        self.posted.append((path, request.get_json()))
        if path == "usage" and self.usage_status == 402:
            return jsonify(error="monthly cap reached"), 402
        return jsonify(id=len(self.posted)), 201


@pytest.fixture
def partner_api():
    """Start a PartnerApi; the test may set its attributes before use."""
    api = PartnerApi()
    api.thread.start()
    yield api
    api.server.shutdown()


def test_run_report_posts_the_card_and_bills_one_unit(module_app, module_client, partner_api):
    deliver(module_client, created(api_base=partner_api.base))
    response = module_client.post("/installations/7/run-report", json={"date": "2025-03-01"})
    assert response.status_code == 200
    result = response.get_json()
    assert result["insight_status"] == 201 and result["usage_status"] == 201 and result["usage_error"] is None
    assert result["report"]["idle_waste_kwh"] == 3.0
    assert result["report"]["worst_machine"]["name"] == "Compressor"
    (insight_path, card), (usage_path, usage) = partner_api.posted
    assert insight_path == "insights" and card["title"] == "Idle waste on 2025-03-01: 3.00 kWh"
    assert "Compressor" in card["body"]
    assert usage == {"quantity": 1, "idempotency_key": "report-7-2025-03-01"}
    page = module_client.get("/launch", query_string={"token": launch_token()}).get_data(as_text=True)
    assert "3.00 kWh" in page and "Compressor" in page


def test_run_report_passes_a_402_through(module_client, partner_api):
    partner_api.usage_status = 402
    deliver(module_client, created(api_base=partner_api.base))
    response = module_client.post("/installations/7/run-report", json={"date": "2025-03-01", "units": 2})
    assert response.status_code == 200
    result = response.get_json()
    assert result["usage_status"] == 402 and result["usage_error"] == "monthly cap reached"


def test_run_report_on_a_revoked_installation_answers_409(module_client, partner_api):
    partner_api.revoked = True
    deliver(module_client, created(api_base=partner_api.base))
    response = module_client.post("/installations/7/run-report", json={})
    assert response.status_code == 409
    assert "revoked" in response.get_json()["reason"]


def test_run_report_checks_the_admin_key(tmp_path, partner_api):
    client = create_app({"DF_MODULE_SECRET": SECRET, "MODULE_SLUG": SLUG, "ADMIN_KEY": "let-me-in",
                         "DATA_PATH": str(tmp_path / "store.json")}).test_client()
    deliver(client, created(api_base=partner_api.base))
    assert client.post("/installations/7/run-report", json={}).status_code == 403
    assert client.post("/installations/7/run-report", json={"date": "2025-03-01"},
                       headers={"X-Admin-Key": "let-me-in"}).status_code == 200
    assert client.post("/installations/8/run-report", json={},
                       headers={"X-Admin-Key": "let-me-in"}).status_code == 404


def test_the_sample_manifest_is_valid():
    manifest = parse_manifest(json.loads(MANIFEST.read_text()))
    assert manifest.slug == SLUG and manifest.pricing.unit_name == "report"
    assert set(manifest.scopes) == {"devices:read", "readings:read", "insights:write", "usage:write"}
