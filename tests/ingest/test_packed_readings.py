"""Packed storage (telemetry.packing): finished days move into compressed blocks and every read API
answers exactly as before, on the reference trace and with random late readings; late readings of
a packed day land, duplicates of packed ones are told apart, retention drops whole blocks."""
from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from billing.ledger import active_devices
from jobs.registry import pack_readings
from telemetry import rollups
from telemetry.models import Device, Reading, ReadingBlock
from telemetry.reading_blocks import StoredReading, decode_block, encode_block
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tests.analytics_db import test_reference_through_ingest as reference_trace
from tests.analytics_db.test_reference_through_ingest import _post, _trace

UTC = UTC
reference_device = reference_trace.reference_device  # the fixture, shared with the reference tests
AFTER_TRACE = datetime(2026, 4, 3, 12, 0, tzinfo=UTC)  # the trace ends 31 March: every day is packable
DAYS = ("2026-03-28", "2026-03-31")


def _answers(client, device_id: int, headers: dict) -> dict:
    """What every read API says about the device: all readings page by page, raw series, the
    quarter, hour and day figures, the advice."""
    base = f"/api/v1/devices/{device_id}"
    pages, after = [], None
    while True:
        query = f"{base}/readings?from=2026-03-27T00:00:00Z&to=2026-04-02T00:00:00Z&limit=997"
        body = client.get(query + (f"&after={after}" if after else ""), headers=headers).get_json()
        pages.append(body["readings"])
        after = body["next_after"]
        if after is None:
            break
    series = {resolution: client.get(f"{base}/series?from={DAYS[0]}&to={DAYS[1]}&resolution={resolution}",
                                     headers=headers).get_json() for resolution in ("15min", "hour", "day")}
    raw = client.get(f"{base}/series?from=2026-03-29&to=2026-03-30&resolution=raw", headers=headers).get_json()
    advice = client.get(f"{base}/advice", headers=headers).get_json()
    return {"pages": pages, "series": series, "raw": raw, "advice": advice}


def _recompute_history(db, tenant_id: int, device_id: int) -> None:
    with db.session() as session, tenant_context(tenant_id):
        rollups.mark_history_dirty(session, session.get(Device, device_id))


def _counts(db, tenant_id: int) -> tuple[int, int]:
    with db.session() as session, tenant_context(tenant_id):
        return (session.scalar(select(func.count()).select_from(Reading)),
                session.scalar(select(func.count()).select_from(ReadingBlock)))


def test_every_read_api_answers_the_same_once_the_days_are_packed(db, client, clock, reference_device):
    clock.set(AFTER_TRACE)
    device_id, token, headers, tenant_id = reference_device
    assert _post(client, token, _trace()) == len(_trace())
    before = _answers(client, device_id, headers)
    assert sum(len(p) for p in before["pages"]) == len(_trace()) and len(before["pages"]) > 1
    billed_before = _billed_days(db, tenant_id, device_id)

    assert pack_readings(db) == len(_trace())
    assert _counts(db, tenant_id) == (0, 4)  # the UTC days 27 to 30 March
    assert pack_readings(db) == 0  # nothing left: safe to run again
    assert _answers(client, device_id, headers) == before
    _recompute_history(db, tenant_id, device_id)  # settling now reads every reading from the blocks
    assert _answers(client, device_id, headers) == before
    assert _billed_days(db, tenant_id, device_id) == billed_before == [date(2026, 3, d) for d in (28, 29, 30, 31)]


def _billed_days(db, tenant_id: int, device_id: int) -> list[date]:
    """The local days of late March on which billing counts the device as active."""
    with db.session() as session, tenant_context(tenant_id):
        session.get(Device, device_id).active_since = datetime(2026, 3, 1, tzinfo=UTC)
        session.flush()
        zone = ZoneInfo(session.get(Tenant, tenant_id).timezone)
        return [date(2026, 3, d) for d in range(25, 32)
                if active_devices(session, date(2026, 3, d), zone) == [device_id]]


