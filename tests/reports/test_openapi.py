"""The OpenAPI document: valid OpenAPI 3.1, and every /api/ and ingest route of the app is in it (and nothing
else), so a new route cannot stay undocumented. /api/docs renders it on the server."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from web.openapi import build_spec, openapi_path

INGEST_BLUEPRINTS = ("ingest", "ingest_emoncms", "ingest_influx")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def _app():
    from app import create_app

    return create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "x",
                       "INSTANCE_PATH": str(Path(__file__).parent / ".no-instance")})


def _documented_routes() -> set[tuple[str, str]]:
    """(OpenAPI path, method) of every route the document must describe: under /api/ or an ingest blueprint."""
    routes = set()
    for rule in _app().url_map.iter_rules():
        if rule.rule.startswith("/api/") or rule.endpoint.split(".")[0] in INGEST_BLUEPRINTS:
            routes |= {(openapi_path(rule.rule), method.lower()) for method in rule.methods - IGNORED_METHODS}
    return routes


def _spec_operations(spec: dict) -> set[tuple[str, str]]:
    return {(path, method) for path, item in spec["paths"].items() for method in item
            if method in ("get", "put", "post", "delete", "patch")}


def test_the_document_is_valid_openapi_3():
    spec = build_spec()
    assert spec["openapi"].startswith("3.")
    validate(spec)


def test_every_api_and_ingest_route_is_documented():
    missing = _documented_routes() - _spec_operations(build_spec())
    assert not missing, ("document these routes in web/openapi/: "
                         + ", ".join(sorted(f"{m.upper()} {p}" for p, m in missing)))


def test_the_document_describes_no_route_that_does_not_exist():
    stale = _spec_operations(build_spec()) - _documented_routes()
    assert not stale, "remove or fix: " + ", ".join(sorted(f"{m.upper()} {p}" for p, m in stale))


@pytest.mark.parametrize("path", ["/api/v1/readings", "/api/v1/{token}/telemetry", "/api/v1/senml", "/input/post",
                                  "/input/post.json", "/input/bulk", "/input/bulk.json", "/api/v2/write", "/write",
                                  "/ping", "/health", "/api/v1/d/{token}", "/api/v1/tasmota/{token}",
                                  "/api/v1/shelly/{token}", "/api/v1/tenant", "/api/v1/api-keys", "/api/v1/devices",
                                  "/api/v1/gateway-keys", "/api/v1/devices/{device_id}/readings",
                                  "/api/v1/devices/{device_id}/series", "/api/v1/overview", "/api/v1/tariff",
                                  "/api/v1/shifts"])
def test_the_endpoints_of_the_design_are_described_with_examples(path):
    spec = build_spec()
    assert path in spec["paths"], path
    for operation in spec["paths"][path].values():
        assert operation["summary"] and operation["responses"]
        for answer in operation["responses"].values():
            content = (spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]] if "$ref" in answer
                       else answer).get("content", {})
            assert all("example" in media for media in content.values()), (path, answer)


def test_json_ingest_answers_document_202_and_every_error():
    spec = build_spec()
    operation = spec["paths"]["/api/v1/readings"]["post"]
    assert set(operation["responses"]) == {"202", "400", "401", "413", "422", "429", "503"}
    accepted = spec["components"]["responses"]["IngestAccepted"]["content"]["application/json"]["example"]
    assert set(accepted) == {"accepted", "duplicates", "rejected"}
    assert "Retry-After" in spec["components"]["responses"]["IngestRateLimited"]["headers"]
    assert spec["components"]["securitySchemes"]["apiKey"] == {**spec["components"]["securitySchemes"]["apiKey"],
                                                              "type": "http", "scheme": "bearer"}


def test_the_document_is_served_as_json(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json
    assert response.get_json() == build_spec()


def test_the_api_page_renders_every_operation_without_scripts_or_cdn(client, owner_client):
    for caller in (client, owner_client):  # public, and with the company's chrome when logged in
        response = caller.get("/api/docs")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert page.count('class="api-op"') == len(_spec_operations(build_spec()))
        assert re.search(r"<script(?![^>]*\bsrc=)", page) is None
        assert not re.search(r'(src|href)="https?://', page), "no CDN"
        for needle in ("POST</span> <code class=\"path\">/api/v1/readings", "curl -X POST", "&#34;accepted&#34;",
                       "/api/openapi.json", "Bearer device token"):
            assert needle in page, needle
