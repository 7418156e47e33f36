"""Property tests: routing always names a known office and follows its rules; any text a company types
comes back escaped; form numbers either parse to the number typed or are refused naming the field."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import escape

from regional_eia.errors import ProjectError
from regional_eia.result import FINDING_CODES
from regional_eia.service.app import TEMPLATES
from regional_eia.service.forms import project_from_form
from regional_eia.service.models import TOPICS
from regional_eia.service.routing import load_routing

ROUTING = load_routing()
OFFICES = {o.id for o in ROUTING.offices}
HEAVY = ["Hg", "Cd", "Cr", "Cr6", "As", "Pb", "Ni"]


@given(topic=st.sampled_from(sorted(TOPICS)), codes=st.lists(st.sampled_from(sorted(FINDING_CODES)), max_size=6),
       pollutants=st.lists(st.sampled_from(["COD", "NH3-N", "SO2", *HEAVY]), max_size=4))
def test_routing_names_a_known_office_and_capacity_comes_first(topic, codes, pollutants):
    routed = ROUTING.route(topic, codes=codes, pollutants=pollutants)
    assert routed.office in OFFICES and routed.why
    if "CAPACITY_EXCEEDED" in codes:
        assert routed.office == "capacity"
    elif set(pollutants) & set(HEAVY):
        assert routed.office == "heavy_metals"


def _question_page(text: str) -> str:
    question = {"topic": "other", "topic_name": "其他", "question": text, "company": text, "status": "received",
                "office": "general", "office_name": "综合处", "received_at": "2027-01-01T00:00:00",
                "answer": text, "citations": [text], "answered_at": None, "meeting": None, "screening": None}
    return TEMPLATES.get_template("question.html").render(
        request=None, csrf="t", version="0", user=None, q=question, token="tok", has_report=False,
        statuses={"received": "已受理"})


@given(text=st.text(min_size=1, max_size=200) | st.sampled_from(["<", "<script>alert(1)</script>", '"><img src=x>',
                                                                  "&lt;", "{{ 7*7 }}"]))
def test_any_question_text_is_escaped_on_the_company_link(text):
    page, plain = _question_page(text), _question_page("x")
    assert str(escape(text)) in page
    for mark in "<>":  # the text adds no markup: as many angle brackets as with a plain text
        assert page.count(mark) == plain.count(mark)


FORM = {"project_name": "p", "industry": "C1713", "lon": "118.822", "lat": "30.99", "crs": "cgcs2000",
        "route": "indirect", "operating_days": "300"}


@given(flow=st.one_of(st.floats(min_value=0, max_value=1e7, allow_nan=False).map(lambda f: f"{f:g}"),
                      st.sampled_from(["inf", "nan", "-1", "1e999", "3,000", "三千"]), st.text(max_size=12)))
def test_a_typed_flow_is_the_number_or_an_error_naming_the_flow(flow):
    try:
        project = project_from_form({**FORM, "flow": flow}, [], "WEB-1")
    except ProjectError as exc:
        assert exc.field and exc.field.startswith("wastewater")
        return
    number = float(flow.replace(",", "").replace("，", ""))
    assert math.isfinite(number) and project.wastewater.flow.value == number
