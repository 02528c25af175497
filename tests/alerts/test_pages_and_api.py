"""The notification centre: the bell, the /alerts page, acknowledging by page (CSRF) and API, bad input."""
from datetime import timedelta

import pytest

from tests.alerts.conftest import BASE, alert_rows, evaluate, make_plant, store
from tests.conftest import Account, csrf_token, login, post_form


@pytest.fixture
def alerting(db, plant):
    """The lathe went offline and its alert is open."""
    last = store(db, plant, "lathe", BASE, [500] * 5)
    evaluate(db, last + timedelta(minutes=20))
    return plant


@pytest.fixture
def owner_session(client, alerting):
    assert login(client, alerting.owner_email).status_code == 302
    return client


def _alert_id(db, plant) -> int:
    return alert_rows(db, plant)[0].alert.id


def test_the_bell_counts_open_unacknowledged_alerts(db, owner_session, alerting):
    page = owner_session.get("/").get_data(as_text=True)
    assert 'class="bell ringing"' in page and '<span class="bell-count">1</span>' in page
    assert post_form(owner_session, f"/alerts/{_alert_id(db, alerting)}/acknowledge").status_code == 302
    page = owner_session.get("/").get_data(as_text=True)
    assert 'class="bell"' in page and "bell-count" not in page


def test_the_page_lists_open_and_resolved_alerts(db, owner_session, alerting):
    page = owner_session.get("/alerts").get_data(as_text=True)
    assert "lathe is offline: no reading for 20 minutes." in page and "Acknowledge" in page
    back = store(db, alerting, "lathe", BASE + timedelta(hours=1), [500])
    evaluate(db, back + timedelta(seconds=5))
    page = owner_session.get("/alerts").get_data(as_text=True)
    resolved = page[page.index("Resolved in the last seven days"):]
    assert "No open alerts" in page and "lathe is offline: no reading for 20 minutes." in resolved


def test_acknowledge_on_the_page_needs_the_csrf_token(db, owner_session, alerting):
    alert_id = _alert_id(db, alerting)
    assert owner_session.post(f"/alerts/{alert_id}/acknowledge").status_code == 400
    assert alert_rows(db, alerting)[0].alert.acknowledged_at is None
    response = post_form(owner_session, f"/alerts/{alert_id}/acknowledge", follow_redirects=True)
    assert response.status_code == 200 and "The alert was acknowledged." in response.get_data(as_text=True)
    alert = alert_rows(db, alerting)[0].alert
    assert alert.acknowledged_at is not None and alert.acknowledged_by_id == alerting.owner_id


def test_members_may_acknowledge(db, alerting, make_member, client_as):
    owner = Account(alerting.tenant_id, "", alerting.owner_id, alerting.owner_email)
    member = make_member(owner, "m@alerts.test")
    member_client = client_as(member.email)
    assert post_form(member_client, f"/alerts/{_alert_id(db, alerting)}/acknowledge").status_code == 302
    assert alert_rows(db, alerting)[0].alert.acknowledged_by_id == member.user_id
    assert "Idle waste alert" not in member_client.get("/alerts").get_data(as_text=True), "settings: owners, admins"
    assert post_form(member_client, "/alerts/settings", {"limit": "1", "unit": "kwh"}).status_code == 403


def test_acknowledging_a_missing_alert_is_404(owner_session):
    assert post_form(owner_session, "/alerts/999999/acknowledge").status_code == 404


def test_api_lists_open_or_all_alerts(db, client, alerting):
    body = client.get("/api/v1/alerts", headers=alerting.api).get_json()
    [alert] = body["alerts"]
    assert body["status"] == "open"
    assert (alert["device"]["name"], alert["kind"], alert["status"]) == ("lathe", "offline", "open")
    assert alert["details"]["silent_s"] == 1200 and alert["closed_at"] is None
    back = store(db, alerting, "lathe", BASE + timedelta(hours=1), [500])
    evaluate(db, back + timedelta(seconds=5))
    assert client.get("/api/v1/alerts?status=open", headers=alerting.api).get_json()["alerts"] == []
    [closed] = client.get("/api/v1/alerts?status=all", headers=alerting.api).get_json()["alerts"]
    assert closed["status"] == "closed" and closed["closed_at"].endswith("Z")


