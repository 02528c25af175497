"""Our own JSON format (`POST /api/v1/readings`): one reading, a list of readings, or
`{"readings": [...]}`; keys ts, power_w, energy_wh (or energy_kwh), voltage_v, current_a,
power_factor, an optional device name, and other numeric keys kept as extra."""
from __future__ import annotations

from telemetry.parsers import FieldMap, make_reading, parse_each, require_object
from telemetry.readings import (
    NormalizedReading,
    ParseContext,
    ParseResult,
    PayloadError,
    load_json,
    to_device_name,
    to_timestamp,
)


def _items(document: object) -> tuple[list, object]:
    """The list of reading items and the device named for all of them (or None)."""
    if isinstance(document, list):
        return document, None
    if not isinstance(document, dict):
        raise PayloadError("the body must be a reading object, a list of readings or {\"readings\": [...]}")
    if "readings" not in document:
        return [document], None
    if not isinstance(document["readings"], list):
        raise PayloadError("readings must be a list")
    return document["readings"], document.get("device")


def _reading(item: object, ctx: ParseContext, fields: FieldMap, default_device: object) -> NormalizedReading:
    values = require_object(item, "a reading")
    device = values.get("device", default_device)
    measures = {key: value for key, value in values.items() if key not in ("ts", "device")}
    return make_reading(
        measures, to_timestamp(values.get("ts"), ctx), fields,
        device_name=None if device is None else to_device_name(device),
    )


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Readings from our own JSON format; each item is rejected on its own (bad ts, a field that
    is not a number, no values), the whole body only when it is not a usable JSON document."""
    items, default_device = _items(load_json(body))
    fields = FieldMap(ctx.input_map)
    return parse_each(items, lambda item: _reading(item, ctx, fields, default_device))

