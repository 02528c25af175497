"""InfluxDB's clients against the live app, as their users configure them: the real `influxdb-client`
(2.x API) and `influxdb` (1.x API) libraries with gzip on; Telegraf's two InfluxDB outputs and
Tasmota's built-in InfluxDB push, which are Go and C firmware, replayed byte for byte as their source
builds the requests. Each must see success and store exactly what it sent."""
from __future__ import annotations

import base64
import gzip
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.ingest.conftest import stored_readings
from tests.support.raw_http import request_bytes, send_raw

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def now(clock):
    """The app's clock at a whole second, in the morning (UTC) so a test's readings share one local day."""
    return clock.set(clock.now.replace(hour=9, minute=0, second=0, microsecond=0))


def _powers(db, meter) -> list[tuple]:
    return [(r["ts"], r["power_w"], r["energy_wh"]) for r in stored_readings(db, meter.tenant_id)]


# --- influxdb-client (InfluxDB 2.x) ----------------------------------------------------------------

def test_influxdb_client_writes_gzip_and_sees_success(live_server, db, meter, now):
    from influxdb_client import InfluxDBClient, Point, WritePrecision
    from influxdb_client.client.write_api import SYNCHRONOUS

    with InfluxDBClient(url=live_server.url, token=meter.token, org="factory", enable_gzip=True) as client:
        assert client.ping() is True
        writer = client.write_api(write_options=SYNCHRONOUS)
        writer.write("readings", record=[
            Point("energy").tag("device", "lathe").field("power", 1520.5).field("total", 12.345)
            .time(now - timedelta(seconds=10), WritePrecision.S),
            f"energy,device=lathe power=1498i,total=12.349 {int(now.timestamp() * 1000)}",
        ], write_precision=WritePrecision.MS)
    assert _powers(db, meter) == [(now - timedelta(seconds=10), 1520.5, 12345.0), (now, 1498.0, 12349.0)]


def test_influxdb_client_gets_influx_errors_it_can_read(live_server, db, meter):
    from influxdb_client import InfluxDBClient
    from influxdb_client.client.write_api import SYNCHRONOUS
    from influxdb_client.rest import ApiException

    with InfluxDBClient(url=live_server.url, token="0" * 32, org="factory", enable_gzip=True) as client:
        with pytest.raises(ApiException) as refused:
            client.write_api(write_options=SYNCHRONOUS).write("readings", record="power value=1")
    assert refused.value.status == 401 and "invalid or revoked" in refused.value.message
    with InfluxDBClient(url=live_server.url, token=meter.token, org="factory", enable_gzip=True) as client:
        with pytest.raises(ApiException) as bad:
            client.write_api(write_options=SYNCHRONOUS).write("readings", record="power value=oops")
    assert bad.value.status == 422 and "line 1" in bad.value.message
    assert stored_readings(db, meter.tenant_id) == []


# --- influxdb (the 1.x client) ---------------------------------------------------------------------

def test_influxdb_1x_client_creates_its_database_pings_and_writes_gzip(live_server, db, meter, now):
    from influxdb import InfluxDBClient

    host, port = live_server.url.removeprefix("http://").split(":")
    client = InfluxDBClient(host=host, port=int(port), username="meter", password=meter.token, database="meters",
                            gzip=True)
    assert client.ping() == "1.8.10"
    client.create_database("meters")  # raises unless answered 200 with InfluxDB's JSON
    assert client.write_points([
        {"measurement": "energy", "tags": {"device": "press"}, "time": int(now.timestamp()) - 10,
         "fields": {"power": 2200.0, "voltage": 229.5}},
        {"measurement": "energy", "tags": {"device": "press"}, "time": int(now.timestamp()),
         "fields": {"power": 2180.0}},
    ], time_precision="s") is True
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["ts"], r["power_w"], r["voltage_v"]) for r in rows] == [
        (now - timedelta(seconds=10), 2200.0, 229.5), (now, 2180.0, None)]


def test_query_needs_a_key_and_answers_other_statements_in_influx_shape(live_server, meter):
    refused = requests.post(live_server("/query"), data={"q": 'CREATE DATABASE "x"'}, auth=("u", "f" * 32), timeout=10)
    assert refused.status_code == 401 and refused.json() == {"error": "invalid or revoked device token or gateway key"}
    assert refused.headers["WWW-Authenticate"] == 'Basic realm="InfluxDB"'
    mixed = requests.post(live_server("/query"), auth=("u", meter.token), timeout=10,
                          data={"q": 'CREATE DATABASE "telegraf"; SELECT * FROM power'})
    assert mixed.status_code == 200
    results = mixed.json()["results"]
    assert (results[0] == {"statement_id": 0} and results[1]["statement_id"] == 1
            and "CREATE DATABASE" in results[1]["error"])
    empty = requests.post(live_server("/query"), auth=("u", meter.token), data={"q": " "}, timeout=10)
    assert empty.status_code == 400 and empty.json() == {"error": 'missing required parameter "q"'}


