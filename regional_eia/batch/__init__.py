"""Batch screening: a province's or the country's projects, in chunks, with the engine of ``screen``.

>>> from regional_eia.batch import screen_batch          # doctest: +SKIP
>>> summary = screen_batch("projects.csv", "screened.parquet", mode="sequential")   # doctest: +SKIP
>>> summary.by_verdict                                     # doctest: +SKIP
{'pass': 812, 'conditional': 101, 'fail': 77, 'incomplete': 9, 'error': 1}

See :mod:`.schema` for the input columns, :mod:`.writers` for the outputs, :mod:`.engine` for how
the screening is done over columns, and :mod:`.dask_engine` for running it on a Dask cluster.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zones.catalog import Catalog, load_catalog

from ..capacity import CapacityBook, fits
from .engine import BASE_COLUMNS, BIT, CODES, BatchEngine, Finished, Mode
from .readers import INPUT_FORMATS, Source, open_input
from .schema import BatchInputError, row_to_project_data
from .writers import OUTPUT_FORMATS, open_output

__all__ = ["screen_batch", "screen_frames", "BatchSummary", "BatchEngine", "BatchInputError", "open_input",
           "open_output", "row_to_project_data", "BASE_COLUMNS", "INPUT_FORMATS", "OUTPUT_FORMATS", "Tally"]

VERDICTS = ("pass", "conditional", "fail", "incomplete", "error")


@dataclass
class BatchSummary:
    """What a batch came to: counts by verdict and finding code, each cap after the batch, timings."""

    input: str
    output: str
    mode: str
    rows: int
    by_verdict: dict[str, int]
    by_code: dict[str, int]
    caps: list[dict[str, Any]]
    seconds: float
    stages: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return self.by_verdict.get("error", 0)

    def as_json(self) -> dict[str, Any]:
        return {"input": self.input, "output": self.output, "mode": self.mode, "rows": self.rows,
                "by_verdict": self.by_verdict, "by_code": self.by_code, "caps": self.caps,
                "seconds": round(self.seconds, 3), "stages": {k: round(v, 3) for k, v in self.stages.items()},
                "warnings": self.warnings, "notes": self.notes}


class Tally:
    """Counts and each cap's admitted demand, added up chunk by chunk."""

    def __init__(self, engine: BatchEngine):
        self.engine = engine
        self.rows = 0
        self.verdicts = dict.fromkeys(VERDICTS, 0)
        self.codes = dict.fromkeys(CODES, 0)
        self.admitted = np.zeros(len(engine.caps))
        self.admitted_count = np.zeros(len(engine.caps), dtype=np.int64)

    def add(self, finished: Finished) -> None:
        self.rows += len(finished)
        names, counts = np.unique(finished.verdict.astype(str), return_counts=True)
        for verdict, count in zip(names, counts):
            self.verdicts[str(verdict)] += int(count)
        bits = finished.bits
        for code in CODES:
            self.codes[code] += int(((bits & BIT[code]) != 0).sum())
        caps = finished.caps
        if caps is not None and len(caps["cap"]):
            take = caps["admitted"] & ~np.isnan(caps["demand"])
            np.add.at(self.admitted, caps["cap"][take], caps["demand"][take])
            np.add.at(self.admitted_count, caps["cap"][take], 1)

    def caps(self) -> list[dict[str, Any]]:
        e = self.engine
        table = []
        for i, cap in enumerate(e.caps):
            committed, reserved = float(e.cap_committed[i]), float(e.cap_reserved[i])
            before = committed + reserved
            after = before + float(self.admitted[i])
            table.append({"park": e.parks[e.cap_park[i]], "metric": cap.metric, "basis": cap.basis, "unit": cap.unit,
                          "cap": cap.value, "committed": committed, "reserved": reserved,
                          "admitted_projects": int(self.admitted_count[i]), "admitted_demand": float(self.admitted[i]),
                          "utilisation_before": before / cap.value, "utilisation_after": after / cap.value,
                          "remaining_after": cap.value - after, "over": not fits(after - before, cap.value - before),
                          "source": e.cap_sources[i]})
        return table


