"""emoncms firmware against the live app, each request replayed as its source builds it:
emonhub's EmoncmsHTTP interfacer (src/interfacers/EmonHubEmoncmsHTTPInterfacer.py, which posts with
`requests`, so the test makes the same `requests` call) and EmonESP (src/emoncms.cpp + src/http.cpp,
ESP8266HTTPClient, replayed byte for byte). Each must get the exact answer it checks for, store exactly
what it sent, and store nothing new when it resends a batch whose answer it lost."""
from __future__ import annotations

import json
import zlib
from datetime import timedelta
from urllib.parse import quote

import pytest
import requests

from telemetry import registry
from tenants.scoping import tenant_context
from tests.ingest.conftest import stored_readings
from tests.support.raw_http import request_bytes, send_raw


@pytest.fixture
def now(clock):
    """The app's clock at a whole second (emonhub's and emoncms's times are whole seconds)."""
    return clock.set(clock.now.replace(microsecond=0))


def _emonhub_post(base_url: str, apikey: str, databuffer: list, sentat: int, sendnames: bool):
    """_process_post as emonhub >= 2.4.1 runs it: compact JSON; with sendnames the zlib-compressed bytes
    as the body and &cb=1 (when that is smaller), else the form field data; the key as a Bearer header."""
    data_string = json.dumps(databuffer, separators=(",", ":"), allow_nan=False)
    post_url = base_url + "/input/bulk.json?sentat=" + str(sentat)
    post_body: object = {"data": data_string}
    if sendnames:
        compressed = zlib.compress(data_string.encode())
        if len(compressed) / len(data_string) < 1.0:
            post_body, post_url = compressed, post_url + "&cb=1"
    return requests.Session().post(post_url, post_body, timeout=60, headers={"Authorization": "Bearer " + apikey})


def _emontx4_frames(now, count: int = 20) -> list:
    """What add() buffers with sendnames = 1: [time, nodename, {name: value, ..., rssi}] per frame."""
    start = int(now.timestamp()) - 10 * count
    return [[start + 10 * i, "emontx4", {"MSG": 100 + i, "Vrms": 231.2, "P1": 1500 + i, "P2": 12, "E1": 5000 + i,
                                        "E2": 77, "pulse": 0, "rssi": -61}] for i in range(count)]


def test_emonhub_shipped_config_compressed_names_is_stored_and_answered_ok(live_server, db, meter, now):
    frames = _emontx4_frames(now)
    answer = _emonhub_post(live_server.url, meter.gateway, frames, int(now.timestamp()), sendnames=True)
    assert "cb=1" in answer.request.url and answer.request.headers.get("Content-Type") is None
    assert answer.status_code == 200 and answer.text == "ok", "emonhub keeps resending unless the body is ok"
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["device"], r["ts"], r["power_w"], r["energy_wh"], r["voltage_v"]) for r in rows] == [
        ("emontx4", now - timedelta(seconds=10 * (20 - i)), 1500 + i, 5000 + i, 231.2) for i in range(20)]
    assert rows[0]["extra"] == {"MSG": 100, "P2": 12, "E2": 77, "pulse": 0, "rssi": -61}


def test_a_batch_resent_after_a_lost_ok_stores_nothing_new(live_server, db, meter, now, clock):
    frames = _emontx4_frames(now)
    first = _emonhub_post(live_server.url, meter.gateway, frames, int(now.timestamp()), sendnames=True)
    assert first.text == "ok"
    stored = stored_readings(db, meter.tenant_id)
    for transit in (0, 1, 3):  # 30 s later, sentat taken just before sending; the post takes a moment
        later = clock.advance(seconds=30)
        again = _emonhub_post(live_server.url, meter.gateway, frames, int(later.timestamp()) - transit,
                              sendnames=True)
        assert again.status_code == 200 and again.text == "ok"
        assert stored_readings(db, meter.tenant_id) == stored, "the resent items are the same readings"


def test_a_gateway_clock_that_is_off_is_corrected_in_whole_seconds(live_server, db, meter, now):
    hour_behind = [[int(now.timestamp()) - 3600 - 10, "emontx4", {"P1": 900}]]
    answer = _emonhub_post(live_server.url, meter.gateway, hour_behind, int(now.timestamp()) - 3600, sendnames=False)
    assert answer.text == "ok"
    assert [r["ts"] for r in stored_readings(db, meter.tenant_id)] == [now - timedelta(seconds=10)]


