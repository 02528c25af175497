"""The device simulator's traces: deterministic, plausible per profile, counters that agree with
the power, machines off outside working time."""
from __future__ import annotations

import itertools
import json
import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telemetry.parsers import native
from telemetry.readings import ParseContext, validate
from telemetry.simulator import PROFILES, Schedule, simulate

MONDAY = datetime(2026, 11, 23, tzinfo=UTC)


def day(profile: str, interval_s: float = 10.0, **kwargs) -> list:
    """One Monday of readings of a profile."""
    return list(itertools.islice(simulate(profile, MONDAY, interval_s, **kwargs), int(86400 / interval_s) + 1))


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_same_arguments_give_the_same_trace_and_other_seeds_another(profile):
    trace = day(profile, 60, device="a")
    assert trace == day(profile, 60, device="a")
    assert trace != day(profile, 60, device="b")
    assert trace != day(profile, 60, device="a", seed=1)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_counter_agrees_with_the_power(profile):
    readings = day(profile, interval_s=5)
    counted = readings[-1].energy_wh - readings[0].energy_wh
    sampled = sum(r.power_w * 5 / 3600 for r in readings[:-1])
    assert counted > 10_000, "a working day uses real energy"
    assert math.isclose(counted, sampled, rel_tol=0.03)
    assert all(b.energy_wh >= a.energy_wh for a, b in itertools.pairwise(readings))
    steady = [(a, b) for a, b in itertools.pairwise(readings) if a.power_w == b.power_w]
    for a, b in steady[:500]:  # constant load between two samples: the counter grows by exactly p * dt
        assert math.isclose(b.energy_wh - a.energy_wh, a.power_w * 5 / 3600, abs_tol=0.002)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_load_trace_does_not_depend_on_the_sampling_interval(profile):
    coarse, fine = day(profile, interval_s=60), day(profile, interval_s=15)
    assert [r.energy_wh for r in coarse] == [r.energy_wh for r in fine[::4]]
    assert [r.power_w for r in coarse] == [r.power_w for r in fine[::4]]


def test_profiles_draw_what_their_machines_draw():
    cnc, compressor, press = day("cnc"), day("compressor"), day("press")
    running = [r.power_w for r in cnc if r.power_w >= 1000]
    idle = [r.power_w for r in cnc if 0 < r.power_w < 1000]
    assert running and 2000 <= min(running) and max(running) <= 6000
    assert idle and 300 <= min(idle) and max(idle) <= 650
    loaded = [r.power_w for r in compressor if r.power_w > 5000]
    unloaded = [r.power_w for r in compressor if 0 < r.power_w <= 5000]
    assert loaded and unloaded and 7000 <= min(loaded) and max(unloaded) <= 2300
    assert any(r.power_w == 0 for r in compressor[6 * 360:22 * 360]), "the compressor stops during the shift"
    strokes = [r.power_w for r in press if r.power_w > 10_000]
    assert strokes and 13_000 <= min(strokes) <= max(strokes) <= 17_000
    assert 0.05 < len(strokes) / len([r for r in press if r.power_w > 0]) < 0.5, "strokes are short"


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_electrical_values_fit_together(profile):
    nominal = 400.0 if profile == "press" else 230.0
    for r in day(profile):
        assert nominal * 0.98 - 0.1 <= r.voltage_v <= nominal * 1.02 + 0.1
        if r.power_w == 0:
            assert r.current_a == 0 and r.power_factor == 0
            continue
        phases = math.sqrt(3) if profile == "press" else 1.0
        assert 0 < r.power_factor <= 1
        assert math.isclose(r.current_a * r.voltage_v * r.power_factor * phases, r.power_w, rel_tol=0.01)


def test_machines_are_off_at_night_weekends_and_breaks():
    for profile in PROFILES:
        readings = day(profile, interval_s=60)
        by_minute = {r.ts.hour * 60 + r.ts.minute: r.power_w for r in readings[:1440]}
        assert all(by_minute[m] == 0 for m in range(0, 6 * 60)), "night"
        assert all(by_minute[m] == 0 for m in range(12 * 60, 12 * 60 + 30)), "lunch break"
        assert any(by_minute[m] > 0 for m in range(6 * 60, 9 * 60))
    saturday = list(itertools.islice(simulate("cnc", MONDAY + timedelta(days=5), 60), 1440))
    assert all(r.power_w == 0 for r in saturday)


def test_schedule_works_in_the_plant_time_zone():
    berlin = Schedule(zone=ZoneInfo("Europe/Berlin"))
    assert berlin.state(datetime(2026, 11, 23, 5, 30, tzinfo=UTC)) == (
        True, datetime(2026, 11, 23, 8, 0, tzinfo=UTC))  # 06:30 local, until the 09:00 break
    working, change = berlin.state(datetime(2026, 11, 27, 21, 30, tzinfo=UTC))  # Friday 22:30 local
    assert not working and change == datetime(2026, 11, 30, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_readings_pass_the_ingest_checks(profile):
    readings = day(profile, interval_s=300)
    body = json.dumps({"readings": [r.payload("m-1") for r in readings]}).encode()
    received = readings[-1].ts + timedelta(seconds=1)
    parsed = native.parse(body, ParseContext(received_at=received, timezone=ZoneInfo("UTC")))
    checked = validate(parsed, received_at=received)
    assert not checked.rejected and len(checked.items) == len(readings)
    assert checked.items[3][1].energy_wh == readings[3].energy_wh and checked.items[3][1].device_name == "m-1"