# --- Telegraf (Go) ---------------------------------------------------------------------------------

def _chunked(data: bytes, size: int = 100) -> bytes:
    framed = b"".join(b"%x\r\n%b\r\n" % (len(data[i:i + size]), data[i:i + size]) for i in range(0, len(data), size))
    return framed + b"0\r\n\r\n"


def _telegraf_lines(now) -> bytes:
    stamp = int(now.timestamp()) * 10**9
    return (f"modbus,host=pi,name=Saw,slave_id=1,type=input_register current_a=6.9,energy_kwh=123.4567,"
            f"power_factor=0.96,power_w=1520.5,voltage_v=229.8 {stamp - 10 * 10**9}\n"
            f"modbus,host=pi,name=Saw,slave_id=1,type=input_register current_a=6.8,energy_kwh=123.4609,"
            f"power_factor=0.95,power_w=1498,voltage_v=229.6 {stamp}\n").encode()


def test_telegraf_v1_output_creates_the_database_then_writes_gzip_chunked(live_server, db, meter, now):
    # plugins/outputs/influxdb/http.go: CreateDatabase posts the form q=CREATE DATABASE "telegraf" with basic
    # auth; Write streams line protocol through a gzip pipe, so Go sends it chunked with no Content-Length
    auth = "Basic " + base64.b64encode(f"telegraf:{meter.token}".encode()).decode()
    form = b"q=CREATE+DATABASE+%22telegraf%22"
    created = send_raw(live_server.url, request_bytes("POST", "/query", [
        ("Host", live_server.url[7:]), ("User-Agent", "Telegraf/1.39.3 Go/1.24.4"), ("Content-Length", str(len(form))),
        ("Authorization", auth), ("Content-Type", "application/x-www-form-urlencoded"),
        ("Accept-Encoding", "gzip")], form))
    assert created.status == 200 and created.text.strip() == '{"results":[{"statement_id":0}]}'
    written = send_raw(live_server.url, request_bytes("POST", "/write?db=telegraf", [
        ("Host", live_server.url[7:]), ("User-Agent", "Telegraf/1.39.3 Go/1.24.4"), ("Transfer-Encoding", "chunked"),
        ("Authorization", auth), ("Content-Encoding", "gzip"), ("Content-Type", "text/plain; charset=utf-8"),
        ("Accept-Encoding", "gzip")], _chunked(gzip.compress(_telegraf_lines(now)))))
    assert written.status == 204 and written.body == b"", "Telegraf v1 counts exactly 204 as delivered"
    rows = stored_readings(db, meter.tenant_id)
    assert [(r["ts"], r["power_w"], r["energy_wh"], r["voltage_v"]) for r in rows] == [
        (now - timedelta(seconds=10), 1520.5, pytest.approx(123456.7), 229.8),
        (now, 1498.0, pytest.approx(123460.9), 229.6)]


def test_telegraf_v2_output_writes_gzip_chunked_and_splits_on_413(live_server, db, meter, now):
    # plugins/outputs/influxdb_v2/http.go: Token auth, gzip body wrapped in io.NopCloser (so chunked)
    headers = [("Host", live_server.url[7:]), ("User-Agent", "Telegraf/1.39.3 Go/1.24.4"),
               ("Transfer-Encoding", "chunked"), ("Authorization", f"Token {meter.token}"),
               ("Content-Encoding", "gzip"), ("Content-Type", "text/plain; charset=utf-8"), ("Accept-Encoding", "gzip")]
    written = send_raw(live_server.url, request_bytes("POST", "/api/v2/write?bucket=readings&org=factory", headers,
                                                      _chunked(gzip.compress(_telegraf_lines(now)))))
    assert written.status == 204
    assert len(stored_readings(db, meter.tenant_id)) == 2
    huge = b"".join(b"modbus,name=Saw power_w=%d %d\n" % (i, i) for i in range(80_000))  # > 1 MiB inflated
    too_big = send_raw(live_server.url, request_bytes("POST", "/api/v2/write?bucket=readings&org=factory", headers,
                                                      _chunked(gzip.compress(huge))))
    assert too_big.status == 413 and json.loads(too_big.text)["code"] == "request too large", \
        "Telegraf v2 halves a batch on 413 and sends the halves"
    assert len(stored_readings(db, meter.tenant_id)) == 2


# --- Tasmota (C, ESP32 builds with USE_INFLUXDB) ---------------------------------------------------

