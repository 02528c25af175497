"""Replaying a device's HTTP request byte for byte, as its firmware writes it to the socket, and reading
the answer the way the firmware would (status line, headers, body)."""
from __future__ import annotations

import http.client
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class RawAnswer:
    """The server's answer to a replayed request."""

    status_line: str
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def send_raw(base_url: str, request: bytes, timeout: float = 10.0) -> RawAnswer:
    """Write `request` (complete: request line, headers, blank line, body) to the server of `base_url`
    and read its answer."""
    address = urlsplit(base_url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout) as sock:
        sock.sendall(request)
        response = http.client.HTTPResponse(sock)
        response.begin()
        body = response.read()
        line = f"HTTP/{response.version // 10}.{response.version % 10} {response.status} {response.reason}"
        return RawAnswer(line, response.status, {k.lower(): v for k, v in response.getheaders()}, body)


def request_bytes(method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    """An HTTP/1.1 request exactly as given: the headers in this order, CRLF line ends."""
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers)
    return head.encode("latin-1") + b"\r\n" + body
