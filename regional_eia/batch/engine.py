"""The batch engine: the steps of :mod:`regional_eia.pipeline`, chunk by chunk, into Arrow columns.

Every rule lives in the pipeline's steps, which ``screen`` runs on one project; this module only

1. reads a chunk's flat columns into :class:`~regional_eia.columns.ProjectColumns`
   (:func:`.columns.parse_chunk`; a row that may be invalid goes through the one-row path
   ``row_to_project_data`` then ``project_from_data``, whose message is the row's error);
2. asks the capacity book once per cap, and in ``sequential`` mode carries what admitted rows took
   from one chunk to the next;
3. writes each row's result as columns (:meth:`BatchEngine.output_schema`): verdict, codes, main code
   and main reason (in the chosen language), park and units, the binding cap's figures, every cap's
   outcome, the standards outcome per pollutant, the offsets and intake loads per pollutant, the EIA
   category.

:func:`result_row` gives the same columns from a :class:`~regional_eia.result.ScreeningResult`;
``tests/test_batch_equivalence.py`` checks that every row and every field agree, and that the
results the engine can give for a chunk (:meth:`BatchEngine.results`) equal ``screen``'s.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from zones.catalog import Catalog

from ..arrays import arrays_for, factorize_rows
from ..capacity import CapacityBook, CatalogueBook, fits, positions
from ..errors import ProjectError, detached
from ..findings import BIT, CODES, MASK, main_code, tidy_many
from ..locate import locate
from ..pipeline import Assessed, Concluded, VERDICTS, assess, conclude, main_messages, results
from ..project import project_from_data
from ..report.messages import Lang, value_text
from ..standards_check import RATE
from .columns import parse_chunk
from .schema import Columns, row_to_project_data

__all__ = ["BatchEngine", "Mode", "CODES", "BIT", "result_row", "Finished", "BASE_COLUMNS", "cap_outcome",
           "standard_label"]

Mode = Literal["independent", "sequential"]

# the columns every batch output has, in order; then offset_<P>_t_a and intake_<P>_t_a, then the last two
BASE_COLUMNS = (
    "row", "project_id", "project_name", "verdict", "codes", "main_code", "main_reason", "park", "control_units",
    "lon", "lat", "nearest_park", "nearest_park_m", "binding_cap", "cap_unit", "cap_remaining", "cap_demand",
    "cap_utilisation_after", "cap_fits", "cap_reduce_by", "reuse_rate_to_fit", "caps", "caps_exceeded", "standards",
    "eia_category", "regional_category",
)
LAST_COLUMNS = ("capacity_taken_by", "error")
FLOAT_COLUMNS = ("lon", "lat", "nearest_park_m", "cap_remaining", "cap_demand", "cap_utilisation_after",
                 "cap_reduce_by", "reuse_rate_to_fit")


def cap_outcome(metric: str, basis: str, fits_: bool | None, high: bool) -> str:
    """One cap's outcome in the ``caps`` column: ``wastewater/final_discharge exceeds``."""
    outcome = "?" if fits_ is None else "exceeds" if not fits_ else "high" if high else "fits"
    return f"{metric}/{basis} {outcome}"


def standard_label(pollutant: str, point: str, limit, limit_text: str | None, unit: str | None,
                   complies: bool | None) -> str:
    """One figure's outcome in the ``standards`` column: ``COD ok (<= 500 mg/L)``."""
    where = "" if point == "total_outlet" else f" [{point}]"
    outcome = {True: "ok", False: "exceeds", None: "?"}[complies]
    unit = "" if unit in (None, "—", "dimensionless") else f" {unit}"
    if limit is not None:
        bound = f" ({value_text(limit)}{unit})" if isinstance(limit, (list, tuple)) else f" (<= {value_text(limit)}{unit})"
    elif limit_text:
        bound = f" ({limit_text})"
    else:
        bound = ""
    return f"{pollutant}{where} {outcome}{bound}"


