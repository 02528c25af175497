"""emoncms input API, as EmonESP, emonhub and emonTx sketches speak it, read the way emoncms's
own Modules/input/input_methods.php reads it.

input/post: `node`, one of `json` (loose `{power1:100,vrms:230}`), `fulljson`, `csv` or `data`
(in that order of preference), and `time`. Unnamed csv values are named 1, 2, 3...
input/bulk: `data=[[t, node, v1, {"name": v2}, ...], ...]`; an item's time is t plus a reference:
`sentat` (now - sentat), `offset` (now - offset, as emoncms computes it), `time`, or else now minus
the last item's t. The device's input map names our fields (e.g. power1 -> power_w); without
one, the usual emonTx names are understood."""
from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta

from telemetry.parsers import COMMON_ALIASES, FieldMap, make_reading, parse_each
from telemetry.readings import (
    EPOCH,
    ItemError,
    NormalizedReading,
    ParseContext,
    ParseResult,
    PayloadError,
    describe,
    is_decimal_text,
    load_json,
    to_device_name,
    to_number,
    to_timestamp,
)

EMONCMS_ALIASES: dict[str, str] = {
    **COMMON_ALIASES,
    # CT 1 of emonTx v3 / emonPi sketches, and of emonTx v4 as emonhub names its inputs (Wh counter)
    "power1": "power_w", "p1": "power_w", "e1": "energy_wh",
}
POST_DATA_KEYS = ("json", "fulljson", "csv", "data")
TRANSIT_S = 10
"""How far a bulk post's `sentat` may be from our clock and still count as on time (see _reference)."""
_NODE_JUNK = re.compile(r"[^\w\s.-]")
_LOOSE_JUNK = re.compile(r"[^\w\s.:,-]")


def _node(value: object) -> str | None:
    """A device name from an emoncms node (name or number), cleaned as emoncms cleans it."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**15:
        value = str(value)
    if not isinstance(value, str):
        raise ItemError(f"node must be a name or a number, not {describe(value)}")
    cleaned = _NODE_JUNK.sub("", value).strip()
    return to_device_name(cleaned, "node") if cleaned else None


def _loose_inputs(text: str) -> dict[str, str]:
    """Inputs of emoncms's loose `json`/`csv`/`data` syntax: name:value pairs or bare values."""
    inputs: dict[str, str] = {}
    position = 0
    for pair in _LOOSE_JUNK.sub("", text).split(","):
        name, colon, value = pair.partition(":")
        if colon:
            if not name.strip():
                raise ItemError("Format error, json key missing or invalid character")
            inputs[name.strip()] = value.strip()
        else:
            position += 1
            inputs[str(position)] = name.strip()
    return {name: value for name, value in inputs.items() if value != "null"}


def _post_time(value: object, ctx: ParseContext, text: bool) -> datetime:
    """An input/post time as emoncms reads it: a number cut to whole seconds, else a date string;
    none is the receive time in whole seconds (emoncms's time())."""
    if value is None or value == "":
        return EPOCH + timedelta(seconds=int(ctx.received_at.timestamp()))
    if isinstance(value, (int, float)) or is_decimal_text(value):
        try:
            return EPOCH + timedelta(seconds=_whole_seconds(value, "time", text=text))
        except OverflowError:
            raise ItemError("time is out of range") from None
    return to_timestamp(value, ctx, text=text, name="time")


def _post_reading(params: Mapping[str, str], ctx: ParseContext, fields: FieldMap) -> NormalizedReading:
    """The one reading of an input/post request."""
    kind = next((key for key in POST_DATA_KEYS if key in params), None)
    text = params.get(kind) if kind else None
    if not isinstance(text, str) or not text.strip():
        raise PayloadError("Request contains no data via csv, json or data tag")
    time_value: object = params.get("time")
    if kind == "fulljson":
        inputs = load_json(text, "fulljson")
        if not isinstance(inputs, dict):
            raise PayloadError("fulljson must be a JSON object")
        if "time" not in params and "time" in inputs:  # a time parameter wins, as in emoncms
            time_value = inputs.pop("time")
    else:
        inputs = _loose_inputs(text)
    ts = _post_time(time_value, ctx, text=isinstance(time_value, str))
    return make_reading(inputs, ts, fields, text=kind != "fulljson", device_name=_node(params.get("node")))


def _whole_seconds(value: object, name: str, text: bool = True) -> int:
    """A number cut to whole seconds as emoncms's PHP `(int)` cuts it (toward zero)."""
    return int(to_number(value, name, text=text))


def _reference(params: Mapping[str, str], data: list, ctx: ParseContext) -> datetime:
    """The time each item's own time is added to, chosen and computed as emoncms does (whole
    seconds): `sentat` (now - sentat), `offset` (now - offset), `time`, else now minus the last item's
    time. A `sentat` within TRANSIT_S of now is transit time, not a wrong clock: it is taken as now,
    so a batch resent after a lost answer lands on the same seconds and stores nothing new."""
    now = int(ctx.received_at.timestamp())
    try:
        if "sentat" in params:
            skew = now - _whole_seconds(params["sentat"], "sentat")
            return EPOCH + timedelta(seconds=skew if abs(skew) > TRANSIT_S else 0)
        if "offset" in params:
            return EPOCH + timedelta(seconds=now - _whole_seconds(params["offset"], "offset"))
        if "time" in params:
            return EPOCH + timedelta(seconds=_whole_seconds(params["time"], "time"))
        last = data[-1]
        if not isinstance(last, list) or not last:
            raise ItemError("the last item in bulk data does not contain any data")
        return EPOCH + timedelta(seconds=now - _whole_seconds(last[0], "time offset", text=False))
    except (ItemError, OverflowError) as exc:
        raise PayloadError(f"Format error, bad time reference: {exc}") from None


def _bulk_inputs(values: list) -> dict[str, object]:
    """Named inputs of a bulk item's values: objects name theirs, bare values are numbered."""
    inputs: dict[str, object] = {}
    position = 1
    for value in values:
        if isinstance(value, dict):
            inputs.update((str(name), number) for name, number in value.items())
            continue
        if value is not None and value != "":
            inputs[str(position)] = value
        position += 1
    return inputs


def _bulk_reading(item: object, reference: datetime, fields: FieldMap) -> NormalizedReading:
    if not isinstance(item, list) or len(item) < 3:
        raise ItemError("an item needs a time offset, a node and at least one value")
    try:
        ts = reference + timedelta(seconds=_whole_seconds(item[0], "time offset", text=False))
    except OverflowError:
        raise ItemError("time offset is out of range") from None
    return make_reading(_bulk_inputs(item[2:]), ts, fields, device_name=_node(item[1]))


def _bulk(params: Mapping[str, str], ctx: ParseContext, fields: FieldMap) -> ParseResult:
    text = params.get("data")
    data = load_json(text if isinstance(text, str) else "", "data")
    if not isinstance(data, list) or not data:
        raise PayloadError("data must be a non-empty JSON list of items")
    reference = _reference(params, data, ctx)
    return parse_each(data, lambda item: _bulk_reading(item, reference, fields))


def parse(params: Mapping[str, str], ctx: ParseContext, *, bulk: bool = False) -> ParseResult:
    """Readings from emoncms request parameters (query and form merged): one reading for
    input/post, one per item for input/bulk. The node names the device (for gateway keys)."""
    fields = FieldMap(ctx.input_map, EMONCMS_ALIASES)
    if bulk:
        return _bulk(params, ctx, fields)
    return parse_each([params], lambda item: _post_reading(item, ctx, fields))
