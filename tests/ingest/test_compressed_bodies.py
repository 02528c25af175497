"""Compressed bodies on every ingest endpoint: gzip (Telegraf's default, the InfluxDB clients' option)
and deflate, chunked or with a Content-Length, over real HTTP; the body limit counts the inflated bytes,
so a gzip bomb is refused with 413 at once and nothing is stored."""
from __future__ import annotations

import gzip
import json
import time
import zlib
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import requests

from tests.ingest.conftest import stored_readings

LIMIT = 1024 * 1024  # the app's MAX_CONTENT_LENGTH, applied to the inflated body


def pieces(data: bytes, size: int = 64):
    """A generator body: requests sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start:start + size]


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.fixture
def now(clock):
    """Whole seconds, so line-protocol times in seconds are exact."""
    return clock.set(clock.now.replace(microsecond=0))


def _native(now, token: str) -> tuple[str, dict, bytes]:
    body = json.dumps({"readings": [{"ts": (now - timedelta(seconds=20 - s)).isoformat(), "power_w": 100 + s}
                                    for s in range(0, 20, 10)]}).encode()
    return "/api/v1/readings", {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, body


def _influx_v2(now, token: str) -> tuple[str, dict, bytes]:
    stamp = int(now.timestamp()) - 20
    body = f"power,device=x value=100 {stamp}\npower,device=x value=110 {stamp + 10}\n".encode()
    return "/api/v2/write?org=f&bucket=b&precision=s", {"Authorization": f"Token {token}"}, body


def _thingsboard(now, token: str) -> tuple[str, dict, bytes]:
    stamp = int(now.timestamp() * 1000) - 20_000
    body = json.dumps([{"ts": stamp, "values": {"power": 100}}, {"ts": stamp + 10_000, "values": {"power": 110}}])
    return f"/api/v1/{token}/telemetry", {"Content-Type": "application/json"}, body.encode()


def _emoncms_form(now, token: str) -> tuple[str, dict, bytes]:
    stamp = int(now.timestamp())
    data = json.dumps([[stamp - 20, "x", {"power1": 100}], [stamp - 10, "x", {"power1": 110}]])
    body = urlencode({"data": data, "sentat": str(int(now.timestamp()))})
    return "/input/bulk.json", {"Authorization": f"Bearer {token}",
                                "Content-Type": "application/x-www-form-urlencoded"}, body.encode()


FORMATS = {"native": _native, "influx": _influx_v2, "thingsboard": _thingsboard, "emoncms-form": _emoncms_form}
ENCODINGS = {"gzip": gzip.compress, "x-gzip": gzip.compress, "deflate": zlib.compress, "deflate-raw": raw_deflate}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_endpoint_takes_compressed_bodies(live_server, db, meter, now, name, encoding, chunked):
    path, headers, body = FORMATS[name](now, meter.token)
    compressed = ENCODINGS[encoding](body)
    headers = {**headers, "Content-Encoding": encoding.replace("-raw", "")}
    response = requests.post(live_server(path), data=pieces(compressed) if chunked else compressed,
                             headers=headers, timeout=10)
    assert response.status_code < 300, response.text
    assert [r["power_w"] for r in stored_readings(db, meter.tenant_id)] == [100, 110]


def test_a_gzip_bomb_is_refused_quickly_in_influx_shape(live_server, db, meter):
    bomb = gzip.compress(b"power value=1\n" * (64 * 1024 * 1024 // 14))  # 64 MB inflated
    assert len(bomb) < LIMIT // 2
    started = time.monotonic()
    response = requests.post(live_server("/api/v2/write?org=f&bucket=b"), data=pieces(bomb, 65536), timeout=30,
                             headers={"Authorization": f"Token {meter.token}", "Content-Encoding": "gzip"})
    assert time.monotonic() - started < 5, "stopped at the limit, not after inflating 64 MB"
    assert response.status_code == 413
    assert response.json()["code"] == "request too large" and "inflates to more than" in response.json()["message"]
    v1 = requests.post(live_server("/write?db=x"), data=bomb, timeout=30,
                       headers={"Authorization": f"Token {meter.token}", "Content-Encoding": "gzip"})
    assert v1.status_code == 413 and "inflates to more than" in v1.json()["error"]
    assert stored_readings(db, meter.tenant_id) == []


def test_a_body_just_under_the_limit_inflated_is_taken(live_server, db, meter, now):
    stamp = int(now.timestamp()) - 3600
    lines = "".join(f"power,device=x value={s % 500} {stamp + s}\n" for s in range(3000)).encode()
    assert len(lines) < LIMIT
    response = requests.post(live_server("/api/v2/write?org=f&bucket=b&precision=s"), data=gzip.compress(lines),
                             headers={"Authorization": f"Token {meter.token}", "Content-Encoding": "gzip"}, timeout=30)
    assert response.status_code == 204
    assert len(stored_readings(db, meter.tenant_id)) == 3000


@pytest.mark.parametrize("body, encoding, status, reason", [
    (b"this is not gzip at all", "gzip", 400, "not valid"),
    (gzip.compress(b"power value=1\n")[:-12], "gzip", 400, "cut short"),
    (b"power value=1", "br", 415, "not supported"),
])
def test_broken_or_unknown_compression_is_a_clear_4xx(client, db, meter, body, encoding, status, reason):
    for path, headers in (("/api/v1/readings", {"Authorization": f"Bearer {meter.token}"}),
                          ("/api/v2/write?org=f&bucket=b", {"Authorization": f"Token {meter.token}"}),
                          ("/input/bulk.json", {"Authorization": f"Bearer {meter.token}"})):
        response = client.post(path, data=body, headers={**headers, "Content-Encoding": encoding})
        assert response.status_code == status, (path, response.get_data(as_text=True))
        assert reason in response.get_data(as_text=True)
    assert stored_readings(db, meter.tenant_id) == []
