"""Concurrent posts over real HTTP: the same batch twice from two threads while a third posts
overlapping readings; the stored set is the union, with no duplicate and no loss."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import requests

from tests.ingest.conftest import stored_readings

START = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
"""Yesterday: well inside the accepted window whenever the suite runs."""
BATCH = 300
OVERLAP_FROM = 150
"""The third batch starts halfway through the first: 150 shared readings, 150 new ones."""


def readings(first: int, count: int, power_offset: float = 0.0) -> list[dict]:
    """`count` readings one second apart from second `first` after START."""
    return [{"ts": (START + timedelta(seconds=s)).isoformat().replace("+00:00", "Z"),
             "power_w": 1000.0 + s + power_offset, "energy_wh": 50_000.0 + s}
            for s in range(first, first + count)]


def post_together(url: str, token: str, batches: list[list[dict]]) -> list[requests.Response]:
    """Post each batch from its own thread, all released at once; the responses in batch order."""
    barrier = threading.Barrier(len(batches))
    responses: list[requests.Response | BaseException | None] = [None] * len(batches)

    def post(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[index] = requests.post(url, json={"readings": batches[index]}, timeout=60,
                                             headers={"Authorization": f"Bearer {token}"})
        except BaseException as exc:  # reported by the test thread
            responses[index] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(len(batches))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for response in responses:
        assert isinstance(response, requests.Response), response
    return responses


def test_same_batch_twice_and_an_overlapping_one_store_the_union_exactly(live_server, db, meter):
    same = readings(0, BATCH)
    overlapping = readings(OVERLAP_FROM, BATCH, power_offset=0.5)  # shared times carry other values
    responses = post_together(live_server("/api/v1/readings"), meter.token, [same, same, overlapping])
    bodies = [r.json() for r in responses]
    assert [r.status_code for r in responses] == [202, 202, 202], bodies
    assert all(not b["rejected"] and b["accepted"] + b["duplicates"] == BATCH for b in bodies), bodies
    union = {r["ts"] for r in same} | {r["ts"] for r in overlapping}
    assert sum(b["accepted"] for b in bodies) == len(union) == OVERLAP_FROM + BATCH
    assert sum(b["duplicates"] for b in bodies) == 3 * BATCH - len(union)
    assert bodies[0]["accepted"] + bodies[1]["accepted"] >= OVERLAP_FROM, "only the first batch has the first half"
    assert bodies[2]["accepted"] >= BATCH - OVERLAP_FROM, "only the third batch has the second half"

    stored = stored_readings(db, meter.tenant_id)
    stamps = [r["ts"].isoformat().replace("+00:00", "Z") for r in stored]
    assert len(stamps) == len(set(stamps)), "no reading is stored twice"
    assert set(stamps) == union, "no reading is lost"
    only_same = {r["ts"] for r in same} - {r["ts"] for r in overlapping}
    for stamp, row in zip(stamps, stored):  # a shared time keeps whichever request committed it first
        second = _second(stamp)
        allowed = {1000.0 + second} if stamp in only_same else {1000.5 + second}
        if OVERLAP_FROM <= second < BATCH:
            allowed = {1000.0 + second, 1000.5 + second}
        assert row["power_w"] in allowed and row["energy_wh"] == 50_000.0 + second


def _second(stamp: str) -> int:
    return int((datetime.fromisoformat(stamp.replace("Z", "+00:00")) - START).total_seconds())
