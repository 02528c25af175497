"""Use cases of webhook delivery (platform side: deliveries of every company): one attempt, and every
due delivery. An attempt is two units of work around the POST: the claim (committed first, so the
install token it adds works while the module handles the event), then how it went."""
from __future__ import annotations

from datetime import datetime

from marketplace import webhooks
from marketplace.models import WebhookDelivery
from tenants.clock import utcnow
from tenants.db import Database


def deliver(db: Database, delivery_id: int, sender: webhooks.Sender,
            now: datetime | None = None) -> WebhookDelivery | None:
    """Attempt one due delivery once; the delivery as it then stands, or None when it was not due or another
    scheduler is attempting it."""
    now = now or utcnow()
    with db.session() as session:
        taken = webhooks.claim(session, delivery_id, sender, now)
    if taken is None:
        return None
    delivery, claim = taken
    if claim is None:  # held or cancelled: nothing to send
        return delivery
    result = webhooks.send(claim, sender)
    with db.session() as session:
        return webhooks.record(session, claim, result, now)


def deliver_due(db: Database, sender: webhooks.Sender, rounds: int = 20) -> int:
    """Attempt every delivery due by the app's clock, each in its own units of work, in up to `rounds`
    batches; returns how many attempts were made."""
    attempted = 0
    for _ in range(rounds):
        with db.session() as session:
            ids = webhooks.due_ids(session, utcnow())
        attempted += sum(deliver(db, delivery_id, sender, utcnow()) is not None for delivery_id in ids)
        if len(ids) < webhooks.BATCH:
            break
    return attempted
