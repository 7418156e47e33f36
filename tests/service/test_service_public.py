"""The public side through the ASGI client: the pre-screening form, its result (the report), uploads,
questions and a company's private link."""

from __future__ import annotations

import io

import openpyxl
import pytest

from .service_support import DYEING_FORM, EXAMPLES, csrf_of, form_screen


def test_form_page_offers_the_map_the_picker_and_the_coordinate_systems(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'id="map"' in html and "/static/leaflet/leaflet.js" in html and "/static/map.js" in html
    assert '<option value="C171">' in html and "棉纺织及印染精加工" in html  # the EIA list's codes and names
    assert '<option value="C3360">' in html  # and the codes the catalogue's access lists name
    assert '<option value="dyeing"' in html and "染色" in html  # process flags with their Chinese names
    for label in ("高德", "百度", "WGS84", "CGCS2000"):
        assert label in html
    assert "reia_csrf" in page.headers["set-cookie"] and "HttpOnly" in page.headers["set-cookie"]
    assert "https://" not in html  # nothing from a CDN


def test_map_layers_are_the_catalogues_zones_in_wgs84(client):
    data = client.get("/map/zones.geojson").json()
    kinds = {f["properties"]["kind"] for f in data["features"]}
    assert {"park", "control_unit"} <= kinds
    park = next(f for f in data["features"] if f["properties"]["id"] == "xuancheng-hitech")
    lon, lat = park["geometry"]["coordinates"][0][0]
    assert 118 < lon < 119.5 and 30 < lat < 31.5


def test_leaflet_is_served_from_the_machines_copy(client):
    from regional_eia.report.interactive import find_leaflet

    if find_leaflet() is None:
        pytest.skip("no local Leaflet (apt-get install libjs-leaflet)")
    assert client.get("/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/leaflet/leaflet.css").status_code == 200
    assert client.get("/static/leaflet/../../etc/passwd").status_code == 404
    assert client.get("/static/app.css").status_code == 200
    assert client.get("/static/nope.js").status_code == 404


def test_dyeing_project_fails_with_1200_left_and_the_result_page_is_the_report(client):
    response = form_screen(client)
    assert response.status_code == 303
    link = response.headers["location"]
    assert link.startswith("/s/") and len(link) > 40  # an unguessable token
    page = client.get(link)
    assert page.status_code == 200
    assert 'data-verdict="fail"' in page.text
    assert "CAPACITY_EXCEEDED" in page.text or "超出" in page.text
    assert "1,200" in page.text  # what is left of the wastewater cap
    assert 'id="download-html"' in page.text and 'id="download-json"' in page.text
    assert "data:image/png;base64," in page.text  # the report's map and charts
    report = client.get(link + "/report.html")
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    result = client.get(link + "/result.json")
    assert result.headers["content-type"].startswith("application/json")
    data = result.json()
    assert data["verdict"] == "fail"
    cap = next(c for c in data["capacity"] if c["metric"] == "wastewater")
    assert cap["remaining"] == 1200 and cap["demand"] == 3000


def test_form_errors_name_the_field_and_keep_what_was_typed(client):
    response = form_screen(client, flow="three thousand")
    assert response.status_code == 422
    assert "wastewater.flow" in response.text and "is not a number" in response.text
    assert 'value="宣城某纺织印染二、三期项目（演示）"' in response.text
    response = form_screen(client, industry="C17")
    assert response.status_code == 422 and "industry" in response.text
    response = form_screen(client, lon="", lat="")
    assert response.status_code == 422 and "click the site on the map" in response.text
    response = form_screen(client, company="")
    assert response.status_code == 422 and "company" in response.text
    response = form_screen(client, processes=["dyeing", "dyeinng"])
    assert response.status_code == 422 and "unknown process flag" in response.text


@pytest.mark.parametrize("lon, lat", [("2.35", "48.85"), ("30.99", "118.822")])
def test_coordinates_outside_china_are_refused(client, lon, lat):
    response = form_screen(client, lon=lon, lat=lat)
    assert response.status_code == 422
    assert "China" in response.text or "swapped" in response.text
    with client.app.state.channel.sessions() as db:
        from regional_eia.service.models import Screening

        assert db.query(Screening).count() == 0  # nothing recorded


def test_gcj02_coordinates_are_converted(client):
    response = form_screen(client, crs="gcj02", lon="118.8266", lat="30.9870")
    assert response.status_code == 303
    data = client.get(response.headers["location"] + "/result.json").json()
    assert data["location"]["converted"] and "GCJ" in data["location"]["converted"].upper()


def _upload(client, name: str, content: bytes, **fields):
    token = csrf_of(client.get("/").text)
    data = {"csrf_token": token, "company": DYEING_FORM["company"], **fields}
    return client.post("/screen", data=data, files={"upload": (name, content, "application/octet-stream")},
                       follow_redirects=False)


def test_upload_a_project_file(client):
    response = _upload(client, "dyeing.yaml", (EXAMPLES / "xuancheng-dyeing-phase2-3.yaml").read_bytes())
    assert response.status_code == 303
    data = client.get(response.headers["location"] + "/result.json").json()
    assert data["project_id"] == "XC-2027-014" and data["verdict"] == "fail"


def test_upload_a_one_project_sheet_with_chinese_headers(client):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["项目编号", "name", "industry", "经度", "纬度", "坐标系", "route", "flow_m3d", "operating_days",
                  "COD_mg_L"])
    sheet.append(["XLSX-1", "印染", "C1713", 118.822, 30.99, "4490", "indirect", 3000, 300, 180])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _upload(client, "one.xlsx", buffer.getvalue())
    assert response.status_code == 303, response.text
    data = client.get(response.headers["location"] + "/result.json").json()
    assert data["project_id"] == "XLSX-1" and data["verdict"] == "fail"


