"""Ingest parsers at the parser level: every case of the shared device fixtures, then the edge
cases of each format (units, precision, emoncms timing, channels, DST, absurd values)."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from telemetry.parsers import emoncms, influx, native, senml, shelly, tasmota, thingsboard, urlquery
from telemetry.readings import NormalizedReading, ParseContext, ParseResult, PayloadError, validate
from tests.support import FIXTURES

BERLIN = ZoneInfo("Europe/Berlin")
RECEIVED = datetime(2026, 5, 4, 8, 1, tzinfo=UTC)
EIGHT = datetime(2026, 5, 4, 8, tzinfo=UTC)
"""08:00 UTC, the time most payloads here carry."""
MEASURES = ("power_w", "energy_wh", "voltage_v", "current_a", "power_factor")
Route = Callable[[bytes, dict, ParseContext], ParseResult]
ROUTES: list[tuple[str, Route]] = [
    (r"/api/v1/readings", lambda body, params, ctx: native.parse(body, ctx)),
    (r"/api/v1/[^/]+/telemetry", lambda body, params, ctx: thingsboard.parse(body, ctx)),
    (r"/api/v1/senml", lambda body, params, ctx: senml.parse(body, ctx)),
    (r"/input/post(\.json)?", lambda body, params, ctx: emoncms.parse(params, ctx)),
    (r"/input/bulk(\.json)?", lambda body, params, ctx: emoncms.parse(params, ctx, bulk=True)),
    (r"/api/v2/write|/write", lambda body, params, ctx: influx.parse(body, ctx)),
    (r"/api/v1/d/[^/]+", lambda body, params, ctx: urlquery.parse(params, ctx)),
    (r"/api/v1/tasmota/[^/]+", lambda body, params, ctx: tasmota.parse(body, ctx)),
    (r"/api/v1/shelly/[^/]+", lambda body, params, ctx: shelly.parse(body, ctx)),
]


@cache
def fixture_cases() -> list[dict]:
    """The cases of the device fixtures (tests/fixtures/devices/cases.json)."""
    path = FIXTURES / "devices" / "cases.json"
    return json.loads(path.read_text(encoding="utf-8"))["cases"]


def context(received_at: datetime = RECEIVED, **options) -> ParseContext:
    """A parse context in the fixtures' tenant zone."""
    return ParseContext(received_at=received_at, timezone=BERLIN, **options)


def run_request(request: dict) -> ParseResult | None:
    """Parses a fixture request as its endpoint would; None for endpoints without readings."""
    params = {**request.get("query", {}), **request.get("form", {})}
    body = json.dumps(request["json"]).encode() if "json" in request else request.get("body", "").encode()
    route = next((parse for pattern, parse in ROUTES if re.fullmatch(pattern, request["path"])), None)
    return None if route is None else route(body, params, context(precision=params.get("precision")))


def expected_time(text: str) -> datetime:
    """A fixture time: RFC 3339, or "receive" optionally followed by an offset in seconds."""
    if text.startswith("receive"):
        return RECEIVED + timedelta(seconds=int(text.removeprefix("receive") or 0))  # "receive-20"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_reading(reading: NormalizedReading, expected: dict) -> None:
    """The reading has the fixture's time, device and fields, and no field the fixture lacks."""
    assert reading.ts == expected_time(expected["ts"])
    for name in MEASURES:
        if name in expected:
            assert math.isclose(getattr(reading, name), expected[name], rel_tol=1e-9), name
        else:
            assert getattr(reading, name) is None, name
    if "device" in expected:
        assert reading.device_name == expected["device"]


@pytest.mark.parametrize("case", fixture_cases(), ids=lambda case: case["name"])
def test_fixture_case(case: dict) -> None:
    result = run_request(case["request"])
    if result is None:  # a probe such as /health carries no body to parse
        assert case["readings"] == []
        return
    if case["status"] == 401:  # refused by authentication before parsing; the body itself is fine
        assert case["readings"] == [] and result.items and not result.rejected
        return
    checked = validate(result, received_at=RECEIVED)
    assert [rejection.index for rejection in checked.rejected] == case.get("rejected_indexes", [])
    assert len(checked.items) == case.get("accepted", len(case["readings"])) == len(case["readings"])
    for (_, reading), expected in zip(checked.items, case["readings"]):
        assert_reading(reading, expected)
    if case.get("rejected_indexes"):
        assert checked.rejected[0].error == "ts is more than 5 minutes in the future"


