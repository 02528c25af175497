"""The tenant API /api/v1: the company, API keys, devices, gateway keys and stored readings."""
from __future__ import annotations

from web.openapi.common import empty, json_body, json_response, op, path_param, query, schema, tenant_errors

DEVICE_ID = path_param("device_id", "The device's id.", 7)
KEY_ID = path_param("key_id", "The key's id.", 3)
API_KEY_EXAMPLE = {"id": 3, "name": "ERP export", "prefix": "df_7f3a", "created_at": "2026-05-04T08:00:00+00:00",
                   "last_used_at": None, "revoked_at": None}
DEVICE_EXAMPLE = {"id": 7, "name": "Lathe 1", "kind": "smart_plug", "site": "Hall A", "line": "Turning",
                  "rated_w": 5500, "off_below_w": 10, "run_above_w": 100, "max_gap_s": 300, "input_map": {},
                  "status": "active", "created_at": "2026-05-01T07:00:00Z", "last_reading_at": "2026-05-04T08:00:00Z",
                  "last_seen_at": "2026-05-04T08:00:02Z", "last_power_w": 1520.5, "online": True}
GATEWAY_EXAMPLE = {"id": 2, "name": "Hall A gateway", "created_at": "2026-05-01T07:00:00Z", "last_used_at": None,
                   "revoked_at": None}
TOKEN = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _device_status(summary: str, description: str, tag: str = "Devices") -> dict:
    return {"post": op(tag, summary, {"200": json_response("The device.", schema("Device"), DEVICE_EXAMPLE),
                                      **tenant_errors(403, 404)}, description=description, params=(DEVICE_ID,))}


