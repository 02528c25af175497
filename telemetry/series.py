"""Figures per time bucket for a device or the whole company, live, from settled rollups."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from telemetry import plant
from telemetry.analytics import RESOLUTIONS, Bucket, ShiftCalendar, Tariff, aggregate
from telemetry.analytics.zones import enclosing
from telemetry.day_rollups import day_buckets
from telemetry.models import Device
from telemetry.rollups import stored_quarters
from tenants.clock import day_start, utcnow
from tenants.errors import N_, DomainError
from tenants.models import Tenant

DAY_MULTIPLES = ("day", "week", "month")
MAX_BUCKETS = {"15min": 96 * 62, "hour": 24 * 400, "day": 3 * 366, "week": 530, "month": 240}


@dataclass(frozen=True)
class Period:
    """A requested time range as aware UTC instants."""

    start: datetime
    end: datetime


def parse_bound(value: str, zone: ZoneInfo, is_end: bool) -> datetime:
    """A `from`/`to` bound: a local date (inclusive: `to` means the end of that day) or an RFC 3339 instant."""
    text = (value or "").strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return day_start(day + timedelta(days=1) if is_end else day, zone)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(N_("%(value)s is neither a date (2026-05-04) nor an RFC 3339 time."),
                          value=text[:40]) from None
    if moment.tzinfo is None:
        raise DomainError(N_("%(value)s needs a time zone offset such as Z or +08:00."), value=text[:40])
    return moment.astimezone(UTC)


def check_period(start: datetime, end: datetime, resolution: str, zone: ZoneInfo) -> Period:
    """The period, refused when it is empty, reversed or would give too many buckets."""
    if resolution not in RESOLUTIONS:
        raise DomainError(N_("resolution must be one of: raw, %(names)s."), names=", ".join(RESOLUTIONS))
    if end <= start:
        raise DomainError(N_("to must be after from."))
    lo, hi = enclosing(resolution, zone, start.timestamp(), end.timestamp())
    if ((hi - lo) / {"15min": 900, "hour": 3600, "day": 86400, "week": 604800, "month": 2629800}[resolution]
            > MAX_BUCKETS[resolution]):
        raise DomainError(
            N_("That is too many %(resolution)s buckets; choose a coarser resolution or a shorter period."),
            resolution=resolution)
    return Period(start, end)


def device_buckets(session: Session, tenant: Tenant, device: Device, period: Period, resolution: str,
                   now: datetime | None = None, *, tariff: Tariff | None = None,
                   shifts: ShiftCalendar | None = None) -> list[Bucket]:
    """The device's figures per bucket of local time overlapping the period, priced by the tariff, from its
    rollups as they stand (callers settle first: telemetry.settling; callers looping over many devices pass
    the tariff and shifts in)."""
    now = now or utcnow()
    zone = ZoneInfo(tenant.timezone)
    lo, hi = enclosing(resolution, zone, period.start.timestamp(), period.end.timestamp())
    start, end = (datetime.fromtimestamp(t, UTC) for t in (lo, hi))
    tariff = tariff if tariff is not None else plant.get_tariff(session)
    shifts = shifts if shifts is not None else plant.get_shifts(session)
    if resolution in DAY_MULTIPLES:
        days = day_buckets(session, device, zone, tariff, shifts, lo, hi, now)
        # whole local days nest in weeks and months: their summed cost needs no re-pricing
        return days if resolution == "day" else aggregate(days, resolution, zone, None, shifts, lo, hi)
    quarters = stored_quarters(session, device.id, start, end)
    return aggregate(quarters, resolution, zone, tariff, shifts, lo, hi)


def bucket_json(bucket: Bucket) -> dict:
    """A bucket in the API's JSON shape."""
    def r(value, digits=4):
        return None if value is None else round(value, digits)

    return {"start": bucket.start.isoformat(), "end": bucket.end.isoformat(), "energy_wh": r(bucket.energy_wh),
            "running_s": r(bucket.running_s, 3), "idle_s": r(bucket.idle_s, 3), "off_s": r(bucket.off_s, 3),
            "nodata_s": r(bucket.nodata_s, 3), "running_wh": r(bucket.running_wh), "idle_wh": r(bucket.idle_wh),
            "off_wh": r(bucket.off_wh), "max_power_w": r(bucket.max_power_w), "avg_power_w": r(bucket.avg_power_w),
            "samples": bucket.samples, "cost": r(bucket.cost, 6), "utilization": r(bucket.utilization, 6),
            "availability": r(bucket.availability, 6), "idle_waste_wh": r(bucket.idle_waste_wh),
            "idle_waste_cost": r(bucket.idle_waste_cost, 6)}
