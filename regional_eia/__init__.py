"""regional-eia: screen proposed projects against a park's zoning, carrying capacity and standards.

>>> from regional_eia import screen, load_project, load_catalog
>>> result = screen(load_project("examples/fuyang-fine-chemicals.yaml"), load_catalog())
>>> result.verdict
'conditional'
"""

from zones import Catalog, load_catalog

from .errors import LocationError, ProjectError, RegionalEIAError
from .project import Project, load_project, project_from_data
from .result import Finding, ScreeningResult
from .screening import screen, screen_many

__version__ = "0.1.0"

__all__ = [
    "Catalog",
    "Finding",
    "LocationError",
    "Project",
    "ProjectError",
    "RegionalEIAError",
    "ScreeningResult",
    "load_catalog",
    "load_project",
    "project_from_data",
    "screen",
    "screen_many",
]
