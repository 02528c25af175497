"""Energy, cost and uptime reports for any period of local days, per machine and in total.

The figures are the daily buckets of `series.device_buckets` (rules 5-7 of DESIGN.md) summed over
the period, optionally grouped into days, ISO weeks or calendar months. No Flask here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from telemetry import plant, registry, series
from telemetry.analytics import Bucket
from tenants.clock import period_bounds, utcnow
from tenants.errors import N_, DomainError
from tenants.models import Tenant

BREAKDOWNS = ("none", "day", "week", "month")
QUICK_PICKS = ("yesterday", "this_week", "last_week", "this_month", "last_month")
MAX_DAYS = {"none": 366, "day": 93, "week": 366, "month": 366}
MAX_MACHINES = 10_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class ReportPeriod:
    """Local days `first` to `last` (both inclusive) and how to break them down."""

    first: date
    last: date
    breakdown: str = "none"

    @property
    def days(self) -> int:
        """How many local days the period covers."""
        return (self.last - self.first).days + 1


@dataclass
class Figures:
    """Summed figures of one machine (or all of them) over some local days."""

    energy_wh: float = 0.0
    cost: float = 0.0
    running_s: float = 0.0
    idle_s: float = 0.0
    off_s: float = 0.0
    nodata_s: float = 0.0
    planned_s: float = 0.0
    idle_waste_wh: float = 0.0
    idle_waste_cost: float = 0.0

    def add(self, other: Bucket | Figures) -> None:
        """Add a bucket's (or other figures') sums into these."""
        for name in ("energy_wh", "cost", "running_s", "idle_s", "off_s", "nodata_s", "planned_s",
                     "idle_waste_wh", "idle_waste_cost"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def availability(self) -> float | None:
        """Running time over planned time (rule 7); None when nothing was planned."""
        return self.running_s / self.planned_s if self.planned_s > 0 else None


@dataclass
class Slice:
    """Figures of the local days `first` to `last` (a day, or a week or month cut to the period)."""

    first: date
    last: date
    figures: Figures = field(default_factory=Figures)

    @property
    def whole_month(self) -> bool:
        """Whether the slice is a whole calendar month."""
        return self.first.day == 1 and (self.last + timedelta(days=1)).day == 1


@dataclass
class MachineReport:
    """One machine's figures for the whole period and per slice of the breakdown."""

    device_id: int
    name: str
    site: str
    line: str
    total: Figures
    slices: list[Slice]


@dataclass
class Report:
    """The report of a company for a period: every active machine and the totals."""

    period: ReportPeriod
    company: str
    timezone: str
    currency: str
    generated_at: datetime
    machines: list[MachineReport]
    total: Figures
    total_slices: list[Slice]


def parse_day(text: str | None) -> date:
    """A local date written as 2026-05-04; DomainError for anything else."""
    value = (text or "").strip()
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise DomainError(N_("%(value)s is not a date; write it as 2026-05-04."), value=value[:40]) from None
    if not 1970 <= day.year <= 2200:
        raise DomainError(N_("%(value)s is outside the years 1970 to 2200."), value=value)
    return day


def quick_period(pick: str, today: date) -> tuple[date, date]:
    """First and last day of a quick pick: yesterday, this or last week (Monday first), this or last month."""
    monday = today - timedelta(days=today.weekday())
    if pick == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if pick == "this_week":
        return monday, today
    if pick == "last_week":
        return monday - timedelta(days=7), monday - timedelta(days=1)
    if pick == "this_month":
        return today.replace(day=1), today
    if pick == "last_month":
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    raise DomainError(N_("Choose one of the quick periods offered."))


