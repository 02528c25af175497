"""Setup help: the snippets fit the kind of meter, carry the real host and token right after creation and
<TOKEN> later, and, pasted into the firmware they are for, make requests our ingest endpoints accept."""
from __future__ import annotations

import gzip
import json
import re
import time
import tomllib
import zlib
from html import unescape
from urllib.parse import quote, urlencode, urlsplit

import pytest

from telemetry.models import KINDS
from tests.conftest import post_form
from tests.devices.conftest import GOOD_FORM, page_token
from web.device_setup import BY_KIND, FIRMWARE, TOKEN_PLACEHOLDER, setup_snippets

BASE = "http://localhost"


def _snippets(page: str) -> dict[str, str]:
    return {key: unescape(text) for key, text in re.findall(r'<code id="snippet-(\w+)">(.*?)</code>', page, re.S)}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_gets_its_snippets_with_host_and_token(owner_client, kind):
    response = post_form(owner_client, "/devices/new", {**GOOD_FORM, "name": f"Machine {kind}", "kind": kind})
    page = response.get_data(as_text=True)
    token = page_token(page)
    snippets = _snippets(page)
    assert list(snippets) == list(BY_KIND[kind])
    for key, text in snippets.items():
        assert token in text and TOKEN_PLACEHOLDER not in text, key
        assert "localhost" in text, key
    device_id = re.search(r"/devices/(\d+)/edit", page).group(1)
    later = _snippets(owner_client.get(f"/devices/{device_id}").get_data(as_text=True))
    assert list(later) == list(BY_KIND[kind])
    assert all(TOKEN_PLACEHOLDER in text and token not in text for text in later.values())


def test_https_host_and_port_are_taken_apart_for_the_firmware():
    token = "0123456789abcdef0123456789abcdef"
    texts = {s.key: s.text for s in setup_snippets("other", "Lathe 3", "https://factory.example.com", token)}
    assert "IfxHost https://factory.example.com; IfxPort 443;" in texts["tasmota_esp32"]
    assert "Emoncms Server:         factory.example.com\n" in texts["emonesp"] and "openssl" in texts["emonesp"]
    assert "verify_ssl: true" in texts["esphome"]
    plain = {s.key: s.text for s in setup_snippets("other", "Lathe 3", "http://10.0.0.5:8080", token)}
    assert "IfxHost 10.0.0.5; IfxPort 8080;" in plain["tasmota_esp32"]
    assert "Emoncms Server:         10.0.0.5:8080\n" in plain["emonesp"] and "openssl" not in plain["emonesp"]
    assert "verify_ssl: false" in plain["esphome"]


def test_snippets_are_valid_toml_and_yaml():
    token = "0123456789abcdef0123456789abcdef"
    texts = {s.key: s.text for s in setup_snippets("other", 'Press "7" 压机', BASE, token)}
    telegraf = tomllib.loads(texts["telegraf"])
    assert telegraf["inputs"]["modbus"][0]["name"] == 'Press "7" 压机'
    assert telegraf["outputs"]["influxdb_v2"][0]["token"] == token
    yaml = pytest.importorskip("yaml")
    esphome = yaml.safe_load(texts["esphome"])
    post = esphome["interval"][0]["then"][0]["if"]["then"][0]["http_request.post"]
    assert post["url"] == f"{BASE}/api/v1/readings" and post["request_headers"]["Authorization"] == f"Bearer {token}"


# --- each snippet, used the way its firmware uses it, is accepted ------------------------------------