STATUS_LINES = ("uptimesec,device=tasmota_A1,sensor=device value={uptime}\n"
                "heap,device=tasmota_A1,sensor=device value=29\n"
                "sleep,device=tasmota_A1,sensor=device value=50\nloadavg,device=tasmota_A1,sensor=device value=19\n"
                "mqttcount,device=tasmota_A1,sensor=device value=1\npower1,device=tasmota_A1,sensor=device value=1\n"
                "ap,device=tasmota_A1,sensor=wifi value=1\nchannel,device=tasmota_A1,sensor=wifi value=11\n"
                "rssi,device=tasmota_A1,sensor=wifi value=100\nsignal,device=tasmota_A1,sensor=wifi value=-44\n"
                "linkcount,device=tasmota_A1,sensor=wifi value=1")
ENERGY_LINES = ("total,device=tasmota_A1,sensor=energy value={total:.3f}\n"
                "yesterday,device=tasmota_A1,sensor=energy value=0.456\n"
                "today,device=tasmota_A1,sensor=energy value=0.123\n"
                "power,device=tasmota_A1,sensor=energy value=3600\n"
                "apparentpower,device=tasmota_A1,sensor=energy value=3650\n"
                "reactivepower,device=tasmota_A1,sensor=energy value=600\n"
                "factor,device=tasmota_A1,sensor=energy value=0.99\n"
                "voltage,device=tasmota_A1,sensor=energy value=230\ncurrent,device=tasmota_A1,sensor=energy value=15.9")


def _tasmota_post(base_url: str, target: str, token: str, lines: str):
    # tasmota/tasmota_xdrv_driver/xdrv_59_influxdb.ino InfluxDbPostData: HTTPClient POST of the trimmed
    # buffer with Content-Type text/plain and (InfluxDbBeforeRequest) Authorization: Token; no timestamps
    body = lines.encode()
    return send_raw(base_url, request_bytes("POST", target, [
        ("Host", base_url[7:]), ("User-Agent", "Tasmota/14.3.0 (ESP32-D0WD-V3)"), ("Connection", "keep-alive"),
        ("Accept-Encoding", "identity;q=1,chunked;q=0.1,*;q=0"), ("Content-Type", "text/plain"),
        ("Authorization", f"Token {token}"), ("Content-Length", str(len(body)))], body))


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_tasmota_status_lines_are_device_status_and_the_counter_stays_whole(live_server, db, meter, now, clock,
                                                                             client_as, version):
    # InfluxDbValidateConnection: v1 GETs /ping?verbose=true and needs 200; v2 GETs /health and needs 200
    probe = "/ping?verbose=true&u=tasmota&p=" + meter.token if version == "v1" else "/health"
    checked = send_raw(live_server.url, request_bytes("GET", probe, [
        ("Host", live_server.url[7:]), ("User-Agent", "Tasmota/14.3.0 (ESP32-D0WD-V3)"), ("Connection", "keep-alive"),
        ("Accept-Encoding", "identity;q=1,chunked;q=0.1,*;q=0"), ("Accept", "application/json")]))
    assert checked.status == 200, "Tasmota never starts posting without a 200 here"
    target = (f"/write?db=meters&u=tasmota&p={meter.token}" if version == "v1"
              else "/api/v2/write?org=factory&bucket=meters")
    for period in range(7):  # InfluxDbLoop: every IfxPeriod the state post, then the sensor post; 10 Wh a period
        status = _tasmota_post(live_server.url, target, meter.token, STATUS_LINES.format(uptime=1449 + 10 * period))
        assert status.status == 204, status.text
        clock.advance(seconds=1)
        energy = _tasmota_post(live_server.url, target, meter.token, ENERGY_LINES.format(total=1 + 0.010 * period))
        assert energy.status == 204, energy.text
        if period < 6:  # the day is looked at the moment the last reading arrives: nothing held after it
            clock.advance(seconds=9)
    rows = stored_readings(db, meter.tenant_id)
    assert len(rows) == 7 and all(r["power_w"] == 3600 and r["energy_wh"] is not None for r in rows), \
        "only the energy posts are readings"
    owner = client_as("owner@berlin.test")
    day = owner.get(f"/api/v1/overview?date={rows[0]['ts'].astimezone(BERLIN).date().isoformat()}").get_json()
    assert day["machines"][0]["energy_wh"] == pytest.approx(60.0), "the counter went from 1.000 to 1.060 kWh"
    device = owner.get(f"/api/v1/devices/{meter.device_id}").get_json()
    assert device["reported_status"]["device.power1"] == 1 and device["reported_status"]["wifi.signal"] == -44
    assert device["reported_status"]["device.uptimesec"] == 1449 + 60
    page = owner.get(f"/devices/{meter.device_id}").get_data(as_text=True)
    assert "Reported by the meter" in page and "-44 dBm" in page and "100 %" in page
