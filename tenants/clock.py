"""The application's one clock: every "now" the code uses comes from here, so a test can set it
(`set_clock`) and build its dates relative to it instead of depending on the day it runs."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def system_now() -> datetime:
    """The machine's time, as an aware UTC datetime."""
    return datetime.now(UTC)


_source: Callable[[], datetime] = system_now


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (the machine's, unless a clock was set)."""
    return _source()


def today_in(zone: str | ZoneInfo) -> date:
    """Today's date in an IANA time zone (a tenant's local day)."""
    return utcnow().astimezone(zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)).date()


def set_clock(source: Callable[[], datetime]) -> None:
    """Take "now" from `source` (an aware datetime each call) until `reset_clock`."""
    global _source
    _source = source


def reset_clock() -> None:
    """Take "now" from the machine again."""
    set_clock(system_now)
