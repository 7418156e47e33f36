"""A plain-data summary of a loaded catalogue (what ``regional-eia catalog check`` prints)."""

from __future__ import annotations

from typing import Any

import shapely

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
    units = []
    park_ids = list(catalog.parks)
    park_geoms = [zones.at[p, "geometry"] for p in park_ids]
    tree = shapely.STRtree(park_geoms) if park_geoms else None
    for zone_id, unit in catalog.control_units.items():
        hits = tree.query(zones.at[zone_id, "geometry"], predicate="intersects") if tree is not None else []
        access = unit.access
        units.append({
            "id": zone_id, "code": unit.code, "name": catalog.names.get(zone_id, zone_id), "class": unit.unit_class,
            "parks": [park_ids[i] for i in sorted(hits)],
            "texts": [key for key in ("spatial_layout", "emission_control", "risk_prevention", "resource_efficiency")
                      if getattr(access, key)],
        })
    return {
        "name": catalog.name,
        "source": catalog.source,
        "zones": len(zones),
        "zones_by_kind": {str(k): int(v) for k, v in zones["kind"].value_counts().sort_index().items()},
        "metric_crs": {f"EPSG:{int(k)}": int(v) for k, v in zones["metric_epsg"].value_counts().sort_index().items()},
        "parks": parks,
        "standards": sorted(catalog.standards.standards),
        "control_units": units,
        "warnings": list(catalog.warnings),
        "notes": list(catalog.notes),
    }
