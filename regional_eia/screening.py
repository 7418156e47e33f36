"""The screening: :func:`screen` one project, :func:`screen_many` several, with the steps of
:mod:`regional_eia.pipeline` (the very steps ``batch`` runs over a million rows; one project is the
n = 1 case)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from standards.select import StandardsPolicy
from zones.catalog import Catalog, load_catalog

from .arrays import CatalogueArrays, arrays_for
from .capacity import CapacityBook, CatalogueBook, positions
from .columns import columns_from_projects
from .errors import RegionalEIAError
from .pipeline import Assessed, assess, conclude, results
from .project import Project
from .report.messages import Lang
from .result import ScreeningResult

__all__ = ["screen", "screen_many", "Outcome", "book_positions"]

Outcome = ScreeningResult | RegionalEIAError


def screen(
    project: Project,
    catalog: Catalog | None = None,
    *,
    book: CapacityBook | None = None,
    on: dt.date | None = None,
    lang: Lang = "en",
    policy: StandardsPolicy | None = None,
) -> ScreeningResult:
    """Screen one project against a catalogue: location, zoning, access, capacity, offsets, standards.

    Parameters
    ----------
    project
        The proposed project (see :func:`regional_eia.load_project`).
    catalog
        A loaded catalogue; ``None`` uses the embedded demo.
    book
        Where committed and reserved capacity come from (a ledger); default: the catalogue's figures.
    on
        The screening date (limits in force then); default: today.
    lang
        The language of the messages (``en`` or ``zh``); codes and values are the same in both.
    policy
        The standards policy (:class:`standards.select.StandardsPolicy`); default: the catalogue's
        ``standards_policy``.

    Returns
    -------
    ScreeningResult
        The verdict with every finding, capacity check, offset and binding limit behind it.

    Examples
    --------
    >>> from regional_eia import load_project
    >>> result = screen(load_project("examples/fuyang-fine-chemicals.yaml"))
    >>> result.verdict
    'conditional'
    """
    outcome = screen_many([project], catalog, book=book, on=on, lang=lang, policy=policy)[0]
    if isinstance(outcome, RegionalEIAError):
        raise outcome
    return outcome


def screen_many(
    projects: Sequence[Project],
    catalog: Catalog | None = None,
    *,
    book: CapacityBook | None = None,
    on: dt.date | None = None,
    sources: Sequence[str] | None = None,
    lang: Lang = "en",
    policy: StandardsPolicy | None = None,
) -> list[Outcome]:
    """Screen many projects in one pass of every step; a project that cannot be screened (its site, its
    industry code) yields its error in its place."""
    catalog = catalog or load_catalog()
    arrays = arrays_for(catalog)
    on = on or dt.date.today()
    assessed = assess(columns_from_projects(projects, sources), arrays, on, nearest_park=True, policy=policy)
    committed, reserved, source, notes = book_positions(book or CatalogueBook(), assessed, arrays)
    return results(conclude(assessed, committed, reserved, source, notes), lang)


def book_positions(book: CapacityBook, assessed: Assessed, arrays: CatalogueArrays):
    """The book's committed and reserved amounts, and where they come from, for each demand entry."""
    caps = assessed.demands.cap
    asked = positions(book, arrays, np.unique(caps))
    committed = np.array([asked[c].committed for c in caps], dtype=float)
    reserved = np.array([asked[c].reserved for c in caps], dtype=float)
    source = np.array([asked[c].source for c in caps] + [None], dtype=object)[:-1]
    notes = np.empty(caps.size, dtype=object)
    notes[:] = [tuple(asked[c].notes) for c in caps]
    return committed, reserved, source, notes
