"""The packed form of a device's readings of one day: a lossless columnar block (no database).

Each column is turned into 64-bit integers that are mostly small and alike, the bytes of those
integers are regrouped by significance ("byte shuffle": all lowest bytes, then all second bytes,
...), and the whole block goes through zstd, which then finds long runs of zeros and repeats:
- ts: microseconds since the epoch as delta of delta (a steady 10 s meter gives zeros);
- received_at: microseconds after ts (zero for data with no separate receive time);
- each measure: when every value is a decimal with at most 6 places that survives the round trip
  exactly, the differences of the scaled integers (a counter's growth, a voltage's jitter);
  otherwise the IEEE doubles themselves; a presence mask only when some values are missing;
- extra: the per-reading objects as one JSON list.
Decoding gives back exactly the values that were encoded, -0.0 and all.
"""
from __future__ import annotations

import json
import math
import struct
from array import array
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import NamedTuple

import zstandard

VERSION = 1
LEVEL = 9
MEASURES = ("power_w", "energy_wh", "voltage_v", "current_a", "power_factor")
MAX_DECIMALS = 6
_LIMIT = 2 ** 61  # scaled integers stay far from int64 overflow, their differences too
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_NULL, _SCALED, _DOUBLES = 0, 1, 2


class StoredReading(NamedTuple):
    """One stored reading, from the row table or from a block (the Reading model's fields)."""

    ts: datetime
    received_at: datetime
    power_w: float | None
    energy_wh: float | None
    voltage_v: float | None
    current_a: float | None
    power_factor: float | None
    extra: dict | None


def encode_block(readings: list[StoredReading]) -> bytes:
    """The block of these readings (in ts order, distinct ts)."""
    stamps = [_micros(r.ts) for r in readings]
    sections = [struct.pack("<I", len(readings)), _ints(_delta_of_delta(stamps)),
                _ints([_micros(r.received_at) - t for r, t in zip(readings, stamps)])]
    for name in MEASURES:
        sections += _measure([getattr(r, name) for r in readings])
    sections.append(json.dumps([r.extra for r in readings], separators=(",", ":")).encode())
    payload = b"".join(struct.pack("<I", len(s)) + s for s in sections)
    return bytes([VERSION]) + zstandard.ZstdCompressor(level=LEVEL).compress(payload)


def decode_block(data: bytes | None) -> list[StoredReading]:
    """The readings a block holds, in ts order."""
    if not data or data[0] != VERSION:
        raise ValueError("not a reading block of a known version")
    try:
        return _decoded(_split(zstandard.ZstdDecompressor().decompress(data[1:])))
    except (zstandard.ZstdError, struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ValueError(f"a damaged reading block: {exc}") from None


def _decoded(sections: list[bytes]) -> list[StoredReading]:
    (count,) = struct.unpack("<I", sections[0])
    stamps = list(accumulate(accumulate(_unints(sections[1], count))))
    received = [t + offset for t, offset in zip(stamps, _unints(sections[2], count))]
    columns, at = [], 3
    for _name in MEASURES:
        values, at = _unmeasure(sections, at, count)
        columns.append(values)
    extras = json.loads(sections[at])
    times = [_EPOCH + t * _MICRO for t in stamps]
    return [StoredReading._make((ts, _EPOCH + rec * _MICRO, *values, extra))
            for ts, rec, *values, extra in zip(times, received, *columns, extras)]


def _micros(moment: datetime) -> int:
    return (moment - _EPOCH) // _MICRO


def _delta_of_delta(values: list[int]) -> list[int]:
    deltas = [b - a for a, b in zip([0] + values, values)]
    return [b - a for a, b in zip([0] + deltas, deltas)]


def _shuffle(raw: bytes, width: int = 8) -> bytes:
    return b"".join(raw[i::width] for i in range(width))


def _unshuffle(raw: bytes, width: int = 8) -> bytes:
    out = bytearray(len(raw))
    size = len(raw) // width
    for i in range(width):
        out[i::width] = raw[i * size:(i + 1) * size]
    return bytes(out)


def _ints(values: list[int]) -> bytes:
    return _shuffle(array("q", values).tobytes())


def _unints(raw: bytes, count: int) -> list[int]:
    values = array("q", _unshuffle(raw))
    if len(values) != count:
        raise ValueError("a reading block's column is cut short")
    return values.tolist()


def _decimals(values: list[float]) -> int | None:
    """The fewest decimal places (at most 6) that hold every value exactly, or None."""
    if any(v == 0 and math.copysign(1.0, v) < 0 for v in values):
        return None  # -0.0 would come back as 0.0
    for places in range(MAX_DECIMALS + 1):
        scale = 10 ** places
        if all(abs(v) * scale < _LIMIT and round(v * scale) / scale == v for v in values):
            return places
    return None


def _measure(values: list[float | None]) -> list[bytes]:
    present = [v for v in values if v is not None]
    if not present:
        return [bytes([_NULL, 0])]
    mask = b"" if len(present) == len(values) else bytes(v is not None for v in values)
    places = _decimals(present)
    if places is None:
        return [bytes([_DOUBLES, 0]), mask, _shuffle(array("d", present).tobytes())]
    scale = 10 ** places
    scaled = [round(v * scale) for v in present]
    return [bytes([_SCALED, places]), mask, _ints([b - a for a, b in zip([0] + scaled, scaled)])]


def _unmeasure(sections: list[bytes], at: int, count: int) -> tuple[list[float | None], int]:
    kind, places = sections[at]
    if kind == _NULL:
        return [None] * count, at + 1
    mask = sections[at + 1] or b"\x01" * count
    present = sum(mask)
    if kind == _DOUBLES:
        values = array("d", _unshuffle(sections[at + 2])).tolist()
    else:
        scale = 10 ** places
        values = [n / scale for n in accumulate(_unints(sections[at + 2], present))]
    if len(values) != present or len(mask) != count:
        raise ValueError("a reading block's measure is cut short")
    found = iter(values)
    return [next(found) if flag else None for flag in mask], at + 3


def _split(payload: bytes) -> list[bytes]:
    sections, at = [], 0
    while at < len(payload):
        (size,) = struct.unpack_from("<I", payload, at)
        sections.append(payload[at + 4:at + 4 + size])
        at += 4 + size
    return sections
