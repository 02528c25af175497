"""CSV exports (plain and Excel-friendly) and the printable view."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from telemetry import registry
from telemetry.report_export import COLUMNS, DECIMAL_COMMA, PLAIN, excel_style
from tenants.scoping import tenant_context
from tests.reports.conftest import make_plant, post_power, read_csv


@pytest.fixture
def berlin(db, make_account, client):
    """A German company (decimal comma) with a day of readings on both machines."""
    plant = make_plant(db, make_account, "Präzision Müller GmbH", "owner@mueller.de", "Europe/Berlin")
    day = plant.day(2)
    post_power(client, plant.tokens["Drehbank Süd"], plant.at(day, 6), plant.at(day, 14), 1800)
    post_power(client, plant.tokens["车床 1"], plant.at(day, 8), plant.at(day, 9), 450)
    assert client.put("/api/v1/tariff", headers=plant.api_headers, json={"price_per_kwh": 0.2875}).status_code == 200
    return plant


def test_plain_csv_has_stable_columns_a_bom_and_round_trips_non_ascii_names(client, owner_of, berlin):
    day = berlin.day(2)
    owner_of(berlin)
    response = client.get(f"/reports/export?format=csv&from={day}&to={day}")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(rf'attachment; filename="report-[a-z0-9-]+-{day}-{day}\.csv"',
                        response.headers["Content-Disposition"])
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    assert body.decode("utf-8-sig").split("\r\n")[0] == ",".join(COLUMNS)
    rows = read_csv(response)
    assert [row["machine"] for row in rows] == ["Drehbank Süd", "车床 1", "All machines"]
    lathe = rows[0]
    assert lathe["device_id"] == str(berlin.devices["Drehbank Süd"])
    assert lathe["energy_kwh"] == "14.550"  # 1.8 kW for 8 h + the last reading's 5 minutes
    assert lathe["cost"] == "4.18"  # 14.55 kWh at 0.2875 = 4.183125, rounded half up to cents
    assert lathe["currency"] == "EUR"
    assert re.fullmatch(r"\d+\.\d{2}", lathe["running_h"]) and re.fullmatch(r"\d+\.\d", lathe["availability_pct"])


def test_excel_csv_uses_semicolons_and_decimal_commas_for_a_german_company(client, owner_of, berlin):
    day = berlin.day(2)
    owner_of(berlin)
    response = client.get(f"/reports/export?format=excel&from={day}&to={day}")
    assert response.status_code == 200 and response.headers["Content-Disposition"].endswith('-excel.csv"')
    text = response.get_data().decode("utf-8-sig")
    assert text.split("\r\n")[0].startswith("Machine ID;Machine;Site;Line;From;To;Energy (kWh);Cost;")
    rows = read_csv(response, delimiter=";")
    lathe = next(row for row in rows if row["Machine"] == "Drehbank Süd")
    assert lathe["Energy (kWh)"] == "14,550" and lathe["Cost"] == "4,18"
    assert next(row for row in rows if row["Machine"] == "车床 1")["Machine ID"] == str(berlin.devices["车床 1"])


@pytest.mark.parametrize(("country", "style"), [("DE", DECIMAL_COMMA), ("FR", DECIMAL_COMMA), ("CN", PLAIN),
                                                 ("US", PLAIN), ("GB", PLAIN), ("CH", PLAIN), ("ZZ", PLAIN)])
def test_excel_style_follows_the_countrys_decimal_mark(country, style):
    assert excel_style(country) == style


def test_text_cells_never_start_a_formula(client, db, owner_of, berlin):
    with db.session() as session, tenant_context(berlin.account.tenant_id):
        registry.create_device(session, {"name": "=HYPERLINK(\"http://evil.test\")", "site": "+49 hall"})
        session.flush()
    owner_of(berlin)
    rows = read_csv(client.get(f"/reports/export?from={berlin.day(2)}&to={berlin.day(2)}"))
    evil = next(row for row in rows if "HYPERLINK" in row["machine"])
    assert evil["machine"].startswith("'=") and evil["site"] == "'+49 hall"


def test_printable_view_shows_company_period_and_generated_time_without_navigation(client, owner_of, berlin):
    day = berlin.day(2)
    owner_of(berlin)
    response = client.get(f"/reports/print?from={day - timedelta(days=1)}&to={day}&breakdown=day")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Präzision Müller GmbH" in page and "Energy and uptime report" in page
    assert "mainnav" not in page and "<form" not in page
    assert re.search(r"<script(?![^>]*\bsrc=)", page) is None, "CSP forbids inline scripts"
    assert "reports.css" in page and "Europe/Berlin" in page
    generated = re.search(r"<dt>Generated</dt><dd>([^<]+)</dd>", page).group(1).replace("\u202f", " ")
    shown = datetime.strptime(generated, "%b %d, %Y, %I:%M:%S %p").replace(tzinfo=berlin.zone)
    assert abs((shown - datetime.now(berlin.zone)).total_seconds()) < 120, "generated-at is in the company's zone"
    assert page.count('class="report-table"') == 4  # machines, all machines per day, one per machine


def test_printable_view_of_a_company_in_another_zone(db, make_account, client, owner_of):
    plant = make_plant(db, make_account, "Kiritimati Tools", "owner@kiritimati.test", "Pacific/Kiritimati")
    owner_of(plant)
    page = client.get("/reports/print?pick=yesterday").get_data(as_text=True)
    generated = re.search(r"<dt>Generated</dt><dd>([^<]+)</dd>", page).group(1).replace("\u202f", " ")
    shown = datetime.strptime(generated, "%b %d, %Y, %I:%M:%S %p").replace(tzinfo=plant.zone)
    assert abs((shown - datetime.now(plant.zone)).total_seconds()) < 120
    from babel.dates import format_date

    assert format_date(plant.day(1), "full", locale="en") in page  # yesterday in the company's zone
