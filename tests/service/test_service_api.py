"""The JSON API under /api/: every operation, and bad input as 422 JSON naming the field."""

from __future__ import annotations

import pytest

from .service_support import api_project


def test_openapi_schema_documents_every_operation(client):
    schema = client.get("/api/openapi.json").json()
    assert {"/api/screen", "/api/screen/batch", "/api/parks", "/api/parks/{park_id}", "/api/standards/lookup",
            "/api/industries", "/api/questions", "/api/questions/{token}"} <= set(schema["paths"])
    assert not any(p.startswith("/staff") or p == "/" for p in schema["paths"])  # pages are not the API
    assert "Project" in schema["components"]["schemas"] and "ScreeningResult" in schema["components"]["schemas"]
    assert client.get("/docs").status_code == 404  # no Swagger UI from a CDN


def test_screen_one_project(client):
    response = client.post("/api/screen", json={"project": api_project(), "company": "某印染公司"})
    assert response.status_code == 200
    body = response.json()
    assert body["result"]["verdict"] == "fail"
    cap = next(c for c in body["result"]["capacity"] if c["metric"] == "wastewater")
    assert (cap["remaining"], cap["reuse_rate_to_fit"]) == (1200, 0.6)
    assert client.get(body["links"]["json"]).json()["project_id"] == "API-1"


@pytest.mark.parametrize("change, field", [
    ({"wastewater": {"route": "indirect", "flow": 3000}}, "project.wastewater.flow"),
    ({"wastewater": {"route": "indirect", "flow": "3000"}}, "project.wastewater.flow"),
    ({"wastewater": {"route": "sideways", "flow": "3000 m3/d"}}, "project.wastewater.route"),
    ({"wastewater": {"route": "indirect", "flow": "3000 mg/L"}}, "project.wastewater.flow"),
    ({"industry": 1713.5}, "project.industry"),
    ({"industry": "textiles"}, "project.industry"),
    ({"location": {"crs": "EPSG:4490", "lon": "east", "lat": 30.99}}, "project.location.lon"),
    ({"processes": ["dyeinng"]}, "project.processes"),
    ({"colour": "red"}, "project.colour"),
])
def test_wrong_types_are_422_naming_the_field(client, change, field):
    response = client.post("/api/screen", json={"project": api_project(**change)})
    assert response.status_code == 422
    fields = [d["field"] for d in response.json()["detail"]]
    assert field in fields, response.json()


