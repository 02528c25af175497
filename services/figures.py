"""Use cases that read figures: a device's readings and series, the day's overview, a report.

Figures are read from rollups, so a use case first settles the rollups that new or late readings
left pending for the devices it shows, and commits that, as an explicit step; then it reads. The
tenant API and the partner API answer a device's readings and series through the same functions,
so both have the same semantics and shape.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from telemetry import overview, queries, registry, report_export, reports, series
from telemetry.models import Device
from telemetry.settling import settle_devices
from tenants.clock import local_today
from tenants.errors import DomainError
from tenants.models import Tenant

MAX_RAW_DAYS = 7
DAY_TOTALS = ("energy_wh", "cost", "idle_waste_wh", "idle_waste_cost")


def settle_for_reading(session: Session, devices: list[Device], now: datetime) -> None:
    """Settle the devices' pending rollups and commit them, before figures are read."""
    settle_devices(session, devices, now)
    session.commit()


def instant_arg(args: Mapping[str, str], name: str, default: datetime) -> datetime:
    """An RFC 3339 query argument as an aware UTC instant (a DomainError, answered 400, when malformed)."""
    raw = args.get(name)
    if not raw:
        return default
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError(f"{name} must be an RFC 3339 time such as 2026-05-04T08:00:00Z") from None
    if value.tzinfo is None:
        raise DomainError(f"{name} needs a time zone offset (Z or +01:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise DomainError(f"{name} is out of range") from None


def device_readings(session: Session, device: Device, args: Mapping[str, str], now: datetime) -> dict:
    """Stored readings from `from` to `to` (default the last 24 h), `limit` a page, continuing after `after`."""
    end = instant_arg(args, "to", now + timedelta(minutes=5))
    start = instant_arg(args, "from", end - timedelta(days=1))
    after = instant_arg(args, "after", start - timedelta(seconds=1)) if args.get("after") else None
    raw_limit = args.get("limit", "1000")
    limit = int(raw_limit) if raw_limit.isdecimal() else 0
    if not 1 <= limit <= queries.MAX_PAGE:
        raise DomainError(f"limit must be from 1 to {queries.MAX_PAGE}")
    found = queries.readings_page(session, device.id, start, end, limit, after)
    next_after = found.next_after.isoformat().replace("+00:00", "Z") if found.next_after else None
    return {"device": device.id, "readings": [queries.reading_json(r) for r in found.readings],
            "next_after": next_after}


def device_series(session: Session, tenant: Tenant, device: Device, args: Mapping[str, str], now: datetime) -> dict:
    """Figures per bucket (`resolution` 15min|hour|day|week|month, or raw readings) from `from` to `to`
    (local dates, inclusive, or RFC 3339 instants; default today), settled first."""
    zone = ZoneInfo(tenant.timezone)
    today = local_today(zone, now).isoformat()
    start = series.parse_bound(args.get("from", today), zone, is_end=False)
    end = series.parse_bound(args.get("to", args.get("from", today)), zone, is_end=True)
    resolution = args.get("resolution", "hour")
    head = {"device": device.id, "timezone": tenant.timezone, "currency": tenant.currency, "resolution": resolution}
    if resolution == "raw":
        if end - start > timedelta(days=MAX_RAW_DAYS):
            raise DomainError(f"raw readings are served for at most {MAX_RAW_DAYS} days at a time")
        found = queries.readings_page(session, device.id, start, end, queries.MAX_PAGE)
        return {**head, "readings": [queries.reading_json(r) for r in found.readings],
                "truncated": found.next_after is not None}
    period = series.check_period(start, end, resolution, zone)
    settle_for_reading(session, [device], now)
    buckets = series.device_buckets(session, tenant, device, period, resolution, now)
    session.commit()  # the day rollups a long period computed are kept for the next read
    return {**head, "buckets": [series.bucket_json(b) for b in buckets]}


def day_overview(session: Session, tenant: Tenant, day_text: str | None, now: datetime) -> dict:
    """Every active machine's state now and its figures for a local day (`day_text`, default today),
    settled first, with the day's totals."""
    zone = ZoneInfo(tenant.timezone)
    try:
        day = date.fromisoformat(day_text) if day_text else local_today(zone, now)
    except ValueError:
        raise DomainError("date must be a local date such as 2026-05-04") from None
    settle_for_reading(session, active_devices(session), now)
    rows = [overview.machine_json(m) for m in overview.machines_for_day(session, tenant, day, now)]
    totals = {key: round(sum(r[key] for r in rows), 6) for key in DAY_TOTALS}
    return {"date": day.isoformat(), "timezone": tenant.timezone, "currency": tenant.currency,
            "machines": rows, "totals": totals}


def active_devices(session: Session) -> list[Device]:
    """The current tenant's active devices."""
    return list(session.scalars(select(Device).where(Device.status == "active")))


def report(session: Session, tenant: Tenant, args: Mapping[str, str], now: datetime) -> reports.Report:
    """The report the query asks for (`from`/`to` dates or a quick `pick`, and a `breakdown`; a DomainError
    for bad input, before any work), its machines settled first."""
    period = reports.choose_period(args.get("from"), args.get("to"), args.get("pick"), args.get("breakdown"),
                                   local_today(tenant, now))
    settle_for_reading(session, registry.list_devices(session, "active", per_page=reports.MAX_MACHINES).devices, now)
    built = reports.build_report(session, tenant, period, now)
    session.commit()  # the day rollups the report computed are kept for the next read
    return built


@dataclass(frozen=True)
class ReportFile:
    """A report as a CSV file: its period (for the file's name) and its bytes."""

    period: reports.ReportPeriod
    body: bytes | str


def report_file(session: Session, tenant: Tenant, args: Mapping[str, str], now: datetime, *, excel: bool,
                headers: list[str], total_label: str) -> ReportFile:
    """The report the query asks for as CSV: plain (comma, decimal point, our column names) or as Excel opens
    it in the company's country (with `headers`, in the reader's language); `total_label` names the total row."""
    built = report(session, tenant, args, now)
    if excel:
        body = report_export.report_csv(built, report_export.excel_style(tenant.country), headers, total_label)
    else:
        body = report_export.report_csv(built, report_export.PLAIN, None, total_label)
    return ReportFile(built.period, body)