def _path(url: str) -> str:
    """The path and query of an address on this server (as the test client takes it)."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.hostname, parts.port or 80) == ("http", "localhost", 80), url
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _curl(client, text):
    url = re.search(r'-X POST "([^"]+)"', text).group(1)
    headers = dict(re.findall(r'-H "([^:]+): ([^"]+)"', text))
    body = re.search(r"-d '([^']+)'", text).group(1)
    return client.post(_path(url), data=body, headers=headers).status_code == 202


def _esphome(client, text):
    url = re.search(r'url: "([^"]+)"', text).group(1)
    auth = re.search(r'Authorization: "([^"]+)"', text).group(1)
    return client.post(_path(url), json={"power_w": 42.0}, headers={"Authorization": auth}).status_code == 202


def _shelly(client, text):
    url = re.search(r'url: "([^"]+)"', text).group(1)
    status = {"id": 0, "source": "init", "output": True, "apower": 1520.4, "voltage": 231.2, "current": 6.9,
              "aenergy": {"total": 10543.2, "by_minute": [0, 0, 0], "minute_ts": 1777881600}, "temperature": {"tC": 41}}
    return client.post(_path(url), data=json.dumps(status), content_type="application/json").status_code == 202


def _tasmota_esp32(client, text):
    settings = dict(re.findall(r"Ifx(\w+) ([^;\n]+)", text))
    host = settings["Host"] if settings["Host"].startswith("http") else "http://" + settings["Host"]
    server = f"{host}:{settings['Port']}"  # as Tasmota builds its URLs
    assert client.get(_path(server + "/health")).status_code == 200  # Tasmota checks /health before writing
    url = f"{server}/api/v2/write?org={quote(settings['Org'])}&bucket={quote(settings['Bucket'])}"
    lines = "power,device=tasmota_1,sensor=energy value=87\nvoltage,device=tasmota_1,sensor=energy value=231"
    answer = client.post(_path(url), data=lines, headers={"Authorization": "Token " + settings["Token"]},
                         content_type="text/plain")
    return answer.status_code == 204 and settings["Period"] == "10" and "Ifx 1" in text


def _tasmota_webquery(client, text):
    url = re.search(r"DO WebQuery (\S+) GET ENDON", text).group(1).replace("%value%", "87")
    return client.get(_path(url)).status_code == 202 and "Rule1 1" in text


def _telegraf(client, text):
    config = tomllib.loads(text)
    output = config["outputs"]["influxdb_v2"][0]
    url = f"{output['urls'][0]}/api/v2/write?bucket={output['bucket']}&org={output['organization']}"
    name = config["inputs"]["modbus"][0]["name"].replace(" ", "\\ ")
    line = f"modbus,name={name},slave_id=1,type=input_register power_w=1520.5,energy_kwh=12.5 {time.time_ns()}"
    # outputs.influxdb_v2 gzips its body unless content_encoding = "identity" is set
    assert "content_encoding" not in output
    return client.post(_path(url), data=gzip.compress(line.encode()), headers={
        "Authorization": "Token " + output["token"], "Content-Encoding": "gzip"}).status_code == 204


def _emonesp(client, text):
    fields = dict(re.findall(r"^([\w -]+?):\s+(.+)$", text, re.M))
    url = f"http://{fields['Emoncms Server']}/input/post?" + urlencode(
        {"fulljson": json.dumps({"power1": 1520, "vrms": 231.2})}) + f"&node={fields['Emoncms Node Name']}" \
        f"&apikey={fields['Write apikey']}"
    answer = client.get(_path(url))
    return answer.status_code == 200 and answer.get_json() == {"success": True}


def _emonhub(client, text):
    # EmonHubEmoncmsHTTPInterfacer._process_post (emonhub >= 2.4.1): with sendnames the frames carry names
    # and the body is the zlib-compressed JSON with &cb=1; the key goes in a Bearer header
    settings = dict(re.findall(r"^\s+(url|apikey|sendnames) = (\S+)$", text, re.M))
    assert settings["sendnames"] == "1"
    data_string = json.dumps([[int(time.time()) - 10, "emontx4", {"MSG": 7, "Vrms": 231.2, "P1": 1520, "E1": 5000,
                                                                  "rssi": -61}]], separators=(",", ":"))
    compressed = zlib.compress(data_string.encode())
    url = settings["url"] + f"/input/bulk.json?sentat={int(time.time())}"
    if len(compressed) < len(data_string):
        answer = client.post(_path(url + "&cb=1"), data=compressed,
                             headers={"Authorization": "Bearer " + settings["apikey"]})
    else:
        answer = client.post(_path(url), data={"data": data_string},
                             headers={"Authorization": "Bearer " + settings["apikey"]})
    return answer.status_code == 200 and answer.get_data(as_text=True) == "ok"


FIRMWARE_SENDS = {"curl": _curl, "esphome": _esphome, "shelly_gen2": _shelly, "tasmota_esp32": _tasmota_esp32,
                  "tasmota_webquery": _tasmota_webquery, "telegraf": _telegraf, "emonesp": _emonesp,
                  "emonhub": _emonhub}


def test_every_firmware_has_a_check():
    assert set(FIRMWARE_SENDS) == set(FIRMWARE)


@pytest.mark.parametrize("key", list(FIRMWARE))
def test_snippet_as_the_firmware_uses_it_is_accepted(client, make_device, count_devices, key):
    device_id, token = make_device("Lathe 3 (Halle B)")
    [snippet] = [s for s in setup_snippets("other", "Lathe 3 (Halle B)", BASE, token) if s.key == key]
    assert FIRMWARE_SENDS[key](client, snippet.text), snippet.text
    assert count_devices() == (1, 1), "one reading stored on this machine, no other machine made"
