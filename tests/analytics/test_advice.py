"""Threshold advice from power histograms."""
from __future__ import annotations

import random

from telemetry.analytics import DeviceSettings, Point, state_of, suggest_thresholds
from telemetry.analytics.advice import held_powers


def cluster(rng: random.Random, centre: float, spread: float, n: int) -> list[float]:
    return [max(0.0, rng.gauss(centre, spread)) for _ in range(n)]


def test_bimodal_off_and_running_history() -> None:
    rng = random.Random(1)
    off, run = cluster(rng, 3.0, 0.6, 1200), cluster(rng, 2500.0, 250.0, 1800)
    advice = suggest_thresholds(off + run)
    assert advice.off_below_w is not None and advice.run_above_w is not None
    assert max(off) < advice.off_below_w <= advice.run_above_w < min(run)
    assert len(advice.levels_w) == 2
    settings = DeviceSettings(advice.off_below_w, advice.run_above_w)
    assert all(state_of(p, settings) == 2 for p in off)
    assert all(state_of(p, settings) == 0 for p in run)


def test_bimodal_idle_and_running_history_leaves_off_threshold_open() -> None:
    rng = random.Random(2)
    idle, run = cluster(rng, 400.0, 40.0, 1000), cluster(rng, 6000.0, 500.0, 1000)
    advice = suggest_thresholds(idle + run)
    assert advice.off_below_w is None
    assert max(idle) < advice.run_above_w < min(run)


def test_three_levels_give_both_thresholds() -> None:
    rng = random.Random(3)
    off = cluster(rng, 2.0, 0.4, 800)
    idle = cluster(rng, 250.0, 30.0, 800)
    run = cluster(rng, 3000.0, 300.0, 800)
    advice = suggest_thresholds(off + idle + run)
    assert max(off) < advice.off_below_w < min(idle)
    assert max(idle) < advice.run_above_w < min(run)


def test_single_level_or_too_few_samples_gives_no_advice() -> None:
    rng = random.Random(4)
    assert suggest_thresholds(cluster(rng, 800.0, 50.0, 2000)).run_above_w is None
    few = suggest_thresholds([1.0, 2000.0] * 10)
    assert (few.off_below_w, few.run_above_w, few.reason) == (None, None, "too few samples")


def test_time_weighting_from_held_readings() -> None:
    # few long off readings, many short running ones: time weighting keeps "off" visible
    points = [Point(float(t), 2.0 + (t % 7) / 10, None) for t in range(0, 30000, 300)]
    points += [Point(30000.0 + t, 1800.0 + (t % 13) * 10, None) for t in range(0, 3000, 1)]
    powers, weights = held_powers(points, 300.0, now=40000.0)
    assert len(powers) == len(points)
    advice = suggest_thresholds(powers, weights)
    assert 3 < advice.off_below_w < 1800 and advice.run_above_w < 1800