PATHS = {
    "/api/v1/tenant": {"get": op("Company", "The caller's company", {
        "200": json_response("The company.", schema("Tenant"), {
            "id": 1, "slug": "acme-metall", "name": "Acme Metall", "country": "DE", "timezone": "Europe/Berlin",
            "currency": "EUR"}), **tenant_errors()})},
    "/api/v1/api-keys": {"get": op("Company", "List the company's API keys (never their secrets)", {
        "200": json_response("The keys.", {"type": "object", "properties": {
            "api_keys": {"type": "array", "items": schema("ApiKey")}}}, {"api_keys": [API_KEY_EXAMPLE]}),
        **tenant_errors()})},
    "/api/v1/api-keys/{key_id}": {"delete": op("Company", "Revoke an API key", {
        "200": json_response("The revoked key.", schema("ApiKey"), {**API_KEY_EXAMPLE,
                                                                     "revoked_at": "2026-05-04T09:00:00+00:00"}),
        **tenant_errors(403, 404)}, params=(KEY_ID,))},
    "/api/v1/devices": {
        "get": op("Devices", "List devices (not retired), 50 a page", {
            "200": json_response("One page of devices.", {"type": "object", "properties": {
                "devices": {"type": "array", "items": schema("Device")}, "page": {"type": "integer"},
                "total": {"type": "integer"}}}, {"devices": [DEVICE_EXAMPLE], "page": 1, "total": 1}),
            **tenant_errors(400)}, params=(
            query("status", "Only devices of this status.", "active", enum=["active", "pending", "retired"]),
            query("page", "Page number from 1.", 1, "integer", minimum=1))),
        "post": op("Devices", "Create a device and its token (shown once)", {
            "201": json_response("The device with its token.", schema("Device"), {**DEVICE_EXAMPLE, "token": TOKEN}),
            **tenant_errors(400, 403, 409)}, body=json_body(schema("DeviceInput"), {
                "name": "Lathe 1", "kind": "smart_plug", "site": "Hall A", "off_below_w": 10, "run_above_w": 100}))},
    "/api/v1/devices/{device_id}": {
        "get": op("Devices", "One device", {"200": json_response("The device.", schema("Device"), DEVICE_EXAMPLE),
                                            **tenant_errors(404)}, params=(DEVICE_ID,)),
        "patch": op("Devices", "Change some fields of a device", {
            "200": json_response("The device.", schema("Device"), {**DEVICE_EXAMPLE, "run_above_w": 250}),
            **tenant_errors(400, 403, 404, 409)}, params=(DEVICE_ID,),
            description="Changing off_below_w, run_above_w or max_gap_s recomputes the device's figures.",
            body=json_body(schema("DeviceInput"), {"run_above_w": 250})),
        "delete": op("Devices", "Delete a device with its readings", {
            "204": empty("Deleted."), **tenant_errors(403, 404)}, params=(DEVICE_ID,))},
    "/api/v1/devices/{device_id}/token": {"post": op("Devices", "Rotate the device's token (shown once)", {
        "201": json_response("The new token; older ones stop working.", {"type": "object", "properties": {
            "device": {"type": "integer"}, "token": {"type": "string"}}}, {"device": 7, "token": TOKEN}),
        **tenant_errors(403, 404)}, params=(DEVICE_ID,))},
    "/api/v1/devices/{device_id}/accept": _device_status(
        "Accept a pending device", "It becomes active (and billable); its readings are shown."),
    "/api/v1/devices/{device_id}/retire": _device_status(
        "Retire a device", "Its tokens stop working; its history stays."),
    "/api/v1/devices/{device_id}/reject": {"post": op("Devices", "Reject a pending device", {
        "204": empty("Deleted with the readings it sent."), **tenant_errors(403, 404, 409)}, params=(DEVICE_ID,))},
    "/api/v1/devices/{device_id}/readings": {"get": op("Readings", "Stored readings of a device", {
        "200": json_response("One page of readings, oldest first.", {"type": "object", "properties": {
            "device": {"type": "integer"}, "readings": {"type": "array", "items": schema("StoredReading")},
            "next_after": {"type": ["string", "null"], "format": "date-time"}}}, {
            "device": 7, "readings": [{"ts": "2026-05-04T08:00:00Z", "received_at": "2026-05-04T08:00:01Z",
                                       "power_w": 1520.5, "energy_wh": 123456.7, "voltage_v": 229.8, "current_a": 6.9,
                                       "power_factor": 0.96, "extra": {}}], "next_after": None}),
        **tenant_errors(400, 404)}, params=(
        DEVICE_ID, query("from", "RFC 3339 start (default: 24 h before `to`).", "2026-05-04T00:00:00Z",
                         format="date-time"),
        query("to", "RFC 3339 end (default: now + 5 min).", "2026-05-05T00:00:00Z", format="date-time"),
        query("limit", "Readings per page, 1 to the maximum page size.", 1000, "integer", minimum=1),
        query("after", "Continue after this time: the previous page's `next_after`.", None, format="date-time")))},
    "/api/v1/gateway-keys": {
        "get": op("Devices", "List gateway keys (never their secrets)", {
            "200": json_response("The keys.", {"type": "object", "properties": {
                "gateway_keys": {"type": "array", "items": schema("GatewayKey")}}},
                {"gateway_keys": [GATEWAY_EXAMPLE]}), **tenant_errors()}),
        "post": op("Devices", "Create a gateway key (shown once)", {
            "201": json_response("The key with its secret.", schema("GatewayKey"), {**GATEWAY_EXAMPLE, "key": TOKEN}),
            **tenant_errors(400, 403)}, description="A gateway key posts for many devices by name; an unknown name "
                                                    "creates a pending device.",
            body=json_body({"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
                           {"name": "Hall A gateway"}))},
    "/api/v1/gateway-keys/{key_id}": {"delete": op("Devices", "Revoke a gateway key", {
        "200": json_response("The revoked key.", schema("GatewayKey"), {**GATEWAY_EXAMPLE,
                                                                         "revoked_at": "2026-05-04T09:00:00Z"}),
        **tenant_errors(403, 404)}, params=(KEY_ID,))},
}
