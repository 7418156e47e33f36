"""regional-eia: screen proposed projects against a park's zoning, carrying capacity and standards.

>>> from regional_eia import screen, load_project, load_catalog
>>> result = screen(load_project("examples/fuyang-fine-chemicals.yaml"), load_catalog())
>>> result.verdict
'conditional'
"""

from zones import Catalog, load_catalog

from .errors import LedgerError, LocationError, ProjectError, RegionalEIAError
from .ledger import Ledger, open_ledger
from .project import Project, load_project, project_from_data
from .result import Finding, ScreeningResult
from .screening import screen, screen_many
from .whatif import what_if

__version__ = "0.1.0"

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
