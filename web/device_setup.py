"""Setup help for real devices: the configuration snippets of examples/devices/, filled in with this
server's address and, while it is being shown, the device's token (we keep only its hash)."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "devices"
TOKEN_PLACEHOLDER = "<TOKEN>"
PERIOD_S = 10

FIRMWARE: dict[str, str] = {
    "shelly_gen2": "shelly_gen2.js",
    "tasmota_esp32": "tasmota_esp32.txt",
    "tasmota_webquery": "tasmota_webquery.txt",
    "esphome": "esphome.yaml",
    "telegraf": "telegraf.conf",
    "emonesp": "emonesp.txt",
    "emonhub": "emonhub.conf",
    "curl": "curl.sh",
}
"""Each firmware we give setup help for, and its snippet template."""

GATEWAY_FIRMWARE: dict[str, str] = {"curl_gateway": "curl_gateway.sh", "emonhub": "emonhub.conf"}
"""What we show with a new gateway key: posting for machines by name."""

BY_KIND: dict[str, tuple[str, ...]] = {
    "smart_plug": ("shelly_gen2", "tasmota_esp32", "tasmota_webquery", "esphome", "curl"),
    "din_rail": ("telegraf", "tasmota_esp32", "esphome", "curl"),
    "clamp": ("emonesp", "emonhub", "esphome", "curl"),
    "other": tuple(FIRMWARE),
}
"""The firmware that fits each kind of meter, the most likely first."""


@dataclass(frozen=True)
class Snippet:
    """One firmware's configuration, ready to paste."""

    key: str
    filename: str
    text: str


@dataclass(frozen=True)
class ServerAddress:
    """Where devices send readings, taken apart the ways the firmware wants it."""

    base_url: str
    scheme: str
    host: str
    port: int

    @property
    def https(self) -> bool:
        """Whether devices must speak TLS."""
        return self.scheme == "https"

    @property
    def host_port(self) -> str:
        """host, or host:port when the port is not the scheme's default."""
        default = 443 if self.https else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"


def server_address(base_url: str) -> ServerAddress:
    """The parts of the BASE_URL setting (e.g. https://factory.example.com)."""
    parts = urlsplit(base_url.rstrip("/"))
    scheme = parts.scheme or "http"
    port = parts.port or (443 if scheme == "https" else 80)
    return ServerAddress(f"{scheme}://{parts.netloc}{parts.path}", scheme, parts.hostname or "localhost", port)


@cache
def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(str(EXAMPLES)), autoescape=False, keep_trailing_newline=True,
                       undefined=StrictUndefined)


def node_name(device_name: str) -> str:
    """A device name as emoncms firmware can put it in a URL unencoded (letters, digits, _ . -)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "_", device_name).strip("_")
    return cleaned[:64] or "machine"


def snippet_context(device_name: str, base_url: str, token: str | None) -> dict:
    """What every snippet template may use."""
    address = server_address(base_url)
    return {
        "server": address, "base_url": address.base_url, "token": token or TOKEN_PLACEHOLDER,
        "has_token": token is not None, "device_name": device_name, "node": node_name(device_name),
        "device_name_toml": json.dumps(device_name, ensure_ascii=False), "period_s": PERIOD_S,
    }


def render_snippet(key: str, context: dict) -> Snippet:
    """One firmware's snippet rendered with the context."""
    filename = FIRMWARE.get(key) or GATEWAY_FIRMWARE[key]
    return Snippet(key, filename, _environment().get_template(filename).render(**context))


def setup_snippets(kind: str, device_name: str, base_url: str, token: str | None = None) -> list[Snippet]:
    """The snippets that fit a kind of meter, with the real host and (when shown) the token."""
    context = snippet_context(device_name, base_url, token)
    return [render_snippet(key, context) for key in BY_KIND.get(kind, BY_KIND["other"])]


def gateway_snippets(base_url: str, key: str) -> list[Snippet]:
    """How gateways use a new gateway key: each reading names its machine."""
    context = snippet_context("machine-1", base_url, key)
    return [render_snippet(name, context) for name in GATEWAY_FIRMWARE]