@dataclass
class Resolved:
    """Capacity positions for a chunk's demand entries: what was used before each project."""

    committed: np.ndarray
    reserved: np.ndarray
    taken_by: np.ndarray | None = None  # per row: the earlier batch project that took the room


@dataclass
class Finished:
    """A chunk's output rows (an Arrow table) and what the summary needs."""

    table: pa.Table
    bits: np.ndarray
    verdict: np.ndarray
    caps: dict

    def __len__(self) -> int:
        return self.table.num_rows

    def frame(self) -> pd.DataFrame:
        return self.table.to_pandas()


class BatchEngine:
    """Screen chunks of flat rows against one catalogue, on one date, with one capacity book.

    Parameters
    ----------
    catalog
        The loaded catalogue.
    on
        The screening date.
    book
        Committed and reserved capacity (a ledger); default the catalogue's figures. Asked once per cap.
    mode
        ``independent``: every row against the book's position. ``sequential``: rows take capacity in
        input order; a row is admitted (and takes its demand) when its verdict is pass or conditional.
    positions
        The book's positions as plain data (what a Dask worker gets instead of the book).
    nearest_park
        Also find, for each site outside every park, the nearest park and its distance (off by default:
        in a national batch most sites are outside parks and this search costs as much as the rest of the
        spatial step).
    lang
        The language of ``main_reason`` (``en`` or ``zh``).
    """

    def __init__(self, catalog: Catalog, on: dt.date, book: CapacityBook | None = None,
                 mode: Mode = "independent", positions: dict | None = None, nearest_park: bool = False,
                 lang: Lang = "en"):
        self.catalog = catalog
        self.arrays = arrays_for(catalog)
        self.on = on
        self.mode = mode
        self.nearest_park = nearest_park
        self.lang = lang
        a = self.arrays
        self.parks, self.caps, self.cap_park, self.cap_value = a.parks, a.caps, a.cap_park, a.cap_value
        self._positions(book or CatalogueBook(), positions)
        self.offset_pollutants = sorted({o.pollutant for o in a.offsets})
        self.sequential_state = _SequentialState(self) if mode == "sequential" else None
        self.timings: dict[str, float] = {}

    @contextlib.contextmanager
    def _timed(self, stage: str):
        began = time.perf_counter()
        try:
            yield
        finally:
            self.timings[stage] = self.timings.get(stage, 0.0) + time.perf_counter() - began

    def _positions(self, book: CapacityBook, given: dict | None) -> None:
        asked = positions(book, self.arrays, range(len(self.caps))) if given is None else {}
        committed, reserved, sources, notes = [], [], [], []
        for i, cap in enumerate(self.caps):
            key = (self.parks[self.cap_park[i]], cap.metric, cap.basis)
            if given is not None:
                c, r, s = given[key]
                n = ()
            else:
                position = asked[i]
                c, r, s, n = position.committed, position.reserved, position.source, tuple(position.notes)
            committed.append(c)
            reserved.append(r)
            sources.append(s)
            notes.append(n)
        self.cap_committed = np.array(committed, dtype=float)
        self.cap_reserved = np.array(reserved, dtype=float)
        self.cap_sources = sources
        self.cap_notes = notes

    def positions(self) -> dict:
        """The book's positions, as plain data (what a Dask worker needs instead of the book)."""
        return {(self.parks[p], c.metric, c.basis): (float(self.cap_committed[i]), float(self.cap_reserved[i]),
                                                     self.cap_sources[i])
                for i, (p, c) in enumerate(zip(self.cap_park, self.caps))}

    def output_schema(self, columns: Columns) -> pa.Schema:
        """The output columns for an input with these columns (offsets: by the catalogue's pollutants;
        intake loads: by the input's effluent columns)."""
        names = list(BASE_COLUMNS) + [f"offset_{p}_t_a" for p in self.offset_pollutants] \
            + [f"intake_{p}_t_a" for p in sorted(columns.effluent)] + list(LAST_COLUMNS)
        return pa.schema([pa.field(name, pa.int64() if name == "row" else pa.bool_() if name == "cap_fits"
                                   else pa.float64() if name in FLOAT_COLUMNS or name.endswith("_t_a")
                                   else pa.string()) for name in names])

    # --- one chunk ---------------------------------------------------------------------------------

    def assess(self, table: pa.Table, columns: Columns, start: int = 0, geometry: np.ndarray | None = None,
               geometry_crs=None) -> Assessed:
        """Every step but the capacity checks, for rows ``start .. start + len(table)`` of the input."""
        with self._timed("validate"):
            cols, suspect = parse_chunk(table, columns, geometry, geometry_crs, start)
            one_row = _OneRow(table, columns, start, geometry, geometry_crs)
            for i in np.flatnonzero(suspect):
                cols.error[i] = one_row.error(i)
        with self._timed("screen"):
            assessed = assess(cols, self.arrays, self.on, nearest_park=self.nearest_park)
        assessed.start = start
        assessed.columns = columns
        return assessed

    def capacity_demands(self, a: Assessed) -> dict:
        """What sequential resolution needs of a chunk (small: only rows in parks)."""
        bits = np.zeros(a.cols.n, dtype=np.uint32)
        for block in a.blocks + a.after:
            bits[block.row] |= BIT[block.code]
        base_bad = ((bits & (MASK["fail"] | MASK["incomplete"])) != 0) | ~a.ok
        return {"cap_row": a.demands.row, "cap_id": a.demands.cap, "demand": a.demands.value, "base_ok": ~base_bad,
                "id": a.cols.id}

    def resolve(self, a: Assessed) -> Resolved:
        """Positions for the chunk's entries: fixed (independent), or after the earlier rows (sequential)."""
        if self.sequential_state is not None:
            with self._timed("sequential"):
                return self.sequential_state.take(self.capacity_demands(a))
        return Resolved(self.cap_committed[a.demands.cap], self.cap_reserved[a.demands.cap])

    def conclude(self, a: Assessed, resolved: Resolved) -> Concluded:
        if a.arrays is None:  # a chunk assessed on another Dask worker
            a.arrays = self.arrays
        caps = a.demands.cap
        source = np.array([self.cap_sources[c] for c in caps] + [None], dtype=object)[:-1]
        if resolved.taken_by is not None:
            source = np.where(source == None, source, "batch")  # noqa: E711  (sequential: earlier rows count)
        notes = np.empty(caps.size, dtype=object)
        for k, c in enumerate(caps):
            notes[k] = self.cap_notes[c]
        return conclude(a, resolved.committed, resolved.reserved, source, notes)

    def results(self, a: Assessed, resolved: Resolved | None = None, lang: Lang | None = None) -> list:
        """The chunk's rows as :class:`~regional_eia.result.ScreeningResult` (or the error of each row that
        could not be screened): what ``screen`` gives for the same projects."""
        return results(self.conclude(a, resolved or self.resolve(a)), lang or self.lang)

    def finish(self, a: Assessed, resolved: Resolved) -> Finished:
        """The output rows of a chunk, in input order."""
        c = self.conclude(a, resolved)
        n = a.cols.n
        ok = a.ok
        d, ch = a.demands, c.checks
        bits = c.bits
        schema = self.output_schema(a.columns)

        # the binding cap of each row: the highest utilisation after the project (the first of equals)
        binding = np.full(n, -1, dtype=np.int64)
        if len(d):
            score = np.where(ch.known, ch.utilisation_after, -np.inf)
            order = np.lexsort((np.arange(len(d)), -score, d.row))
            first = order[np.r_[True, d.row[order][1:] != d.row[order][:-1]]]
            binding[d.row[first]] = first
        has = binding >= 0
        b = binding[has]

        def by_row(values, fill=np.nan):
            column = np.full(n, fill, dtype=float)
            column[has] = values[b]
            return column

        known = by_row(ch.known.astype(float), 0.0).astype(bool)
        fits_column = pa.array(by_row(ch.fits.astype(float), 0.0).astype(bool), mask=~known)
        main = c.main_block
        main_codes = np.where(main >= 0, np.array([CODES.index(blk.code) for blk in c.blocks] + [-1],
                                                  dtype=np.int64)[main], -1)
        reasons = main_messages(c, self.lang)
        errors = np.array([_error_text(e) for e in a.error], dtype=object)
        reasons = np.where(ok, reasons, None)
        error_codes, error_texts = pd.factorize(errors, use_na_sentinel=True)
        reason_codes, reason_texts = pd.factorize(reasons, use_na_sentinel=True)
        cap_ids = np.full(n, -1, dtype=np.int64)
        cap_ids[has] = d.cap[b]
        columns = {
            "row": pa.array(np.arange(a.start, a.start + n, dtype=np.int64) + 1),
            "project_id": pa.array(a.cols.id, type=pa.string(), from_pandas=True),
            "project_name": pa.array(a.cols.name, type=pa.string(), from_pandas=True),
            "verdict": _strings(_verdict_index(c.verdict), list(VERDICTS)),
            "codes": _codes_column(bits),
            "main_code": _strings(main_codes, list(CODES)),
            "main_reason": _strings(reason_codes, list(reason_texts)),
            "park": _strings(np.where(ok, a.placement.park, -1), self.parks),
            "control_units": pa.array(np.where(ok, a.placement.units, None), type=pa.string(), from_pandas=True),
            "lon": pa.array(np.where(ok, np.round(a.sites.xy[:, 0], 7), np.nan), from_pandas=True),
            "lat": pa.array(np.where(ok, np.round(a.sites.xy[:, 1], 7), np.nan), from_pandas=True),
            "nearest_park": _strings(np.where(ok, a.placement.nearest, -1), self.parks),
            "nearest_park_m": pa.array(np.where(ok, a.placement.nearest_m, np.nan), from_pandas=True),
            "binding_cap": _strings(cap_ids, list(self.arrays.cap_label)),
            "cap_unit": _strings(cap_ids, list(self.arrays.cap_unit)),
            "cap_remaining": pa.array(tidy_many(by_row(ch.remaining)), from_pandas=True),
            "cap_demand": pa.array(tidy_many(by_row(d.value)), from_pandas=True),
            "cap_utilisation_after": pa.array(tidy_many(by_row(ch.utilisation_after)), from_pandas=True),
            "cap_fits": fits_column,
            "cap_reduce_by": pa.array(tidy_many(by_row(ch.reduce_by)), from_pandas=True),
            "reuse_rate_to_fit": pa.array(tidy_many(by_row(ch.reuse)), from_pandas=True),
            "caps": self._caps_column(c, n, exceeded_only=False),
            "caps_exceeded": self._caps_column(c, n, exceeded_only=True),
            "standards": self._standards_column(a, n),
            "eia_category": pa.array(c.category, type=pa.string(), from_pandas=True),
            "regional_category": pa.array(c.regional, type=pa.string(), from_pandas=True),
        }
        for pollutant in self.offset_pollutants:
            column = np.full(n, np.nan)
            o = a.offsets
            mine = np.array([self.arrays.offsets[k].pollutant == pollutant for k in o.offset], dtype=bool)
            column[o.row[mine]] = tidy_many(o.required[mine])
            columns[f"offset_{pollutant}_t_a"] = pa.array(column, from_pandas=True)
        for pollutant in sorted(a.columns.effluent):
            column = np.full(n, np.nan)
            mine = a.intake.pollutant == pollutant
            column[a.intake.row[mine]] = tidy_many(a.intake.load[mine])
            columns[f"intake_{pollutant}_t_a"] = pa.array(column, from_pandas=True)
        columns["capacity_taken_by"] = pa.array(resolved.taken_by if resolved.taken_by is not None
                                                else np.full(n, None, object), type=pa.string(), from_pandas=True)
        columns["error"] = _strings(error_codes, list(error_texts))
        table = pa.table([columns[f.name] for f in schema], schema=schema)
        admitted = (c.verdict == "pass") | (c.verdict == "conditional")
        return Finished(table, bits, c.verdict, {"row": d.row, "cap": d.cap, "demand": d.value,
                                                 "remaining": ch.remaining, "fits": ch.fits,
                                                 "util_after": ch.utilisation_after, "admitted": admitted[d.row]})

    def _caps_column(self, c: Concluded, n: int, exceeded_only: bool) -> pa.Array:
        d, ch = c.a.demands, c.checks
        threshold = self.arrays.cap_threshold[d.cap]
        outcome = np.where(~ch.known, 0, np.where(~ch.fits, 1, np.where(ch.utilisation_after > threshold, 2, 3)))
        keep = outcome == 1 if exceeded_only else np.ones(len(d), dtype=bool)
        labels = {}

        def label(cap, code):
            key = (cap, code)
            if key not in labels:
                spec = self.caps[cap]
                labels[key] = (spec.metric + "/" + spec.basis if exceeded_only else
                               cap_outcome(spec.metric, spec.basis, None if code == 0 else code != 1, code == 2))
            return labels[key]

        return _joined(d.row[keep], d.cap[keep] * 4 + outcome[keep], n, lambda k: label(k // 4, k % 4),
                       ";" if exceeded_only else "; ")

    def _standards_column(self, a: Assessed, n: int) -> pa.Array:
        cmp = a.comparisons
        if cmp is None:
            return pa.array(np.full(n, None, dtype=object), type=pa.string(), from_pandas=True)
        outcome = np.where(np.isnan(cmp.complies), 2, cmp.complies).astype(np.int64)
        keys, table = factorize_rows(cmp.pollutant, cmp.point, cmp.selection, outcome,
                                     np.where(cmp.kind == RATE, np.round(cmp.limit, 4), 0.0))
        first = {}
        for k, code in enumerate(keys):
            first.setdefault(int(code), k)

        def label(code):
            k = first[code]
            return standard_label(*_check_limit(cmp, k))

        return _joined(cmp.row, keys, n, label, "; ")


def _check_limit(cmp, k: int):
    """(pollutant, point, limit, limit_text, unit, complies) of comparison ``k``, as ``StandardCheck`` has them."""
    sel = cmp.selections[cmp.selection[k]]
    complies = None if np.isnan(cmp.complies[k]) else bool(cmp.complies[k])
    if cmp.kind[k] == RATE:
        return cmp.pollutant[k], cmp.point[k], round(float(cmp.limit[k]), 4), None, "kg/h", complies
    figure = sel.figure
    limit = list(figure) if isinstance(figure, tuple) else figure
    return (cmp.pollutant[k], cmp.point[k], limit, sel.figure_text, sel.limit.unit if sel.limit else "—", complies)


def _joined(row: np.ndarray, key: np.ndarray, n: int, label, sep: str) -> pa.Array:
    """A text column: per row, the labels of its entries (``key``, in entry order) joined by ``sep``;
    each distinct sequence of entries is joined once."""
    if row.size == 0:
        return pa.array(np.full(n, None, dtype=object), type=pa.string(), from_pandas=True)
    order = np.argsort(row, kind="stable")
    row, key = row[order], key[order]
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    position = np.arange(row.size) - np.repeat(starts, np.diff(np.r_[starts, row.size]))
    width = int(position.max()) + 1
    grid = np.full((starts.size, width), -1, dtype=np.int64)
    grid[np.repeat(np.arange(starts.size), np.diff(np.r_[starts, row.size])), position] = key
    codes, distinct = factorize_rows(*grid.T)
    texts = [sep.join(label(int(k)) for k in combo if k >= 0) for combo in distinct]
    out = np.full(n, None, dtype=object)
    out[row[starts]] = np.array(texts, dtype=object)[codes]
    return pa.array(out, type=pa.string(), from_pandas=True)


def _error_text(error) -> str | None:
    if error is None:
        return None
    if isinstance(error, ProjectError):
        return f"{error.field}: {error.why}" if error.field else error.why
    return str(error)


def _verdict_index(verdict: np.ndarray) -> np.ndarray:
    index = np.zeros(len(verdict), dtype=np.int64)
    for i, name in enumerate(VERDICTS):
        index[verdict == name] = i
    return index


def _strings(indices: np.ndarray, dictionary: list) -> pa.Array:
    """A string column from indices into ``dictionary`` (-1: null), without a Python string per row."""
    indices = np.asarray(indices, dtype=np.int64)
    missing = indices < 0
    values = pa.array([str(v) if v is not None else "" for v in dictionary] or [""], type=pa.string())
    coded = pa.DictionaryArray.from_arrays(pa.array(np.where(missing, 0, indices).astype(np.int32), mask=missing),
                                           values)
    return coded.cast(pa.string())


def _codes_column(bits: np.ndarray) -> pa.Array:
    uniques, inverse = np.unique(bits, return_inverse=True)
    texts = [";".join(c for c in CODES if int(u) & int(BIT[c])) for u in uniques]
    return _strings(inverse.ravel().astype(np.int64), texts)


class _OneRow:
    """The one-row path for a suspect row: the project as a file would give it, then ``locate``."""

    def __init__(self, table: pa.Table, columns: Columns, start: int, geometry, geometry_crs):
        self.table, self.columns, self.start = table, columns, start
        self.geometry, self.geometry_crs = geometry, geometry_crs

    def row(self, i: int) -> dict:
        return self.table.slice(i, 1).to_pylist()[0]

    def error(self, i: int) -> ProjectError:
        source = f"row {self.start + i + 1}"
        geometry = self.geometry[i] if self.geometry is not None else None
        try:
            data = row_to_project_data(self.row(i), self.columns, source, geometry, self.geometry_crs)
            project = project_from_data(data, source)
            locate(project.location, source)
        except ProjectError as exc:
            return detached(exc)  # kept as the row's error
        except (ValueError, TypeError, OverflowError) as exc:  # e.g. non-finite coordinates from a layer
            return ProjectError(source, "location", f"cannot place the site ({exc})")
        return ProjectError(source, None, "internal: the batch refused this row but a single screening accepts it; "
                                          "screen it alone and report the difference")


class _SequentialState:
    """Capacity taken so far by admitted rows of the batch, per cap, in input order."""

    def __init__(self, engine: BatchEngine):
        self.engine = engine
        self.consumed = [0.0] * len(engine.caps)
        self.history: list[list[float]] = [[] for _ in engine.caps]  # remaining after each admitted row
        self.takers: list[list[str]] = [[] for _ in engine.caps]

    def take(self, demands: dict) -> Resolved:
        engine = self.engine
        cap_row, cap_id, demand = demands["cap_row"], demands["cap_id"], demands["demand"]
        n = len(demands["base_ok"])
        committed = engine.cap_committed[cap_id] if len(engine.caps) else np.array([])
        reserved = np.empty(cap_id.size)
        taken_by = np.full(n, None, dtype=object)
        ids = demands["id"]
        base_ok = demands["base_ok"]
        values = engine.cap_value
        cap_committed = engine.cap_committed.tolist()
        cap_reserved = engine.cap_reserved.tolist()
        starts = np.flatnonzero(np.r_[True, cap_row[1:] != cap_row[:-1]]) if cap_row.size else np.array([], int)
        ends = np.r_[starts[1:], cap_row.size]
        cap_list = cap_id.tolist()
        demand_list = demand.tolist()
        taken_list = tidy_many(demand).tolist()  # an admitted row takes its demand as reported (as a ledger records it)
        for s, t in zip(starts.tolist(), ends.tolist()):
            row = int(cap_row[s])
            admitted = bool(base_ok[row])
            first_misfit = None
            for k in range(s, t):
                c = cap_list[k]
                r = cap_reserved[c] + self.consumed[c]
                reserved[k] = r
                d = demand_list[k]
                if d != d:  # unknown demand: incomplete, not admitted
                    admitted = False
                    continue
                remaining = values[c] - (cap_committed[c] + r)
                if not fits(d, remaining):
                    admitted = False
                    if first_misfit is None:
                        first_misfit = (c, d)
            if admitted:
                for k in range(s, t):
                    c = cap_list[k]
                    self.consumed[c] = self.consumed[c] + taken_list[k]
                    self.history[c].append(values[c] - (cap_committed[c] + (cap_reserved[c] + self.consumed[c])))
                    self.takers[c].append(str(ids[row]))
            elif first_misfit is not None:
                c, d = first_misfit
                if fits(d, values[c] - (cap_committed[c] + cap_reserved[c])):  # it fitted before the batch's rows
                    history = self.history[c]
                    # remaining falls with each admitted row: find the first after which d no longer fits
                    lo, hi = 0, len(history)
                    while lo < hi:
                        mid = (lo + hi) // 2
                        if fits(d, history[mid]):
                            lo = mid + 1
                        else:
                            hi = mid
                    if lo < len(history):
                        taken_by[row] = self.takers[c][lo]
        return Resolved(committed, reserved, taken_by)


def result_row(result, error: str | None = None, offset_pollutants=(), effluent=()) -> dict:
    """The output row ``batch`` writes for a :class:`~regional_eia.result.ScreeningResult` (or an error).

    This is the contract between the two paths: for every input row, the batch engine's row equals
    ``result_row(screen(project, lang=...))`` on every column.
    """
    if error is not None:
        return {"verdict": "error", "codes": "", "main_code": None, "main_reason": None, "error": error}
    codes = {f.code for f in result.findings}
    main = main_code(codes)
    main_reason = next((f.message for f in result.findings if f.code == main), None)
    outside = next((f for f in result.findings if f.code == "OUTSIDE_PARK"), None)
    row = {
        "project_id": result.project_id,
        "project_name": result.project_name,
        "verdict": result.verdict,
        "codes": ";".join(c for c in CODES if c in codes),
        "main_code": main,
        "main_reason": main_reason,
        "park": result.location.park,
        "control_units": ";".join(result.location.control_units),
        "lon": result.location.point_wgs84[0],
        "lat": result.location.point_wgs84[1],
        "nearest_park": outside.values.get("nearest_park") if outside else None,
        "nearest_park_m": outside.values.get("distance_m") if outside else None,
        "eia_category": result.eia_category.category if result.eia_category else None,
        "regional_category": result.eia_category.regional_category if result.eia_category else None,
        "error": None,
    }
    binding = None
    for check in result.capacity:
        score = check.utilisation_after if check.demand is not None else -np.inf
        if binding is None or score > binding[0]:
            binding = (score, check)
    check = binding[1] if binding else None
    high = {(f.values["metric"], f.values["basis"]) for f in result.findings if f.code == "CAPACITY_HIGH_UTILISATION"}
    row.update({
        "binding_cap": f"{check.metric}/{check.basis}" if check else None,
        "cap_unit": check.unit if check else None,
        "cap_remaining": check.remaining if check else None,
        "cap_demand": check.demand if check else None,
        "cap_utilisation_after": check.utilisation_after if check else None,
        "cap_fits": check.fits if check else None,
        "cap_reduce_by": check.reduce_by if check else None,
        "reuse_rate_to_fit": check.reuse_rate_to_fit if check else None,
        "caps": "; ".join(cap_outcome(c.metric, c.basis, c.fits, (c.metric, c.basis) in high)
                          for c in result.capacity) or None,
        "caps_exceeded": ";".join(f"{c.metric}/{c.basis}" for c in result.capacity if c.fits is False) or None,
        "standards": "; ".join(standard_label(s.pollutant, s.point, s.limit, s.limit_text, s.unit, s.complies)
                               for s in result.standards) or None,
    })
    for pollutant in offset_pollutants:
        row[f"offset_{pollutant}_t_a"] = next((o.required for o in result.offsets if o.pollutant == pollutant), None)
    for pollutant in effluent:
        row[f"intake_{pollutant}_t_a"] = next((i.load_t_a for i in result.intake_loads if i.pollutant == pollutant),
                                              None)
    return row