def screen_frames(source: Source, engine: BatchEngine) -> Iterator[Finished]:
    """The result rows of every chunk of ``source``, in input order."""
    while True:
        began = time.perf_counter()
        chunk = next(source.chunks, None)
        engine.timings["read"] = engine.timings.get("read", 0.0) + time.perf_counter() - began
        if chunk is None:
            return
        assessed = engine.assess(chunk.table, source.columns, chunk.start, chunk.geometry, source.geometry_crs)
        resolved = engine.resolve(assessed)
        with engine._timed("finish"):
            frame = engine.finish(assessed, resolved)
        yield frame


def screen_batch(input: str | Path, output: str | Path, *, catalog: Catalog | None = None,
                 on: dt.date | None = None, book: CapacityBook | None = None, mode: Mode = "independent",
                 chunk_size: int = 100_000, encoding: str | None = None, mapping: str | Path | dict | None = None,
                 crs: str | None = None, layer: str | None = None, nearest_park: bool = False,
                 ignore_columns: tuple[str, ...] = (), lang: str = "en", engine: str = "local",
                 scheduler: str | None = None,
                 progress: Callable[[int, int | None], None] | None = None) -> BatchSummary:
    """Screen every row of ``input`` and write one result row per input row, in order, to ``output``.

    Parameters
    ----------
    input, output
        Files, their formats taken from the extensions (:data:`INPUT_FORMATS`, :data:`OUTPUT_FORMATS`).
    catalog, on, book
        As for :func:`regional_eia.screen`: the catalogue (default the demo), the date (default today),
        and where committed/reserved capacity comes from (a ledger; asked once per cap).
    mode
        ``independent`` (each row against the current capacity) or ``sequential`` (rows take
        capacity in input order; ``capacity_taken_by`` names the earlier row that took the room).
    chunk_size
        Rows per chunk; memory grows with it, not with the input.
    encoding, mapping, crs, layer
        CSV encoding (default: UTF-8, else GB18030/GBK), a column mapping file, the CRS of rows
        without one, and the layer or sheet to read.
    nearest_park
        Fill ``nearest_park`` and ``nearest_park_m`` for sites outside every park (slower).
    ignore_columns
        Columns that look like quantities but are not to be read (otherwise such a column is an error
        for the whole file: see :func:`.schema.parse_columns`).
    lang
        The language of each row's ``main_reason`` (``en`` or ``zh``).
    engine, scheduler
        ``local`` (this process), or ``dask``: partitions screened on a Dask cluster, the one at
        ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``) or a local one (:mod:`.dask_engine`).
    progress
        Called with (rows done, rows in all when known) after each chunk.

    Returns
    -------
    BatchSummary
        Counts by verdict (``error`` for rows that could not be screened) and finding code, each cap
        after the batch (admitted: pass or conditional), and the seconds spent per stage.
    """
    if engine == "dask":
        from .dask_engine import screen_batch_dask

        return screen_batch_dask(input, output, catalog=catalog, on=on, book=book, mode=mode, chunk_size=chunk_size,
                                 encoding=encoding, mapping=mapping, crs=crs, layer=layer, nearest_park=nearest_park,
                                 scheduler=scheduler, ignore_columns=ignore_columns, lang=lang, progress=progress)
    if engine != "local":
        raise BatchInputError("--engine", f"unknown engine {engine!r}; use local or dask")
    began = time.perf_counter()
    catalog = catalog or load_catalog()
    on = on or dt.date.today()
    source = open_input(input, chunk_size=chunk_size, encoding=encoding, mapping=mapping, crs=crs, layer=layer,
                        ignore_columns=ignore_columns)
    batch = BatchEngine(catalog, on, book=book, mode=mode, nearest_park=nearest_park, lang=lang)
    tally = Tally(batch)
    with open_output(output) as writer:
        for frame in screen_frames(source, batch):
            with batch._timed("write"):
                writer.write(frame.table)
            tally.add(frame)
            if progress is not None:
                progress(tally.rows, source.rows)
    return BatchSummary(
        input=str(input), output=str(output), mode=mode, rows=tally.rows,
        by_verdict={k: v for k, v in tally.verdicts.items()}, by_code={k: v for k, v in tally.codes.items() if v},
        caps=tally.caps(), seconds=time.perf_counter() - began, stages=dict(batch.timings),
        warnings=list(source.warnings), notes=list(source.notes),
    )
