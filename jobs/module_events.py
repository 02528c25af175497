"""The marketplace jobs: queue device events for modules, and deliver due webhooks."""
from __future__ import annotations

from jobs.environment import once, process_settings
from marketplace import device_events, webhooks
from services import webhook_delivery
from tenants.clock import utcnow
from tenants.db import Database
from tenants.unit_of_work import for_each_tenant


@once
def process_sender() -> webhooks.Sender:
    """This process's webhook signing and addressing, as the web app has them."""
    settings = process_settings()
    return webhooks.Sender(settings.secret_key, settings.base_url + "/api/partner/v1", settings.allow_private_webhooks)


def emit_module_events(db: Database) -> int:
    """Queue due device events (state changes, offline, daily summaries) in every tenant with modules."""
    with db.session() as session:
        tenant_ids = device_events.tenants_with_installations(session)
    return for_each_tenant(db, lambda unit: unit.attempt(lambda session: device_events.emit_device_events(
        session, utcnow())), what="emit_module_events", only=tenant_ids).count


def deliver_webhooks(db: Database, sender: webhooks.Sender | None = None, rounds: int = 20) -> int:
    """Attempt every due delivery, each in its own transaction; returns how many attempts were made."""
    return webhook_delivery.deliver_due(db, sender or process_sender(), rounds)
