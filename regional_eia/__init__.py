"""regional-eia: screen proposed projects against a park's zoning, carrying capacity and standards.

>>> from regional_eia import screen, load_project, load_catalog
>>> result = screen(load_project("examples/fuyang-fine-chemicals.yaml"), load_catalog())
>>> result.verdict
'conditional'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from zones import Catalog, load_catalog

from .errors import LedgerError, LocationError, ProjectError, RegionalEIAError
from .project import Project, load_project, project_from_data
from .result import Finding, ScreeningResult

if TYPE_CHECKING:
    from .ledger import Ledger, open_ledger
    from .screening import screen, screen_many
    from .whatif import what_if

__version__ = "0.1.0"

# Imported on first use, so that `import regional_eia` (and a command that only needs a project model)
# does not pay for the screening engine's, the ledger's and the what-if's imports.
_LAZY = {"Ledger": ".ledger", "open_ledger": ".ledger", "screen": ".screening", "screen_many": ".screening",
         "what_if": ".whatif"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Catalog",
    "Finding",
    "Ledger",
    "LedgerError",
    "LocationError",
    "Project",
    "ProjectError",
    "RegionalEIAError",
    "ScreeningResult",
    "load_catalog",
    "load_project",
    "open_ledger",
    "project_from_data",
    "screen",
    "screen_many",
    "what_if",
]
