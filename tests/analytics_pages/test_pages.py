"""The dashboard overview shell and the machine page: who sees what, and nothing of another company."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from telemetry import registry
from tenants.scoping import tenant_context
from tests.analytics_pages.conftest import machine_history, minute_floor, post_readings


def test_dashboard_shows_the_overview_once_there_are_machines(client_as, plant):
    page = client_as(plant.owner_email).get("/").get_data(as_text=True)
    assert 'id="overview"' in page and "No machines yet" not in page
    assert "/static/overview.js" in page and "/static/analytics.css" in page
    assert 'data-api="/api/v1/overview"' in page
    assert re.search(r"<script>(?!</script>)", page) is None, "no inline scripts under the CSP"
    assert ' style="' not in page, "no inline style attributes under the CSP"


def test_dashboard_keeps_the_empty_state_without_machines(owner_client):
    page = owner_client.get("/").get_data(as_text=True)
    assert "No machines yet" in page and 'id="overview"' not in page and "overview.js" not in page


def test_pending_devices_alone_keep_the_empty_state(db, owner, owner_client):
    with db.session() as session, tenant_context(owner.tenant_id):
        registry.create_device(session, {"name": "unaccepted"}, status="pending")
        session.flush()
    assert "No machines yet" in owner_client.get("/").get_data(as_text=True)


def test_machine_page_for_owner_and_member(client_as, plant):
    lathe = plant.devices["Lathe 1"]
    owner_page = client_as(plant.owner_email).get(f"/machines/{lathe}")
    assert owner_page.status_code == 200
    html = owner_page.get_data(as_text=True)
    assert "<h1>Lathe 1</h1>" in html and 'data-can-edit="true"' in html
    assert f'data-advice-url="/api/v1/devices/{lathe}/advice"' in html
    assert f'href="/devices/{lathe}"' in html, "settings live on the device registry page"
    assert "/static/vendor/uplot/uPlot.iife.min.js" in html and "/static/machine.js" in html
    assert ' style="' not in html and re.search(r"<script>(?!</script>)", html) is None
    member_page = client_as(plant.member_email).get(f"/machines/{lathe}")
    assert member_page.status_code == 200 and 'data-can-edit="false"' in member_page.get_data(as_text=True)


def test_machine_page_shows_the_live_state(client, client_as, plant):
    lathe = plant.devices["Lathe 1"]
    end = minute_floor(datetime.now(UTC))
    post_readings(client, plant.tokens["Lathe 1"], machine_history([(50.0, 2.0)], end - timedelta(minutes=30), end))
    page = client_as(plant.owner_email).get(f"/machines/{lathe}").get_data(as_text=True)
    assert 'class="pill state-idle" data-state="idle"' in page


def test_machine_page_of_another_company_or_unknown_id_is_404(client_as, make_account, plant):
    stranger = make_account("Other Works", "other@other.test")
    other = client_as(stranger.email)
    assert other.get(f"/machines/{plant.devices['Lathe 1']}").status_code == 404
    assert client_as(plant.owner_email).get("/machines/999999").status_code == 404


def test_machine_page_needs_a_login(client, plant):
    response = client.get(f"/machines/{plant.devices['Lathe 1']}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_static_assets_are_served(client):
    for path in ("/static/vendor/uplot/uPlot.iife.min.js", "/static/vendor/uplot/uPlot.min.css",
                 "/static/machine.js", "/static/machine-charts.js", "/static/machine-advice.js",
                 "/static/overview.js", "/static/analytics.js", "/static/analytics.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
