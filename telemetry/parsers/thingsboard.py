"""ThingsBoard's HTTP device telemetry API (`POST /api/v1/<token>/telemetry`): `{"key": value}`,
`{"ts": ms, "values": {...}}`, or a list of those. Keys such as power, energy (Wh), voltage,
current and pf map to our fields; other numeric keys are kept as extra."""
from __future__ import annotations

from telemetry.parsers import COMMON_ALIASES, FieldMap, make_reading, parse_each, require_object
from telemetry.readings import NormalizedReading, ParseContext, ParseResult, PayloadError, load_json, to_timestamp


def _reading(item: object, ctx: ParseContext, fields: FieldMap) -> NormalizedReading:
    entry = require_object(item)
    if "values" in entry:
        values = require_object(entry["values"], "values")
    else:
        # a bare "ts" next to the values is taken as the time, not as a telemetry key
        values = {key: value for key, value in entry.items() if key != "ts"}
    return make_reading(values, to_timestamp(entry.get("ts"), ctx), fields)


def _holds_nothing(item: object) -> bool:
    """`{}` or `{"ts": .., "values": {}}`: ThingsBoard's SDK posts `{}` to test the connection, and
    ThingsBoard answers it 200, storing nothing."""
    return item == {} or (isinstance(item, dict) and item.get("values") == {} and set(item) <= {"ts", "values"})


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Readings from a ThingsBoard telemetry body: one per object, timed by its "ts" (epoch,
    milliseconds as ThingsBoard sends them) or else by the receive time. Empty objects store nothing."""
    document = load_json(body)
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list):
        raise PayloadError("telemetry must be a JSON object or a list of objects")
    fields = FieldMap(ctx.input_map, COMMON_ALIASES)
    return parse_each(document, lambda item: _reading(item, ctx, fields), skip=_holds_nothing)