def choose_period(first_text: str | None, last_text: str | None, pick: str | None, breakdown: str | None,
                  today: date) -> ReportPeriod:
    """The period asked for (a quick pick, or from/to dates; this month by default), checked.

    A period reaching past today ends today; one that starts after today, ends before it starts,
    or is longer than the breakdown allows is refused with a DomainError.
    """
    breakdown = breakdown or "none"
    if breakdown not in BREAKDOWNS:
        raise DomainError(N_("Break the report down by day, week or month, or not at all."))
    if pick:
        first, last = quick_period(pick, today)
    elif first_text or last_text:
        first = parse_day(first_text or last_text)
        last = parse_day(last_text or first_text)
    else:
        first, last = quick_period("this_month", today)
    if first > last:
        raise DomainError(N_("The start date %(first)s is after the end date %(last)s."),
                          first=first.isoformat(), last=last.isoformat())
    if first > today:
        raise DomainError(N_("The period starts after today; there are no figures for it yet."))
    period = ReportPeriod(first, min(last, today), breakdown)
    if period.days > MAX_DAYS[breakdown]:
        raise DomainError(N_("That period is too long: at most %(days)s days with this breakdown. "
                             "Choose a shorter period or a coarser breakdown."), days=MAX_DAYS[breakdown])
    return period


def utc_bounds(period: ReportPeriod, zone: ZoneInfo) -> series.Period:
    """The period's UTC start and end: local midnight of the first day and after the last (checked)."""
    start, end = period_bounds(period.first, period.last, zone)
    return series.check_period(start, end, "day", zone)


def slice_start(day: date, breakdown: str) -> date:
    """The first day of the breakdown slice that holds `day` (ISO weeks start on Monday)."""
    if breakdown == "week":
        return day - timedelta(days=day.weekday())
    if breakdown == "month":
        return day.replace(day=1)
    return day


def _slices(days: list[Bucket], period: ReportPeriod) -> list[Slice]:
    """Group daily buckets into the breakdown's slices, each cut to the period."""
    slices: dict[date, Slice] = {}
    for bucket in days:
        day = bucket.start.date()
        if not period.first <= day <= period.last:
            continue
        key = slice_start(day, period.breakdown)
        piece = slices.get(key)
        if piece is None:
            piece = slices[key] = Slice(max(key, period.first), day)
        piece.last = max(piece.last, day)
        piece.figures.add(bucket)
    return [slices[key] for key in sorted(slices)]


def _machine(device, days: list[Bucket], period: ReportPeriod) -> MachineReport:
    slices = _slices(days, period)
    total = Figures()
    for piece in slices:
        total.add(piece.figures)
    return MachineReport(device.id, device.name, device.site or "", device.line or "", total,
                         slices if period.breakdown != "none" else [])


def _total_slices(machines: list[MachineReport], period: ReportPeriod) -> list[Slice]:
    merged: dict[date, Slice] = {}
    for machine in machines:
        for piece in machine.slices:
            merged.setdefault(piece.first, Slice(piece.first, piece.last)).figures.add(piece.figures)
    return [merged[key] for key in sorted(merged)]


def build_report(session: Session, tenant: Tenant, period: ReportPeriod, now: datetime | None = None) -> Report:
    """The report of every active machine of the current tenant, from their rollups as they stand (callers
    settle first)."""
    now = now or utcnow()
    zone = ZoneInfo(tenant.timezone)
    bounds = utc_bounds(period, zone)
    devices = registry.list_devices(session, "active", per_page=MAX_MACHINES).devices
    tariff, shifts = plant.get_tariff(session), plant.get_shifts(session)
    by_id = {}
    for device in sorted(devices, key=lambda d: d.id):  # storing days locks rows in id order, as settling does
        days = series.device_buckets(session, tenant, device, bounds, "day", now, tariff=tariff, shifts=shifts)
        by_id[device.id] = _machine(device, days, period)
    machines = [by_id[device.id] for device in devices]
    total = Figures()
    for machine in machines:
        total.add(machine.total)
    return Report(period, tenant.name, tenant.timezone, tenant.currency, now, machines, total,
                  _total_slices(machines, period))
