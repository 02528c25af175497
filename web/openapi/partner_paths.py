"""The partner API /api/partner/v1: what a module may do for one installation, with its token."""
from __future__ import annotations

from web.openapi.analytics_paths import BUCKET_EXAMPLE, DEVICE_ID
from web.openapi.common import json_body, json_response, op, query, ref, schema

PARTNER_AUTH = [{"installationToken": []}]
TAG = "Partner API"
TAG_DESCRIPTION = (
    "For marketplace modules. Authenticate with `Authorization: Bearer <installation token>`: the token arrives in "
    "the signed `installation.created` webhook (each delivery attempt carries a fresh token; once one attempt is "
    "answered 2xx only its token stays valid, so store the latest). Webhooks carry "
    "`DF-Signature: t=<unix>,v1=<hex HMAC-SHA256(module secret, t + \".\" + body)>`; reject signatures older than 5 "
    "minutes and deduplicate on the event `id`. Events: "
    "installation.created, installation.deleted, device.state_changed, device.offline, device.daily_summary. The "
    "Open module button sends the browser to the launch URL with `?token=<JWT>` (HS256 with the module secret; "
    "claims iss, aud = module slug, sub = user id, installation_id, tenant_id, exp one minute). Each installation "
    "may make 300 requests a minute.")
INSTALLATION_EXAMPLE = {
    "id": 3, "status": "active", "tenant": {"id": 8, "name": "Acme Metall", "timezone": "Europe/Berlin",
                                            "currency": "EUR"},
    "scopes": ["devices:read", "insights:write", "readings:read", "usage:write"], "device_ids": [7],
    "monthly_cap_minor": 2000, "created_at": "2026-05-04T08:00:00Z", "module": "idle-report",
    "pricing": {"model": "unit", "prices": {"EUR": 50}, "unit_name": "report"}, "usage_this_month_minor": 150}
USAGE_EXAMPLE = {"id": 31, "quantity": 1, "unit_price_minor": 50, "amount_minor": 50, "currency": "EUR",
                 "day": "2026-05-04", "idempotency_key": "report-3-2026-05-04"}
INSIGHT_IN = {"kind": "card", "title": "Idle waste on 2026-05-03: 3.2 kWh", "body": "Lathe 1 idled longest.",
              "severity": "warning", "device_id": 7}
OBJECT = {"type": "object"}


def _errors(*codes: int) -> dict:
    names = {400: "BadRequest", 402: "CapReached", 403: "ScopeMissing", 404: "NotFound", 409: "Conflict",
             429: "RateLimited"}
    return {"401": ref("responses", "PartnerUnauthorized"),
            **{str(code): ref("responses", names[code]) for code in sorted({429, *codes})}}


def _get(summary: str, example, scope: str | None, *params, description: str | None = None) -> dict:
    text = (description + " " if description else "") + (f"Needs the `{scope}` scope." if scope else "")
    return {"get": op(TAG, summary, {"200": json_response("OK.", OBJECT, example), **_errors(403, 404)},
                      description=text.strip(), params=params, security=PARTNER_AUTH)}


PATHS = {
    "/api/partner/v1/installation": _get("The installation: company, granted scopes, devices, cap, this month's "
                                         "reported spend", INSTALLATION_EXAMPLE, None),
    "/api/partner/v1/devices": _get("The devices the company shared with the module, 50 a page",
                                    {"devices": [], "page": 1, "total": 0}, "devices:read",
                                    query("page", "Page number.", "1")),
    "/api/partner/v1/devices/{device_id}": _get("One shared device", {"id": 7, "name": "Lathe 1"}, "devices:read",
                                                DEVICE_ID, description="Devices not shared answer 404."),
    "/api/partner/v1/devices/{device_id}/readings": _get(
        "A shared device's stored readings, as /api/v1 answers them", {"device": 7, "readings": [],
                                                                       "next_after": None},
        "readings:read", DEVICE_ID, query("from", "RFC 3339 instant; default 24 h before `to`."),
        query("to", "RFC 3339 instant; default now."), query("limit", "Readings a page.", "1000"),
        query("after", "The previous page's next_after.")),
    "/api/partner/v1/devices/{device_id}/series": _get(
        "A shared device's figures per bucket, as /api/v1 answers them",
        {"device": 7, "timezone": "Europe/Berlin", "currency": "EUR", "resolution": "day",
         "buckets": [BUCKET_EXAMPLE]}, "readings:read", DEVICE_ID,
        query("from", "Local date (inclusive) or RFC 3339 instant; default today.", "2026-05-04"),
        query("to", "Local date (inclusive) or RFC 3339 instant; default `from`.", "2026-05-04"),
        query("resolution", "Bucket size, or raw readings.", "day",
              enum=["raw", "15min", "hour", "day", "week", "month"])),
    "/api/partner/v1/usage": {"post": op(TAG, "Report billable units", {
        "201": json_response("Recorded and priced in the company's currency.", OBJECT, USAGE_EXAMPLE),
        "200": json_response("This idempotency key was reported before: the first record.", OBJECT, USAGE_EXAMPLE),
        **_errors(400, 402, 403, 409)},
        description="Needs the `usage:write` scope and unit pricing. The same `idempotency_key` counts once. "
                    "Refused with 402 when the amount would pass the company's monthly cap for the module.",
        body=json_body(OBJECT, {"quantity": 1, "idempotency_key": "report-3-2026-05-04"}), security=PARTNER_AUTH)},
    "/api/partner/v1/insights": {"post": op(TAG, "Post a card, alert or report link", {
        "201": json_response("Shown on the company's overview and notification centre, with the module's name.",
                             OBJECT, {**INSIGHT_IN, "id": 5, "url": None, "created_at": "2026-05-04T06:00:00Z"}),
        **_errors(400, 403, 404)},
        description="Needs the `insights:write` scope. kind: card, alert or report (a report needs `url`); "
                    "severity: info, warning or critical; title up to 120 and body up to 2000 characters of plain "
                    "text; device_id must be a shared device.", body=json_body(OBJECT, INSIGHT_IN),
        security=PARTNER_AUTH)},
}

RESPONSES = {
    "PartnerUnauthorized": json_response("No token, or the token of a removed installation.", schema("Error"),
                                         {"error": "send `Authorization: Bearer <installation token>` of an active "
                                                   "installation"}),
    "ScopeMissing": json_response("The company did not grant the scope this call needs.", schema("Error"),
                                  {"error": "this installation was not granted the usage:write scope"}),
    "CapReached": json_response("The charge would pass the company's monthly cap for the module.", schema("Error"),
                                {"error": "Refused: 50 would bring this month's spending on the module to 2050, "
                                          "past the company's cap of 2000 (minor units of EUR)."}),
}
SECURITY_SCHEMES = {"installationToken": {
    "type": "http", "scheme": "bearer", "description": "An installation token (`dfi_…`) from the installation.created "
                                                       "webhook."}}
