"""Hypothesis strategies of whole HTTP requests to every ingest endpoint: random bytes, random
JSON trees, and near-valid payloads of each format in which a few values are swapped for
garbage (NaN, Infinity, huge ints, booleans, strings, nested lists, times out of range), with
broken encodings and wrong content types.

A request names its credential by kind ("device", "gateway" or "bad"); `{secret}` and
`{b64secret}` placeholders in its path, query, headers and body are filled in when it is sent."""
from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

BERLIN = ZoneInfo("Europe/Berlin")
DAY = 86400
_NOW = datetime.now(UTC)
OUT_OF_WINDOW = [int((_NOW - timedelta(days=731)).timestamp()), int((_NOW + timedelta(hours=1)).timestamp()),
                 (_NOW + timedelta(days=1)).isoformat(), "1999-01-01T00:00:00Z", 0, -1]
"""Times outside the accepted window (older than the retention, too far in the future)."""


@dataclass(frozen=True)
class Call:
    """One HTTP request to send with the Flask test client."""

    method: str
    path: str
    secret: str
    query: dict | str | None = None
    body: bytes | dict | None = None
    content_type: str | None = None
    headers: dict = field(default_factory=dict)


secrets = st.sampled_from(["device"] * 4 + ["gateway", "bad"])
content_types = st.sampled_from([None, "application/json", "application/senml+json", "text/plain",
                                 "application/x-www-form-urlencoded", "multipart/form-data",
                                 "application/octet-stream", "application/json; charset=latin-1"])
huge = st.sampled_from([309, 400, -309]).map(lambda digits: 10 ** abs(digits) * (1 if digits > 0 else -1))
"""Integers too large for a float."""
garbage = st.one_of(
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 2**63, 1e16, -1e16, True, False, "", "abc",
                     "12.5", "1e400", "NaN", "%var1%", [], [1, 2], [[1]], {"a": 1}, None, -5000, 1e7 + 1,
                     -0.0, " ", "x" * 120, "a\x00b", *OUT_OF_WINDOW]),
    huge, st.floats(), st.integers(), st.text(max_size=8))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))
trees = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(
    st.text(max_size=8), kids, max_size=5), max_leaves=12)

power = st.floats(0, 20_000)
energy = st.floats(0, 1e7)
volts = st.floats(180, 420)
amps = st.floats(0, 100)
factor = st.floats(-1, 1)
names = st.sampled_from(["lathe-1", "LATHE-1", "m-1", "Press 2", "7", "Ölpumpe", "ÖLPUMPE", "Säge"])
moments = st.integers(60, 729 * DAY).map(lambda s: datetime.now(UTC) - timedelta(seconds=s))
"""Times well inside the accepted window: 1 minute to 729 days ago."""


def _stamp_forms(moment: datetime) -> list:
    return [int(moment.timestamp()), int(moment.timestamp() * 1000), moment.timestamp(),
            moment.isoformat().replace("+00:00", "Z"), moment.astimezone(BERLIN).isoformat(),
            moment.astimezone(BERLIN).replace(tzinfo=None).isoformat(timespec="seconds")]


stamps = moments.flatmap(lambda m: st.sampled_from(_stamp_forms(m)))
local_times = moments.map(lambda m: m.astimezone(BERLIN).replace(tzinfo=None).isoformat(timespec="seconds"))
epochs = moments.map(lambda m: int(m.timestamp()))


def _positions(document: object) -> list[tuple[object, object]]:
    """(container, key) of every value inside a JSON document, depth first."""
    found = []
    items = document.items() if isinstance(document, dict) else enumerate(document) if isinstance(
        document, list) else ()
    for key, value in items:
        found.append((document, key))
        found += _positions(value)
    return found


def _mutate(document: object, mutations: list[tuple[int, object]], text: bool) -> object:
    """A copy of `document` with the value at each chosen position replaced (by its text when `text`)."""
    document = copy.deepcopy(document)
    for index, value in mutations:
        positions = _positions(document)
        if positions:
            container, key = positions[index % len(positions)]
            container[key] = str(value) if text else copy.deepcopy(value)  # garbage constants are shared
    return document


def near_valid(documents: st.SearchStrategy, text: bool = False) -> st.SearchStrategy:
    """Valid documents with up to three values swapped for garbage."""
    mutations = st.lists(st.tuples(st.integers(0, 10**6), garbage), max_size=3)
    return st.builds(_mutate, documents, mutations, st.just(text))


def optional(required: tuple[str, ...] = (), **fields: st.SearchStrategy) -> st.SearchStrategy:
    """Objects with the `required` fields and any subset of the others."""
    return st.fixed_dictionaries({name: fields.pop(name) for name in required}, optional=fields)


