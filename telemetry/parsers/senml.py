"""SenML JSON packs (RFC 8428, `application/senml+json`). Base fields (bn, bt, bu, bv, bs) carry
over to later records; records at the same resolved time form one reading. A record's name (the
part of bn + n after the last ':' or '/') maps to our fields, and its unit converts the value:
W and kW, Wh, kWh and J, V, A, and '/' or '%' for the power factor."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from telemetry.parsers import COMMON_ALIASES, FieldMap, make_reading, require_object
from telemetry.readings import (
    ItemError,
    ParseContext,
    ParseResult,
    PayloadError,
    Rejection,
    describe,
    epoch_to_datetime,
    load_json,
    to_number,
)

RELATIVE_LIMIT = 2**28
"""Resolved times below this are seconds relative to now (RFC 8428 section 4.5.3)."""

UNITS: dict[str, tuple[str, float]] = {
    "W": ("power_w", 1.0), "kW": ("power_w", 1000.0),
    "Wh": ("energy_wh", 1.0), "kWh": ("energy_wh", 1000.0), "J": ("energy_wh", 1 / 3600),
    "V": ("voltage_v", 1.0), "A": ("current_a", 1.0),
    "/": ("power_factor", 1.0), "%": ("power_factor", 0.01),
}
_BASE_KEYS = frozenset({"bn", "bt", "bu", "bv", "bs", "bver"})
_OTHER_VALUES = frozenset({"vs", "vb", "vd"})


@dataclass(frozen=True)
class _Base:
    name: str = ""
    time: float = 0.0
    unit: str | None = None
    value: float = 0.0
    total: float = 0.0


def _text(record: dict, key: str, default: str | None) -> str | None:
    value = record.get(key, default)
    if value is not None and not isinstance(value, str):
        raise ItemError(f"{key} must be a string, not {describe(value)}")
    return value


def _next_base(record: dict, base: _Base) -> _Base:
    """The base fields in force from this record on."""
    numbers = {attr: to_number(record[key], key) for key, attr in (("bt", "time"), ("bv", "value"),
                                                                    ("bs", "total")) if key in record}
    return replace(base, name=_text(record, "bn", base.name) or "", unit=_text(record, "bu", base.unit),
                   **numbers)


def _time(seconds: float, ctx: ParseContext) -> datetime:
    if seconds < RELATIVE_LIMIT:
        try:
            return ctx.received_at + timedelta(seconds=seconds)
        except OverflowError:
            raise ItemError("t is out of range") from None
    return epoch_to_datetime(seconds, name="t")


def _measure(name: str, unit: str | None, number: float, fields: FieldMap) -> tuple[str, float]:
    """The reading key and value of a record: our field in our unit, or its own name for extra."""
    resolved = fields.resolve(name)
    if resolved is None:
        return name, number
    target, factor, _ = resolved
    if not unit:
        return target, number * factor
    unit_target, unit_factor = UNITS.get(unit, (None, 0.0))
    if unit_target != target:
        raise ItemError(f"unit {unit!r} does not fit {name} ({target})")
    return target, number * unit_factor


def _entry(record: dict, base: _Base, ctx: ParseContext, fields: FieldMap) -> tuple[datetime, str, float] | None:
    """(time, key, value) of a record, or None for a record without a number (string, boolean
    or data values, or base fields only)."""
    if "v" in record:
        number = base.value + to_number(record["v"], "v")
    elif "s" in record:
        number = base.total + to_number(record["s"], "s")
    elif record.keys() & (_OTHER_VALUES | _BASE_KEYS):
        return None
    else:
        raise ItemError("the record has no value")
    name = re.split(r"[:/]", base.name + (_text(record, "n", "") or ""))[-1]
    if not name:
        raise ItemError("the record has no name")
    key, value = _measure(name, _text(record, "u", base.unit), number, fields)
    ts = _time(to_number(base.time + to_number(record.get("t", 0), "t"), "t"), ctx)
    return ts, key, to_number(value, name)  # base + value may overflow


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """Readings from a SenML pack, one per resolved time (its index is that of its first record);
    a bad record is rejected on its own, as is a second value of the same field at one time."""
    document = load_json(body)
    if not isinstance(document, list):
        raise PayloadError("a SenML pack must be a JSON array of records")
    fields, base = FieldMap(ctx.input_map, COMMON_ALIASES), _Base()
    groups: dict[datetime, tuple[int, dict[str, float]]] = {}
    result = ParseResult(items=[], rejected=[])
    for index, raw in enumerate(document):
        try:
            record = require_object(raw, "a record")
            base = _next_base(record, base)
            entry = _entry(record, base, ctx, fields)
        except ItemError as exc:
            result.rejected.append(Rejection(index, str(exc)))
            continue
        if entry is None:
            continue
        ts, key, value = entry
        first, values = groups.setdefault(ts, (index, {}))
        if key in values:
            result.rejected.append(Rejection(index, f"{key} appears twice for the same time"))
            continue
        values[key] = value
    plain = FieldMap({})
    result.items.extend((first, make_reading(values, ts, plain)) for ts, (first, values) in groups.items())
    return result
