"""``regional-eia schema``: JSON Schemas of the input files and the result, for editors and validators."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from ._app import out, sub_app

schema_app = sub_app("schema", "JSON Schemas of the input files, for editors and validators.")


@schema_app.command("catalog")
def schema_catalog() -> None:
    """JSON Schema of catalog.yaml."""
    from zones.model import CatalogSpec

    out.print_json(json.dumps(CatalogSpec.model_json_schema(by_alias=True)), highlight=False)


@schema_app.command("project")
def schema_project() -> None:
    """JSON Schema of a project file."""
    from regional_eia.project import Project

    out.print_json(json.dumps(Project.model_json_schema()), highlight=False)


@schema_app.command("batch")
def schema_batch(
    format: Annotated[str, typer.Option("--format", "-f", help="text (a table), markdown (README's) or json.")]
    = "text",
) -> None:
    """The batch input columns, with the Chinese headers each is also read from."""
    from regional_eia.batch.schema import batch_schema_rows, batch_schema_markdown

    if format == "json":
        out.print_json(json.dumps(batch_schema_rows(), ensure_ascii=False), highlight=False)
    elif format == "markdown":
        out.print(batch_schema_markdown(), markup=False, highlight=False, soft_wrap=True)
    else:
        from rich import box
        from rich.table import Table

        table = Table(title="Batch input columns (regional-eia batch)", box=box.SIMPLE_HEAD, expand=True)
        for col in ("column", "also read from", "meaning"):
            table.add_column(col)
        for row in batch_schema_rows():
            table.add_row(row["column"], ", ".join(row["aliases"]), row["meaning"])
        out.print(table)


@schema_app.command("result")
def schema_result() -> None:
    """JSON Schema of `screen --format json` output."""
    from regional_eia.result import ScreeningResult

    out.print_json(json.dumps(ScreeningResult.model_json_schema()), highlight=False)
