"""The request side of ingest, shared by every device format: authenticate the secret, rate-limit,
parse, store, commit. Each blueprint only says where the secret is and how to answer."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable

from flask import current_app, g
from limits import parse as _parse_limit

from telemetry.ingest import MAX_READINGS, CredentialCache, IngestOutcome, IngestSource, authenticate, ingest
from telemetry.readings import ParseContext, ParseResult, PayloadError
from tenants.clock import utcnow
from web.auth import bind_tenant
from web.database import commit, db_session
from web.extensions import limiter

DEFAULT_DEVICE_LIMIT = "600/minute"
DEFAULT_TENANT_LIMIT = "6000/minute"
DEFAULT_CREDENTIAL_CACHE_S = 5.0
parse_limit = lru_cache(maxsize=64)(_parse_limit)


@dataclass
class IngestAnswer:
    """How an ingest request ended: status code, the outcome, and a reason when it failed."""

    status: int
    outcome: IngestOutcome = field(default_factory=IngestOutcome)
    error: str | None = None
    retry_after: int | None = None

    def json(self) -> dict:
        """The JSON body DESIGN.md specifies (with `error` when the request failed as a whole)."""
        body = self.outcome.as_json()
        if self.error:
            body["error"] = self.error
        return body


def _limits() -> tuple[str, str]:
    """Per-credential and per-tenant limits: Flask config, else the INGEST_DEVICE_LIMIT /
    INGEST_TENANT_LIMIT environment variables (config.Settings), else the defaults."""
    config = current_app.config
    settings = config.get("SETTINGS")
    return (config.get("INGEST_DEVICE_LIMIT") or getattr(settings, "ingest_device_limit", None) or DEFAULT_DEVICE_LIMIT,
            config.get("INGEST_TENANT_LIMIT") or getattr(settings, "ingest_tenant_limit", None) or DEFAULT_TENANT_LIMIT)


def credential_cache() -> CredentialCache:
    """The app's cache of authenticated device credentials: INGEST_CREDENTIAL_CACHE_SECONDS in the
    Flask config or the environment (default 5; 0 turns it off). A credential revoked in another
    worker process stops working here within that many seconds; one revoked in this process at once."""
    cache = current_app.extensions.get("ingest_credential_cache")
    if cache is None:
        config = current_app.config
        ttl = config.get("INGEST_CREDENTIAL_CACHE_SECONDS")
        if ttl is None:
            ttl = getattr(config.get("SETTINGS"), "ingest_credential_cache_s", None)
        ttl = DEFAULT_CREDENTIAL_CACHE_S if ttl is None else float(ttl)
        cache = current_app.extensions.setdefault("ingest_credential_cache", CredentialCache(ttl))
    return cache


def _over_limit(source: IngestSource) -> int | None:
    """Seconds to wait when the device or its tenant is over its rate limit, else None."""
    strategy = limiter.limiter
    for spec, scope, key in zip(_limits(), ("ingest-credential", "ingest-tenant"),
                                (source.credential_id, source.tenant_id)):
        item = parse_limit(spec)
        if not strategy.hit(item, scope, str(key)):
            reset = strategy.get_window_stats(item, scope, str(key)).reset_time
            return max(int(reset - time.time()) + 1, 1)
    return None


def receive(secret: str | None, parse: Callable[[ParseContext], ParseResult], precision: str | None = None) -> IngestAnswer:
    """Authenticate, parse and store one ingest request; a 2xx answer means committed."""
    received_at = utcnow()
    source = authenticate(db_session(), secret, credential_cache())
    if source is None:
        return IngestAnswer(401, error="invalid or revoked device token or gateway key")
    bind_tenant(source.tenant_id)
    g.ingest_source = source
    wait = _over_limit(source)
    if wait is not None:
        return IngestAnswer(429, error="rate limit reached; retry later", retry_after=wait)
    context = ParseContext(received_at=received_at, timezone=source.timezone, input_map=source.input_map,
                           precision=precision)
    try:
        parsed = parse(context)
    except PayloadError as exc:
        commit()  # the credential's last use
        return IngestAnswer(400, error=str(exc))
    if len(parsed.items) + len(parsed.rejected) > MAX_READINGS:
        return IngestAnswer(413, error=f"at most {MAX_READINGS} readings per request")
    outcome = ingest(db_session(), source, parsed, received_at)
    commit()
    status = 202 if outcome.accepted or outcome.duplicates or not outcome.rejected else 422
    return IngestAnswer(status, outcome)