def one(result: ParseResult) -> NormalizedReading:
    """The only reading of a result without rejections."""
    assert not result.rejected, result.rejected
    assert len(result.items) == 1, result.items
    return result.items[0][1]


def errors(result: ParseResult) -> dict[int, str]:
    """Rejection reasons by item index."""
    return {rejection.index: rejection.error for rejection in result.rejected}


def body(document: object) -> bytes:
    """A JSON request body."""
    return json.dumps(document).encode()


def raw_body(parse: Callable[[bytes, ParseContext], ParseResult]) -> Callable[[bytes], ParseResult]:
    """The parser applied to a raw body in the default context."""
    return lambda raw: parse(raw, context())


def json_body(parse: Callable[[bytes, ParseContext], ParseResult]) -> Callable[[object], ParseResult]:
    """The parser applied to a JSON document in the default context."""
    return lambda document: parse(body(document), context())


tasmota_doc, shelly_doc = json_body(tasmota.parse), json_body(shelly.parse)
emoncms_post = raw_body(emoncms.parse)
emoncms_bulk = raw_body(lambda params, ctx: emoncms.parse({"sentat": "0", **params}, ctx, bulk=True))


# --- native -----------------------------------------------------------------------------------

def test_native_device_extra_and_ignored_fields() -> None:
    result = native.parse(body({"device": "lathe", "readings": [
        {"power_w": 5, "temp_c": 40.5, "note": "x", "ts": "2026-05-04T10:00:00+02:00"},
        {"power_w": 6, "device": "press"}]}), context())
    (_, first), (_, second) = result.items
    assert first.extra == {"temp_c": 40.5} and first.device_name == "lathe"
    assert first.ts == EIGHT
    assert second.device_name == "press" and second.ts == RECEIVED


def test_native_input_map_names_firmware_keys() -> None:
    reading = one(native.parse(body({"watts": 7, "kwh": 2}), context(input_map={"watts": "power_w",
                                                                             "kwh": "energy_kwh"})))
    assert (reading.power_w, reading.energy_wh, reading.extra) == (7, 2000, {})


@pytest.mark.parametrize("item, reason", [
    ({"power_w": True}, "power_w must be a number, not a boolean"),
    ({"power_w": "5"}, "power_w must be a number, not a string"),
    ({"power_w": 10**400}, "power_w is too large"),
    ({"ts": "yesterday", "power_w": 1}, "ts is not an RFC 3339 time: 'yesterday'"),
    ({"ts": "2026-13-01T00:00:00Z", "power_w": 1}, "ts is not a valid time: '2026-13-01T00:00:00Z'"),
    ({"ts": True, "power_w": 1}, "ts must be a number, not a boolean"),
    ({"ts": "2026-05-04T08:00:00Z"}, "the reading has no values"),
    ({"device": 5, "power_w": 1}, "device must be a string, not a number"),
    ([1], "a reading must be an object, not a list"),
])
def test_native_item_rejections(item: object, reason: str) -> None:
    result = native.parse(body([{"power_w": 1}, item]), context())
    assert [index for index, _ in result.items] == [0] and errors(result) == {1: reason}


def test_nan_infinity_and_absurd_values_are_rejected_with_reasons() -> None:
    raw = (b'[{"power_w": NaN}, {"power_w": Infinity}, {"power_w": 1e400}, {"power_w": 2e7},'
           b' {"voltage_v": -1}, {"power_factor": 1.5}, {"current_a": -0.1}, {"energy_wh": -5},'
           b' {"power_w": -1001}, {"power_w": 1, "x": 1e20}, {"power_w": 1, "ts": 1000}]')
    checked = validate(native.parse(raw, context()), received_at=RECEIVED)
    assert checked.items == [] and errors(checked) == {
        0: "power_w must be a finite number, not nan", 1: "power_w must be a finite number, not inf",
        2: "power_w must be a finite number, not inf", 3: "power_w is above 10 MW (2e+07)",
        4: "voltage_v is negative (-1)", 5: "power_factor is above 1 (1.5)", 6: "current_a is negative (-0.1)",
        7: "energy_wh is negative (-5)", 8: "power_w is below -1000 W (-1001)",
        9: "extra value x is not a plausible number (1e+20)", 10: "ts is older than the 730-day retention"}


