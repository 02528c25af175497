"""Alert mails: one when an alert opens, one when it closes, only to members who turned them on."""
from datetime import timedelta

from sqlalchemy import select

from jobs.registry import JOBS
from jobs.scheduler import run_once
from telemetry import registry
from tenants.models import Membership
from tenants.scoping import tenant_context
from tests.alerts.conftest import BASE, evaluate, now_utc, post, store


def opt_in(db, user_id: int, tenant_id: int, on: bool = True) -> None:
    """Turn alert mails on (or off) for one membership."""
    with db.session() as session:
        membership = session.scalar(select(Membership).where(Membership.user_id == user_id,
                                                             Membership.tenant_id == tenant_id))
        membership.alert_mails = on


def _bodies(messages) -> list[str]:
    return [m.get_body(("plain",)).get_content() for m in messages]


def test_one_mail_on_open_and_one_on_close_to_opted_in_members_only(db, plant, make_member, notifier, mailbox, sql):
    from tests.conftest import Account

    owner = Account(plant.tenant_id, "", plant.owner_id, plant.owner_email)
    watcher = make_member(owner, "watcher@alerts.test")
    quiet = make_member(owner, "quiet@alerts.test")
    opt_in(db, plant.owner_id, plant.tenant_id)
    opt_in(db, watcher.user_id, plant.tenant_id)
    last = store(db, plant, "lathe", BASE, [500] * 5)

    for minutes in (20, 21, 22):  # open, then the same alert every minute: mailed once
        evaluate(db, last + timedelta(minutes=minutes), notifier)
    back = store(db, plant, "lathe", last + timedelta(minutes=30), [500])
    for seconds in (10, 70):
        evaluate(db, back + timedelta(seconds=seconds), notifier)

    for person in (plant.owner_email, watcher.email):
        opened, closed = mailbox.to(person)
        assert opened["Subject"] == "Alert at Alert Works: lathe – Offline"
        assert "lathe is offline: no reading for 20 minutes." in _bodies([opened])[0]
        assert "http://localhost/alerts" in _bodies([opened])[0]
        assert closed["Subject"] == "Resolved at Alert Works: lathe – Offline"
        assert "lathe is back online." in _bodies([closed])[0]
    assert mailbox.to(quiet.email, timeout=0.2) == []
    assert len(mailbox.messages) == 4
    assert {r.status for r in sql("SELECT status FROM mail_outbox")} == {"sent"}


def test_many_alerts_at_once_go_out_as_one_digest(db, plant, notifier, mailbox):
    opt_in(db, plant.owner_id, plant.tenant_id)
    with tenant_context(plant.tenant_id), db.session() as session:
        for i in range(3):
            device, token = registry.create_device(session, {"name": f"mill-{i}"})
            session.flush()
            plant.devices[device.name] = device.id
    last = BASE
    for name in plant.devices:
        last = store(db, plant, name, BASE, [500] * 3)

    assert evaluate(db, last + timedelta(minutes=20), notifier).mailed == 1
    [digest] = mailbox.to(plant.owner_email)
    assert digest["Subject"] == "5 alerts changed at Alert Works"
    body = _bodies([digest])[0]
    assert all(f"{name} is offline" in body for name in plant.devices)


def test_no_mail_without_opt_in_and_the_claim_is_not_replayed_later(db, plant, notifier, mailbox):
    last = store(db, plant, "lathe", BASE, [500] * 5)
    evaluate(db, last + timedelta(minutes=20), notifier)
    opt_in(db, plant.owner_id, plant.tenant_id)
    evaluate(db, last + timedelta(minutes=21), notifier)
    assert mailbox.to(plant.owner_email, timeout=0.2) == [], "the opening was handled before the opt-in"


def test_the_job_mails_through_the_configured_smtp_server(db, client, plant, mailbox, monkeypatch, tmp_path):
    for key, value in {"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "job-secret", "SMTP_HOST": "127.0.0.1",
                       "SMTP_PORT": str(mailbox.port), "SMTP_STARTTLS": "false",
                       "BASE_URL": "https://factory.example.com"}.items():
        monkeypatch.setenv(key, value)
    opt_in(db, plant.owner_id, plant.tenant_id)
    now = now_utc()
    post(client, plant, "press", [(now - timedelta(seconds=20), 2600)])

    assert run_once(db, next(j for j in JOBS if j.name == "evaluate_alerts")) == 1

    [mail] = mailbox.to(plant.owner_email)
    assert mail["Subject"] == "Alert at Alert Works: press – Power above rated"
    body = _bodies([mail])[0]
    assert "press draws 2600 W, above its rated 2000 W." in body and "https://factory.example.com/alerts" in body


def test_mail_is_rendered_in_the_members_language(db, plant, notifier, mailbox):
    with db.session() as session:
        from tenants.models import User

        session.get(User, plant.owner_id).locale = "zh_Hans"
    opt_in(db, plant.owner_id, plant.tenant_id)
    last = store(db, plant, "lathe", BASE, [500] * 5)
    evaluate(db, last + timedelta(minutes=20), notifier)
    [mail] = mailbox.to(plant.owner_email)
    assert "lathe" in mail["Subject"] and "http://localhost/alerts" in _bodies([mail])[0]
