"""Figures and codes of a loaded catalogue that cannot be, refused at load and by ``catalog check``.

The models refuse what one field can show wrong (an infinite cap, a negative commitment, two caps for
one metric and basis). What needs another table to see is checked here, once the catalogue and its
standards are loaded:

- a WWTP's effluent class must be a class of its effluent standard (``1C`` is not a GB 18918-2002
  class: no effluent figure would be found, and every final-discharge load would be missing);
- every industry code of an access list, a setback, a WWTP's dedicated industries and a regional
  assessment's exclusions must be a code (or prefix) of GB/T 4754-2017: an access entry for ``C2520``
  (a 2011 code) prohibits nothing.

Each raises :class:`~zones.errors.CatalogError` naming the file, the zone, the field and the value.
"""

from __future__ import annotations

from standards.industry_codes import is_known, nearest

from .errors import CatalogError

__all__ = ["check_figures"]


def check_figures(catalog) -> None:
    """Raise for the first figure or code of ``catalog`` that cannot be (see the module docstring)."""
    _check_effluent_classes(catalog)
    _check_industry_codes(catalog)


def _check_effluent_classes(catalog) -> None:
    for zone_id, zone in catalog.parks.items():
        wwtp = zone.park.wwtp
        if wwtp is None or wwtp.effluent_standard not in catalog.standards.standards:
            continue  # an unknown standard is reported by the reference checks
        classes = sorted({limit.column_tags["class"] for limit in catalog.standards.rows(wwtp.effluent_standard)
                          if "class" in limit.column_tags})
        if not classes:
            continue  # a permit standard without classes: the figures are the WWTP's own
        if wwtp.effluent_class not in classes:
            raise CatalogError(
                catalog.source, zone_id, "park.wwtp.effluent_class",
                f"{wwtp.effluent_class!r} is not a class of {wwtp.effluent_standard} "
                f"(its classes: {', '.join(classes)})",
            )


def _industry_fields(catalog):
    """(zone or scope, field, codes) for every place a catalogue names industries."""
    lists = [(zone_id, "park.access", zone.park.access) for zone_id, zone in catalog.parks.items()]
    lists += [(zone_id, "control_unit.access", unit.access) for zone_id, unit in catalog.control_units.items()]
    lists += [(None, f"control_unit_access.{cls}", access) for cls, access in catalog.spec.control_unit_access.items()]
    for zone_id, field, access in lists:
        for part in ("prohibited", "restricted", "encouraged"):
            for number, rule in enumerate(getattr(access, part)):
                yield zone_id, f"{field}.{part}.{number}.codes", rule.codes
    for zone_id, zone in catalog.parks.items():
        park = zone.park
        if park.wwtp is not None:
            yield zone_id, "park.wwtp.dedicated_industries", park.wwtp.dedicated_industries
        if park.regional_assessment is not None:
            yield zone_id, "park.regional_assessment.excluded_industries", park.regional_assessment.excluded_industries
    for zone_id, receptor in catalog.receptors.items():
        for number, setback in enumerate(receptor.setbacks):
            yield zone_id, f"receptor.setbacks.{number}.industries", setback.industries


def _check_industry_codes(catalog) -> None:
    for zone_id, field, codes in _industry_fields(catalog):
        for code in codes:
            if not is_known(code):
                close = nearest(code, classes_only=False)
                hint = f"; nearest: {', '.join(close)}" if close else ""
                raise CatalogError(
                    catalog.source, zone_id, field,
                    f"{code!r} is not a code of GB/T 4754-2017, so it would match no project{hint}",
                )
