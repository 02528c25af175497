"""Webhook events: queued in the transaction that causes them, delivered by the scheduler at least
once (same event id on every attempt) with exponential backoff for 24 hours, logged for partners."""
from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from marketplace import outbound
from marketplace.models import Installation, Module, WebhookDelivery
from marketplace.signing import SIGNATURE_HEADER, module_secret, signature_header
from marketplace.tokens import add_token, keep_only
from tenants.clock import utcnow
from tenants.errors import N_, Conflict, NotFound

ALWAYS_SENT = ("installation.created", "installation.deleted")
RETRY_WINDOW = timedelta(hours=24)
FIRST_RETRY_S = 30
MAX_RETRY_S = 3600
BATCH = 50
CLAIM = timedelta(minutes=5)  # an attempt in flight is not due for others meanwhile
HOLD_RETRY = timedelta(hours=1)
PER_PAGE = 50


@dataclass(frozen=True)
class Sender:
    """What delivery needs from the platform's settings."""

    platform_key: str
    api_base: str
    allow_private: bool


def enqueue(session: Session, installation: Installation, module: Module, event_type: str, data: dict,
            event_id: str | None = None, now: datetime | None = None) -> WebhookDelivery | None:
    """Queue an event for the module if it asked for it; an event id already queued is not queued twice."""
    events = set(installation.events) & set((module.live_manifest or {}).get("events", []))
    if event_type not in ALWAYS_SENT and event_type not in events:
        return None
    event_id = event_id or str(uuid.uuid4())
    if session.scalar(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id)) is not None:
        return None
    now = now or utcnow()
    delivery = WebhookDelivery(
        event_id=event_id, event_type=event_type, module_id=module.id, installation_id=installation.id,
        tenant_id=installation.tenant_id, status="pending", attempts=0, next_attempt_at=now,
        give_up_at=now + RETRY_WINDOW, last_error="", created_at=now,
        payload={"id": event_id, "type": event_type, "created_at": now.isoformat().replace("+00:00", "Z"),
                 "module": module.slug, "installation_id": installation.id, "data": data})
    session.add(delivery)
    return delivery


def event_key(*parts: object) -> str:
    """A stable event id for an event that a re-run job must not queue twice."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "df-event:" + ":".join(str(p) for p in parts)))


def cancel_pending(session: Session, installation_id: int) -> None:
    """Stop sending a removed installation's pending events (its token, its data)."""
    session.execute(update(WebhookDelivery).where(
        WebhookDelivery.installation_id == installation_id, WebhookDelivery.event_type != "installation.deleted",
        WebhookDelivery.status == "pending").values(status="failed", next_attempt_at=None,
                                                    last_error="cancelled: the installation was removed"))


def due_ids(session: Session, now: datetime, limit: int = BATCH) -> list[int]:
    """Pending deliveries whose next attempt is due, oldest first."""
    return list(session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


@dataclass(frozen=True)
class Claim:
    """A delivery taken for one attempt: what to POST where, and the fresh install token it carries."""

    delivery_id: int
    installation_id: int
    url: str
    body: bytes
    headers: dict[str, str]
    token: str | None


def claim(session: Session, delivery_id: int, sender: Sender,
          now: datetime) -> tuple[WebhookDelivery, Claim | None] | None:
    """Take one due delivery for an attempt (None when it is not due or another scheduler has it locked): the
    delivery, and what to send, or None when it is held (suspended module) or cancelled instead. Taking it
    moves its next attempt past the claim time and adds a token; the caller commits before sending, so the
    token works while the module handles the event."""
    delivery = session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now).with_for_update(skip_locked=True))
    if delivery is None:
        return None
    # both exist while the delivery does (its foreign keys cascade on delete)
    module = session.get_one(Module, delivery.module_id)
    installation = session.get_one(Installation, delivery.installation_id)
    if module.status != "published":
        return _hold(delivery, now), None
    if delivery.event_type == "installation.created" and installation.status != "active":
        _finish(delivery, "failed", None, "cancelled: the installation was removed", now)
        return delivery, None
    token = add_token(session, installation) if delivery.event_type == "installation.created" else None
    delivery.next_attempt_at = now + CLAIM
    body = _body(delivery, token, sender)
    headers = {SIGNATURE_HEADER: signature_header(module_secret(sender.platform_key, module), body,
                                                  int(now.timestamp())),
               "DF-Event-Id": delivery.event_id, "DF-Event-Type": delivery.event_type}
    # a published module (checked above) has its live manifest, which names the webhook URL
    url = cast(dict, module.live_manifest)["webhook_url"]
    return delivery, Claim(delivery.id, installation.id, url, body, headers, token)


