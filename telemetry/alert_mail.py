"""Alert mails: one when an alert opens and one when it closes, to the members who turned alert mails on
for the company; a digest instead when many alerts change at once.

Each opening and closing is claimed once (an UPDATE that only one evaluation can win) before it is
mailed, so a mail is never repeated, even with two schedulers. Templates are rendered with a plain
Jinja2 environment and the Babel catalogues (no Flask, no request).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telemetry.alerts import LABELS, Alert, AlertView, message_of, views_by_id
from tenants.languages import language_of
from tenants.mail import Mailer
from tenants.models import Membership, Tenant, User
from tenants.unit_of_work import TenantUnit

ROOT = Path(__file__).resolve().parents[1]
DIGEST_FROM = 4  # this many openings and closings in one run go out as one digest mail


@dataclass(frozen=True)
class Recipient:
    """Someone to mail, in their language."""

    email: str
    locale: str


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


def recipients(session: Session, tenant_id: int) -> list[Recipient]:
    """Verified members of the tenant who turned alert mails on."""
    rows = session.execute(select(User.email, User.locale).join(Membership, Membership.user_id == User.id).where(
        Membership.tenant_id == tenant_id, Membership.alert_mails.is_(True), User.verified_at.is_not(None))
        .order_by(User.email))
    return [Recipient(email, language_of(locale)) for email, locale in rows]


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


@cache
def _environment(locale: str) -> Environment:
    environment = Environment(loader=FileSystemLoader(str(ROOT / "templates" / "mail")), autoescape=False,
                              extensions=["jinja2.ext.i18n"], undefined=StrictUndefined)
    translations = Translations.load(str(ROOT / "translations"), [locale], "messages")
    # the i18n extension adds this method at run time; jinja2's Environment type does not declare it
    environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    return environment


def render(template: str, locale: str, **context) -> tuple[str, str]:
    """Render templates/mail/<template>.txt in a language: (subject = first line, body)."""
    text = _environment(locale).get_template(f"{template}.txt").render(**context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


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
            people = recipients(session, unit.tenant_id)
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
            return [render("alert_digest", person.locale, events=shown, **common)]
        return [render("alert", person.locale, event=event, **common) for event in shown]
