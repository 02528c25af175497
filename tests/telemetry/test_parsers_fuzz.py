"""Property tests: whatever bytes, JSON or parameters arrive, every parser returns a ParseResult
(aware UTC readings, valid indexes) or raises PayloadError, never anything else, and validate()
copes with whatever a parser returned."""
from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from telemetry.parsers import emoncms, influx, native, senml, shelly, tasmota, thingsboard, urlquery
from telemetry.readings import ParseContext, ParseResult, PayloadError, validate

FUZZ = settings(max_examples=200, deadline=None, database=None)
KEYS = [
    "ts", "device", "power_w", "energy_wh", "energy_kwh", "voltage_v", "current_a", "power_factor", "readings",
    "values", "power", "energy", "total", "Total", "Power", "Voltage", "Current", "Factor", "Time", "ENERGY",
    "StatusSNS", "method", "params", "result", "switch:0", "switch:1", "em:0", "emdata:0", "em1:0", "apower",
    "aenergy", "act_power", "pf", "meters", "emeters", "unixtime", "sys", "is_valid", "bn", "bt", "bu", "bv",
    "bs", "n", "u", "v", "s", "t", "vs", "time", "x",
]
TARGETS = ["power_w", "energy_wh", "energy_kwh", "voltage_v", "current_a", "power_factor", "bogus"]
BODY_PARSERS: dict[str, Callable[[bytes, ParseContext], ParseResult]] = {
    "native": native.parse, "thingsboard": thingsboard.parse, "senml": senml.parse, "tasmota": tasmota.parse,
    "shelly": shelly.parse, "influx": influx.parse,
}

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
    st.sampled_from([10**400, -(2**63), 1777881600, 1777881600123, 2**28, 0.99, "W", "kW", "kWh", "J", "/",
                     "2026-05-04T10:00:00", "2026-10-25T02:30:00+02:00", "1777881600", "urn:dev:x:"]),
)
plain = st.one_of(st.integers(-10**4, 10**6), st.floats(-1e4, 1e6, allow_nan=False))
mostly_plain = st.one_of(plain, plain, plain, scalars)
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
json_values = st.recursive(
    scalars, lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
    max_leaves=15,
)
leaves = st.one_of(scalars, st.lists(scalars, max_size=3))
records = st.dictionaries(keys, st.one_of(leaves, st.dictionaries(keys, leaves, max_size=3)), max_size=6)
senml_records = st.one_of(
    st.fixed_dictionaries(
        {"n": st.sampled_from(["power", "energy", "voltage", "pf", "temp", ""]), "v": mostly_plain},
        optional={"u": st.sampled_from(["W", "kW", "Wh", "kWh", "J", "V", "A", "/", "%", "Cel"]), "t": plain,
                  "bt": st.sampled_from([1777881600, 0, -5]), "bn": st.sampled_from(["dev:", "a/"])}),
    st.dictionaries(st.sampled_from(["bn", "bt", "bu", "bv", "bs", "n", "u", "v", "s", "t", "vs"]), scalars,
                    max_size=6),
)
shelly_parts = st.dictionaries(
    st.sampled_from(["apower", "aenergy", "voltage", "current", "pf", "act_power", "total_act_power", "a_voltage",
                     "total_act", "total_act_energy", "power", "total", "is_valid"]),
    st.one_of(mostly_plain, st.fixed_dictionaries({"total": mostly_plain})), max_size=5)
shelly_switch = st.fixed_dictionaries({"apower": mostly_plain}, optional={
    "aenergy": st.fixed_dictionaries({"total": mostly_plain}), "voltage": mostly_plain, "pf": mostly_plain})
shelly_status = st.fixed_dictionaries({}, optional={
    "ts": mostly_plain, "switch:0": shelly_switch, "switch:1": shelly_switch, "em:0": shelly_parts,
    "emdata:0": shelly_parts, "em1:0": shelly_parts, "sys": st.fixed_dictionaries({"unixtime": mostly_plain}),
    "meters": st.lists(shelly_parts, max_size=3), "emeters": st.lists(shelly_parts, max_size=3),
    "apower": mostly_plain, "x": scalars})