def test_emonhub_without_names_maps_positions_through_the_input_map(live_server, db, meter, now):
    # emonpi.default.emonhub.conf has no sendnames: numeric node ids, bare values numbered 1, 2, 3...
    with tenant_context(meter.tenant_id), db.session() as session:
        registry.create_device(session, {"name": "10", "kind": "clamp",
                                         "input_map": {"1": "power_w", "2": "energy_wh", "3": "voltage_v"}})
    stamp = int(now.timestamp())
    frames = [[stamp - 10, 10, 1520, 123456, 230.5, -58], [stamp, 10, 1498, 123460, 230.1, -57]]
    answer = _emonhub_post(live_server.url, meter.gateway, frames, stamp, sendnames=False)
    assert answer.request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert answer.text == "ok"
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["device"], r["power_w"], r["energy_wh"], r["voltage_v"], r["extra"]) for r in rows] == [
        ("10", 1520, 123456, 230.5, {"4": -58}), ("10", 1498, 123460, 230.1, {"4": -57})]


def test_emonhub_2_3_posts_the_key_in_the_form(live_server, db, meter, now):
    # emonhub 2.3.x: requests.post(url + '/input/bulk.json?', {'apikey': ..., 'data': ..., 'sentat': ...})
    stamp = int(now.timestamp())
    data_string = json.dumps([[stamp - 5, "emonpi", {"power1": 350, "vrms": 229}]], separators=(",", ":"))
    reply = requests.post(live_server.url + "/input/bulk.json?", {"apikey": meter.gateway, "data": data_string,
                                                                 "sentat": str(stamp)}, timeout=60)
    assert reply.status_code == 200 and reply.text == "ok"
    assert [(r["device"], r["power_w"]) for r in stored_readings(db, meter.tenant_id)] == [("emonpi", 350)]


def test_a_refused_batch_is_not_answered_ok(live_server, meter, now):
    answer = _emonhub_post(live_server.url, "f" * 32, _emontx4_frames(now, 2), int(now.timestamp()), sendnames=True)
    assert answer.status_code == 401 and answer.json()["success"] is False


def _esp8266_get(base_url: str, target: str) -> bytes:
    # ESP8266HTTPClient::GET after http.begin(client, host, port, path): its request line and headers
    return request_bytes("GET", target, [("Host", base_url[7:]), ("User-Agent", "ESP8266HTTPClient"),
                                         ("Connection", "close"),
                                         ("Accept-Encoding", "identity;q=1,chunked;q=0.1,*;q=0")])


def test_emonesp_current_firmware_gets_the_json_it_parses(live_server, db, meter, now):
    # src/emoncms.cpp (3.1.x): post_path "/input/post?" + "fulljson=" + urlencode(json) + "&node=" + "&apikey="
    with tenant_context(meter.tenant_id), db.session() as session:
        registry.update_device(session, meter.device_id, {"input_map": {"CT1": "power_w", "VRMS": "voltage_v"}})
    fulljson = json.dumps({"CT1": 1520, "VRMS": 230.1, "freeram": 21344, "srssi": -67, "psent": 12, "psuccess": 12},
                          separators=(",", ":"))
    target = f"/input/post?fulljson={quote(fulljson, safe='')}&node=emonesp&apikey={meter.token}"
    answer = send_raw(live_server.url, _esp8266_get(live_server.url, target))
    assert answer.status == 200 and json.loads(answer.body) == {"success": True}
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["ts"], r["power_w"], r["voltage_v"]) for r in rows] == [(now, 1520, 230.1)]


def test_emonesp_2018_firmware_gets_exactly_ok(live_server, db, meter, now):
    # src/emoncms.cpp @2.3.0 (unchanged to 3.0.0): e_url "/input/post.json?json=" + "{" + data + ",psent:"...
    # "}&node=" + "&apikey=", unencoded; over HTTP success is `result == "ok"`, else a reboot after 30 failures
    with tenant_context(meter.tenant_id), db.session() as session:
        registry.update_device(session, meter.device_id, {"input_map": {"CT1": "power_w", "VRMS": "voltage_v"}})
    target = (f"/input/post.json?json={{CT1:1520,VRMS:230.1,psent:5,psuccess:4,freeram:21000}}&node=emonesp"
              f"&apikey={meter.token}")
    answer = send_raw(live_server.url, _esp8266_get(live_server.url, target))
    assert answer.status == 200 and answer.body == b"ok"
    assert answer.status_line == "HTTP/1.1 200 OK", "over HTTPS the 2018 firmware checks only this line"
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["ts"], r["power_w"], r["voltage_v"], r["extra"]) for r in rows] == [
        (now, 1520, 230.1, {"psent": 5, "psuccess": 4, "freeram": 21000})]