def test_late_readings_of_a_packed_day_land_merge_and_answer_the_same(db, client, clock, reference_device):
    clock.set(AFTER_TRACE)
    device_id, token, headers, tenant_id = reference_device
    trace = _trace()
    rnd = random.Random(20261203)
    late = rnd.sample(range(len(trace)), 300)
    early = [r for i, r in enumerate(trace) if i not in set(late)]
    assert _post(client, token, early) == len(early)
    pack_readings(db)
    assert _counts(db, tenant_id)[0] == 0

    late_readings = [trace[i] for i in late]
    again = rnd.sample(early, 40)  # duplicates of packed readings, with other values: the first write wins
    mixed = late_readings + [{**r, "power_w": r["power_w"] + 1000} for r in again]
    answer = client.post("/api/v1/readings", json={"readings": mixed}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 202
    assert answer.get_json() == {"accepted": 300, "duplicates": 40, "rejected": []}
    single = client.post("/api/v1/readings", json=again[0], headers={"Authorization": f"Bearer {token}"})
    assert single.get_json() == {"accepted": 0, "duplicates": 1, "rejected": []}  # a device's lone post too
    assert _counts(db, tenant_id)[0] == 300  # rows beside the blocks until the next packing

    merged_view = _answers(client, device_id, headers)
    pack_readings(db)
    assert _counts(db, tenant_id) == (0, 4)
    assert _answers(client, device_id, headers) == merged_view

    # the same readings posted in one go into the row table, never packed, answer the same
    fresh = _fresh_device(db, client, tenant_id)
    assert _post(client, fresh["token"], trace) == len(trace)
    assert _strip_device(_answers(client, fresh["id"], headers)) == _strip_device(merged_view)
    _recompute_history(db, tenant_id, device_id)
    assert _answers(client, device_id, headers) == merged_view


def _fresh_device(db, client, tenant_id: int) -> dict:
    from telemetry import registry
    with db.session() as session, tenant_context(tenant_id):
        original = session.scalars(select(Device)).first()
        device, token = registry.create_device(session, {
            "name": "cnc-unpacked", "off_below_w": original.off_below_w, "run_above_w": original.run_above_w,
            "max_gap_s": original.max_gap_s})
        session.flush()
        return {"id": device.id, "token": token}


def _strip_device(answers: dict) -> dict:
    """The answers without the device's id (compared across two devices)."""
    answers = {**answers, "raw": {**answers["raw"], "device": None},
               "series": {k: {**v, "device": None} for k, v in answers["series"].items()}}
    return {**answers, "advice": {k: v for k, v in answers["advice"].items() if k != "device"}}


def test_retention_drops_whole_blocks(db, client, clock, reference_device):
    clock.set(AFTER_TRACE)
    device_id, token, headers, tenant_id = reference_device
    _post(client, token, _trace())
    pack_readings(db)
    with db.session() as session:
        session.get(Tenant, tenant_id).raw_retention_days = 5  # of the UTC days 27 to 30 March, 29 and 30 stay
    clock.set(AFTER_TRACE)
    pack_readings(db)
    with db.session() as session, tenant_context(tenant_id):
        days = list(session.scalars(select(ReadingBlock.day).order_by(ReadingBlock.day)))
    assert days == [date(2026, 3, 29), date(2026, 3, 30)]


def test_another_tenant_sees_no_block(db, client, clock, reference_device, make_account):
    clock.set(AFTER_TRACE)
    device_id, token, _headers, _tenant_id = reference_device
    _post(client, token, _trace())
    pack_readings(db)
    other = make_account("Other works", "other@works.test")
    with db.session() as session, tenant_context(other.tenant_id):
        assert session.scalars(select(ReadingBlock)).all() == []
    from tenants import apikeys
    with db.session() as session, tenant_context(other.tenant_id):
        _key, secret = apikeys.create_key(session, "other")
        session.flush()
    response = client.get(f"/api/v1/devices/{device_id}/readings", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 404


def _random_readings(rnd: random.Random, count: int) -> list[StoredReading]:
    moment = datetime(2026, 5, 4, tzinfo=UTC)
    readings = []
    for _ in range(count):
        moment += timedelta(microseconds=rnd.choice([10_000_000, 10_000_000, 1, 999_999, 3_600_000_000]))
        pick = rnd.random
        value = lambda: rnd.choice([None, 0.0, -0.0, 230.1, 1e15, 1e-9, -999.9, math.pi, 12.345678, 5e-324])  # noqa: E731
        readings.append(StoredReading(
            moment, moment + timedelta(microseconds=rnd.randint(-5, 10**7)), value(), value(), value(), value(),
            value() if pick() < 0.5 else rnd.uniform(-1, 1), None if pick() < 0.7 else {"t": rnd.uniform(0, 90)}))
    return readings


@pytest.mark.parametrize("seed", range(20))
def test_a_block_gives_back_exactly_what_was_packed(seed):
    rnd = random.Random(seed)
    readings = _random_readings(rnd, rnd.choice([1, 2, 17, 500, 3000]))
    back = decode_block(encode_block(readings))
    assert back == readings
    assert [math.copysign(1, v) for r in back for v in r[2:7] if v == 0] == \
        [math.copysign(1, v) for r in readings for v in r[2:7] if v == 0]  # -0.0 stays negative


def test_a_damaged_block_is_refused():
    data = encode_block(_random_readings(random.Random(1), 50))
    for broken in (b"", b"\x09" + data[1:], data[:len(data) // 2]):
        with pytest.raises(ValueError):
            decode_block(broken)


def test_newest_readings_and_neighbours_span_rows_and_blocks(db, client, clock, reference_device):
    from telemetry.stored_readings import count_readings, latest_readings, reading_after, reading_before, reading_span

    clock.set(AFTER_TRACE)
    device_id, token, _headers, tenant_id = reference_device
    trace = _trace()
    _post(client, token, trace)
    pack_readings(db)
    live = AFTER_TRACE - timedelta(minutes=1)
    client.post("/api/v1/readings", json={"ts": live.isoformat(), "power_w": 5.0},
                headers={"Authorization": f"Bearer {token}"})
    stamps = [datetime.fromtimestamp(r["ts"], UTC) for r in trace]
    with db.session() as session, tenant_context(tenant_id):
        assert [r.ts for r in latest_readings(session, device_id, 3)] == [live, stamps[-1], stamps[-2]]
        assert reading_span(session, device_id) == (stamps[0], live)
        assert reading_before(session, device_id, live) == stamps[-1]
        assert reading_after(session, device_id, stamps[-1]) == live
        assert reading_after(session, device_id, stamps[100], inclusive=True) == stamps[100]
        assert reading_before(session, device_id, stamps[0]) is None
        assert count_readings(session) == len(trace) + 1
