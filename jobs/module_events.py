"""The marketplace jobs: queue device events for modules, and deliver due webhooks."""
from __future__ import annotations

from jobs.environment import settings_from_env
from marketplace import device_events, webhooks
from tenants.clock import utcnow
from tenants.db import Database
from tenants.scoping import tenant_context


def sender_from_env() -> webhooks.Sender:
    """Webhook signing and addressing from the environment, as the web app reads it."""
    settings = settings_from_env()
    return webhooks.Sender(settings.secret_key, settings.base_url + "/api/partner/v1", settings.allow_private_webhooks)


def emit_module_events(db: Database) -> int:
    """Queue due device events (state changes, offline, daily summaries) in every tenant with modules."""
    with db.session() as session:
        tenant_ids = device_events.tenants_with_installations(session)
    queued = 0
    for tenant_id in tenant_ids:
        with tenant_context(tenant_id), db.session() as session:
            queued += device_events.emit_device_events(session, utcnow())
    return queued


def deliver_webhooks(db: Database, sender: webhooks.Sender | None = None, rounds: int = 20) -> int:
    """Attempt every due delivery, each in its own transaction; returns how many attempts were made."""
    sender = sender or sender_from_env()
    attempted = 0
    for _ in range(rounds):
        with db.session() as session:
            ids = webhooks.due_ids(session, utcnow())
        for delivery_id in ids:
            with db.session() as session:
                attempted += webhooks.attempt(session, delivery_id, sender) is not None
        if len(ids) < webhooks.BATCH:
            break
    return attempted
