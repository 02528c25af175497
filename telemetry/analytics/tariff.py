"""Energy tariffs: a flat price or time-of-use bands by local hour (rule 6)."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from zoneinfo import ZoneInfo

from .model import QUARTER_S


@dataclass(slots=True, frozen=True)
class Band:
    """Price for local hours [start_hour, end_hour) on the given weekdays (0=Mon).

    `weekdays=None` (or "all") means every day. end_hour <= start_hour wraps past midnight;
    the weekday is that of the hour being priced. end_hour may be 24.
    """

    weekdays: frozenset[int] | None
    start_hour: int
    end_hour: int
    price: float

    def __post_init__(self) -> None:
        if not (0 <= self.start_hour <= 23 and 0 <= self.end_hour <= 24):
            raise ValueError("band hours must lie in 0..24")
        if self.weekdays in ("all", "*"):
            object.__setattr__(self, "weekdays", None)
        elif self.weekdays is not None:
            object.__setattr__(self, "weekdays", frozenset(self.weekdays))

    def matches(self, weekday: int, hour: int) -> bool:
        """Whether this band covers the local `hour` on `weekday`."""
        if self.weekdays is not None and weekday not in self.weekdays:
            return False
        if self.start_hour < self.end_hour:
            return self.start_hour <= hour < self.end_hour
        return hour >= self.start_hour or hour < self.end_hour


BandLike = Band | tuple


@dataclass(slots=True, frozen=True)
class Tariff:
    """Price per kWh: the first matching band wins, else `price_per_kwh`."""

    price_per_kwh: float = 0.0
    bands: tuple[Band, ...] = ()

    def __post_init__(self) -> None:
        bands = tuple(b if isinstance(b, Band) else Band(*b) for b in self.bands)
        object.__setattr__(self, "bands", bands)

    @classmethod
    def flat(cls, price_per_kwh: float) -> Tariff:
        """A tariff with one price at all hours."""
        return cls(price_per_kwh=price_per_kwh)

    @classmethod
    def time_of_use(cls, default_price: float, bands: Iterable[BandLike]) -> Tariff:
        """A tariff from (weekdays|None, start_hour, end_hour, price) bands."""
        # tuples are welcome: __post_init__ turns every band into a Band
        return cls(price_per_kwh=default_price, bands=cast(tuple[Band, ...], tuple(bands)))

    @property
    def is_flat(self) -> bool:
        """True when the price does not depend on the time."""
        return not self.bands

    def price_at(self, local: datetime) -> float:
        """Price per kWh at a local (zone-aware) time."""
        weekday, hour = local.weekday(), local.hour
        for band in self.bands:
            if band.matches(weekday, hour):
                return band.price
        return self.price_per_kwh

    def quarter_prices(self, zone: ZoneInfo | None, first_ts: float, count: int
                       ) -> list[float]:
        """Price of each of `count` 15-minute steps from `first_ts`.

        A local hour is a union of whole quarters in every modern zone, so one
        price per quarter prices each piece of energy by its local hour.
        """
        if self.is_flat:
            return [self.price_per_kwh] * count
        if zone is None:
            raise ValueError("a time-of-use tariff needs the tenant's zone")
        return [self.price_at(datetime.fromtimestamp(first_ts + k * QUARTER_S, zone))
                for k in range(count)]

