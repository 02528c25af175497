"""A method no route takes (TRACE, PROPFIND, a PATCH where only GET exists...) answers 405 with an Allow
header naming the methods that path does take, on every route, as the OpenAPI document says; an unknown
path stays 404 whatever the method."""
from __future__ import annotations

import re

import pytest

from web.openapi import build_spec


def _concrete(rule: str) -> str:
    return re.sub(r"<(?:int:)?[^>]+>", "1", rule)


def _paths(app) -> list[str]:
    return sorted({_concrete(rule.rule) for rule in app.url_map.iter_rules() if rule.endpoint != "static"})


@pytest.mark.parametrize("method", ["TRACE", "PROPFIND", "CONNECT"])
def test_every_route_answers_an_unknown_method_with_405_and_allow(app, client, method):
    adapter = app.url_map.bind("localhost")
    for path in _paths(app):
        allowed = set(adapter.allowed_methods(path))
        response = client.open(path, method=method)
        assert response.status_code == 405, (method, path, response.status_code)
        assert set(m.strip() for m in response.headers["Allow"].split(",")) == allowed, path
        assert response.status_code != 500


def test_a_method_the_path_does_not_take(client):
    response = client.open("/api/v1/readings", method="PATCH", headers={"Authorization": "Bearer " + "0" * 32})
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
    assert response.get_json() == {"error": "The method is not allowed for the requested URL."}
    page = client.open("/login", method="DELETE")
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and "POST" in page.headers["Allow"]


def test_an_unknown_path_is_404_for_any_method(client):
    assert client.open("/no/such/page", method="TRACE").status_code == 404


def test_the_openapi_document_says_so():
    spec = build_spec()
    assert "405" in spec["info"]["description"] and "Allow" in spec["info"]["description"]
    answer = spec["components"]["responses"]["MethodNotAllowed"]
    assert "Allow" in answer["headers"]
