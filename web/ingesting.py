"""The request side of ingest, shared by every device format: authenticate the secret, rate-limit,
parse, store, commit. Each blueprint only says where the secret is and how to answer."""
from __future__ import annotations

import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import abort, current_app, g, request

from services import ingest as ingest_service
from telemetry.credential_cache import CredentialCache
from telemetry.group_commit import GroupCommitter
from telemetry.inflate import CONTENT_ENCODINGS, InflatedTooLarge, NotInflatable, inflate, wbits_for
from telemetry.ingest import MAX_READINGS, IngestOutcome
from telemetry.ingest_sources import IngestSource, authenticate, cached_source
from telemetry.readings import ParseContext, ParseResult, PayloadError
from tenants.clock import utcnow
from web.auth import bind_tenant
from web.auth_failures import MESSAGE as GUESSING_MESSAGE
from web.auth_failures import guessing_wait, note_failed_attempt
from web.database import commit, database, db_session
from web.extensions import limiter, parse_limit

DEFAULT_DEVICE_LIMIT = "600/minute"
DEFAULT_TENANT_LIMIT = "6000/minute"
DEFAULT_CREDENTIAL_CACHE_S = 5.0
REVOKED = "invalid or revoked device token or gateway key"


@dataclass
class IngestAnswer:
    """How an ingest request ended: status code, the outcome, and a reason when it failed."""

    status: int
    outcome: IngestOutcome = field(default_factory=IngestOutcome)
    error: str | None = None
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        """Retry-After when the device should wait before trying again."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}

    def json(self) -> dict:
        """The JSON body DESIGN.md specifies (with `error` when the request failed as a whole)."""
        body = self.outcome.as_json()
        if self.error:
            body["error"] = self.error
        return body


def body_limit() -> int:
    """The most bytes a device request body may have, inflated (the app's MAX_CONTENT_LENGTH)."""
    return current_app.config["MAX_CONTENT_LENGTH"]


def inflated(data: bytes, wbits: int) -> bytes:
    """`data` inflated within the body limit: 413 past it, 400 for a broken stream."""
    try:
        return inflate(data, wbits, body_limit())
    except InflatedTooLarge as exc:
        abort(413, description=str(exc))
    except NotInflatable as exc:
        abort(400, description=str(exc))


def inflate_request_body() -> None:
    """Before an ingest view: a body sent with Content-Encoding gzip or deflate (chunked or not) is
    inflated and put back as the request's body, so every format and form parser reads plain bytes.
    An encoding we do not know answers 415."""
    encoding = request.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        return
    data = request.get_data(cache=False)
    # the 1.x InfluxDB client labels even its bodiless requests (ping, query) gzip
    wbits = wbits_for(encoding, data) if data else CONTENT_ENCODINGS.get(encoding)
    if wbits is None:
        abort(415, description=f"Content-Encoding {encoding[:40]!r} is not supported: send gzip, deflate or identity")
    body = inflated(data, wbits) if data else b""
    environ = request.environ
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("HTTP_CONTENT_ENCODING", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    for cached in ("stream", "content_length", "form", "values", "files"):
        request.__dict__.pop(cached, None)


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


def device_source(secret: str | None) -> IngestSource | IngestAnswer:
    """The source of a device token or gateway key, bound as the request's tenant; else the answer
    to give: 401, or 429 while this client address has failed too often."""
    cache = credential_cache()
    # a device posting again costs no lookup and no guessing check; on PostgreSQL a device token's
    # source serves longer, since its storing statement checks the credential again (_store)
    source = cached_source(secret, cache, checked_in_statement=_lean_database())
    if source is None:
        wait = guessing_wait()
        if wait is not None:
            return IngestAnswer(429, error=GUESSING_MESSAGE, retry_after=wait)
        source = authenticate(db_session(), secret, cache)
    if source is None:
        note_failed_attempt()
        return IngestAnswer(401, error=REVOKED)
    bind_tenant(source.tenant_id)
    g.ingest_source = source
    return source


def _lean_database() -> bool:
    return database().dialect == "postgresql"


def group_committer() -> GroupCommitter | None:
    """The app's group committer of device writes (one per process, made on first use), or None
    unless INGEST_GROUP_COMMIT (Flask config, else config.Settings) turns group commit on."""
    config = current_app.config
    if not (config.get("INGEST_GROUP_COMMIT") or getattr(config.get("SETTINGS"), "ingest_group_commit", False)):
        return None
    committer = current_app.extensions.get("group_commit")
    if committer is None:
        committer = current_app.extensions.setdefault("group_commit", GroupCommitter(database().unpinged_engine))
    return committer


def _storage() -> ingest_service.Storage:
    return ingest_service.Storage(database(), db_session, "db_session" in g, group_committer())


def receive(secret: str | None, parse: Callable[[ParseContext], ParseResult],
            precision: str | None = None) -> IngestAnswer:
    """Authenticate, parse and store one ingest request; a 2xx answer means committed."""
    received_at = utcnow()
    source = device_source(secret)
    if isinstance(source, IngestAnswer):
        return source
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
    outcome = ingest_service.store_readings(_storage(), source, parsed, received_at)
    if outcome is None:
        credential_cache().forget(source.kind, source.credential_id)
        note_failed_attempt()
        return IngestAnswer(401, error=REVOKED)
    status = 202 if outcome.accepted or outcome.duplicates or outcome.device_status or not outcome.rejected else 422
    return IngestAnswer(status, outcome)