def test_validate_checks_readings_built_elsewhere() -> None:
    reading = NormalizedReading(ts=RECEIVED, power_w=float("nan"))
    naive = NormalizedReading(ts=datetime(2026, 5, 4), power_w=1)
    checked = validate(ParseResult(items=[(0, reading), (1, naive)], rejected=[]), received_at=RECEIVED,
                       max_future_s=30)
    assert errors(checked) == {0: "power_w must be a finite number, not nan", 1: "ts has no time zone"}
    future = ParseResult(items=[(0, NormalizedReading(ts=RECEIVED + timedelta(seconds=31), power_w=1))])
    assert errors(validate(future, received_at=RECEIVED, max_future_s=30)) == {
        0: "ts is more than 30 seconds in the future"}


@pytest.mark.parametrize("ts, expected", [
    (1777881600, "2026-05-04T08:00:00"), (1777881600.25, "2026-05-04T08:00:00.250000"),
    (1777881600123, "2026-05-04T08:00:00.123000"), (1777881600123456, "2026-05-04T08:00:00.123456"),
    (1777881600123456789, "2026-05-04T08:00:00.123456"), ("2026-05-04T10:00:00.123456789+02:00",
                                                           "2026-05-04T08:00:00.123456"),
    ("2026-05-04 08:00:00z", "2026-05-04T08:00:00"), ("2026-05-04T10:00", "2026-05-04T08:00:00"),
])
def test_timestamp_forms(ts: object, expected: str) -> None:
    reading = one(native.parse(body({"ts": ts, "power_w": 1}), context()))
    assert reading.ts == datetime.fromisoformat(expected).replace(tzinfo=UTC)


# --- local time across DST (Tasmota) ---------------------------------------------------------

@pytest.mark.parametrize("local, received, expected", [
    ("2026-10-25T02:30:00", "2026-10-25T00:31:00", "2026-10-25T00:30:00"),  # first 02:30 (CEST)
    ("2026-10-25T02:30:00", "2026-10-25T01:31:00", "2026-10-25T01:30:00"),  # repeated 02:30 (CET)
    ("2026-03-29T01:59:00", "2026-03-29T01:00:00", "2026-03-29T00:59:00"),  # last minute of CET
    ("2026-03-29T03:00:00", "2026-03-29T01:00:00", "2026-03-29T01:00:00"),  # first minute of CEST
])
def test_tasmota_local_time_across_dst(local: str, received: str, expected: str) -> None:
    at = datetime.fromisoformat(received).replace(tzinfo=UTC)
    reading = one(tasmota.parse(body({"Time": local, "ENERGY": {"Power": 1}}), context(at)))
    assert reading.ts == datetime.fromisoformat(expected).replace(tzinfo=UTC)


def test_tasmota_channels_summed_and_voltage_averaged() -> None:
    document = {"StatusSNS": {"Time": "2026-05-04T10:00:00+02:00", "ENERGY": {
        "Total": 0.153, "Power": [10, 20.5], "Voltage": [230, 232], "Factor": [0.5, 0.9],
        "Current": [0.1, 0.2], "Today": [0.1, 0.2], "TotalStartTime": "2025-11-14T18:39:40"}}}
    reading = one(tasmota_doc(document))
    assert (reading.power_w, reading.voltage_v) == (30.5, 231) and math.isclose(reading.energy_wh, 153)
    assert math.isclose(reading.power_factor, 0.7) and math.isclose(reading.current_a, 0.3)
    assert math.isclose(reading.extra["Today"], 0.3) and reading.ts == RECEIVED - timedelta(minutes=1)


# --- Shelly -----------------------------------------------------------------------------------

def test_shelly_gen1_watt_minutes_become_wh() -> None:
    status = {"unixtime": 1777881600, "meters": [{"power": 12.5, "total": 600, "is_valid": True},
                                                 {"power": 99, "total": 60, "is_valid": False}]}
    reading = one(shelly_doc(status))
    assert (reading.power_w, reading.energy_wh) == (12.5, 10)
    assert reading.ts == EIGHT


