"""Tasmota `tele/<topic>/SENSOR` documents (`POST /api/v1/tasmota/<token>`), or the `StatusSNS`
object of `Status 10`/`Status 8`: `{"Time": "2026-05-04T10:00:00", "ENERGY": {"Power": 2635,
"Total": 6.294, "Voltage": 227, "Current": 11.661, "Factor": 0.99, ...}}`. Total is in kWh; Time
is local time without offset unless Tasmota is set to add one. Multi-channel meters send arrays:
channels are summed, voltage and power factor averaged. Other numeric ENERGY keys (Today,
Yesterday, ApparentPower...) are kept as extra."""
from __future__ import annotations

from telemetry.parsers import COMMON_ALIASES, FieldMap, make_reading, parse_each, require_object
from telemetry.readings import NormalizedReading, ParseContext, ParseResult, PayloadError, load_json, to_timestamp


def _reading(document: dict, ctx: ParseContext) -> NormalizedReading:
    energy = require_object(document.get("ENERGY"), "ENERGY")
    ts = to_timestamp(document.get("Time"), ctx, name="Time")
    return make_reading(energy, ts, FieldMap(ctx.input_map, COMMON_ALIASES), arrays=True)


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """One reading from a Tasmota SENSOR document; rejected (index 0) when it has no usable
    ENERGY object or Time."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise PayloadError("a Tasmota SENSOR document must be a JSON object")
    if isinstance(document.get("StatusSNS"), dict):
        document = document["StatusSNS"]
    return parse_each([document], lambda item: _reading(item, ctx))
