"""Shelly status JSON (`POST /api/v1/shelly/<token>`).

Gen2+: the result of `Switch.GetStatus` (or `PM1`/`EM1`/`EM` status), the `NotifyStatus` and
`NotifyFullStatus` notifications (`params.ts` is unix UTC), or a whole `Shelly.GetStatus`
document (`sys.unixtime`). Metering components switch/pm1/light/cover (apower W, aenergy.total
Wh, voltage, current, pf), em1 + em1data and em + emdata (Pro EM, Pro 3EM) are read.
Gen1 `/status`: `meters` (power W, total in watt-minutes) and `emeters` (total in Wh), timed by
`unixtime`. Several channels are summed, voltage and power factor averaged. A notification
carries only what changed, so on a multi-channel device a delta holds just those channels."""
from __future__ import annotations

import re
from datetime import datetime

from telemetry.parsers import FieldMap, make_reading, parse_each
from telemetry.readings import (
    ItemError,
    NormalizedReading,
    ParseContext,
    ParseResult,
    PayloadError,
    load_json,
    to_number,
    to_timestamp,
)

Spec = tuple[tuple[str, str, float], ...]
"""(path in the component's status, our field, factor to our unit); the first path is the one
that identifies the component in a bare status object."""

_SWITCH: Spec = (("apower", "power_w", 1.0), ("aenergy.total", "energy_wh", 1.0),
                 ("voltage", "voltage_v", 1.0), ("current", "current_a", 1.0), ("pf", "power_factor", 1.0))
GEN2: dict[str, Spec] = {
    "switch": _SWITCH,
    "em1": (("act_power", "power_w", 1.0), ("voltage", "voltage_v", 1.0), ("current", "current_a", 1.0),
            ("pf", "power_factor", 1.0)),
    "em1data": (("total_act_energy", "energy_wh", 1.0),),
    "em": (("total_act_power", "power_w", 1.0), ("total_current", "current_a", 1.0),
           *((f"{phase}_voltage", "voltage_v", 1.0) for phase in "abc"),
           *((f"{phase}_pf", "power_factor", 1.0) for phase in "abc")),
    "emdata": (("total_act", "energy_wh", 1.0),),
    "pm1": _SWITCH, "light": _SWITCH, "cover": _SWITCH,
}
GEN1: dict[str, Spec] = {
    "meters": (("power", "power_w", 1.0), ("total", "energy_wh", 1 / 60)),  # watt-minutes
    "emeters": (("power", "power_w", 1.0), ("total", "energy_wh", 1.0), ("voltage", "voltage_v", 1.0),
                ("current", "current_a", 1.0), ("pf", "power_factor", 1.0)),
}
_COMPONENT = re.compile(r"([a-z0-9]+):[0-9]+")


def _lookup(status: object, path: str) -> object:
    for part in path.split("."):
        if not isinstance(status, dict):
            return None
        status = status.get(part)
    return status


def _components(status: dict) -> list[tuple[str, Spec, dict]]:
    """(label, spec, status) of each metering component of a status document."""
    found = [(key, GEN2[match.group(1)], value) for key, value in status.items()
             if isinstance(value, dict) and (match := _COMPONENT.fullmatch(str(key))) and match.group(1) in GEN2]
    for key, spec in GEN1.items():
        meters = status.get(key)
        if isinstance(meters, list):
            found += [(f"{key}[{index}]", spec, meter) for index, meter in enumerate(meters)
                      if isinstance(meter, dict) and meter.get("is_valid") is not False]
    if not found:
        found = [("", spec, status) for spec in GEN2.values() if spec[0][0] in status][:1]
    return found


def _time(status: dict, ctx: ParseContext) -> datetime:
    for raw in (status.get("ts"), _lookup(status, "sys.unixtime"), status.get("unixtime")):
        if raw is not None and raw != 0:  # Gen1 says unixtime 0 until its clock is synced
            return to_timestamp(raw, ctx)
    return ctx.received_at


def _reading(status: dict, ctx: ParseContext) -> NormalizedReading:
    values: dict[str, list[float]] = {}
    for label, spec, component in _components(status):
        for path, target, factor in spec:
            raw = _lookup(component, path)
            if raw is not None:
                name = f"{label}.{path}" if label else path
                values.setdefault(target, []).append(to_number(raw, name) * factor)
    if not values:
        raise ItemError("no meter values found (expected apower/aenergy, act_power, meters or emeters)")
    return make_reading(values, _time(status, ctx), FieldMap({}), arrays=True)


def parse(body: bytes, ctx: ParseContext) -> ParseResult:
    """One reading from a Shelly status or notification document (index 0)."""
    document = load_json(body)
    if not isinstance(document, dict):
        raise PayloadError("a Shelly status document must be a JSON object")
    status = next((document[key] for key in ("params", "result") if isinstance(document.get(key), dict)),
                  document)
    return parse_each([status], lambda item: _reading(item, ctx))