def test_shelly_gen1_emeters_are_in_wh_and_phases_combine() -> None:
    status = {"unixtime": 0, "emeters": [{"power": 100, "pf": 0.9, "voltage": 230, "current": 0.5, "total": 1000},
                                         {"power": 50, "pf": 0.7, "voltage": 232, "current": 0.25, "total": 500}]}
    reading = one(shelly_doc(status))
    assert (reading.power_w, reading.energy_wh, reading.voltage_v, reading.current_a) == (150, 1500, 231, 0.75)
    assert math.isclose(reading.power_factor, 0.8) and reading.ts == RECEIVED


def test_shelly_full_status_sums_switches() -> None:
    params = {"ts": 1777881600, "sys": {"unixtime": 1}, "wifi": {"rssi": -60},
              "switch:0": {"apower": 10, "voltage": 230, "aenergy": {"total": 100}},
              "switch:1": {"apower": 5, "voltage": 232, "aenergy": {"total": 50}}}
    reading = one(shelly.parse(body({"method": "NotifyFullStatus", "params": params}), context()))
    assert (reading.power_w, reading.energy_wh, reading.voltage_v) == (15, 150, 231)
    assert reading.ts == EIGHT


def test_shelly_pro_3em_status_uses_totals() -> None:
    result = {"sys": {"unixtime": 1777881600},
              "em:0": {"total_act_power": 900, "total_current": 4, "a_voltage": 229, "b_voltage": 230,
                       "c_voltage": 231, "a_pf": 1, "b_pf": 0.9, "c_pf": 0.8},
              "emdata:0": {"total_act": 123456.5}}
    reading = one(shelly.parse(body({"id": 1, "result": result}), context()))
    assert (reading.power_w, reading.current_a, reading.voltage_v, reading.energy_wh) == (900, 4, 230, 123456.5)
    assert math.isclose(reading.power_factor, 0.9)


# --- InfluxDB line protocol -------------------------------------------------------------------

@pytest.mark.parametrize("precision, stamp", [
    (None, "1777881600000000000"), ("ns", "1777881600000000000"), ("n", "1777881600000000000"),
    ("us", "1777881600000000"), ("u", "1777881600000000"), ("ms", "1777881600000"), ("s", "1777881600"),
    ("m", "29631360"), ("h", "493856"),
])
def test_influx_precision(precision: str | None, stamp: str) -> None:
    reading = one(influx.parse(f"m,device=a power=1 {stamp}".encode(), context(precision=precision)))
    assert reading.ts == EIGHT


def test_influx_tasmota_channels_relay_state_and_escapes() -> None:
    lines = ("# Tasmota Shelly 2.5\n\n"
             "power1,device=shelly\\ 25,sensor=energy value=10.5\r\n"
             "power2,device=shelly\\ 25,sensor=energy value=4\n"
             "voltage,device=shelly\\ 25,sensor=energy value=230\n"
             "power1,device=shelly\\ 25,sensor=device value=1\n"
             "status,device=shelly\\ 25 text=\"on, off\",count=3i,flag=t\n")
    reading = one(influx.parse(lines.encode(), context()))
    assert (reading.device_name, reading.power_w, reading.voltage_v) == ("shelly 25", 14.5, 230)
    assert reading.extra == {"device.power1": 1, "count": 3}


def test_influx_groups_by_device_and_time_and_rejects_bad_lines() -> None:
    lines = ("meter,name=a power=1,Total=2 1777881600000000000\n"
             "meter,name=b apower=3 1777881600000000000\n"
             "meter,name=a voltage=230 1777881600000000000\n"
             "meter,name=a power=9 1777881600000000000\n"
             "meter,name=a power=\"high\"\n"
             "meter,name=a power=1 soon\n"
             "meter,name=a power=nan\n"
             "meter,name power=1\n"
             "meter\n")
    result = influx.parse(lines.encode(), context())
    readings = {reading.device_name: (index, reading) for index, reading in result.items}
    assert readings["a"][0] == 0 and (readings["a"][1].power_w, readings["a"][1].energy_wh) == (1, 2000)
    assert readings["a"][1].voltage_v == 230 and readings["b"][1].power_w == 3
    assert errors(result) == {
        3: "power appears twice for the same device and time", 4: "power must be a number",
        5: "timestamp 'soon' is not an integer", 6: "power is not a number: 'nan'",
        7: "tag 'name' is not key=value", 8: "a line needs a measurement and at least one field"}


# --- emoncms ----------------------------------------------------------------------------------

