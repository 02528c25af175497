"""Derived figures (rule 7): utilization, availability, idle waste."""
from __future__ import annotations

from .model import Bucket


def utilization(running_s: float, seconds: float) -> float:
    """Running share of the bucket's length (0 for an empty bucket)."""
    return running_s / seconds if seconds > 0 else 0.0


def availability(running_s: float, planned_s: float) -> float | None:
    """Running time over planned time; None when nothing was planned.

    Per rule 7 the numerator is all running time of the bucket, so running
    outside shifts can push it above 1.
    """
    return running_s / planned_s if planned_s > 0 else None


def idle_waste_wh(idle_wh: float, off_wh: float) -> float:
    """Energy spent not producing: idle plus off (standby)."""
    return idle_wh + off_wh


def apply_figures(bucket: Bucket, planned_s: float, waste_cost: float) -> Bucket:
    """Fill utilization, planned time, availability and idle waste in place."""
    bucket.utilization = utilization(bucket.running_s, bucket.seconds)
    bucket.planned_s = planned_s
    bucket.availability = availability(bucket.running_s, planned_s)
    bucket.idle_waste_wh = idle_waste_wh(bucket.idle_wh, bucket.off_wh)
    bucket.idle_waste_cost = waste_cost
    return bucket
