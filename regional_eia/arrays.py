"""A catalogue as arrays, built once and shared: what every screening step looks up per zone or cap.

:func:`arrays_for` returns the one :class:`CatalogueArrays` of a loaded catalogue (built on first use
and kept with the catalogue, then shared by every ``screen`` and ``batch`` call and by every thread:
building is locked, and the memo tables it keeps are only ever added to; nothing of the catalogue
itself is written). A Dask worker receives it with the catalogue, pickled without its memo tables.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import shapely

from zones.catalog import Catalog

__all__ = ["CatalogueArrays", "arrays_for", "factorize", "factorize_rows", "unique", "KINDS"]

KINDS = {"park": 0, "control_unit": 1, "red_line": 2, "water_source": 3, "receptor": 4}

_LOCK = threading.Lock()


def arrays_for(catalog: Catalog) -> CatalogueArrays:
    """The catalogue's :class:`CatalogueArrays` (built once per loaded catalogue, and kept with it)."""
    arrays = catalog.__dict__.get("_arrays")
    if arrays is not None:
        return arrays
    with _LOCK:
        arrays = catalog.__dict__.get("_arrays")
        if arrays is None:
            arrays = CatalogueArrays(catalog)
            catalog.__dict__["_arrays"] = arrays
        return arrays


class CatalogueArrays:
    """Per-zone, per-park and per-cap arrays of a catalogue, and memo tables of per-key decisions.

    Zones are numbered as the rows of ``catalog.table``; parks as ``catalog.parks`` lists them; caps
    and offsets park by park, in the catalogue's order.
    """

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        table = catalog.table
        self.zone_ids = table.zone_id.astype(object)
        self.kind = np.array([KINDS[k] for k in table.kind.tolist()], dtype=np.int8)
        self.parks: list[str] = list(catalog.parks)
        park_index = {z: i for i, z in enumerate(self.parks)}
        self.zone_park = np.array([park_index.get(z, -1) for z in self.zone_ids], dtype=np.int64)
        self.park_zone = np.array([table.positions[z] for z in self.parks], dtype=np.int64)
        self.park_name = np.array([catalog.names[p] for p in self.parks] + [None], dtype=object)
        self.park_name_en = np.array([catalog.parks[p].name_en for p in self.parks] + [None], dtype=object)
        self.zone_area = np.array([shapely.area(g) if k == 0 else np.nan
                                   for g, k in zip(table.metric_geometry, self.kind)])
        self.unit_code = np.array([catalog.control_units[z].code if z in catalog.control_units else None
                                   for z in self.zone_ids], dtype=object)
        self.zone_of_unit = {spec.code: zone_id for zone_id, spec in catalog.control_units.items()}
        self.zone_name = np.array([catalog.names.get(z, z) for z in self.zone_ids], dtype=object)
        self.zone_source = table.source.astype(object)
        self._caps()
        self._offsets()
        self._memo: dict[Hashable, dict] = {}
        self._memo_lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_memo"], state["_memo_lock"] = {}, None
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._memo_lock = threading.Lock()

    def memo(self, table: str, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()`` once per ``key`` of ``table`` (two threads may both build; either result is kept)."""
        store = self._memo.get(table)
        if store is None:
            with self._memo_lock:
                store = self._memo.setdefault(table, {})
        try:
            return store[key]
        except KeyError:
            value = _without_tracebacks(build())
            return store.setdefault(key, value)

    # --- caps and offsets, park by park ------------------------------------------------------------

    def _per_park(self, attribute: str) -> tuple[list, np.ndarray, np.ndarray, np.ndarray]:
        """Every park's caps (or offsets) in one list: the items, each one's park, each park's first and count."""
        items, park_of, starts, counts = [], [], [], []
        for p, park_id in enumerate(self.parks):
            own = getattr(self.catalog.park(park_id), attribute)
            starts.append(len(items))
            counts.append(len(own))
            items.extend(own)
            park_of.extend([p] * len(own))
        return (items, np.array(park_of, dtype=np.int64), np.array(starts, dtype=np.int64),
                np.array(counts, dtype=np.int64))

    def _caps(self) -> None:
        caps, self.cap_park, self.cap_start, self.cap_count = self._per_park("caps")
        self.caps = caps
        self.cap_value = np.array([c.value for c in caps], dtype=float)
        self.cap_label = np.array([f"{c.metric}/{c.basis}" for c in caps], dtype=object)
        self.cap_unit = np.array([c.unit for c in caps], dtype=object)
        self.cap_metric = np.array([c.metric for c in caps], dtype=object)
        self.cap_basis = np.array([c.basis for c in caps], dtype=object)
        self.cap_threshold = np.array([self.catalog.park(self.parks[p]).utilisation_warning
                                       or self.catalog.spec.utilisation_warning for p in self.cap_park], dtype=float)
        kinds: dict[tuple[str, str, str], int] = {}
        self.cap_kind = np.array([kinds.setdefault((c.metric, c.basis, c.unit), len(kinds)) for c in caps],
                                 dtype=np.int64)
        self.cap_kinds = list(kinds)

    def _offsets(self) -> None:
        self.offsets, self.offset_park, self.offset_start, self.offset_count = self._per_park("offsets")

    def entries(self, park: np.ndarray, start: np.ndarray, count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For rows in parks (``park`` >= 0), one entry per cap (or offset) of the park:
        ``(row of each entry, cap or offset index)``, row by row in the catalogue's order."""
        rows = np.flatnonzero(park >= 0)
        counts = count[park[rows]]
        entry_row = np.repeat(rows, counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        return entry_row, np.repeat(start[park[rows]], counts) + within


def factorize_rows(*columns: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """The distinct rows of parallel arrays: ``(code of each row, the distinct rows as tuples)``, so a
    decision is taken once per distinct key and broadcast back."""
    combined = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        codes, count = factorize(column)
        combined = factorize(combined * max(count, 1) + codes)[0]  # stays < rows
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return inverse.ravel(), [tuple(plain_key(column[i]) for column in columns) for i in first]


SMALL = 512
"""Below this many values :func:`factorize` and :func:`unique` hash them in Python: a screening of a few
projects then never imports pandas (a third of a second of a cold ``regional-eia screen``)."""


def factorize(values: np.ndarray, missing_apart: bool = False) -> tuple[np.ndarray, int]:
    """``(code of each value, number of distinct values)``, codes in order of first appearance, as
    ``pandas.factorize(values, use_na_sentinel=missing_apart)``: every missing value (``None``, NaN) is
    one value, or with ``missing_apart`` code -1 and not counted."""
    values = np.asarray(values)
    if len(values) > SMALL or not _plain(values):
        import pandas as pd

        codes, uniques = pd.factorize(values, use_na_sentinel=missing_apart)
        return codes.astype(np.int64, copy=False), len(uniques)
    seen: dict = {}
    if missing_apart:
        found = (-1 if _missing(v) else seen.setdefault(v, len(seen)) for v in values.tolist())
    else:
        found = (seen.setdefault(_NA if _missing(v) else v, len(seen)) for v in values.tolist())
    return np.fromiter(found, dtype=np.int64, count=len(values)), len(seen)


def unique(values: np.ndarray) -> list:
    """The distinct values in order of first appearance, as ``pandas.unique``: NaNs are one value, and
    ``None`` another."""
    values = np.asarray(values)
    if len(values) > SMALL or not _plain(values):
        import pandas as pd

        return list(pd.unique(values))
    seen: dict = {}
    for v in values:
        seen.setdefault(_NAN if isinstance(v, float) and v != v else v, v)
    return list(seen.values())


_NA, _NAN = object(), object()
_PLAIN = (str, int, float, type(None))  # bool is an int


def _plain(values: np.ndarray) -> bool:
    """Values whose Python equality is pandas' (numbers, text, booleans, missing), where a dict agrees with
    pandas' hash table."""
    if values.dtype.kind in "biuf":
        return True
    return values.dtype.kind in "OU" and all(isinstance(v, _PLAIN) for v in values.tolist())


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def plain_key(value):
    if isinstance(value, np.generic):
        return value.item()
    return value


def _without_tracebacks(value: Any) -> Any:
    """A memo value with any exception in it (a refusal kept as the answer) stripped of its traceback.

    A traceback holds the frames that raised it, and each frame its caller's, up to the batch chunk being
    screened: a memo that kept one would keep every chunk that first met its key alive for as long as
    the catalogue (see :func:`regional_eia.errors.detached`).
    """
    from .errors import detached

    if isinstance(value, BaseException):
        return detached(value)
    if isinstance(value, tuple):
        for v in value:
            if isinstance(v, BaseException):
                detached(v)
    return value