@pytest.mark.parametrize("params, expected", [
    ({"node": "10", "csv": "100,230.5,null"}, {"1": 100, "2": 230.5}),
    ({"node": "10", "data": "100,200"}, {"1": 100, "2": 200}),
    ({"node": "10", "json": "{power2:100,temp:21.5}"}, {"power2": 100, "temp": 21.5}),
])
def test_emoncms_post_loose_formats(params: dict, expected: dict) -> None:
    reading = one(emoncms.parse({**params, "time": "1777881600"}, context()))
    assert reading.extra == expected and reading.device_name == "10"
    assert reading.ts == EIGHT


def test_emoncms_input_map_overrides_default_names() -> None:
    params = {"node": "lathe", "fulljson": '{"power1": 5, "power2": 80, "E1": 1000, "time": 1777881600}'}
    reading = one(emoncms.parse(params, context(input_map={"power2": "power_w"})))
    assert (reading.power_w, reading.energy_wh, reading.extra) == (80, 1000, {"power1": 5})
    assert reading.ts == EIGHT
    csv = one(emoncms.parse({"csv": "7,230"}, context(input_map={"1": "power_w", "2": "voltage_v"})))
    assert (csv.power_w, csv.voltage_v, csv.device_name, csv.ts) == (7, 230, None, RECEIVED)


@pytest.mark.parametrize("extra, times", [
    ({"sentat": "543"}, [-23, -13, -8]),  # sent-at: now - sentat + t
    ({"offset": "543"}, [-23, -13, -8]),  # emoncms's code computes now - offset, just as for sentat
    ({"time": "1777881600"}, [520, 530, 535]),  # absolute reference + t
    ({}, [-15, -5, 0]),  # legacy: the last item arrived just now
])
def test_emoncms_bulk_time_references(extra: dict, times: list[int]) -> None:
    data = "[[520,16,1137],[530,\"17\",1437,{\"vrms\":230}],[535,19,\"\",null,{\"P1\":9}]]"
    result = emoncms.parse({"data": data, **extra}, context(), bulk=True)
    base = EIGHT if "time" in extra else RECEIVED
    assert [reading.ts for _, reading in result.items] == [base + timedelta(seconds=t) for t in times]
    (_, first), (_, second), (_, third) = result.items
    assert (first.device_name, first.extra, second.extra, second.voltage_v) == ("16", {"1": 1137}, {"1": 1437}, 230)
    assert (third.device_name, third.power_w, third.extra) == ("19", 9, {})


# --- SenML, ThingsBoard, URL query ------------------------------------------------------------

def test_senml_units_sums_relative_times_and_duplicates() -> None:
    pack = [{"bn": "dev/", "n": "energy", "u": "J", "s": 7200}, {"n": "power", "u": "kW", "v": 1.5},
            {"n": "power", "v": 2}, {"n": "voltage", "u": "A", "v": 1}, {"n": "state", "vs": "on"},
            {"n": "temp", "u": "Cel", "v": 40, "t": -10}, {"n": "power"}, "x"]
    result = senml.parse(body(pack), context())
    assert [(index, reading.ts) for index, reading in result.items] == [(0, RECEIVED),
                                                                        (5, RECEIVED - timedelta(seconds=10))]
    (_, now), (_, before) = result.items
    assert (now.energy_wh, now.power_w, before.extra) == (2, 1500, {"temp": 40})
    assert errors(result) == {2: "power_w appears twice for the same time",
                              3: "unit 'A' does not fit voltage (voltage_v)", 6: "the record has no value",
                              7: "a record must be an object, not a string"}


def test_thingsboard_total_in_kwh_strings_and_bad_items() -> None:
    result = thingsboard.parse(body([{"Total": 1.5, "status": "on"}, {"ts": 1777881600000, "values": 5},
                                     {"power": "87"}, 7]), context())
    assert [(index, reading.energy_wh, reading.extra) for index, reading in result.items] == [(0, 1500, {})]
    assert errors(result) == {1: "values must be an object, not a number", 2: "power must be a number, not a string",
                              3: "item must be an object, not a number"}


def test_urlquery_strict_numbers_time_and_extras() -> None:
    reading = one(urlquery.parse({"power_w": " 87.5 ", "ts": "1777881600", "temp_c": "40", "apikey": "1234",
                                  "label": "abc", "energy_wh": ""}, context()))
    assert (reading.power_w, reading.energy_wh, reading.extra) == (87.5, None, {"temp_c": 40})
    assert reading.ts == EIGHT
    for bad in ("%var1%", "1_000", "nan", "inf", "0x10"):
        assert errors(urlquery.parse({"power_w": bad}, context())) == {0: f"power_w is not a number: {bad!r}"}