@pytest.mark.parametrize("name, content, expected", [
    ("project.xlsx", b"id: not a workbook\n", "not an Excel workbook"),
    ("project.yaml", b"PK\x03\x04binary", "binary file"),
    ("project.yaml", "id: x\nname: 宣城".encode("gbk"), "UTF-8"),
    ("project.yaml", b"- just\n- a list\n", "expected a mapping"),
    ("project.json", b"{not json", "line 1, column 2: not valid JSON"),
    ("project.exe", b"MZ", "not .exe"),
    ("project.csv", b"id,industry,lon,lat,crs\nA,C1713,118.8,30.9,4490\nB,C1713,118.8,30.9,4490\n", "one row"),
    ("project.yaml", b"", "empty"),
])
def test_uploads_that_are_not_what_they_claim_are_refused(client, name, content, expected):
    response = _upload(client, name, content)
    assert response.status_code == 422
    assert expected in response.text
    assert name in response.text


def test_a_question_about_the_screening_gets_a_private_link(client):
    link = form_screen(client).headers["location"]
    token = link.split("/")[-1]
    page = client.get(f"/ask?screening={token}")
    assert DYEING_FORM["company"] in page.text
    response = client.post("/ask", data={"csrf_token": csrf_of(page.text), "screening": token, "topic": "capacity",
                                         "company": DYEING_FORM["company"], "contact_name": "王工",
                                         "contact_phone": "0563-1234567", "question": "二、三期如何才能进园？"},
                           follow_redirects=False)
    assert response.status_code == 303
    private = response.headers["location"]
    page = client.get(private)
    assert page.status_code == 200
    assert "二、三期如何才能进园？" in page.text and 'data-status="received"' in page.text
    assert "总量控制与排污许可处" in page.text  # CAPACITY_EXCEEDED routes to the office that owns the caps
    assert "尚未答复" in page.text
    report = client.get(private + "/report.html")
    assert report.status_code == 200 and "XC-2027-014" not in report.text  # the form's project, own id
    assert client.get("/q/" + "x" * 43).status_code == 404


def test_question_form_errors_name_the_field(client):
    token = csrf_of(client.get("/ask").text)
    response = client.post("/ask", data={"csrf_token": token, "topic": "astrology", "company": "某公司",
                                         "contact_name": "王", "question": "?"})
    assert response.status_code == 422
    assert "topic" in response.text and "question" in response.text
    response = client.post("/ask", data={"csrf_token": token, "topic": "water", "company": "某公司",
                                         "contact_name": "王", "question": "排水标准是什么？", "screening": "nope"})
    assert response.status_code == 422 and "screening" in response.text


def test_health(client):
    assert client.get("/healthz").json()["ok"] is True
