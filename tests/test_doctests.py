"""The examples in the public docstrings run (numpydoc 'Examples' sections)."""

import doctest
import importlib

import pytest

from conftest import ROOT

MODULES = [
    "regional_eia", "regional_eia.capacity", "regional_eia.screening", "regional_eia.locate", "regional_eia.project",
    "regional_eia.lookup", "regional_eia.ledger", "regional_eia.whatif", "regional_eia.result", "zones.catalog", "zones.crs", "zones.summary", "zones.workbook", "standards.units",
    "standards.select", "standards.catalog", "standards.summary", "standards.eia_category",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, monkeypatch):
    monkeypatch.chdir(ROOT)  # examples name files under examples/
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert failures == 0
