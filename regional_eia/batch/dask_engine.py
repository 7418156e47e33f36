"""The batch engine on a Dask cluster: the same :class:`~.engine.BatchEngine`, one partition per task.

Partitions are read on the workers (``dask.dataframe.read_csv`` for CSV, ``dask_geopandas`` for
GeoPackage, GeoJSON and GeoParquet), so the input must be where every worker can read it (a shared
folder, or an object store URL). The catalogue is loaded once on the client and scattered to every
worker; capacity positions (catalogue or ledger) are read once on the client and sent as plain data.

``independent``: each partition is screened and finished on a worker. ``sequential``: each partition
is assessed on a worker; the client then walks the partitions in input order, taking capacity row by
row exactly as the local engine does (only rows in parks travel), and the workers finish the
partitions with the positions it computed. Results come back to the client in input order and are
written there, so the output is the local engine's, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from zones.catalog import Catalog, load_catalog

from ..capacity import CapacityBook
from . import BatchSummary, Tally
from .engine import BatchEngine, Mode
from .readers import open_input
from .schema import BatchInputError
from .writers import open_output

__all__ = ["screen_batch_dask"]

_ENGINES: dict[tuple, BatchEngine] = {}


def _engine(catalog: Catalog, on: dt.date, positions: dict, nearest_park: bool = False,
            lang: str = "en") -> BatchEngine:
    key = (id(catalog), on, nearest_park, lang)
    engine = _ENGINES.get(key)
    if engine is None or engine.catalog is not catalog:
        if len(_ENGINES) > 4:
            _ENGINES.clear()
        engine = _ENGINES[key] = BatchEngine(catalog, on, positions=positions, nearest_park=nearest_park, lang=lang)
    return engine


def _partition_table(part: pd.DataFrame, geometry_column: str | None):
    geometry = None
    if geometry_column is not None:
        geometry = np.asarray(part[geometry_column].values, dtype=object)
        part = pd.DataFrame(part.drop(columns=[geometry_column]))
    table = pa.Table.from_pandas(part, preserve_index=False)
    return table, geometry


def _assess(part, start, catalog, on, positions, columns, geometry_column, geometry_crs, nearest_park, lang):
    engine = _engine(catalog, on, positions, nearest_park, lang)
    table, geometry = _partition_table(part, geometry_column)
    return engine.assess(table, columns, start, geometry, geometry_crs)


def _demands(assessed, catalog, on, positions, nearest_park, lang):
    return _engine(catalog, on, positions, nearest_park, lang).capacity_demands(assessed)


def _finish(assessed, resolved, catalog, on, positions, nearest_park, lang):
    engine = _engine(catalog, on, positions, nearest_park, lang)
    resolved = resolved if resolved is not None else engine.resolve(assessed)
    return engine.finish(assessed, resolved)


def _read_partitions(source, path: Path, chunk_size: int, encoding: str | None):
    """The input as a Dask DataFrame with the reader's header, and its geometry column (if any)."""
    import dask.dataframe as dd

    if source.format == "csv":
        frame = dd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding=source.encoding,
                            blocksize=max(1 << 20, chunk_size * 200))
        return frame, None
    import dask_geopandas

    if source.format == "parquet":
        if source.geometry_crs is not None:
            return dask_geopandas.read_parquet(path), "geometry"
        return dd.read_parquet(path), None
    if source.format in ("gpkg", "geojson"):
        npartitions = max(1, -(-(source.rows or chunk_size) // chunk_size))
        frame = dask_geopandas.read_file(path, npartitions=npartitions)
        return frame, frame.geometry.name
    raise BatchInputError(path, f"the dask engine reads CSV, GeoPackage, GeoJSON and (Geo)Parquet, not "
                                f"{source.format}; use --engine local")


def screen_batch_dask(input: str | Path, output: str | Path, *, catalog: Catalog | None = None,
                      on: dt.date | None = None, book: CapacityBook | None = None, mode: Mode = "independent",
                      chunk_size: int = 100_000, encoding: str | None = None, mapping=None, crs: str | None = None,
                      layer: str | None = None, nearest_park: bool = False, scheduler: str | None = None,
                      client=None, ignore_columns: tuple[str, ...] = (), lang: str = "en",
                      progress: Callable[[int, int | None], None] | None = None) -> BatchSummary:
    """:func:`regional_eia.batch.screen_batch` on Dask: a local cluster, or ``scheduler`` (an address).

    Parameters are those of ``screen_batch``, plus ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``) or an
    existing ``client``. Without either, a ``LocalCluster`` with one single-threaded worker per core is
    started for the run and closed after it.
    """
    from dask.distributed import Client, LocalCluster

    began = time.perf_counter()
    path = Path(input)
    catalog = catalog or load_catalog()
    on = on or dt.date.today()
    if layer is not None:
        raise BatchInputError(path, "--layer is not supported by the dask engine; use --engine local")
    source = open_input(path, chunk_size=chunk_size, encoding=encoding, mapping=mapping, crs=crs,
                        ignore_columns=ignore_columns)
    if source.skip_rows > 1 or source.format == "excel":
        raise BatchInputError(path, "the dask engine reads plain tables (header on the first line, no units row, "
                                    "not Excel); use --engine local for this file")
    client_engine = BatchEngine(catalog, on, book=book, mode=mode, lang=lang)
    positions = client_engine.positions()
    tally = Tally(client_engine)
    own = None
    if client is None:
        if scheduler is not None:
            client = own = Client(scheduler)
        else:
            cluster = LocalCluster(threads_per_worker=1, processes=True, dashboard_address=None)
            client = own = Client(cluster)
    try:
        frame, geometry_column = _read_partitions(source, path, chunk_size, source.encoding)
        parts = frame.to_delayed()
        part_futures = client.compute(parts)
        lengths = client.gather(client.map(len, part_futures))
        starts = np.r_[0, np.cumsum(lengths)[:-1]].astype(int).tolist()
        [catalog_future] = client.scatter([catalog], broadcast=True)
        common = dict(catalog=catalog_future, on=on, positions=positions, nearest_park=nearest_park, lang=lang)
        assessed = [client.submit(_assess, part, start, columns=source.columns, geometry_column=geometry_column,
                                  geometry_crs=source.geometry_crs, **common, pure=False)
                    for part, start in zip(part_futures, starts)]
        if mode == "sequential":
            finished = []
            for future in assessed:  # in input order: each partition takes after the ones before it
                demands = client.submit(_demands, future, **common, pure=False).result()
                resolved = client_engine.sequential_state.take(demands)
                finished.append(client.submit(_finish, future, resolved, **common, pure=False))
        else:
            finished = [client.submit(_finish, future, None, **common, pure=False) for future in assessed]
        with open_output(output) as writer:
            for future in finished:
                result = future.result()
                writer.write(result.table)
                tally.add(result)
                if progress is not None:
                    progress(tally.rows, source.rows)
                future.release()
    finally:
        if own is not None:
            cluster = getattr(own, "cluster", None)
            own.close()
            if cluster is not None and scheduler is None:
                cluster.close()
    return BatchSummary(
        input=str(input), output=str(output), mode=mode, rows=tally.rows, by_verdict=dict(tally.verdicts),
        by_code={k: v for k, v in tally.codes.items() if v}, caps=tally.caps(),
        seconds=time.perf_counter() - began, stages={}, warnings=list(source.warnings),
    )
