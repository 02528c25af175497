"""Alert mails: one when an alert opens and one when it closes, to the members who turned alert mails on
for the company; a digest instead when many alerts change at once.

Each opening and closing is claimed once (an UPDATE that only one evaluation can win) before it is
mailed, so a mail is never repeated, even with two schedulers. The mails are rendered by
tenants.mail.render_mail (no Flask, no request).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telemetry.alerts import LABELS, Alert, AlertView, message_of, views_by_id
from tenants.mail import Mailer, Recipient, recipients, render_mail
from tenants.models import Membership, Tenant
from tenants.unit_of_work import TenantUnit

DIGEST_FROM = 4  # this many openings and closings in one run go out as one digest mail


@dataclass(frozen=True)
class MailEvent:
    """An alert that opened, or closed, since the last mails."""

    view: AlertView
    closed: bool


def set_alert_mails(session: Session, user_id: int, tenant_ids) -> list[Membership]:
    """Turn alert mails on for the user's memberships in these tenants and off for the others."""
    wanted = {int(t) for t in tenant_ids}
    memberships = list(session.scalars(select(Membership).where(Membership.user_id == user_id)).unique())
    for membership in memberships:
        membership.alert_mails = membership.tenant_id in wanted
    return memberships


def claim_events(session: Session, now: datetime) -> list[MailEvent]:
    """The current tenant's openings and closings not mailed yet, marked as mailed (only one caller wins each)."""
    def claim(statement) -> list[int]:
        """Ids of the rows this caller's UPDATE changed."""
        return list(session.scalars(statement.returning(Alert.id).execution_options(synchronize_session=False)))

    opened = claim(update(Alert).where(Alert.open_mailed_at.is_(None)).values(open_mailed_at=now))
    closed = claim(update(Alert).where(Alert.closed_at.is_not(None), Alert.close_mailed_at.is_(None))
                   .values(close_mailed_at=now))
    views = {view.alert.id: view for view in views_by_id(session, set(opened) | set(closed))}
    return ([MailEvent(views[i], False) for i in sorted(opened) if i in views]
            + [MailEvent(views[i], True) for i in sorted(closed) if i in views])


def event_context(event: MailEvent, zone: ZoneInfo, locale: str) -> dict:
    """What the templates show of one event."""
    alert = event.view.alert
    message, params = message_of(event.view, event.closed)
    when = alert.closed_at if event.closed else alert.opened_at
    return {"closed": event.closed, "device": event.view.device_name, "label": LABELS[alert.kind],
            "message": message, "params": params, "time": format_datetime(when, "medium", tzinfo=zone, locale=locale)}


class AlertNotifier:
    """Mails a tenant's alert openings and closings through a Mailer, with links on base_url."""

    def __init__(self, mailer: Mailer, base_url: str) -> None:
        self.mailer = mailer
        self.base_url = base_url.rstrip("/")

    def notify(self, unit: TenantUnit, now: datetime) -> int:
        """Claim what is due in the tenant and mail it to the opted-in members; returns mails sent."""
        with unit.session() as session:
            events = claim_events(session, now)
            if not events:
                return 0
            tenant = session.get_one(Tenant, unit.tenant_id)
            people = recipients(session, unit.tenant_id, Membership.alert_mails.is_(True))
        mails = [self._compose(person, tenant, events) for person in people]
        with unit.session() as session:
            for person, mail in zip(people, mails):
                for subject, body in mail:
                    self.mailer.send(session, person.email, subject, body)
        return sum(len(mail) for mail in mails)

    def _compose(self, person: Recipient, tenant: Tenant, events: list[MailEvent]) -> list[tuple[str, str]]:
        zone = ZoneInfo(tenant.timezone)
        shown = [event_context(event, zone, person.locale) for event in events]
        common = {"company": tenant.name, "link": f"{self.base_url}/alerts"}
        if len(shown) >= DIGEST_FROM:
            return [render_mail("alert_digest", person.locale, events=shown, **common)]
        return [render_mail("alert", person.locale, event=event, **common) for event in shown]
