"""``regional-eia batch``: screen every project of a file."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from ._app import EXIT_FAIL_VERDICT, app, err
from .options import CatalogOpt, LangOpt, OnOpt, ReadLedgerOpt, day, lang


class BatchMode(str, Enum):
    independent = "independent"
    sequential = "sequential"


class BatchEngineKind(str, Enum):
    local = "local"
    dask = "dask"


@app.command("batch")
def batch_command(
    input: Annotated[Path, typer.Argument(help="Projects, one per row: .csv (UTF-8 or GBK), .xlsx, .gpkg, .geojson "
                                               "or .parquet (columns: see the batch schema in README).",
                                          show_default=False)],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results by extension: .csv, .jsonl, .geojson, .gpkg, "
                                                          ".parquet or .xlsx; one row per input row, in order.",
                                      show_default=False)],
    catalog: CatalogOpt = None,
    ledger: ReadLedgerOpt = None,
    mode: Annotated[BatchMode, typer.Option(
        "--mode", help="independent: every row against the current capacity; sequential: rows take capacity in "
                       "input order.")] = BatchMode.independent,
    engine: Annotated[BatchEngineKind, typer.Option("--engine", help="local, or dask (partitions on a cluster).")]
    = BatchEngineKind.local,
    scheduler: Annotated[Optional[str], typer.Option(
        "--scheduler", help="--engine dask: address of a running Dask scheduler; default a local cluster.")] = None,
    chunk_size: Annotated[int, typer.Option("--chunk-size", min=1, help="Rows per chunk (memory grows with it).")]
    = 100_000,
    crs: Annotated[Optional[str], typer.Option("--crs", help="CRS of rows with no crs column or cell (e.g. 4490, "
                                                            "gcj02); of a layer that declares none.")] = None,
    encoding: Annotated[Optional[str], typer.Option("--encoding", help="CSV encoding; default UTF-8, else GBK.")]
    = None,
    mapping: Annotated[Optional[Path], typer.Option(
        "--mapping", help="YAML/JSON file renaming your columns to the schema's ({项目编号: id, 经度: lon}).")] = None,
    layer: Annotated[Optional[str], typer.Option("--layer", help="GeoPackage layer or Excel sheet.")] = None,
    summary: Annotated[Optional[Path], typer.Option(
        "--summary", help="Write the summary as JSON to this file instead of a table on stderr.")] = None,
    nearest_park: Annotated[bool, typer.Option(
        "--nearest-park", help="Fill nearest_park/nearest_park_m for sites outside every park (slower).")] = False,
    ignore_columns: Annotated[Optional[str], typer.Option(
        "--ignore-columns", help="Comma-separated columns that look like quantities but are not to be read "
                                 "(otherwise such a column stops the batch, so no row is screened without it).")]
    = None,
    on: OnOpt = None,
    language: LangOpt = None,
) -> None:
    """Screen every project of a file; exit 1 when any row erred (its reason is in its row)."""
    from regional_eia.batch import screen_batch
    from regional_eia.batch.render import render_batch_summary
    from zones import load_catalog

    from .ledger import open_book

    loaded = load_catalog(catalog)
    book = open_book(ledger, catalog, loaded, readonly=True) if ledger is not None else None
    options = dict(catalog=loaded, on=day(on), book=book, mode=mode.value, chunk_size=chunk_size,
                   encoding=encoding, mapping=mapping, crs=crs, layer=layer, nearest_park=nearest_park,
                   ignore_columns=tuple(c.strip() for c in (ignore_columns or "").split(",") if c.strip()),
                   lang=lang(language), engine=engine.value, scheduler=scheduler)
    try:
        if engine is BatchEngineKind.dask:
            from regional_eia.report.extras import require

            require("dask.distributed", "dask_geopandas", extra="dask", why="--engine dask")
        if err.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            with Progress(TextColumn("screening"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as bar:
                task = bar.add_task("rows", total=None)
                result = screen_batch(input, out, **options,
                                      progress=lambda done, total: bar.update(task, completed=done, total=total))
        else:
            result = screen_batch(input, out, **options)
    finally:
        if book is not None:
            book.close()
    if summary is not None:
        summary.write_text(json.dumps(result.as_json(), ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        render_batch_summary(result, err)
    if result.errors:
        raise typer.Exit(EXIT_FAIL_VERDICT)
