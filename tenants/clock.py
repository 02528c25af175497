"""The application's one clock: every "now" the code uses comes from here, so a test can set it
(`set_clock`) and build its dates relative to it instead of depending on the day it runs.

Also the one home of a company's local calendar: its zone (`zone_of`), the local date of an instant
(`local_date`), its local today (`local_today`), and the UTC instants a local day or period spans
(`day_start`, `day_bounds`, `period_bounds`: 23 or 25 hours on DST days, half-hour offsets as the zone has them)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Zoned(Protocol):
    """Anything with an IANA time zone name, such as a Tenant."""

    @property
    def timezone(self) -> str:
        """The IANA name of the zone, such as "Asia/Kolkata"."""


def system_now() -> datetime:
    """The machine's time, as an aware UTC datetime."""
    return datetime.now(UTC)


_source: Callable[[], datetime] = system_now


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the machine's, unless a clock was set)."""
    return _source()


def set_clock(source: Callable[[], datetime]) -> None:
    """Take "now" from `source` (an aware datetime each call) until `reset_clock`."""
    global _source
    _source = source


def reset_clock() -> None:
    """Take "now" from the machine again."""
    set_clock(system_now)


def current_month(now: datetime | None = None) -> date:
    """The first day of the current month in UTC (of `now`, or of the app clock's now)."""
    return (now or utcnow()).date().replace(day=1)


def zone_of(zone: str | ZoneInfo | Zoned) -> ZoneInfo:
    """The ZoneInfo of an IANA name or of something with a `timezone` name (a ZoneInfo passes through)."""
    if isinstance(zone, ZoneInfo):
        return zone
    return ZoneInfo(zone if isinstance(zone, str) else zone.timezone)


def local_date(instant: datetime, zone: str | ZoneInfo | Zoned) -> date:
    """The date an aware instant falls on in a time zone."""
    return instant.astimezone(zone_of(zone)).date()


def local_today(zone: str | ZoneInfo | Zoned, now: datetime | None = None) -> date:
    """Today's date in a time zone (a company's local day): the day of `now`, or of the app clock's now."""
    return local_date(now or utcnow(), zone)


def day_start(day: date, zone: str | ZoneInfo | Zoned) -> datetime:
    """The UTC instant a local day starts (its local midnight)."""
    return datetime.combine(day, time(0), zone_of(zone)).astimezone(UTC)


def day_bounds(day: date, zone: str | ZoneInfo | Zoned) -> tuple[datetime, datetime]:
    """UTC instants of a local day's start and end (23 or 25 hours on DST days)."""
    return period_bounds(day, day, zone)


def period_bounds(first: date, last: date, zone: str | ZoneInfo | Zoned) -> tuple[datetime, datetime]:
    """UTC instants of local midnight before the first day and after the last one."""
    return day_start(first, zone), day_start(last + timedelta(days=1), zone)
