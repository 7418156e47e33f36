"""Projects for the ledger from a batch sheet: the rows a committee approved, without a YAML file each.

``ledger reserve|commit SHEET --rows ID,...`` or ``--admitted RESULTS`` reads the named rows of a batch
input (any format ``regional-eia batch`` reads: CSV, Excel, GeoPackage, GeoJSON, GeoParquet) exactly as
the batch reads them, and records them as one action, all or nothing (:meth:`Ledger.record_many`).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LedgerError, ProjectError
from ..project import Project, project_from_data
from .models import normalise_code

__all__ = ["projects_from_sheet", "admitted_ids"]


def admitted_ids(results: str | Path) -> list[str]:
    """The project ids a batch result admitted (verdict pass or conditional), in its order."""
    from ..report.batch import ADMITTED, load_batch

    rows = load_batch(results).rows
    return [normalise_code(str(r.project_id)) for r in rows.itertuples() if r.verdict in ADMITTED]


def projects_from_sheet(path: str | Path, ids: list[str] | None = None, *, admitted_in: str | Path | None = None,
                        encoding: str | None = None, mapping: str | Path | None = None, crs: str | None = None,
                        layer: str | None = None) -> list[Project]:
    """The projects of ``path`` whose ids are ``ids`` (in that order), or all those ``admitted_in`` admitted.

    With both, the ids must be among the admitted ones. Every id must be in the sheet once; every row
    asked for must read as a project. Otherwise nothing is returned: a :class:`LedgerError` or the
    row's :class:`~regional_eia.errors.ProjectError` names the file, the row and what is wrong.
    """
    from ..batch import open_input
    from ..batch.schema import cell_text, row_to_project_data

    path = Path(path)
    if ids is None and admitted_in is None:
        raise LedgerError(path, "a batch sheet: name the rows to record (--rows ID,ID,... or --admitted RESULTS)")
    wanted = [normalise_code(i) for i in ids] if ids is not None else None
    if admitted_in is not None:
        admitted = admitted_ids(admitted_in)
        if wanted is None:
            wanted = admitted
        else:
            refused = [i for i in wanted if i not in admitted]
            if refused:
                raise LedgerError(admitted_in, f"{', '.join(refused)} not admitted there (its verdict is not pass or "
                                               "conditional): leave them out, or screen them again")
        if not wanted:
            raise LedgerError(admitted_in, "admits no project (no row with verdict pass or conditional)")
    twice = sorted({i for i in wanted if wanted.count(i) > 1})
    if twice:
        raise LedgerError(path, f"row id(s) {', '.join(twice)} asked for more than once")
    source = open_input(path, encoding=encoding, mapping=mapping, crs=crs, layer=layer)
    id_column = source.columns.base.get("id")
    found: dict[str, tuple[int, Project]] = {}
    for chunk in source.chunks:
        rows = chunk.table.to_pylist()
        for i, row in enumerate(rows):
            number = chunk.start + i + 1
            row_id = cell_text(row.get(id_column)) if id_column else None
            key = normalise_code(row_id) if row_id else None
            if key not in wanted:
                continue
            if key in found:
                raise LedgerError(path, f"project id {key} is on rows {found[key][0]} and {number}: which one is meant?")
            where = f"{path}: row {number}"
            geometry = chunk.geometry[i] if chunk.geometry is not None else None
            try:
                data = row_to_project_data(row, source.columns, where, geometry, source.geometry_crs)
                found[key] = (number, project_from_data(data, where))
            except ProjectError:
                raise
            except (ValueError, TypeError) as exc:
                raise LedgerError(where, f"cannot read the row as a project ({exc})") from exc
    missing = [i for i in wanted if i not in found]
    if missing:
        raise LedgerError(path, f"no row with project id {', '.join(missing)}"
                                + ("" if id_column else " (the sheet has no id column)"))
    return [found[i][1] for i in wanted]
