"""Settings → Tariff and Settings → Shifts: owners and admins edit, members read, bad input changes nothing."""
from __future__ import annotations

import pytest

from telemetry import plant
from tenants.scoping import tenant_context
from tests.conftest import post_form

NIGHT = {"price_per_kwh": "0,30", "band-0-price": "0.15", "band-0-start": "22", "band-0-end": "6"}
TWO_SHIFTS = {"shift-0-day": "weekdays", "shift-0-start": "06:00", "shift-0-end": "14:00",
              "shift-1-day": "4", "shift-1-start": "22:00", "shift-1-end": "06:00"}


def _tariff(db, tenant_id: int):
    with db.session() as session, tenant_context(tenant_id):
        return plant.tariff_json(plant.get_tariff(session))


def _shifts(db, tenant_id: int) -> list[tuple]:
    with db.session() as session, tenant_context(tenant_id):
        return sorted((s.weekday, s.start, s.end) for s in plant.get_shifts(session).shifts)


def test_owner_saves_a_tariff_with_bands_and_sees_it_again(owner_client, owner, db):
    form = {**NIGHT, "band-1-price": "0.40", "band-1-start": "8", "band-1-end": "12",
            "band-1-days": ["0", "1", "2", "3", "4"], "band-2-price": "", "band-2-start": "22", "band-2-end": "6"}
    response = post_form(owner_client, "/settings/tariff", form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/settings/tariff")
    assert _tariff(db, owner.tenant_id) == {"price_per_kwh": 0.3, "bands": [
        {"weekdays": None, "start_hour": 22, "end_hour": 6, "price": 0.15},
        {"weekdays": [0, 1, 2, 3, 4], "start_hour": 8, "end_hour": 12, "price": 0.4}]}
    page = owner_client.get("/settings/tariff").get_data(as_text=True)
    assert 'name="price_per_kwh" value="0.3"' in page
    assert 'name="band-1-price" value="0.4"' in page and 'name="band-1-days" value="0" checked' in page
    assert 'name="band-4-price" value=""' in page, "empty rows to add more bands"


def test_a_band_is_removed_with_its_checkbox(owner_client, owner, db):
    post_form(owner_client, "/settings/tariff", NIGHT)
    response = post_form(owner_client, "/settings/tariff", {**NIGHT, "band-0-remove": "y"})
    assert response.status_code == 302
    assert _tariff(db, owner.tenant_id) == {"price_per_kwh": 0.3, "bands": []}


@pytest.mark.parametrize(("form", "message"), [
    ({"price_per_kwh": "cheap"}, "is not a price"),
    ({"price_per_kwh": ""}, "is not a price"),
    ({"price_per_kwh": "nan"}, "is not a price"),
    ({"price_per_kwh": "5000"}, "from 0 to 1000"),
    ({**NIGHT, "band-0-price": "-1"}, "from 0 to 1000"),
    ({**NIGHT, "band-0-end": "25"}, "hours of each band"),
    ({**NIGHT, "band-0-start": "x"}, "hours of each band"),
])
def test_bad_tariff_input_is_refused_and_changes_nothing(owner_client, owner, db, form, message):
    post_form(owner_client, "/settings/tariff", {"price_per_kwh": "0.25"})
    response = post_form(owner_client, "/settings/tariff", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _tariff(db, owner.tenant_id) == {"price_per_kwh": 0.25, "bands": []}


def test_owner_saves_shifts_and_day_groups_come_back_as_one_row(owner_client, owner, db):
    response = post_form(owner_client, "/settings/shifts", TWO_SHIFTS)
    assert response.status_code == 302
    assert _shifts(db, owner.tenant_id) == sorted(
        [(d, "06:00", "14:00") for d in range(5)] + [(4, "22:00", "06:00")])
    page = owner_client.get("/settings/shifts").get_data(as_text=True)
    assert '<option value="weekdays" selected>' in page and 'name="shift-0-start" value="06:00"' in page
    assert 'name="shift-1-end" value="06:00"' in page, "a night shift crossing midnight"
    assert post_form(owner_client, "/settings/shifts", {"shift-0-day": "all", "shift-0-start": "",
                                                        "shift-0-end": ""}).status_code == 302
    assert _shifts(db, owner.tenant_id) == [], "no shifts: every hour is planned"


@pytest.mark.parametrize(("form", "message"), [
    ({"shift-0-day": "0", "shift-0-start": "06:00", "shift-0-end": ""}, "needs a start and an end"),
    ({"shift-0-day": "0", "shift-0-start": "25:00", "shift-0-end": "06:00"}, "HH:MM"),
    ({"shift-0-day": "0", "shift-0-start": "six", "shift-0-end": "06:00"}, "HH:MM"),
    ({"shift-0-day": "9", "shift-0-start": "06:00", "shift-0-end": "14:00"}, "day of each shift"),
])
def test_bad_shift_input_is_refused_and_changes_nothing(owner_client, owner, db, form, message):
    post_form(owner_client, "/settings/shifts", TWO_SHIFTS)
    before = _shifts(db, owner.tenant_id)
    response = post_form(owner_client, "/settings/shifts", form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _shifts(db, owner.tenant_id) == before


@pytest.mark.parametrize(("path", "form"), [("/settings/tariff", NIGHT), ("/settings/shifts", TWO_SHIFTS)])
def test_members_read_but_cannot_change(owner, make_member, client_as, db, path, form):
    member = make_member(owner, "member@acme.test", "member")
    client = client_as(member.email)
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ("Only owners and admins can change these." in text
            and 'method="post" novalidate class="plant-form"' not in text)
    assert post_form(client, path, form).status_code == 403
    assert _tariff(db, owner.tenant_id) == {"price_per_kwh": 0.0, "bands": []}
    assert _shifts(db, owner.tenant_id) == []


def test_admins_change_the_tariff_and_members_see_it(owner, make_member, client_as, db):
    admin = client_as(make_member(owner, "admin@acme.test", "admin").email)
    assert post_form(admin, "/settings/tariff", NIGHT).status_code == 302
    member = client_as(make_member(owner, "member@acme.test", "member").email)
    text = member.get("/settings/tariff").get_data(as_text=True)
    assert "22:00–06:00" in text and "Every day" in text


def test_every_role_sees_the_tariff_and_shifts_tabs(owner, make_member, client_as):
    member = client_as(make_member(owner, "member@acme.test", "member").email)
    page = member.get("/settings").get_data(as_text=True)
    assert 'href="/settings/tariff"' in page and 'href="/settings/shifts"' in page


def test_the_api_page_is_linked_from_the_api_keys_tab(owner_client):
    page = owner_client.get("/settings/api-keys").get_data(as_text=True)
    assert 'href="/api/docs"' in page and 'href="/api/openapi.json"' in page


def test_another_companys_settings_are_not_shown(make_account, client_as, db, owner_client, owner):
    assert post_form(owner_client, "/settings/tariff", {"price_per_kwh": "0.77", **{
        k: v for k, v in NIGHT.items() if k != "price_per_kwh"}}).status_code == 302
    other = client_as(make_account("Other Ltd", "owner@other.test").email)
    page = other.get("/settings/tariff").get_data(as_text=True)
    assert 'name="price_per_kwh" value="0"' in page and 'name="band-0-price" value=""' in page
    assert post_form(other, "/settings/tariff", {"price_per_kwh": "0.10"}).status_code == 302
    assert _tariff(db, owner.tenant_id)["price_per_kwh"] == 0.77
