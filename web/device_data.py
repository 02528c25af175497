"""A device's readings and series as JSON, shared by the tenant API and the partner API so both
answer with the same semantics and shape."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort
from sqlalchemy.orm import Session

from telemetry import queries, series
from telemetry.models import Device
from tenants.clock import local_today, utcnow
from tenants.models import Tenant


def instant_arg(args: Mapping[str, str], name: str, default: datetime) -> datetime:
    """An RFC 3339 query argument as an aware UTC instant (400 when malformed)."""
    raw = args.get(name)
    if not raw:
        return default
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        abort(400, description=f"{name} must be an RFC 3339 time such as 2026-05-04T08:00:00Z")
    if value.tzinfo is None:
        abort(400, description=f"{name} needs a time zone offset (Z or +01:00)")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        abort(400, description=f"{name} is out of range")


def readings_body(session: Session, device: Device, args: Mapping[str, str]) -> dict:
    """Stored readings from `from` to `to` (default the last 24 h), `limit` a page, continuing after `after`."""
    end = instant_arg(args, "to", utcnow() + timedelta(minutes=5))
    start = instant_arg(args, "from", end - timedelta(days=1))
    after = instant_arg(args, "after", start - timedelta(seconds=1)) if args.get("after") else None
    raw_limit = args.get("limit", "1000")
    limit = int(raw_limit) if raw_limit.isdecimal() else 0
    if not 1 <= limit <= queries.MAX_PAGE:
        abort(400, description=f"limit must be from 1 to {queries.MAX_PAGE}")
    found = queries.readings_page(session, device.id, start, end, limit, after)
    next_after = found.next_after.isoformat().replace("+00:00", "Z") if found.next_after else None
    return {"device": device.id, "readings": [queries.reading_json(r) for r in found.readings],
            "next_after": next_after}


def series_body(session: Session, tenant: Tenant, device: Device, args: Mapping[str, str]) -> dict:
    """Figures per bucket (`resolution` 15min|hour|day|week|month, or raw readings) from `from` to `to`
    (local dates, inclusive, or RFC 3339 instants; default today). May write rollups: commit after."""
    zone = ZoneInfo(tenant.timezone)
    today = local_today(zone).isoformat()
    start = series.parse_bound(args.get("from", today), zone, is_end=False)
    end = series.parse_bound(args.get("to", args.get("from", today)), zone, is_end=True)
    resolution = args.get("resolution", "hour")
    head = {"device": device.id, "timezone": tenant.timezone, "currency": tenant.currency, "resolution": resolution}
    if resolution == "raw":
        if end - start > timedelta(days=7):
            abort(400, description="raw readings are served for at most 7 days at a time")
        found = queries.readings_page(session, device.id, start, end, queries.MAX_PAGE)
        return {**head, "readings": [queries.reading_json(r) for r in found.readings],
                "truncated": found.next_after is not None}
    period = series.check_period(start, end, resolution, zone)
    buckets = series.device_buckets(session, tenant, device, period, resolution)
    return {**head, "buckets": [series.bucket_json(b) for b in buckets]}