def encoded(documents: st.SearchStrategy) -> st.SearchStrategy:
    """Near-valid JSON documents as request bodies (UTF-8, sometimes with a BOM, a non-UTF-8 byte
    or cut short), random JSON trees, or random bytes."""
    def encode(document: object, variant: str) -> bytes:
        raw = json.dumps(document).encode()
        return {"plain": raw, "bom": b"\xef\xbb\xbf" + raw, "latin": raw[:-1] + b"\xe9" + raw[-1:],
                "cut": raw[: len(raw) // 2]}[variant]

    variants = st.sampled_from(["plain"] * 9 + ["bom", "latin", "cut"])
    return st.one_of(st.builds(encode, near_valid(documents), variants), st.builds(encode, trees, variants),
                     st.binary(max_size=200))


def body_call(path: str, documents: st.SearchStrategy, bearer: bool = False) -> st.SearchStrategy:
    """A POST whose payload is its body."""
    headers = st.just({"Authorization": "Bearer {secret}"} if bearer else {})
    return st.builds(Call, st.just("POST"), st.just(path), secrets, body=encoded(documents),
                     content_type=content_types, headers=headers)


native_reading = optional(("power_w",), ts=stamps, power_w=power, energy_wh=energy, energy_kwh=energy,
                          voltage_v=volts, current_a=amps, power_factor=factor, device=names, temp_c=power)
native = st.one_of(native_reading, st.lists(native_reading, max_size=6),
                   optional(("readings",), readings=st.lists(native_reading, max_size=6), device=names))
senml_record = optional(("n", "v"), bn=st.sampled_from(["urn:dev:mac:0024befffe804ff1:", "", "x/"]), bt=epochs,
                        n=st.sampled_from(["power", "energy", "voltage", "current", "pf", "temp"]),
                        u=st.sampled_from(["W", "kW", "Wh", "kWh", "J", "V", "A", "/", "%", "Cel"]),
                        v=power, s=energy, t=st.integers(-100, 0), vs=st.text(max_size=4))
tb_values = optional(("power",), power=power, energy=energy, voltage=volts, current=amps, pf=factor,
                     temperature=power)
tb_item = st.one_of(tb_values, optional(("values",), values=tb_values,
                                        ts=moments.map(lambda m: int(m.timestamp() * 1000))))
tasmota_energy = optional(("Power",), Power=st.one_of(power, st.lists(power, min_size=1, max_size=3)),
                          Total=st.floats(0, 1e4), Voltage=volts, Current=amps, Factor=factor, Today=power)
tasmota_doc = optional(("ENERGY",), ENERGY=tasmota_energy, Time=local_times)
switch = optional(("apower",), id=st.just(0), apower=power, aenergy=optional(total=energy), voltage=volts,
                  current=amps, pf=factor)
shelly = st.one_of(switch, st.fixed_dictionaries({"method": st.just("NotifyStatus"), "params": optional(
    ts=epochs, **{"switch:0": switch, "switch:1": switch})}), optional(
    unixtime=epochs, meters=st.lists(optional(("power",), power=power, total=energy, is_valid=st.booleans()),
                                     max_size=2)))

url_params = optional(("power_w",), power_w=power, energy_wh=energy, energy_kwh=energy, voltage_v=volts,
                      power_factor=factor, ts=stamps, device=names, extra=power).map(
    lambda params: {key: str(value) for key, value in params.items()})
url_template = st.one_of(
    st.builds(Call, st.just("GET"), st.just("/api/v1/d/{secret}"), secrets, query=near_valid(url_params, True)),
    st.builds(Call, st.just("POST"), st.just("/api/v1/d/{secret}"), secrets, body=near_valid(url_params, True),
              content_type=st.sampled_from([None, "multipart/form-data"])),
    st.builds(Call, st.sampled_from(["GET", "POST"]), st.just("/api/v1/d/{secret}"), secrets,
              query=st.sampled_from(["power_w=%ff%fe", "power_w=12&power_w=13", "ts=%00&power_w=1", "=&&=5"])),
    body_call("/api/v1/d/{secret}", url_params))

emoncms_inputs = optional(("power1",), power1=power, vrms=volts, e1=energy, temp=power)
loose = near_valid(emoncms_inputs, True).map(lambda inputs: ",".join(f"{k}:{v}" for k, v in inputs.items()))
fulljson = near_valid(optional(("power1",), power1=power, vrms=volts, e1=energy, time=epochs)).map(json.dumps)
emoncms_post_params = st.builds(lambda data, extra: {**extra, **data}, st.one_of(
    st.fixed_dictionaries({"json": st.one_of(loose, st.text(max_size=20))}),
    st.fixed_dictionaries({"fulljson": st.one_of(fulljson, st.text(max_size=20))}),
    st.fixed_dictionaries({"csv": st.lists(power.map(str), min_size=1, max_size=4).map(",".join)}),
    st.fixed_dictionaries({"data": loose})), near_valid(optional(node=names, time=epochs.map(str)), True))


def _bulk_data(base: int, items: list) -> list:
    """emoncms bulk data: [[time, node, values...], ...] with times counted from `base`."""
    return [[base + offset, node, *values] for offset, node, values in items]


bulk_items = st.builds(_bulk_data, st.sampled_from([0, int(_NOW.timestamp())]), st.lists(st.tuples(
    st.integers(0, 60), names, st.lists(st.one_of(power, optional(("power1",), power1=power, vrms=volts, e1=energy)),
                                        min_size=1, max_size=3)), min_size=1, max_size=5))
bulk_params = st.builds(lambda data, extra: {"data": data, **extra}, st.one_of(
    near_valid(bulk_items).map(json.dumps), st.text(max_size=20), trees.map(json.dumps)),
    optional(sentat=st.sampled_from(["0", "5", "60", "-3", "abc", "1e400"]),
             offset=st.sampled_from(["0", "5", "-3", "abc", "1e400"]), time=epochs.map(str)))


def emoncms_call(paths: list[str], params: st.SearchStrategy) -> st.SearchStrategy:
    """emoncms requests: parameters in the query (GET) or a form (POST), key as apikey or Bearer."""
    def call(method: str, path: str, secret: str, values: dict, in_header: bool) -> Call:
        values = values if in_header else {**values, "apikey": "{secret}"}
        headers = {"Authorization": "Bearer {secret}"} if in_header else {}
        return Call(method, path, secret, query=values if method == "GET" else None,
                    body=values if method == "POST" else None, headers=headers)

    return st.builds(call, st.sampled_from(["GET", "POST"]), st.sampled_from(paths), secrets, params,
                     st.sampled_from([False, False, True]))


def _line(parts: dict) -> str:
    """One line of line protocol from (possibly mutated) parts."""
    fields = parts.get("fields")
    fields = ",".join(f"{k}={v}" for k, v in fields.items()) if isinstance(fields, dict) else str(fields)
    stamp = parts.get("stamp")
    return f"{parts.get('measurement')}{parts.get('tags')} {fields}" + (f" {stamp}" if stamp else "")


influx_line = st.fixed_dictionaries({
    "measurement": st.sampled_from(["power", "energy", "tasmota", "modbus", "m\\,x"]),
    "tags": st.sampled_from(["", ",device=m-1", ",device=lathe-1,sensor=energy", ",name=Press\\ 2"]),
    "fields": optional(("power",), power=power, voltage=volts, pf=factor, value=power,
                       energy=st.integers(0, 10**6).map(lambda n: f"{n}i"), status=st.just('"ok"')),
    "stamp": st.one_of(st.just(""), moments.map(lambda m: str(int(m.timestamp() * 10**9))))})
influx_lines = near_valid(st.lists(influx_line, min_size=1, max_size=5), True).map(
    lambda lines: "\n".join(_line(parts) if isinstance(parts, dict) else str(parts) for parts in lines))
influx = st.builds(
    Call, st.just("POST"), st.sampled_from(["/api/v2/write", "/write"]), secrets,
    query=optional(precision=st.sampled_from(["ns", "x", ""]), org=st.just("f")),
    body=st.one_of(influx_lines.map(str.encode), st.binary(max_size=120)), content_type=content_types,
    headers=st.sampled_from([{"Authorization": "Token {secret}"}] * 3 + [
        {"Authorization": "Basic {b64secret}"}, {"Authorization": "Bearer {secret}"}, {}]))

ENDPOINTS: dict[str, st.SearchStrategy] = {
    "native": body_call("/api/v1/readings", native, bearer=True),
    "senml": body_call("/api/v1/senml", st.lists(senml_record, max_size=6), bearer=True),
    "thingsboard": body_call("/api/v1/{secret}/telemetry", st.one_of(tb_item, st.lists(tb_item, max_size=5))),
    "url_template": url_template,
    "tasmota": body_call("/api/v1/tasmota/{secret}", st.one_of(tasmota_doc, st.fixed_dictionaries(
        {"StatusSNS": tasmota_doc}))),
    "shelly": body_call("/api/v1/shelly/{secret}", shelly),
    "emoncms_post": emoncms_call(["/input/post", "/input/post.json"], emoncms_post_params),
    "emoncms_bulk": emoncms_call(["/input/bulk", "/input/bulk.json"], bulk_params),
    "influx_write": influx,
}
COUNTED = frozenset({"native", "senml", "thingsboard", "url_template", "tasmota", "shelly"})
"""Endpoints whose answer counts the accepted readings (the others answer as emoncms or InfluxDB)."""
