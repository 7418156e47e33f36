"""``regional-eia schema``: JSON Schemas of the input files and the result, for editors and validators."""

from __future__ import annotations

import json

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


@schema_app.command("result")
def schema_result() -> None:
    """JSON Schema of `screen --format json` output."""
    from regional_eia.result import ScreeningResult

    out.print_json(json.dumps(ScreeningResult.model_json_schema()), highlight=False)