@pytest.mark.parametrize("status", ["closed", "OPEN", ""])
def test_api_bad_status_is_400(client, alerting, status):
    response = client.get(f"/api/v1/alerts?status={status}", headers=alerting.api)
    assert response.status_code == 400 and "status" in response.get_json()["error"]


def test_api_acknowledge_with_a_key_and_with_a_session(db, client, owner_session, alerting):
    alert_id = _alert_id(db, alerting)
    response = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=alerting.api)
    assert response.status_code == 200
    first = response.get_json()["acknowledged_at"]
    assert first and response.get_json()["acknowledged_by"] is None, "an API key is no person"
    again = client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=alerting.api).get_json()
    assert again["acknowledged_at"] == first, "acknowledging twice keeps the first"

    assert owner_session.post(f"/api/v1/alerts/{alert_id}/acknowledge").status_code == 400, "session: CSRF header"
    response = owner_session.post(f"/api/v1/alerts/{alert_id}/acknowledge",
                                  headers={"X-CSRFToken": csrf_token(owner_session)})
    assert response.status_code == 200


def test_api_acknowledge_missing_alert_is_404(client, alerting):
    response = client.post("/api/v1/alerts/424242/acknowledge", headers=alerting.api)
    assert response.status_code == 404 and response.get_json()["error"]


def test_another_tenant_gets_404_and_sees_nothing(db, client, make_account, alerting):
    other = make_plant(db, make_account, "Other Works", "owner@other.test")
    alert_id = _alert_id(db, alerting)
    assert client.get("/api/v1/alerts?status=all", headers=other.api).get_json()["alerts"] == []
    assert client.post(f"/api/v1/alerts/{alert_id}/acknowledge", headers=other.api).status_code == 404
    assert login(client, other.owner_email).status_code == 302
    assert post_form(client, f"/alerts/{alert_id}/acknowledge").status_code == 404
    assert "bell-count" not in client.get("/").get_data(as_text=True)
    assert alert_rows(db, alerting)[0].alert.acknowledged_at is None


def test_idle_limit_setting_through_page_and_api(db, client, owner_session, alerting):
    response = post_form(owner_session, "/alerts/settings", {"limit": "2,5", "unit": "kwh"}, follow_redirects=True)
    assert response.status_code == 200 and 'value="2.5"' in response.get_data(as_text=True)
    saved = client.get("/api/v1/alert-settings", headers=alerting.api).get_json()
    assert saved == {"idle_limit": 2.5, "idle_unit": "kwh"}
    assert post_form(owner_session, "/alerts/settings", {"limit": "lots", "unit": "kwh"}).status_code == 422
    response = client.put("/api/v1/alert-settings", json={"idle_limit": 3, "idle_unit": "money"}, headers=alerting.api)
    assert response.get_json() == {"idle_limit": 3.0, "idle_unit": "money"}
    for bad in ({"idle_limit": -1}, {"idle_limit": 1, "idle_unit": "litres"}, {"idle_limit": True}):
        assert client.put("/api/v1/alert-settings", json=bad, headers=alerting.api).status_code == 400
    off = client.put("/api/v1/alert-settings", json={"idle_limit": None}, headers=alerting.api).get_json()
    assert off["idle_limit"] is None


def test_alert_mails_opt_in_on_the_account_page(db, client, make_account, owner_session, alerting):
    from sqlalchemy import select

    from tenants.models import Membership

    second = make_account("Second Works", alerting.owner_email)  # the same owner in another company
    page = owner_session.get("/account").get_data(as_text=True)
    assert f'name="alert_mails" value="{alerting.tenant_id}"' in page and "Second Works" in page
    no_csrf = owner_session.post("/account/alert-mails", data={"alert_mails": [str(alerting.tenant_id)]})
    assert no_csrf.status_code == 400
    response = post_form(owner_session, "/account/alert-mails", {"alert_mails": [str(alerting.tenant_id)]})
    assert response.status_code == 302
    with db.session() as session:
        chosen = dict(session.execute(select(Membership.tenant_id, Membership.alert_mails)
                                      .where(Membership.user_id == alerting.owner_id)).all())
    assert chosen == {alerting.tenant_id: True, second.tenant_id: False}
    page = owner_session.get("/account").get_data(as_text=True)
    assert f'value="{alerting.tenant_id}" checked' in page
