"""Routing rules kept as data (``routing.yaml``): which office a question goes to, and why.

Examples
--------
>>> rules = load_routing()
>>> rules.route("water", codes=["CAPACITY_EXCEEDED"]).office
'capacity'
>>> rules.route("other").office
'general'
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.resources import files
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..result import FINDING_CODES
from .db import ServiceError
from .models import TOPICS

__all__ = ["Office", "Rule", "Routing", "Routed", "load_routing"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Office(_Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: str = ""


class Rule(_Frozen):
    office: str
    why: str
    topics: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    processes: tuple[str, ...] = ()
    pollutants: tuple[str, ...] = ()

    def matches(self, topic: str, codes: set[str], processes: set[str], pollutants: set[str]) -> bool:
        return ((not self.topics or topic in self.topics) and (not self.codes or bool(codes & set(self.codes)))
                and (not self.processes or bool(processes & set(self.processes)))
                and (not self.pollutants or bool(pollutants & set(self.pollutants))))


class Routed(_Frozen):
    office: str
    why: str


class Routing(_Frozen):
    offices: tuple[Office, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Routing:
        from standards.eia_category import load_classification

        ids = {o.id for o in self.offices}
        flags = load_classification().flags
        for number, rule in enumerate(self.rules, start=1):
            where = f"rules[{number}]"
            if rule.office not in ids:
                raise ValueError(f"{where}: office {rule.office!r} is not among offices ({', '.join(sorted(ids))})")
            for topic in rule.topics:
                if topic not in TOPICS:
                    raise ValueError(f"{where}: unknown topic {topic!r}; topics are {', '.join(TOPICS)}")
            for code in rule.codes:
                if code not in FINDING_CODES:
                    raise ValueError(f"{where}: unknown finding code {code!r}")
            for flag in rule.processes:
                if flag not in flags:
                    raise ValueError(f"{where}: unknown process flag {flag!r}")
        last = self.rules[-1]
        if last.topics or last.codes or last.processes or last.pollutants:
            raise ValueError("the last rule must have no conditions (the default office)")
        return self

    def office(self, office_id: str) -> Office | None:
        return next((o for o in self.offices if o.id == office_id), None)

    def route(self, topic: str, *, codes: Iterable[str] = (), processes: Iterable[str] = (),
              pollutants: Iterable[str] = ()) -> Routed:
        """The office of the first rule that matches (the last rule matches everything)."""
        facts = set(codes), set(processes), set(pollutants)
        rule = next(r for r in self.rules if r.matches(topic, *facts))
        return Routed(office=rule.office, why=rule.why)


def load_routing(path: str | Path | None = None) -> Routing:
    """Read routing rules (default: the built-in ``routing.yaml``); errors name the file and the rule."""
    source = Path(path) if path is not None else files("regional_eia.service") / "routing.yaml"
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        return Routing.model_validate(data)
    except FileNotFoundError as exc:
        raise ServiceError("--routing", f"{source}: file not found") from exc
    except yaml.YAMLError as exc:
        raise ServiceError("--routing", f"{source}: cannot parse: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ServiceError("--routing", f"{source}: {where + ': ' if where else ''}"
                                        f"{err['msg'].removeprefix('Value error, ')}") from exc
