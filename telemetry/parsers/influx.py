"""InfluxDB line protocol (`/api/v2/write`, `/write`), as Tasmota's built-in InfluxDB push and
Telegraf (e.g. its Modbus input) write it: `measurement,tag=v field=1.5,n=3i 1777881600000000000`.

Lines of the same device and time merge into one reading. The `device` tag (Tasmota) or else the
`name` tag (Telegraf Modbus) names the device. A field called `value` is named after its
measurement (Tasmota sends one measurement per value: `power,device=x,sensor=energy value=87`);
Tasmota's multi-channel `power1`, `power2`... of sensor `energy` are combined, and measurements of
other Tasmota sensors are prefixed with the sensor (`device.power1` is relay state, not watts)."""
from __future__ import annotations

import re
from datetime import datetime

from telemetry.parsers import COMMON_ALIASES, FieldMap, make_reading
from telemetry.readings import (
    NANOS_PER_UNIT,
    ItemError,
    ParseContext,
    ParseResult,
    PayloadError,
    Rejection,
    decode_text,
    epoch_to_datetime,
    to_device_name,
    to_number,
)

PRECISIONS: dict[str, int] = {
    **NANOS_PER_UNIT, "n": 1, "u": 10**3, "µ": 10**3, "m": 60 * 10**9, "h": 3600 * 10**9,
}
"""Nanoseconds per unit of every precision InfluxDB v1 and v2 accept."""

_INTEGER = re.compile(r"[+-]?[0-9]{1,20}[iu]")
_TIMESTAMP = re.compile(r"[+-]?[0-9]{1,25}")
_BOOLEANS = frozenset({"t", "T", "true", "True", "TRUE", "f", "F", "false", "False", "FALSE"})
_UNESCAPE = re.compile(r'\\([ ,="\\])')
_CHANNEL = re.compile(r"([a-z_]+?)([0-9]+)")

Values = dict[str, "float | list[float]"]


def _split(text: str, separator: str, *, quotes: bool = False, limit: int = -1) -> list[str]:
    """`text` split at unescaped separators (outside double quotes when `quotes`), escapes kept."""
    parts, start, position, quoted = [], 0, 0, False
    while position < len(text) and limit != 0:
        char = text[position]
        if char == "\\":
            position += 2
            continue
        if quotes and char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:position])
            start, limit = position + 1, limit - 1
        position += 1
    parts.append(text[start:])
    return parts


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text)


def _pairs(parts: list[str], what: str) -> list[tuple[str, str]]:
    """(unescaped key, raw value) of each `key=value` part."""
    pairs = []
    for part in parts:
        key, *value = _split(part, "=", limit=1)
        if not value or not key:
            raise ItemError(f"{what} {_unescape(part)[:40]!r} is not key=value")
        pairs.append((_unescape(key), value[0]))
    return pairs


def _field_value(key: str, raw: str) -> float | int | None:
    """The number a field holds; None for strings and booleans."""
    if raw.startswith('"'):
        if len(raw) < 2 or not raw.endswith('"'):
            raise ItemError(f"field {key} has an unterminated string")
        return None
    if raw in _BOOLEANS:
        return None
    if _INTEGER.fullmatch(raw):
        return int(raw[:-1])
    return to_number(raw, key, text=True)


def _names(measurement: str, tags: dict[str, str], key: str) -> tuple[str, bool]:
    """The reading key of a field and whether it is one channel of several (Tasmota arrays)."""
    if key != "value":
        return key, False
    sensor = tags.get("sensor", "").lower()
    if sensor not in ("", "energy"):
        return f"{sensor}.{measurement}", False
    channel = _CHANNEL.fullmatch(measurement) if sensor == "energy" else None
    return (channel.group(1), True) if channel else (measurement, False)


def _line(line: str, ctx: ParseContext, nanos: int, fields: FieldMap) -> tuple[str | None, datetime, Values]:
    """Device, time and values of one line; strings and booleans of unknown fields are dropped."""
    head, *rest = _split(line, " ", limit=1)
    field_text, *stamp = _split(rest[0], " ", quotes=True, limit=1) if rest else ("", )
    measurement, *tag_parts = _split(head, ",")
    tags = {key: _unescape(value) for key, value in _pairs(tag_parts, "tag")}
    if not measurement or not field_text:
        raise ItemError("a line needs a measurement and at least one field")
    stamp_text = stamp[0].strip() if stamp else ""
    if stamp_text and not _TIMESTAMP.fullmatch(stamp_text):
        raise ItemError(f"timestamp {stamp_text[:30]!r} is not an integer")
    ts = epoch_to_datetime(int(stamp_text), nanos) if stamp_text else ctx.received_at
    measurement = _unescape(measurement)
    values: Values = {}
    for key, raw in _pairs(_split(field_text, ",", quotes=True), "field"):
        name, is_channel = _names(measurement, tags, key)
        number = _field_value(name, raw)
        if number is None and fields.resolve(name) is not None:
            raise ItemError(f"{name} must be a number")
        if number is not None:
            values[name] = [float(number)] if is_channel else number
    device = tags.get("device") or tags.get("name")
    return (None if device is None else to_device_name(device)), ts, values


def _merge(group: Values, values: Values) -> None:
    """Adds one line's values to its reading; a field given twice for one time is refused."""
    for name, value in values.items():
        if name in group and not (isinstance(value, list) and isinstance(group[name], list)):
            raise ItemError(f"{name} appears twice for the same device and time")
    for name, value in values.items():
        known = group.get(name)  # when value is a list, so is a value already there (checked above)
        if isinstance(value, list) and isinstance(known, list):
            group[name] = [*known, *value]
        else:
            group[name] = value


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Readings from a line-protocol body; `ctx.precision` (ns by default, as InfluxDB) sets the
    timestamp unit. A bad line is rejected on its own; its index is its line number from 0."""
    nanos = PRECISIONS.get(ctx.precision or "ns")
    if nanos is None:
        raise PayloadError(f"unknown precision {ctx.precision!r}: use ns, us, ms or s")
    fields = FieldMap(ctx.input_map, COMMON_ALIASES)
    groups: dict[tuple[str | None, datetime], tuple[int, Values]] = {}
    result = ParseResult(items=[], rejected=[])
    for index, raw_line in enumerate(decode_text(body).split("\n")):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            device, ts, values = _line(line, ctx, nanos, fields)
            _merge(groups.setdefault((device, ts), (index, {}))[1], values)
        except ItemError as exc:
            result.rejected.append(Rejection(index, str(exc)))
    for (device, ts), (first, values) in groups.items():
        try:
            result.items.append((first, make_reading(values, ts, fields, arrays=True, device_name=device)))
        except ItemError as exc:
            result.rejected.append(Rejection(first, str(exc)))
    result.rejected.sort(key=lambda rejection: rejection.index)
    return result
