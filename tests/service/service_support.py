"""Helpers of the online channel's tests: clients, accounts, the demo dyeing project as a form and as API
input (the fixtures are in conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from regional_eia.service import Settings, create_app, create_user

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
PASSWORD = "correct horse battery staple"


def make_client(settings: Settings, catalog) -> TestClient:
    return TestClient(create_app(settings, catalog=catalog), base_url="http://127.0.0.1")


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def add_user(client: TestClient, username: str, role: str = "staff", display_name: str = "") -> None:
    with client.app.state.channel.sessions() as db:
        create_user(db, username=username, password=PASSWORD, role=role, display_name=display_name)


def log_in(client: TestClient, username: str) -> str:
    """Log ``username`` in; return the CSRF token its forms carry."""
    token = csrf_of(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "username": username, "password": PASSWORD,
                                           "next": "/staff"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return token


DYEING_FORM = {
    "company": "宣城某纺织印染有限公司（演示）", "project_name": "宣城某纺织印染二、三期项目（演示）",
    "industry": "C1713", "crs": "cgcs2000", "lon": "118.822", "lat": "30.990",
    "route": "indirect", "flow": "3000", "operating_days": "300", "ph": "6-9",
    "eff_pollutant_0": "COD", "eff_value_0": "180", "eff_unit_0": "mg/L",
    "eff_pollutant_1": "NH3-N", "eff_value_1": "8", "eff_unit_1": "mg/L",
}
DYEING_PROCESSES = ["pretreatment", "dyeing", "printing_conventional"]


def form_screen(client: TestClient, **changes):
    """POST the pre-screening form (the demo dyeing project unless changed); the response, not followed."""
    token = csrf_of(client.get("/").text)
    data = {**DYEING_FORM, **changes, "csrf_token": token}
    data.setdefault("processes", DYEING_PROCESSES)
    return client.post("/screen", data={k: v for k, v in data.items() if v is not None}, follow_redirects=False)


def api_project(**changes) -> dict:
    project = {"id": "API-1", "name": "dyeing (api)", "industry": "C1713", "processes": DYEING_PROCESSES,
               "location": {"crs": "EPSG:4490", "lon": 118.822, "lat": 30.99},
               "wastewater": {"route": "indirect", "flow": "3000 m3/d", "operating_days": 300,
                              "effluent": {"COD": "180 mg/L"}}}
    project.update(changes)
    return project