shaped = {
    "native": st.one_of(st.lists(records, max_size=4),
                        st.fixed_dictionaries({"readings": st.lists(records, max_size=4)})),
    "thingsboard": st.lists(st.one_of(records, st.fixed_dictionaries({"ts": scalars, "values": records})),
                            max_size=4),
    "senml": st.lists(senml_records, max_size=8),
    "tasmota": st.fixed_dictionaries({"Time": scalars, "ENERGY": records}),
    "shelly": st.one_of(shelly_status, st.fixed_dictionaries({"method": st.just("NotifyStatus"),
                                                              "params": shelly_status})),
}
contexts = st.builds(
    ParseContext,
    received_at=st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1),
                             timezones=st.just(UTC)),
    timezone=st.sampled_from([ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata"), ZoneInfo("America/New_York")]),
    input_map=st.dictionaries(keys, st.sampled_from(TARGETS), max_size=3),
    precision=st.sampled_from([None, "", "ns", "us", "ms", "s", "m", "h", "n", "u", "xs"]),
)
line_text = st.text(alphabet=st.sampled_from(list('pow,device=ab \\"\n019.-+eiutTfF#µ')), max_size=120)
words = st.sampled_from(["power", "power1", "Total", "voltage", "value", "device", "name", "sensor", "energy",
                         "a\\ b", "x\\,y", "", "1", "1.5", "-3i", "5u", "t", '"s, t"', "nan", "1e999", "abc",
                         "230", "0.5"])
pairs = st.lists(st.tuples(words, words).map("=".join), max_size=3).map(",".join)
field_pairs = st.lists(st.tuples(words, words).map("=".join), min_size=1, max_size=3).map(",".join)


def line(measurement: str, tags: str, fields: str, stamp: str) -> str:
    """One line of line protocol from its parts."""
    return measurement + (f",{tags}" if tags else "") + f" {fields}" + (f" {stamp}" if stamp else "")


lines = st.lists(st.builds(line, words, pairs, field_pairs, st.sampled_from(
    ["", "1777881600", "1777881600000000000", "-1", "x", str(10**24)])), max_size=5).map("\n".join)
emoncms_params = st.dictionaries(
    st.sampled_from(["node", "fulljson", "json", "csv", "data", "time", "sentat", "offset", "apikey"]),
    st.one_of(st.text(max_size=40), json_values.map(json.dumps), st.sampled_from(["1777881600", "-10", "1e300"])),
)
query_params = st.dictionaries(keys, st.one_of(st.text(max_size=12), scalars.map(str)), max_size=8)


def check(parse: Callable[[], ParseResult], ctx: ParseContext) -> None:
    """Runs a parser; anything but a PayloadError or a well-formed result fails the test."""
    try:
        result = parse()
    except PayloadError as exc:
        assert str(exc)
        return
    assert isinstance(result, ParseResult)
    for index, reading in result.items:
        assert isinstance(index, int) and index >= 0
        assert reading.ts.utcoffset() == timedelta(0)
    assert all(rejection.index >= 0 and rejection.error for rejection in result.rejected)
    checked = validate(result, received_at=ctx.received_at)
    assert len(checked.items) + len(checked.rejected) == len(result.items) + len(result.rejected)


@pytest.mark.parametrize("name", sorted(BODY_PARSERS))
@FUZZ
@given(raw=st.binary(max_size=300), ctx=contexts)
def test_body_parsers_survive_random_bytes(name: str, raw: bytes, ctx: ParseContext) -> None:
    check(lambda: BODY_PARSERS[name](raw, ctx), ctx)


@pytest.mark.parametrize("name", sorted(BODY_PARSERS))
@FUZZ
@given(document=json_values, ctx=contexts)
def test_body_parsers_survive_random_json(name: str, document: object, ctx: ParseContext) -> None:
    check(lambda: BODY_PARSERS[name](json.dumps(document).encode(), ctx), ctx)


@pytest.mark.parametrize("name", sorted(shaped))
@FUZZ
@given(data=st.data(), ctx=contexts)
def test_body_parsers_survive_payloads_of_their_shape(name: str, data: st.DataObject, ctx: ParseContext) -> None:
    document = data.draw(shaped[name])
    check(lambda: BODY_PARSERS[name](json.dumps(document).encode(), ctx), ctx)


@FUZZ
@given(text=line_text, ctx=contexts)
def test_influx_survives_line_protocol_noise(text: str, ctx: ParseContext) -> None:
    check(lambda: influx.parse(text.encode(), ctx), ctx)


@FUZZ
@given(text=lines, ctx=contexts)
def test_influx_survives_line_protocol_of_its_shape(text: str, ctx: ParseContext) -> None:
    check(lambda: influx.parse(text.encode(), ctx), ctx)


@FUZZ
@given(params=emoncms_params, bulk=st.booleans(), ctx=contexts)
def test_emoncms_survives_random_parameters(params: dict[str, str], bulk: bool, ctx: ParseContext) -> None:
    check(lambda: emoncms.parse(params, ctx, bulk=bulk), ctx)


@FUZZ
@given(items=st.lists(st.lists(st.one_of(leaves, records), max_size=5), min_size=1, max_size=4),
       mode=st.sampled_from(["sentat", "offset", "time", None]), ctx=contexts)
def test_emoncms_bulk_survives_random_items(items: list, mode: str | None, ctx: ParseContext) -> None:
    params = {"data": json.dumps(items), **({mode: "1777881600"} if mode else {})}
    check(lambda: emoncms.parse(params, ctx, bulk=True), ctx)


@FUZZ
@given(params=query_params, ctx=contexts)
def test_urlquery_survives_random_parameters(params: dict[str, str], ctx: ParseContext) -> None:
    check(lambda: urlquery.parse(params, ctx), ctx)
