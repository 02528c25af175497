"""Bad report requests answer 4xx with a clear message before any work; companies only see their own machines."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.reports.conftest import make_plant, post_power

BAD_QUERIES = [
    ("from=yesterday", "is not a date"),
    ("from=2026-13-01&to=2026-13-02", "is not a date"),
    ("from=2026-05-04T08:00&to=2026-05-05", "is not a date"),
    ("from=9999-12-31&to=9999-12-31", "outside the years"),
    ("from=2026-05-10&to=2026-05-01", "is after the end date"),
    ("from=2020-01-01&to=2024-12-31&breakdown=day", "too long"),
    ("from=2020-01-01&to=2024-12-31", "too long"),
    ("from=2026-01-01&to=2026-02-01&breakdown=hour", "Break the report down"),
    ("pick=tomorrow", "quick periods"),
]


@pytest.fixture
def busy(db, make_account, client):
    """A company with readings that are stored but not yet rolled up."""
    plant = make_plant(db, make_account, "Busy Works", "owner@busy.test", "Europe/Berlin")
    day = plant.day(2)
    post_power(client, plant.tokens["Drehbank Süd"], plant.at(day, 6), plant.at(day, 8), 1500)
    return plant


def _counts(sql, tenant_id: int) -> tuple:
    return tuple(sql(f"SELECT count(*) FROM {table} WHERE tenant_id = :t", t=tenant_id)[0][0]
                 for table in ("rollups", "rollup_dirty"))


@pytest.mark.parametrize("path", ["/reports", "/reports/export", "/reports/print"])
@pytest.mark.parametrize(("query", "message"), BAD_QUERIES)
def test_bad_input_is_a_400_with_the_reason_and_stores_nothing(client, owner_of, busy, sql, path, query, message):
    owner_of(busy)
    before = _counts(sql, busy.account.tenant_id)
    assert before[1] > 0, "the readings wait to be rolled up"
    response = client.get(f"{path}?{query}")
    assert response.status_code == 400, (path, query, response.status_code)
    assert message in response.get_data(as_text=True)
    assert _counts(sql, busy.account.tenant_id) == before, "a refused report must not settle or store anything"


def test_the_report_page_keeps_the_form_after_an_error(client, owner_of, busy):
    owner_of(busy)
    page = client.get("/reports?from=2026-05-10&to=2026-05-01").get_data(as_text=True)
    assert 'value="2026-05-10"' in page and 'value="2026-05-01"' in page and 'role="alert"' in page


def test_a_period_starting_in_the_future_is_refused_and_one_ending_there_ends_today(client, owner_of, busy):
    owner_of(busy)
    today = datetime.now(busy.zone).date()
    assert client.get(f"/reports?from={today + timedelta(days=1)}").status_code == 400
    page = client.get(f"/reports/export?from={today - timedelta(days=1)}&to={today + timedelta(days=30)}")
    assert page.status_code == 200
    assert f",{today - timedelta(days=1)},{today}," in page.get_data(as_text=True)


def test_unknown_export_format_is_a_400(client, owner_of, busy):
    owner_of(busy)
    response = client.get("/reports/export?format=xlsx&pick=yesterday")
    assert response.status_code == 400 and "csv or excel" in response.get_data(as_text=True)


def test_a_good_report_settles_the_waiting_readings(client, owner_of, busy, sql):
    owner_of(busy)
    assert client.get(f"/reports?from={busy.day(2)}&to={busy.day(2)}").status_code == 200
    rollups, _dirty = _counts(sql, busy.account.tenant_id)
    assert rollups > 0


@pytest.mark.parametrize("path", ["/reports", "/reports/export", "/reports/print", "/settings/tariff",
                                  "/settings/shifts"])
def test_anonymous_visitors_are_sent_to_log_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_another_company_sees_only_its_own_machines(client, db, make_account, owner_of, busy):
    other = make_plant(db, make_account, "Other Ltd", "owner@other.test", "Europe/Berlin", machines=("Fräse X",))
    owner_of(other)
    day = busy.day(2)
    for path in (f"/reports?from={day}&to={day}", f"/reports/print?from={day}&to={day}",
                 f"/reports/export?from={day}&to={day}", f"/reports/export?format=excel&from={day}&to={day}"):
        body = client.get(path).get_data().decode("utf-8-sig")
        assert "Fräse X" in body and "Drehbank Süd" not in body and "Busy Works" not in body, path
