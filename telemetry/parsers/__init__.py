"""Ingest parsers, one module per device format, each exposing `parse(...) -> ParseResult`, and
the field mapping they share: payload keys become reading fields through the device's input
map, our own field names, then the format's aliases (case-insensitive)."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TypeVar

from telemetry.readings import ItemError, NormalizedReading, ParseResult, Rejection, describe, to_number

T = TypeVar("T")

# our field names (plus energy_kwh) -> (field, factor to our unit)
MEASURES: dict[str, tuple[str, float]] = {
    "power_w": ("power_w", 1.0),
    "energy_wh": ("energy_wh", 1.0),
    "energy_kwh": ("energy_wh", 1000.0),
    "voltage_v": ("voltage_v", 1.0),
    "current_a": ("current_a", 1.0),
    "power_factor": ("power_factor", 1.0),
}
AVERAGED = frozenset({"voltage_v", "power_factor"})
"""Fields whose channels are averaged when a payload carries several; the others are summed."""

# lower-case firmware names (ThingsBoard keys, Tasmota ENERGY keys, InfluxDB fields) -> MEASURES key
COMMON_ALIASES: dict[str, str] = {
    "power": "power_w", "apower": "power_w", "active_power": "power_w", "activepower": "power_w",
    "watts": "power_w", "energy": "energy_wh", "wh": "energy_wh", "total_wh": "energy_wh",
    "total": "energy_kwh", "total_kwh": "energy_kwh", "totalkwh": "energy_kwh", "kwh": "energy_kwh",
    "voltage": "voltage_v", "volts": "voltage_v", "vrms": "voltage_v",
    "current": "current_a", "amps": "current_a", "irms": "current_a",
    "pf": "power_factor", "factor": "power_factor", "powerfactor": "power_factor",
    "cosphi": "power_factor", "cos_phi": "power_factor",
}


class FieldMap:
    """Resolves payload keys to reading fields. A key named in the device's input map wins; then
    our own names (power_w, energy_kwh, ...); then the format's aliases, for the fields the
    input map does not already claim."""

    def __init__(self, input_map: Mapping[str, str], aliases: Mapping[str, str] | None = None) -> None:
        self._input_map = {key: target for key, target in dict(input_map).items()
                           if isinstance(key, str) and isinstance(target, str) and target in MEASURES}
        claimed = {MEASURES[target][0] for target in self._input_map.values()}
        self._aliases = {name: target for name, target in (aliases or {}).items()
                         if MEASURES[target][0] not in claimed}

    def resolve(self, key: str) -> tuple[str, float, int] | None:
        """(field, factor to our unit, rank) of a payload key, or None when it is no measure; the
        lower rank wins when two keys name the same field."""
        if key in self._input_map:
            return (*MEASURES[self._input_map[key]], 0)
        if key in MEASURES:
            return (*MEASURES[key], 1)
        alias = self._aliases.get(key.lower())
        return None if alias is None else (*MEASURES[alias], 2)


def _combined(key: str, raw: object, target: str | None, text: bool, arrays: bool) -> float:
    if not (arrays and isinstance(raw, list)):
        return to_number(raw, key, text=text)
    numbers = [to_number(item, f"{key}[{position}]", text=text) for position, item in enumerate(raw)]
    if not numbers:
        raise ItemError(f"{key} is an empty list")
    return sum(numbers) / len(numbers) if target in AVERAGED else sum(numbers)


def _extra_value(key: str, raw: object, text: bool, arrays: bool) -> float | None:
    """The number an unmapped key holds, or None when it holds something else (ignored)."""
    if isinstance(raw, str):
        try:
            return to_number(raw, key, text=True) if text else None
        except ItemError:
            return None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return to_number(raw, key)
    if arrays and isinstance(raw, list) and raw and all(
            isinstance(item, (int, float)) and not isinstance(item, bool) for item in raw):
        return _combined(key, raw, None, False, True)
    return None


def make_reading(values: Mapping[str, object], ts: datetime, fields: FieldMap, *, text: bool = False,
                 arrays: bool = False, device_name: str | None = None) -> NormalizedReading:
    """One reading from a flat key -> value mapping. Mapped keys become fields in our units;
    other numeric keys go to `extra`; other unknown keys are ignored. With `arrays`, list values
    (channels) are summed, or averaged for voltage and power factor. Raises ItemError for a
    field of the wrong type and when no value is left."""
    chosen: dict[str, tuple[int, str, float, float]] = {}
    extra: dict[str, float] = {}
    for key, raw in values.items():
        if raw is None or (text and raw == ""):
            continue
        resolved = fields.resolve(key)
        if resolved is None:
            number = _extra_value(key, raw, text, arrays)
            if number is not None:
                extra[key] = number
            continue
        target, factor, rank = resolved
        number = _combined(key, raw, target, text, arrays)
        held = chosen.get(target)
        if held is not None and held[0] <= rank:
            extra[key] = number
            continue
        if held is not None:
            extra[held[1]] = held[2]
        chosen[target] = (rank, key, number, to_number(number * factor, key))  # kWh -> Wh may overflow
    if not chosen and not extra:
        raise ItemError("the reading has no values")
    measures = {target: scaled for target, (_, _, _, scaled) in chosen.items()}
    return NormalizedReading(ts=ts, extra=extra, device_name=device_name, **measures)


def require_object(value: object, what: str = "item") -> dict:
    """`value` when it is a JSON object; raises ItemError otherwise."""
    if not isinstance(value, dict):
        raise ItemError(f"{what} must be an object, not {describe(value)}")
    return value


def parse_each(items: Iterable[T], build: Callable[[T], NormalizedReading],
               skip: Callable[[T], bool] | None = None) -> ParseResult:
    """Builds one reading per item (but those `skip` says hold nothing); an ItemError becomes a
    Rejection with the item's index."""
    result = ParseResult(items=[], rejected=[])
    for index, item in enumerate(items):
        if skip is not None and skip(item):
            continue
        try:
            result.items.append((index, build(item)))
        except ItemError as exc:
            result.rejected.append(Rejection(index, str(exc)))
    return result
