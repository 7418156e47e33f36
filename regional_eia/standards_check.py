"""Standards compliance and EIA category inside a screening (filled in by the standards work)."""

from __future__ import annotations


def check_standards(project, park_id, catalog, on, findings):
    return []


def category_for(project, park_id, catalog, on, findings):
    return None
