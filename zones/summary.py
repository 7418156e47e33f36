"""A plain-data summary of a loaded catalogue (what ``regional-eia catalog check`` prints)."""

from __future__ import annotations

from typing import Any

from .catalog import Catalog

__all__ = ["summarise"]


def summarise(catalog: Catalog) -> dict[str, Any]:
    """Zones by kind and metric CRS, each park's caps with utilisation, and load warnings.

    Examples
    --------
    >>> from zones import load_catalog
    >>> summarise(load_catalog())["zones_by_kind"]["park"]
    3
    """
    zones = catalog.zones
    parks = []
    for zone_id, zone in catalog.parks.items():
        park = zone.park
        parks.append({
            "id": zone_id,
            "name": zone.name,
            "metric_crs": f"EPSG:{int(zones.at[zone_id, 'metric_epsg'])}",
            "area_km2": round(float(zones.at[zone_id, "metric_geometry"].area) / 1e6, 3),
            "caps": [
                {"metric": c.metric, "value": c.value, "unit": c.unit, "basis": c.basis,
                 "committed": c.committed, "reserved": c.reserved,
                 "remaining": c.value - c.committed - c.reserved,
                 "utilisation": (c.committed + c.reserved) / c.value}
                for c in park.caps
            ],
        })
    return {
        "name": catalog.name,
        "source": catalog.source,
        "zones": len(zones),
        "zones_by_kind": {str(k): int(v) for k, v in zones["kind"].value_counts().sort_index().items()},
        "metric_crs": {f"EPSG:{int(k)}": int(v) for k, v in zones["metric_epsg"].value_counts().sort_index().items()},
        "parks": parks,
        "standards": sorted(catalog.standards.standards),
        "warnings": list(catalog.warnings),
    }
