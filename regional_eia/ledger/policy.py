"""The refusal policy: when a reserve, commit or release may be recorded, and what a release hands back.

Two kinds of refusal. *Hard* ones no override can set aside: no park, no caps, a demand nobody could
compute or that is not a finite quantity, a project already committed. *Soft* ones an override
(``--override --reason``) may set aside, and the override records them: an overspent cap, a failing
or incomplete finding.
"""

from __future__ import annotations

import math

from standards.units import convert
from zones.catalog import Catalog

from ..render import fmt
from ..result import ScreeningResult
from .balances import Balance
from .models import MAX_AMOUNT, TOLERANCE, CapKey, Kind, Line

__all__ = ["refusals", "release_all", "release_reduced"]


def _not_a_quantity(metric: str, basis: str, demand: float) -> str | None:
    if math.isfinite(demand) and abs(demand) <= MAX_AMOUNT:
        return None
    return (f"the demand on the {metric} ({basis}) cap is {demand:g}, not a finite quantity: check the project's "
            "figures (an override cannot record it; an infinite entry would make every balance of the park NaN)")


def refusals(kind: Kind, project_id: str, result: ScreeningResult, held: dict[str, dict[CapKey, Balance]],
             catalog: Catalog) -> tuple[list[str], list[str]]:
    """Why a reserve or commit is refused: (what no override can change, what an override may set aside)."""
    hard: list[str] = []
    park = result.location.park
    if park is None:
        where = next((f.message for f in result.findings if f.code in ("OUTSIDE_PARK", "PARTLY_OUTSIDE_PARK")), "")
        hard.append(f"the site is in no park, so there is no cap to record against: {where}".rstrip(": "))
        return hard, []
    if not catalog.park(park).caps:
        hard.append(f"park {park} has no caps in the catalogue: there is nothing for the ledger to keep")
    for check in result.capacity:
        if check.demand is None:
            hard.append(f"the demand on the {check.metric} ({check.basis}) cap is unknown: supply the missing "
                        "data (an override cannot record an amount nobody computed)")
        elif (why := _not_a_quantity(check.metric, check.basis, check.demand)) is not None:
            hard.append(why)
    committed_in = [p for p, caps in held.items() if any(b.committed > TOLERANCE for b in caps.values())]
    if committed_in:
        if kind == "commit":
            hard.append(f"{project_id} is already committed in {', '.join(committed_in)}; release it first, or "
                        "record the new phase under its own project id")
        else:
            hard.append(f"{project_id} is already committed in {', '.join(committed_in)}; a reservation would "
                        "count it twice")
    soft: list[str] = []
    for finding in result.findings:
        if finding.code == "CAPACITY_EXCEEDED":
            soft.append(f"would overspend: {finding.message}")
        elif finding.severity == "fail":
            soft.append(f"{finding.code}: {finding.message}")
        elif finding.severity == "incomplete" and "metric" not in finding.values:
            soft.append(f"{finding.code}: {finding.message}")
    return hard, soft


def release_all(caps: dict[CapKey, Balance], units: dict[CapKey, str]) -> list[Line]:
    """Lines that hand back everything held on ``caps`` (both pools)."""
    lines = []
    for key, balance in caps.items():
        for pool, amount in (("commit", balance.committed), ("reserve", balance.reserved)):
            if amount > TOLERANCE:
                lines.append(Line(metric=key[1], basis=key[2], unit=units[key], amount=amount, pool=pool))
    return lines


def release_reduced(result: ScreeningResult, held: dict[str, dict[CapKey, Balance]],
                    units: dict[CapKey, str]) -> tuple[list[str], dict[str, list[Line]]]:
    """Per cap, what the reduced project (``result``) no longer needs of what it holds; an increase is refused."""
    park = result.location.park
    if park not in held:
        where = f"park {park}" if park else "no park"
        return [f"the reduced project lies in {where}, but {result.project_id} holds capacity in "
                f"{', '.join(held)}"], {}
    problems, lines = [], []
    for check in result.capacity:
        key = (park, check.metric, check.basis)
        balance = held[park].get(key, Balance())
        pool, holding = ("commit", balance.committed) if balance.committed > TOLERANCE else ("reserve", balance.reserved)
        if check.demand is None:
            problems.append(f"the reduced demand on the {check.metric} ({check.basis}) cap is unknown: supply the "
                            "missing data")
            continue
        if (why := _not_a_quantity(check.metric, check.basis, check.demand)) is not None:
            problems.append(why)
            continue
        unit = units.get(key, check.unit)
        demand = check.demand if check.unit == unit else convert(check.demand, check.unit, unit)
        if demand > holding + TOLERANCE:
            problems.append(f"the reduced project needs {fmt(demand)} {unit} of the {check.metric} ({check.basis}) "
                            f"cap but holds {fmt(holding)}: that is an increase; reserve or commit it instead")
        elif holding - demand > TOLERANCE:
            lines.append(Line(metric=check.metric, basis=check.basis, unit=unit, amount=holding - demand, pool=pool))
    return problems, {park: lines}