@pytest.mark.parametrize("literal", ["Infinity", "NaN", "-Infinity"])
def test_non_finite_numbers_are_refused(client, literal):
    body = ('{"project": {"id": "X", "name": "y", "industry": "C1713", "location": {"crs": 4490, "lon": 118.822, '
            '"lat": 30.99}, "wastewater": {"route": "indirect", "flow": {"value": %s, "unit": "m3/d"}}}}' % literal)
    response = client.post("/api/screen", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    assert "finite" in response.text or "greater than or equal" in response.text


def test_a_site_outside_china_is_422_naming_the_location(client):
    response = client.post("/api/screen", json={"project": api_project(location={"crs": 4326, "lon": 2.35,
                                                                                  "lat": 48.85})})
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["field"] == "location" and "outside China" in detail["message"]


def test_not_json_and_empty_bodies_are_422_not_500(client):
    response = client.post("/api/screen", content=b"{oops", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "detail" in response.json()
    response = client.post("/api/screen", content=b"", headers={"content-type": "application/json"})
    assert response.status_code == 422
    response = client.post("/api/questions", json=[1, 2, 3])
    assert response.status_code == 422


def test_screen_a_small_batch(client):
    projects = [api_project(id="B1"), api_project(id="B2", location={"crs": "EPSG:4490", "lon": 119.3, "lat": 31.1})]
    response = client.post("/api/screen/batch", json={"projects": projects})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1]
    assert results[0]["result"]["verdict"] == "fail"
    assert results[1]["result"]["location"]["park"] != "xuancheng-hitech"
    too_many = client.post("/api/screen/batch", json={"projects": [api_project(id=f"P{i}") for i in range(101)]})
    assert too_many.status_code == 422 and too_many.json()["detail"][0]["field"] == "projects"
    assert client.post("/api/screen/batch", json={"projects": []}).status_code == 422


def test_parks_and_their_remaining_capacity(client):
    parks = client.get("/api/parks").json()
    ids = {p["id"] for p in parks}
    assert {"xuancheng-hitech", "langxi-edz", "fuyang-coal-chem"} <= ids
    xc = client.get("/api/parks/xuancheng-hitech").json()
    water = next(c for c in xc["caps"] if c["metric"] == "wastewater")
    assert (water["cap"], water["remaining"]) == (20000, 1200)
    missing = client.get("/api/parks/atlantis")
    assert missing.status_code == 404 and missing.json()["detail"][0]["field"] == "park_id"


def test_standards_lookup(client):
    response = client.get("/api/standards/lookup", params={"industry": "C1713", "route": "indirect",
                                                           "zone": "xuancheng-hitech"})
    assert response.status_code == 200
    cod = next(r for r in response.json()["limits"] if r["pollutant"] == "COD")
    assert cod["value"] == 200 and cod["standard"]
    bad = client.get("/api/standards/lookup", params={"industry": "C1713", "route": "uphill"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "route"
    bad = client.get("/api/standards/lookup", params={"industry": "C1713", "route": "indirect", "zone": "nowhere"})
    assert bad.status_code == 422 and "nowhere" in bad.text


def test_industry_picker_search(client):
    hits = client.get("/api/industries", params={"q": "印染"}).json()
    assert any(h["code"] == "C171" for h in hits)
    assert client.get("/api/industries", params={"q": "x" * 51}).status_code == 422


def test_questions_through_the_api(client):
    screened = client.post("/api/screen", json={"project": api_project()}).json()
    asked = client.post("/api/questions", json={"topic": "capacity", "question": "能否分期进园？",
                                                "company": "某印染公司",
                                                "contact_name": "王工", "screening": screened["screening"]})
    assert asked.status_code == 201
    body = asked.json()
    assert body["office"] == "capacity" and body["status"] == "received"
    status = client.get(f"/api/questions/{body['token']}").json()
    assert status["question"] == "能否分期进园？" and status["answer"] is None
    assert status["screening"] == {"project_id": "API-1", "verdict": "fail"}
    assert "contact_name" not in status  # a link shows the question, not the contact details
    assert client.get("/api/questions/not-a-token").status_code == 404
    bad = client.post("/api/questions", json={"topic": "capacity", "question": "x", "company": "某",
                                              "contact_name": "", "contact_email": "not-an-address"})
    assert bad.status_code == 422
    fields = {d["field"] for d in bad.json()["detail"]}
    assert {"question", "company", "contact_name", "contact_email"} <= fields


def test_heavy_metal_project_routes_to_the_heavy_metals_office(client):
    project = api_project(id="HM-1", wastewater={"route": "indirect", "flow": "100 m3/d", "operating_days": 300,
                                                 "effluent": {"COD": "100 mg/L"},
                                                 "workshop_effluent": {"Cr6": "0.1 mg/L"}})
    screened = client.post("/api/screen", json={"project": project}).json()
    asked = client.post("/api/questions", json={"topic": "water", "question": "六价铬车间排口如何监测？",
                                                "company": "某电镀公司", "contact_name": "李",
                                                "screening": screened["screening"]}).json()
    assert asked["office"] == "heavy_metals"


def test_an_unexpected_error_is_a_500_without_a_traceback(client, monkeypatch, caplog):
    import regional_eia.service.channel as channel

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals at /srv/app.py line 12")

    from fastapi.testclient import TestClient

    monkeypatch.setattr(channel, "screen", broken)
    quiet = TestClient(client.app, base_url="http://127.0.0.1", raise_server_exceptions=False)  # as a browser sees it
    response = quiet.post("/api/screen", json={"project": api_project()})
    assert response.status_code == 500
    message = response.json()["detail"][0]["message"]
    assert "incident" in message and "secret internals" not in response.text and "Traceback" not in response.text
    assert "secret internals" in caplog.text  # the log has it
