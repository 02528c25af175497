"""Outbound HTTP to partners: only to public addresses unless explicitly allowed, never following redirects."""
from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

TIMEOUT = (3.05, 10)
USER_AGENT = "DigitalFactory-Webhooks/1"


class TargetRefused(Exception):
    """The address resolves to a private, loopback, link-local or otherwise non-public network."""


@dataclass(frozen=True)
class PostResult:
    """What a POST gave: the status code (None when no answer) and a short error text."""

    status_code: int | None
    error: str

    @property
    def ok(self) -> bool:
        """Whether the receiver answered 2xx."""
        return self.status_code is not None and 200 <= self.status_code < 300


def check_target(url: str, allow_private: bool) -> None:
    """Raise TargetRefused unless every address the URL's host resolves to is public (or allowed)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise TargetRefused("not a valid address") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("not an http(s) address")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused("the host name does not resolve") from None
    for info in infos:
        # typeshed's sockaddr also allows (int, bytes), for AF_INET6 in a Python built without IPv6: not here
        address = ipaddress.ip_address(info[4][0].split("%")[0])  # type: ignore[union-attr]
        if not address.is_global or address.is_multicast:
            raise TargetRefused(f"{address} is not a public address")


def post_json(url: str, body: bytes, headers: dict[str, str], allow_private: bool) -> PostResult:
    """POST a JSON body; redirects are not followed (a 3xx counts as a failure) and the answer's body
    is never read, so a receiver cannot hold the sender with an endless one."""
    try:
        check_target(url, allow_private)
        response = requests.post(url, data=body, timeout=TIMEOUT, allow_redirects=False, stream=True,
                                 headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
    except TargetRefused as exc:
        return PostResult(None, f"refused: {exc}")
    except (requests.RequestException, ValueError, UnicodeError) as exc:
        return PostResult(None, type(exc).__name__)
    response.close()
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return PostResult(response.status_code, error)
