"""Threshold advice for a stored device: its last 7 days of readings through the analytics engine."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from telemetry.analytics.advice import ThresholdAdvice, held_powers, suggest_thresholds
from telemetry.models import Device
from telemetry.stored_readings import read_readings
from tenants.clock import utcnow
from tenants.errors import N_

WINDOW = timedelta(days=7)
MIN_SAMPLES = 100

# Engine reasons -> (stable code, translatable explanation with %(...)s slots).
REASONS = {
    "too few samples": ("too_few_samples", N_(
        "Not enough data yet: %(samples)s power readings in the last 7 days, at least %(needed)s are needed.")),
    "a single power level": ("single_level", N_(
        "The machine held a single power level in the last 7 days, so there is nothing to separate.")),
    "off and running; no idle level seen": ("off_and_running", N_(
        "Two power levels seen, off and running, with no idle level between them.")),
    "idle and running; no off level seen": ("idle_and_running", N_(
        "Two power levels seen, idle and running; the machine was never switched off, so the off threshold is kept.")),
    "off, idle and running": ("off_idle_running", N_("Three power levels seen: off, idle and running.")),
}


@dataclass(frozen=True)
class DeviceAdvice:
    """Suggested thresholds for a device, the values to apply and why."""

    device_id: int
    current: dict
    suggested: dict
    apply: dict
    levels_w: tuple[float, ...]
    samples: int
    reason_code: str
    reason: str
    reason_params: dict = field(default_factory=dict)
    since: datetime | None = None

    @property
    def changes(self) -> bool:
        """Whether applying the advice would change the device's thresholds."""
        return any(self.current[key] != value for key, value in self.apply.items())


def device_points(session: Session, device_id: int, start: datetime, end: datetime) -> list[tuple]:
    """The device's readings from start to end as (epoch seconds, power W, energy counter Wh)."""
    return [(r.ts.timestamp(), r.power_w, r.energy_wh)
            for r in read_readings(session, device_id, start, end, end_inclusive=True)]


def values_to_apply(device: Device, advice: ThresholdAdvice) -> dict:
    """The suggested thresholds as a PATCH body; a missing off threshold keeps the current one if it still fits."""
    if advice.run_above_w is None:
        return {}
    run = advice.run_above_w
    off = advice.off_below_w if advice.off_below_w is not None else min(device.off_below_w, run)
    return {"off_below_w": off, "run_above_w": run}


def advise_device(session: Session, device: Device, now: datetime | None = None) -> DeviceAdvice:
    """Suggest off_below_w / run_above_w from the time-weighted power levels of the device's last 7 days."""
    now = now or utcnow()
    since = now - WINDOW
    points = device_points(session, device.id, since, now)
    powers, weights = held_powers(points, float(device.max_gap_s), now.timestamp())
    advice = suggest_thresholds(powers, weights, min_samples=MIN_SAMPLES)
    code, message = REASONS.get(advice.reason, ("other", advice.reason))
    return DeviceAdvice(
        device_id=device.id,
        current={"off_below_w": device.off_below_w, "run_above_w": device.run_above_w},
        suggested={"off_below_w": advice.off_below_w, "run_above_w": advice.run_above_w},
        apply=values_to_apply(device, advice), levels_w=advice.levels_w, samples=advice.samples,
        reason_code=code, reason=message, reason_params={"samples": advice.samples, "needed": MIN_SAMPLES},
        since=since)


def advice_json(advice: DeviceAdvice, reason_text: str) -> dict:
    """The advice in the API's JSON shape; `reason_text` is the reason already translated."""
    return {"device": advice.device_id, "current": advice.current,
            "off_below_w": advice.suggested["off_below_w"], "run_above_w": advice.suggested["run_above_w"],
            "apply": advice.apply, "changes": advice.changes, "levels_w": list(advice.levels_w),
            "samples": advice.samples, "reason_code": advice.reason_code, "reason": reason_text,
            "since": advice.since.isoformat().replace("+00:00", "Z") if advice.since else None}
