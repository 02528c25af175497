"""The Tariff and Shifts settings forms: rows of plain fields to and from the domain's shapes.

Both editors work without JavaScript: the page shows the saved rows plus a few empty ones; an empty
row is ignored and a row with "remove" ticked is dropped. The domain (`telemetry.plant`) checks ranges.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from telemetry.analytics import ShiftCalendar, Tariff
from tenants.errors import N_, DomainError

MAX_BANDS, EXTRA_BANDS = 48, 3
MAX_SHIFTS, EXTRA_SHIFTS = 100, 5
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
DAY_CHOICES = ("all", "weekdays", "0", "1", "2", "3", "4", "5", "6")


@dataclass
class BandRow:
    """One time-of-use band as the form shows it (no days ticked: every day)."""

    days: set[int] = field(default_factory=set)
    start: int = 0
    end: int = 0
    price: str = ""


@dataclass
class ShiftRow:
    """One shift row as the form shows it; `day` is 0-6, "weekdays" (Mon-Fri) or "all"."""

    day: str = "0"
    start: str = ""
    end: str = ""


def parse_price(text: str | None) -> float:
    """A price typed by a person: 0.25 or 0,25; DomainError otherwise."""
    raw = (text or "").strip()
    cleaned = raw.replace(",", ".") if "." not in raw else raw
    try:
        value = float(cleaned)
    except ValueError:
        raise DomainError(N_("%(value)s is not a price; write it like 0.25."), value=raw[:20]) from None
    if not math.isfinite(value):
        raise DomainError(N_("%(value)s is not a price; write it like 0.25."), value=raw[:20])
    return value


def _hour(text: str | None) -> int:
    raw = (text or "").strip()
    if not raw.isdecimal() or not 0 <= int(raw) <= 24:
        raise DomainError(N_("Choose the hours of each band from the lists (0 to 24)."))
    return int(raw)


def _band_rows(form: MultiDict) -> list[tuple[int, BandRow, bool]]:
    rows = []
    for i in range(MAX_BANDS + EXTRA_BANDS):
        if f"band-{i}-price" not in form:
            continue
        days = {int(d) for d in form.getlist(f"band-{i}-days") if d in {"0", "1", "2", "3", "4", "5", "6"}}
        start, end = form.get(f"band-{i}-start", "0"), form.get(f"band-{i}-end", "0")
        row = BandRow(days, int(start) if start.isdecimal() else 0, int(end) if end.isdecimal() else 0,
                      form.get(f"band-{i}-price", "").strip())
        rows.append((i, row, f"band-{i}-remove" in form))
    return rows


def tariff_from_form(form: MultiDict) -> tuple[float, list[dict]]:
    """The price per kWh and the bands (as `plant.set_tariff` takes them) of a submitted Tariff form."""
    price = parse_price(form.get("price_per_kwh"))
    bands = []
    for i, row, remove in _band_rows(form):
        if remove or not row.price:
            continue
        start, end = _hour(form.get(f"band-{i}-start")), _hour(form.get(f"band-{i}-end"))
        bands.append({"weekdays": sorted(row.days) or None, "start_hour": start, "end_hour": end,
                      "price": parse_price(row.price)})
    if len(bands) > MAX_BANDS:
        raise DomainError(N_("At most %(count)s bands."), count=MAX_BANDS)
    return price, bands


def band_rows(tariff: Tariff) -> list[BandRow]:
    """The saved bands as form rows, plus empty ones to add more."""
    rows = [BandRow(set(b.weekdays or ()), b.start_hour, b.end_hour, plain_number(b.price)) for b in tariff.bands]
    return rows + [BandRow(start=22, end=6) for _ in range(min(EXTRA_BANDS, MAX_BANDS - len(rows)))]


def submitted_band_rows(form: MultiDict) -> list[BandRow]:
    """The rows as submitted (shown again with the error), minus removed ones."""
    return [row for _i, row, remove in _band_rows(form) if not remove]


def plain_number(value: float) -> str:
    """A stored price as plain text for an input (no trailing zeros)."""
    return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else f"{int(value)}"


def _days_of(choice: str) -> list[int]:
    if choice == "all":
        return sorted(EVERY_DAY)
    if choice == "weekdays":
        return sorted(WEEKDAYS)
    if choice in DAY_CHOICES:
        return [int(choice)]
    raise DomainError(N_("Choose the day of each shift from the list."))


def _shift_rows(form: MultiDict) -> list[tuple[ShiftRow, bool]]:
    rows = []
    for i in range(MAX_SHIFTS + EXTRA_SHIFTS):
        if f"shift-{i}-day" not in form:
            continue
        row = ShiftRow(form.get(f"shift-{i}-day", "0"), form.get(f"shift-{i}-start", "").strip(),
                       form.get(f"shift-{i}-end", "").strip())
        rows.append((row, f"shift-{i}-remove" in form))
    return rows


def shifts_from_form(form: MultiDict) -> list[dict]:
    """The shifts (as `plant.set_shifts` takes them) of a submitted Shifts form; day groups are expanded."""
    shifts, seen = [], set()
    for row, remove in _shift_rows(form):
        if remove or (not row.start and not row.end):
            continue
        if not row.start or not row.end:
            raise DomainError(N_("Each shift needs a start and an end time."))
        for day in _days_of(row.day):
            if (day, row.start, row.end) not in seen:
                seen.add((day, row.start, row.end))
                shifts.append({"weekday": day, "start": row.start, "end": row.end})
    return shifts


def submitted_shift_rows(form: MultiDict) -> list[ShiftRow]:
    """The shift rows as submitted (shown again with the error), minus removed ones."""
    return [row for row, remove in _shift_rows(form) if not remove]


def shift_rows(calendar: ShiftCalendar) -> list[ShiftRow]:
    """The saved shifts as form rows (the same times on Mon-Fri or every day make one row), plus empty ones."""
    times: dict[tuple[str, str], set[int]] = {}
    for shift in calendar.shifts:
        times.setdefault((shift.start, shift.end), set()).add(shift.weekday)
    rows = []
    for (start, end), days in sorted(times.items(), key=lambda item: (min(item[1]), item[0])):
        if days == EVERY_DAY:
            rows.append(ShiftRow("all", start, end))
            continue
        if WEEKDAYS <= days:
            rows.append(ShiftRow("weekdays", start, end))
            days = days - WEEKDAYS
        rows.extend(ShiftRow(str(day), start, end) for day in sorted(days))
    return rows + [ShiftRow() for _ in range(min(EXTRA_SHIFTS, MAX_SHIFTS - len(rows)))]
