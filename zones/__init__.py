"""Zone catalogues: parks with their caps, control units, red lines, water-source zones, receptors."""

from .catalog import Catalog, SpatialGroup, demo_catalog, load_catalog
from .errors import CatalogError, CRSError, GeometryError, ZonesError
from .model import CatalogSpec

__all__ = [
    "Catalog",
    "CatalogError",
    "CatalogSpec",
    "CRSError",
    "GeometryError",
    "SpatialGroup",
    "ZonesError",
    "demo_catalog",
    "load_catalog",
]
