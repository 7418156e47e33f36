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
