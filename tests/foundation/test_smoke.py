

def test_health_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"] == "ok"


def test_owner_sees_dashboard(owner_client, owner):
    page = owner_client.get("/").get_data(as_text=True)
    assert "Acme Metall" in page
    assert "Getting started" in page
