"""Access lists (环境准入清单): which industries and processes a park or control unit prohibits,
restricts or encourages.

A project falls under a rule when its GB/T 4754 code starts with one of the rule's codes and, for a
rule that names process flags, it has one of them. The park's list is read first, then the list of
each control unit the site lies in (a unit's own entries, then those of its class). Each distinct
(list, industry, processes) is decided once and broadcast to the rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from standards.select import industry_matches
from zones.model import AccessList, IndustryRule

from .arrays import CatalogueArrays, factorize_rows
from .found import Found
from .zoning import _objects

__all__ = ["access_matches", "access_findings", "ACCESS_PARTS"]

ACCESS_PARTS = (("prohibited", "ACCESS_PROHIBITED"), ("restricted", "ACCESS_RESTRICTED"),
                ("encouraged", "ACCESS_ENCOURAGED"))


def access_matches(industry: str, processes: Sequence[str], access: AccessList
                   ) -> list[tuple[str, str, IndustryRule, str, list[str]]]:
    """The rules of one access list that an industry (with its process flags) falls under, in list order:
    ``(part, code, rule, matched_prefix, common_processes)``."""
    matches = []
    for part, code in ACCESS_PARTS:
        for rule in getattr(access, part):
            matched = industry_matches(industry, rule.codes)
            if not matched:
                continue
            if rule.processes and not set(rule.processes) & set(processes):
                continue
            matches.append((part, code, rule, matched, sorted(set(rule.processes) & set(processes))))
    return matches


def _list_of_zone(zone: int, arrays: CatalogueArrays) -> tuple[int, AccessList]:
    """The access list of a park or control unit zone, interned: units without a list of their own share
    the list of their class."""
    def build():
        catalog = arrays.catalog
        zone_id = arrays.zone_ids[zone]
        if arrays.kind[zone] == 0:
            access = catalog.park(zone_id).access
        else:
            unit = catalog.control_units[zone_id]
            own = unit.access
            if not (own.prohibited or own.restricted or own.encouraged):
                return arrays.memo("access_class", unit.unit_class,
                                   lambda: _intern(catalog.access_for_unit(zone_id), arrays))
            access = catalog.access_for_unit(zone_id)
        return _intern(access, arrays)

    return arrays.memo("access_zone", zone, build)


def _intern(access: AccessList, arrays: CatalogueArrays) -> tuple[int, AccessList]:
    lists = arrays.memo("access_lists", "all", list)
    index = arrays.memo("access_index", access, lambda: (lists.append(access), len(lists) - 1)[1])
    return index, lists[index]


def access_findings(rows_in_park: np.ndarray, park_zone: np.ndarray, unit_row: np.ndarray, unit_zone: np.ndarray,
                    industry: np.ndarray, processes: np.ndarray, arrays: CatalogueArrays) -> list[Found]:
    """One finding per rule of each row's lists (its park's, then its control units') that it falls under."""
    row = np.concatenate([rows_in_park, unit_row])
    zone = np.concatenate([park_zone, unit_zone])
    if row.size == 0:
        return []
    order = np.lexsort((np.arange(row.size), row))  # row by row: the park's list first, then the units in order
    row, zone = row[order], zone[order]
    is_park = order < rows_in_park.size
    uniques, inverse = np.unique(zone, return_inverse=True)
    list_of = np.array([_list_of_zone(int(z), arrays)[0] for z in uniques], dtype=np.int64)[inverse.ravel()]
    lists = arrays.memo("access_lists", "all", list)
    key_codes, key_table = factorize_rows(list_of, industry[row], processes[row])
    matches = [arrays.memo("access", key, lambda key=key: access_matches(
        key[1], tuple(key[2].split(";")) if key[2] else (), lists[key[0]])) for key in key_table]
    counts = np.array([len(m) for m in matches], dtype=np.int64)[key_codes]
    if counts.sum() == 0:
        return []
    pair = np.repeat(np.arange(row.size), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    picked = [matches[key_codes[p]][w] for p, w in zip(pair, within)]
    blocks = []
    catalog = arrays.catalog
    for part, code in ACCESS_PARTS:
        keep = np.array([m[0] == part for m in picked], dtype=bool)
        if not keep.any():
            continue
        sel = pair[keep]
        chosen = [m for m, k in zip(picked, keep) if k]
        zone_ids = arrays.zone_ids[zone[sel]]
        park_list = is_park[sel]
        unit_codes = np.where(park_list, None, arrays.unit_code[zone[sel]])
        p = np.where(park_list, arrays.zone_park[zone[sel]], -1)
        unit_class = np.array([None if pk else catalog.control_units[z].unit_class
                               for pk, z in zip(park_list, zone_ids)], dtype=object)
        blocks.append(Found(code, row[sel], {
            "part": part, "list_kind": np.where(park_list, "park", "control_unit").astype(object),
            "list_name": np.where(park_list, arrays.park_name[p], ""),
            "list_name_en": np.where(park_list, arrays.park_name_en[p], None),
            "unit_code": unit_codes, "unit_class": unit_class,
            "industry": industry[row[sel]],
            "matched_code": np.array([m[3] for m in chosen], dtype=object),
            "processes": _objects([tuple(m[2].processes) for m in chosen]),
            "common_processes": _objects([tuple(m[4]) for m in chosen]),
            "reason": np.array([m[2].reason for m in chosen], dtype=object),
            "conditions": np.array([m[2].conditions for m in chosen], dtype=object)},
            zone=zone_ids, sources=_objects([(f"catalogue {z}.access.{part}",) for z in zone_ids])))
    return blocks
