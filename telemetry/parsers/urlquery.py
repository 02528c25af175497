"""URL templating (`/api/v1/d/<token>?power_w=..&energy_wh=..`), as Tasmota `WebQuery`, Shelly
webhooks and scripts, and ESPHome fill it in: our field names (and energy_kwh) as query
parameters, an optional `ts` and `device`; other numeric parameters are kept as extra."""
from __future__ import annotations

from collections.abc import Mapping

from telemetry.parsers import FieldMap, make_reading, parse_each
from telemetry.readings import NormalizedReading, ParseContext, ParseResult, to_device_name, to_timestamp

RESERVED = frozenset({"ts", "device", "apikey", "api_key", "token", "access_token", "key"})
"""Parameters that are never values (credentials some firmware appends, time, device)."""


def _reading(params: Mapping[str, str], ctx: ParseContext) -> NormalizedReading:
    values = {key: value for key, value in params.items() if key not in RESERVED}
    device = params.get("device") or None
    return make_reading(
        values, to_timestamp(params.get("ts") or None, ctx, text=True), FieldMap(ctx.input_map), text=True,
        device_name=None if device is None else to_device_name(device),
    )


def parse(params: Mapping[str, str], ctx: ParseContext) -> ParseResult:
    """One reading from query parameters, parsed strictly as decimal numbers; an unfilled
    placeholder such as `%var1%` in a field rejects the reading with a reason."""
    return parse_each([params], lambda item: _reading(item, ctx))
