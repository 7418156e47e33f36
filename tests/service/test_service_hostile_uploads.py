"""Issue 16 on the online channel: an uploaded project file goes through the same strict reader as a
project file on the command line (found by tests/test_fuzz_service.py). A stranger's duplicate key, alias
bomb, ``yes`` for a number or swapped coordinates is refused on the form naming the upload, never a
verdict and never a 500."""

from __future__ import annotations

import html

import pytest

from .service_support import EXAMPLES
from .test_service_public import _upload

EXAMPLE = (EXAMPLES / "fuyang-electroplating.yaml").read_text(encoding="utf-8")  # prohibited in its park: fail


def bomb(levels: int = 9) -> str:
    lines = ["bomb:", "  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"  - &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("text, message", [
    (EXAMPLE.replace("industry: C3360", "industry: C3484\nindustry: C3360", 1), "duplicate key 'industry'"),
    (EXAMPLE + bomb(), "an alias bomb"),
    (EXAMPLE.replace("operating_days: 300", "operating_days: yes"), "operating_days"),
    (EXAMPLE + "deep: " + "[" * 10_000 + "]" * 10_000 + "\n", "nested more than"),
    (EXAMPLE.replace("lon: 115.985\n  lat: 32.925", "lon: 32.925\n  lat: 115.985"), "swapped"),
])
def test_hostile_upload_is_refused_naming_the_upload(client, text, message):
    response = _upload(client, "p.yaml", text.encode("utf-8"))
    assert response.status_code == 422, response.text[:300]
    shown = html.unescape(response.text)
    assert "upload p.yaml" in shown and message in shown


def test_duplicate_key_in_json_upload_is_refused(client):
    response = _upload(client, "p.json", b'{"id": "J-1", "id": "J-2", "name": "x"}')
    assert response.status_code == 422 and "duplicate key" in response.text


def test_error_page_has_no_javascript_link(client):
    page = client.get("/s/no-such-token")
    assert page.status_code == 404 and "javascript:" not in page.text


@pytest.mark.parametrize("project_id", ["导入-1", "名称" * 100, "a" * 200])
def test_downloads_of_a_chinese_or_long_project_id(client, project_id):
    """Found by the service fuzz: a Chinese id made result.json and report.html a 500 (the header's
    plain filename was not latin-1), a long one made the report fail on the file system's name limit (and
    one over 200 characters did not fit the database: ids are now at most 200 characters)."""
    text = EXAMPLE.replace("id: FY-2027-011", f"id: {project_id}")
    response = _upload(client, "p.yaml", text.encode("utf-8"))
    assert response.status_code == 303
    link = response.headers["location"]
    assert client.get(link).status_code == 200
    for suffix in ("/result.json", "/report.html"):
        download = client.get(link + suffix)
        assert download.status_code == 200, download.text[:200]
        disposition = download.headers["content-disposition"]
        disposition.encode("latin-1")
        assert "filename*=UTF-8''" in disposition
    assert client.get(link + "/result.json").json()["project_id"] == project_id


def test_an_id_over_200_characters_is_refused_naming_the_field(client):
    response = _upload(client, "p.yaml", EXAMPLE.replace("id: FY-2027-011", "id: " + "a" * 201).encode("utf-8"))
    assert response.status_code == 422 and "at most 200 characters" in html.unescape(response.text)
