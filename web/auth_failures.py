"""Failed credential attempts (device tokens, gateway keys, API keys, installation tokens) counted
per client address. Past the limit the address gets 429 with Retry-After before any credential is
looked up, so guessing costs the guesser, not the database; valid credentials never count."""
from __future__ import annotations

import time

from flask import current_app
from werkzeug.exceptions import TooManyRequests

from web.auth import client_ip
from web.extensions import limiter, parse_limit

DEFAULT_LIMIT = "60/minute"
SCOPE = "credential-failures"
MESSAGE = "too many failed credential attempts from this address; retry later"


def _limit():
    config = current_app.config
    return parse_limit(config.get("AUTH_FAILURE_LIMIT")
                       or getattr(config.get("SETTINGS"), "auth_failure_limit", None) or DEFAULT_LIMIT)


def guessing_wait() -> int | None:
    """Seconds this client address must wait because of its failed attempts, or None."""
    item, address = _limit(), client_ip() or "unknown"
    if limiter.limiter.test(item, SCOPE, address):
        return None
    reset = limiter.limiter.get_window_stats(item, SCOPE, address).reset_time
    return max(int(reset - time.time()) + 1, 1)


def note_failed_attempt() -> None:
    """Count one failed attempt of this client address."""
    limiter.limiter.hit(_limit(), SCOPE, client_ip() or "unknown")


def refuse_while_guessing() -> None:
    """Raise 429 (with Retry-After) when this client address is over its limit of failed attempts."""
    wait = guessing_wait()
    if wait is not None:
        raise TooManyRequests(description=MESSAGE, retry_after=wait)