def send(taken: Claim, sender: Sender) -> outbound.PostResult:
    """POST a claimed delivery (outside any transaction: the module may call back meanwhile)."""
    return outbound.post_json(taken.url, taken.body, taken.headers, sender.allow_private)


def record(session: Session, taken: Claim, result: outbound.PostResult, now: datetime) -> WebhookDelivery:
    """Note how a claimed attempt went: delivered, retried later with backoff, or failed for good; a token
    confirmed received makes the earlier attempts' tokens stop working."""
    delivery = session.get_one(WebhookDelivery, taken.delivery_id)
    _record(delivery, result, now)
    if taken.token is not None and result.ok:
        keep_only(session, session.get_one(Installation, taken.installation_id), taken.token)
    return delivery


def _hold(delivery: WebhookDelivery, now: datetime) -> WebhookDelivery:
    # a suspended module's events wait (not an attempt, not a token) and keep a full window for after
    delivery.next_attempt_at, delivery.last_error = now + HOLD_RETRY, "held: the module is suspended"
    delivery.give_up_at = max(delivery.give_up_at, now + RETRY_WINDOW)
    return delivery


def _body(delivery: WebhookDelivery, token: str | None, sender: Sender) -> bytes:
    payload = delivery.payload
    if token is not None:
        # each attempt carries a fresh token (valid beside the earlier ones until one is confirmed received)
        payload = {**payload, "data": {**payload["data"], "installation_token": token, "api_base": sender.api_base}}
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


def _record(delivery: WebhookDelivery, result: outbound.PostResult, now: datetime) -> None:
    delivery.attempts += 1
    if result.ok:
        _finish(delivery, "delivered", result.status_code, "", now)
        delivery.delivered_at = now
        return
    delay = timedelta(seconds=min(FIRST_RETRY_S * 2 ** (delivery.attempts - 1), MAX_RETRY_S))
    if now + delay > delivery.give_up_at:
        _finish(delivery, "failed", result.status_code, result.error, now)
        return
    delivery.last_attempt_at, delivery.next_attempt_at = now, now + delay
    delivery.last_status_code, delivery.last_error = result.status_code, result.error[:300]


def _finish(delivery: WebhookDelivery, status: str, code: int | None, error: str, now: datetime) -> None:
    delivery.status, delivery.next_attempt_at, delivery.last_attempt_at = status, None, now
    delivery.last_status_code, delivery.last_error = code, error[:300]


def redeliver(session: Session, module: Module, delivery_id: int, now: datetime | None = None) -> WebhookDelivery:
    """Queue a module's delivery again at once, with the same event id and a new 24-hour window."""
    delivery = session.scalar(select(WebhookDelivery).where(WebhookDelivery.id == delivery_id,
                                                            WebhookDelivery.module_id == module.id))
    if delivery is None:
        raise NotFound()
    if delivery.status == "pending" and delivery.attempts == 0:
        raise Conflict(N_("This event is already queued."))
    now = now or utcnow()
    delivery.status, delivery.next_attempt_at, delivery.give_up_at = "pending", now, now + RETRY_WINDOW
    return delivery


@dataclass(frozen=True)
class DeliveryPage:
    """A page of a module's delivery log."""

    deliveries: list[WebhookDelivery]
    page: int
    pages: int
    total: int


def delivery_log(session: Session, module: Module, page: int = 1, status: str | None = None) -> DeliveryPage:
    """A module's deliveries, newest first, optionally of one status."""
    where = [WebhookDelivery.module_id == module.id]
    if status in ("pending", "delivered", "failed"):
        where.append(WebhookDelivery.status == status)
    total = session.scalar(select(func.count(WebhookDelivery.id)).where(*where)) or 0
    pages = max((total + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(max(page, 1), pages)
    rows = session.scalars(select(WebhookDelivery).where(*where).order_by(
        WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE))
    return DeliveryPage(list(rows), page, pages, total)
