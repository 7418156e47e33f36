"""Errors of the zone catalogue. Each names the file, the zone and the field, and says what was expected."""

from __future__ import annotations

__all__ = ["ZonesError", "CatalogError", "CRSError", "GeometryError"]


class ZonesError(Exception):
    """Root of every error the zones package raises."""


class CatalogError(ZonesError):
    """A catalogue file, zone or field is wrong."""

    def __init__(self, path: object, zone_id: str | None, field: str | None, why: str):
        self.path, self.zone_id, self.field, self.why = path, zone_id, field, why
        where = [str(path)]
        if zone_id:
            where.append(f"zone {zone_id}")
        if field:
            where.append(field)
        super().__init__(f"{': '.join(where)}: {why}")


class CRSError(ZonesError, ValueError):
    """A CRS that is missing, unknown, or that puts the coordinates somewhere they cannot be."""

    def __init__(self, spec: object, why: str):
        self.spec, self.why = spec, why
        super().__init__(f"crs {spec!r}: {why}")


class GeometryError(CatalogError):
    """An invalid geometry (with GEOS's reason) that the catalogue did not ask to repair."""