# --- rejections and payload errors across formats ---------------------------------------------

@pytest.mark.parametrize("parse, payload, reason", [
    (tasmota_doc, {"Time": "2026-05-04T10:00:00"}, "ENERGY must be an object, not null"),
    (tasmota_doc, {"ENERGY": {"Power": [1, "x"]}}, "Power[1] must be a number, not a string"),
    (tasmota_doc, {"ENERGY": {"Power": []}}, "Power is an empty list"),
    (tasmota_doc, {"Time": "now", "ENERGY": {"Power": 1}}, "Time is not an RFC 3339 time: 'now'"),
    (shelly_doc, {"method": "NotifyStatus", "params": {"ts": 1777881600, "wifi": {"rssi": -60}}},
     "no meter values found (expected apower/aenergy, act_power, meters or emeters)"),
    (shelly_doc, {"apower": "12"}, "apower must be a number, not a string"),
    (shelly_doc, {"apower": 1, "aenergy": {"total": True}}, "aenergy.total must be a number, not a boolean"),
    (emoncms_post, {"json": "{power1:abc}"}, "power1 is not a number: 'abc'"),
    (emoncms_post, {"json": "{:5}"}, "Format error, json key missing or invalid character"),
    (emoncms_post, {"fulljson": '{"power1": "5"}'}, "power1 must be a number, not a string"),
    (emoncms_post, {"csv": "1", "time": "tomorrow"}, "time is not an RFC 3339 time: 'tomorrow'"),
    (emoncms_bulk, {"data": "[[0,1]]"}, "an item needs a time offset, a node and at least one value"),
    (emoncms_bulk, {"data": '[["x",1,2]]'}, "time offset must be a number, not a string"),
    (emoncms_bulk, {"data": "[[0,{},2]]"}, "node must be a name or a number, not an object"),
    (emoncms_bulk, {"data": "[[0,1,true]]"}, "the reading has no values"),
])
def test_item_rejections(parse: Callable[[object], ParseResult], payload: object, reason: str) -> None:
    assert errors(parse(payload)) == {0: reason}


@pytest.mark.parametrize("parse, payload, reason", [
    (raw_body(native.parse), b"", "the body is empty"),
    (raw_body(native.parse), b"\xff\xfe", "the body is not UTF-8 text"),
    (raw_body(native.parse), b'"text"', "the body must be a reading object"),
    (raw_body(native.parse), b"{", "the body is not valid JSON"),
    (raw_body(native.parse), b'{"readings": {}}', "readings must be a list"),
    (raw_body(native.parse), b"[" * 100000, "the body is nested too deeply"),
    (raw_body(senml.parse), b'{"n": "power", "v": 1}', "a SenML pack must be a JSON array of records"),
    (raw_body(influx.parse), b"m power=\xff", "the body is not UTF-8 text"),
    (lambda raw: influx.parse(raw, context(precision="d")), b"m power=1", "unknown precision 'd'"),
    (emoncms_post, {"node": "1"}, "Request contains no data"), (emoncms_post, {"json": " "}, "no data"),
    (emoncms_post, {"fulljson": "{bad"}, "fulljson is not valid JSON"),
    (emoncms_post, {"fulljson": "[1]"}, "fulljson must be a JSON object"),
    (emoncms_bulk, {"data": None}, "data is empty"), (emoncms_bulk, {"data": "x"}, "data is not valid JSON"),
    (emoncms_bulk, {"data": "[]"}, "data must be a non-empty JSON list"),
    (emoncms_bulk, {"data": "[[0,1,2]]", "sentat": "a"}, "sentat is not a number: 'a'"),
    (emoncms_bulk, {"data": "[[0,1,2]]", "sentat": "1e300"}, "bad time reference"),
    (lambda params: emoncms.parse(params, context(), bulk=True), {"data": "[[0,1,2],5]"},
     "the last item in bulk data does not contain any data"),
])
def test_payload_errors(parse: Callable[[object], ParseResult], payload: object, reason: str) -> None:
    with pytest.raises(PayloadError, match=re.escape(reason)):
        parse(payload)
