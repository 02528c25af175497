"""The OpenAPI 3.1 document of the tenant API and every device ingest endpoint, built as a dict.

`build_spec()` is served at /api/openapi.json and rendered at /api/docs. A test checks that every
/api/ and ingest route of the app's URL map is described here, so a new route cannot go undocumented.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache

from web.openapi import analytics_paths, compat_paths, ingest_paths, partner_paths, tenant_paths
from web.openapi.common import TENANT_AUTH, json_response, op, text_response
from web.openapi.schemas import RESPONSES, SCHEMAS, SECURITY_SCHEMES

VERSION = "1.0.0"
TAGS = [
    {"name": "Company", "description": "The caller's company and its API keys. Authenticate with "
                                       "`Authorization: Bearer <API key>` (Settings → API keys)."},
    {"name": "Devices", "description": "Register meters, rotate their tokens, accept devices a gateway announced."},
    {"name": "Readings", "description": "Stored readings, page by page."},
    {"name": "Analytics", "description": "Energy, cost, state durations, utilization and availability per bucket of "
                                         "local time, and the live overview."},
    {"name": "Settings", "description": "The tariff (with time-of-use bands) and the weekly shift calendar."},
    {"name": "Alerts", "description": "Alerts of the notification centre and their settings."},
    {"name": "Ingest", "description": "Device endpoints. A device token (bound to one device) or a gateway key "
                                      "(names the device in the payload) is 32 lowercase hex characters. 2xx means "
                                      "committed; a duplicate (same device and time) changes nothing, so devices "
                                      "may always retry."},
    {"name": "Ingest (emoncms, InfluxDB)", "description": "Endpoints that answer exactly as emoncms and InfluxDB do, "
                                                          "because their firmware checks the answer."},
    {"name": partner_paths.TAG, "description": partner_paths.TAG_DESCRIPTION},
    {"name": "Documentation", "description": "This document."},
]
META_PATHS = {
    "/api/openapi.json": {"get": op("Documentation", "This OpenAPI document", {
        "200": json_response("The document.", {"type": "object"}, {"openapi": "3.1.0", "info": {
            "title": "Digital Factory API", "version": VERSION}})}, security=[])},
    "/api/docs": {"get": op("Documentation", "The API reference as a web page", {
        "200": text_response("An HTML page.", "<!doctype html>…", "text/html")}, security=[])},
}


@lru_cache(maxsize=1)
def _spec() -> dict:
    paths = {**tenant_paths.PATHS, **analytics_paths.PATHS, **ingest_paths.PATHS, **compat_paths.PATHS,
             **partner_paths.PATHS, **META_PATHS}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Digital Factory API", "version": VERSION,
                 "description": "The tenant API (/api/v1) for scripts and integrations, the endpoints devices "
                                "post readings to, and the partner API (/api/partner/v1) for marketplace modules. "
                                "Errors are `{\"error\": \"...\"}`; amounts are "
                                "in the company's currency; times are RFC 3339. A method a path does not take "
                                "answers 405 with an `Allow` header naming those it does (see the "
                                "MethodNotAllowed response). Device endpoints take bodies sent with "
                                "`Content-Encoding: gzip` or `deflate`, chunked or not (1 MiB at most once "
                                "inflated). Failed credentials (device token, gateway key, API key, installation "
                                "token) are limited to 60 a minute per client address; past that the address gets "
                                "429 with `Retry-After`."},
        "servers": [{"url": "/"}],
        "security": TENANT_AUTH,
        "tags": TAGS,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": SCHEMAS, "responses": {**RESPONSES, **partner_paths.RESPONSES},
                       "securitySchemes": {**SECURITY_SCHEMES, **partner_paths.SECURITY_SCHEMES}},
    }


def build_spec() -> dict:
    """The OpenAPI document (a fresh copy the caller may change)."""
    return copy.deepcopy(_spec())


def openapi_path(flask_rule: str) -> str:
    """A Flask rule such as /api/v1/devices/<int:device_id> as an OpenAPI path (/api/v1/devices/{device_id})."""
    return re.sub(r"<(?:[a-z_]+:)?([a-zA-Z_][a-zA-Z0-9_]*)>", r"{\1}", flask_rule)
