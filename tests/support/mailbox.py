"""A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
from __future__ import annotations

import re
import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class _Handler:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """The SMTP server and the mails it received."""

    def __init__(self) -> None:
        self._handler = _Handler()
        self.port = _free_port()
        self._controller = Controller(self._handler, hostname="127.0.0.1", port=self.port)

    def start(self) -> Mailbox:
        """Start listening."""
        self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        self._controller.stop()

    def clear(self) -> None:
        """Forget every received mail."""
        self._handler.messages.clear()

    @property
    def messages(self) -> list[EmailMessage]:
        """Mails received so far, oldest first."""
        return list(self._handler.messages)

    def to(self, address: str, timeout: float = 5.0) -> list[EmailMessage]:
        """Mails received for an address (waiting briefly for delivery)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self._handler.messages if address.lower() in str(m["To"]).lower()]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def last_link(self, address: str, path_part: str) -> str:
        """The path of the newest link containing path_part in a mail to the address."""
        for message in reversed(self.to(address)):
            body = message.get_body(("plain",)).get_content()
            for url in re.findall(r"https?://\S+", body):
                if path_part in url:
                    return re.sub(r"^https?://[^/]+", "", url)
        raise AssertionError(f"no link with {path_part!r} mailed to {address}")
