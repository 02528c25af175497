"""The normalised reading model, the number/time coercions every ingest parser shares, and
the plausibility checks a reading passes before it is stored (no Flask, no database)."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
NANOS_PER_UNIT = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
MAX_EXTRA_KEYS = 64
MAX_EXTRA_KEY_LEN = 64
MAX_ABS_VALUE = 1e15
"""Beyond this any number is treated as garbage (a 10 MW machine needs a century for 1e13 Wh)."""

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt ]([0-9]{2}:[0-9]{2}(?::[0-9]{2})?)(?:[.,]([0-9]+))?"
    r"\s*([Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?"
)
# field: (lowest, highest, text of the lowest, text of the highest)
_LIMITS: dict[str, tuple[float, float, str, str]] = {
    "power_w": (-1000.0, 10e6, "-1000 W", "10 MW"),
    "energy_wh": (0.0, MAX_ABS_VALUE, "0 Wh", "1e15 Wh"),
    "voltage_v": (0.0, 100e3, "0 V", "100 kV"),
    "current_a": (0.0, 100e3, "0 A", "100 kA"),
    "power_factor": (-1.0, 1.0, "-1", "1"),
}


@dataclass(frozen=True, slots=True)
class NormalizedReading:
    """One meter reading in our units, whatever format it arrived in."""

    ts: datetime
    power_w: float | None = None
    energy_wh: float | None = None
    voltage_v: float | None = None
    current_a: float | None = None
    power_factor: float | None = None
    extra: Mapping[str, float] = field(default_factory=dict)
    device_name: str | None = None


@dataclass(frozen=True, slots=True)
class Rejection:
    """An item of a request that was not accepted, with the reason."""

    index: int
    error: str


@dataclass
class ParseResult:
    """The readings of a request, each with its item index, and the items rejected."""

    items: list[tuple[int, NormalizedReading]] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)


@dataclass(frozen=True)
class ParseContext:
    """What a parser needs besides the payload: receive time, tenant zone, device input map."""

    received_at: datetime
    timezone: ZoneInfo
    input_map: Mapping[str, str] = field(default_factory=dict)
    precision: str | None = None

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")


class PayloadError(ValueError):
    """The whole body is unusable; the message is the reason."""


class ItemError(ValueError):
    """One item of a request is unusable; the message is the reason."""


def describe(value: object) -> str:
    """A short human name of a JSON value's type, for error messages."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "a list",
             dict: "an object", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _show(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")


def to_number(value: object, name: str, *, text: bool = False) -> float:
    """`value` as a finite float. Bools, NaN/Infinity and overflowing numbers raise ItemError
    naming `name`; strings are parsed strictly as decimals when `text` is set (text formats),
    and rejected otherwise."""
    if isinstance(value, str) and text:
        stripped = value.strip()
        if len(stripped) > 64 or not _DECIMAL.fullmatch(stripped):
            raise ItemError(f"{name} is not a number: {_show(value)}")
        value = float(stripped)
    elif isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ItemError(f"{name} must be a number, not {describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        raise ItemError(f"{name} is too large") from None
    if not math.isfinite(number):
        raise ItemError(f"{name} must be a finite number, not {number}")
    return number


def is_decimal_text(value: object) -> bool:
    """Whether `value` is a string holding one decimal number (such as "12", "-1.5e3")."""
    return isinstance(value, str) and len(value.strip()) <= 64 and _DECIMAL.fullmatch(value.strip()) is not None


def epoch_to_datetime(value: int | float, nanos_per_unit: int | None = None, name: str = "ts") -> datetime:
    """The UTC time of an epoch number in the given unit (nanoseconds per unit); without a unit,
    seconds, then milliseconds above 1e11, microseconds above 1e14, nanoseconds above 1e17."""
    if nanos_per_unit is None:
        size = abs(value)
        unit = "ns" if size > 1e17 else "us" if size > 1e14 else "ms" if size > 1e11 else "s"
        nanos_per_unit = NANOS_PER_UNIT[unit]
    try:
        if isinstance(value, int):
            micros = value * nanos_per_unit // 1000
        else:
            micros = round(value * nanos_per_unit / 1000)
        return EPOCH + timedelta(microseconds=micros)
    except (OverflowError, ValueError):
        raise ItemError(f"{name} is out of range") from None


def local_to_utc(moment: datetime, tz: ZoneInfo, received_at: datetime, name: str = "ts") -> datetime:
    """A naive local time in zone `tz` as UTC. In the hour repeated (or skipped) by a DST change
    the wall time has two readings; the one closer to the receive time wins."""
    try:
        candidates = sorted({moment.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)})
    except (OverflowError, ValueError):
        raise ItemError(f"{name} is out of range") from None
    return min(candidates, key=lambda candidate: abs(candidate - received_at))


def _time_from_string(text: str, ctx: ParseContext, name: str) -> datetime:
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ItemError(f"{name} is not an RFC 3339 time: {_show(text)}")
    date, clock, fraction, zone = match.groups()
    iso = f"{date}T{clock}" + (f".{fraction[:6].ljust(6, '0')}" if fraction else "")
    try:
        moment = datetime.fromisoformat(iso)
        if zone is None:
            return local_to_utc(moment, ctx.timezone, ctx.received_at, name)
        if zone in "Zz":
            return moment.replace(tzinfo=UTC)
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
        return moment.replace(tzinfo=timezone(offset if zone[0] == "+" else -offset)).astimezone(UTC)
    except (OverflowError, ValueError):
        raise ItemError(f"{name} is not a valid time: {_show(text)}") from None


def to_timestamp(value: object, ctx: ParseContext, *, text: bool = False, name: str = "ts") -> datetime:
    """The aware UTC time of a payload timestamp: an epoch number (unit told by magnitude), an
    RFC 3339 string, or a local time without offset read in the tenant zone; None is the receive
    time. Numeric strings count as epoch numbers only in text formats."""
    if value is None:
        return ctx.received_at
    if isinstance(value, str):
        stripped = value.strip()
        if not (text and _DECIMAL.fullmatch(stripped) and len(stripped) <= 32):
            return _time_from_string(stripped, ctx, name)
        value = int(stripped) if stripped.lstrip("+-").isdecimal() else float(stripped)
    number = to_number(value, name)
    return epoch_to_datetime(value if isinstance(value, int) else number, name=name)


def to_device_name(value: object, name: str = "device") -> str:
    """A device name from a payload: a non-empty printable string of at most 100 characters."""
    if not isinstance(value, str):
        raise ItemError(f"{name} must be a string, not {describe(value)}")
    cleaned = value.strip()
    if not cleaned:
        raise ItemError(f"{name} is empty")
    if len(cleaned) > 100 or not cleaned.isprintable():
        raise ItemError(f"{name} must be at most 100 printable characters")
    return cleaned


def decode_text(body: bytes | str) -> str:
    """The request body as text (a str passes through); raises PayloadError unless it is UTF-8."""
    if isinstance(body, str):
        return body
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise PayloadError(f"the body must be bytes, not {type(body).__name__}")
    try:
        return bytes(body).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PayloadError("the body is not UTF-8 text") from None


def load_json(body: bytes | str, what: str = "the body") -> object:
    """The JSON document of a request body (or of a parameter, named by `what`); raises
    PayloadError when it is not UTF-8 JSON."""
    text = decode_text(body)
    if not text.strip():
        raise PayloadError(f"{what} is empty")
    try:
        return json.loads(text)
    except RecursionError:
        raise PayloadError(f"{what} is nested too deeply") from None
    except ValueError as exc:
        raise PayloadError(f"{what} is not valid JSON: {exc}") from None


def _time_error(ts: datetime, received_at: datetime, retention_days: int, max_future_s: int) -> str | None:
    if ts.tzinfo is None:
        return "ts has no time zone"
    if ts - received_at > timedelta(seconds=max_future_s):
        span = f"{max_future_s // 60} minutes" if max_future_s % 60 == 0 else f"{max_future_s} seconds"
        return f"ts is more than {span} in the future"
    if ts < received_at - timedelta(days=retention_days):
        return f"ts is older than the {retention_days}-day retention"
    return None


def _measure_error(name: str, value: float) -> str | None:
    if not math.isfinite(value):
        return f"{name} must be a finite number, not {value}"
    lowest, highest, low_text, high_text = _LIMITS[name]
    if value < lowest:
        return f"{name} is negative ({value:g})" if lowest == 0 else f"{name} is below {low_text} ({value:g})"
    if value > highest:
        return f"{name} is above {high_text} ({value:g})"
    return None


def _extra_error(extra: Mapping[str, float]) -> str | None:
    if len(extra) > MAX_EXTRA_KEYS:
        return f"too many extra values ({len(extra)}, at most {MAX_EXTRA_KEYS})"
    for key, value in extra.items():
        if len(key) > MAX_EXTRA_KEY_LEN or not key.isprintable():
            return f"extra key {_show(key)} must be at most {MAX_EXTRA_KEY_LEN} printable characters"
        if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
            return f"extra value {key} is not a plausible number ({value:g})"
    return None


def reading_error(reading: NormalizedReading, *, received_at: datetime, retention_days: int = 730,
                  max_future_s: int = 300) -> str | None:
    """The first reason the reading cannot be stored (time out of range, absurd value), or None."""
    error = _time_error(reading.ts, received_at, retention_days, max_future_s)
    for name in _LIMITS:
        value = getattr(reading, name)
        if error is None and value is not None:
            error = _measure_error(name, value)
    return error or _extra_error(reading.extra)


def validate(result: ParseResult, *, received_at: datetime, retention_days: int = 730,
             max_future_s: int = 300) -> ParseResult:
    """A copy of `result` in which readings that are more than `max_future_s` in the future,
    older than the retention, or absurd (NaN/Infinity, power < -1000 W or > 10 MW, voltage
    negative or > 100 kV, power factor outside [-1, 1], negative current, huge numbers) are
    moved to `rejected` with a reason; rejections stay ordered by index."""
    checked = ParseResult(items=[], rejected=list(result.rejected))
    for index, reading in result.items:
        error = reading_error(reading, received_at=received_at, retention_days=retention_days,
                              max_future_s=max_future_s)
        if error is None:
            checked.items.append((index, reading))
        else:
            checked.rejected.append(Rejection(index, error))
    checked.rejected.sort(key=lambda rejection: rejection.index)
    return checked
