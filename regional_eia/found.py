"""Findings as arrays: what a screening step returns.

A step of :mod:`regional_eia.pipeline` returns :class:`Found` blocks, one per finding code it reports:
the project row of each finding, the values that produced it (one array per value, or one value for
all), the zone it concerns and its sources. ``screen`` turns the entries of a row into
:class:`~regional_eia.result.Finding` objects; ``batch`` reduces them to codes, a verdict and the main
reason of each row. Neither appends to a list a step was handed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .findings import REGISTRY, normalise

__all__ = ["Found", "found", "plain"]


@dataclass(frozen=True)
class Found:
    """Findings of one code: ``row[k]`` is the project of finding ``k``; ``values[name]`` an array parallel
    to ``row`` or one value shared by all; ``zone`` the zone id of each (or None); ``sources`` one tuple of
    sources per finding or one shared tuple; ``lazy(entries)`` more values that cost to build (wording
    for the JSON contract, not needed to decide), asked only for the entries a result shows."""

    code: str
    row: np.ndarray
    values: Mapping[str, Any] = field(default_factory=dict)
    zone: np.ndarray | str | None = None
    sources: np.ndarray | tuple | Callable[[int, Any], tuple] = ()
    lazy: Callable[[np.ndarray, Any], Mapping[str, list]] | None = None

    def __post_init__(self) -> None:
        if self.code not in REGISTRY:
            raise KeyError(f"unknown finding code {self.code}: add it to regional_eia.findings.REGISTRY")

    def __len__(self) -> int:
        return len(self.row)

    def values_at(self, k: int) -> dict[str, Any]:
        """The values of finding ``k`` as plain Python, figures rounded as the code's model rounds them
        (what the message catalogue and the model read)."""
        return normalise(self.code, {name: plain(v[k] if isinstance(v, np.ndarray) else v)
                                     for name, v in self.values.items()})

    def zone_at(self, k: int) -> str | None:
        if self.zone is None or isinstance(self.zone, str):
            return self.zone
        return self.zone[k]

    def sources_at(self, k: int, context: Any = None) -> list[str]:
        if callable(self.sources):
            return list(self.sources(k, context))
        if isinstance(self.sources, np.ndarray):
            return list(self.sources[k])
        return list(self.sources)

    def take(self, keep: np.ndarray) -> Found:
        """The findings where ``keep`` (a mask or positions) selects them."""
        def part(v):
            return v[keep] if isinstance(v, np.ndarray) else v

        positions = np.flatnonzero(keep) if keep.dtype == bool else keep
        lazy = None
        if self.lazy is not None:
            lazy = lambda entries, context, _l=self.lazy, _p=positions: _l(_p[entries], context)  # noqa: E731
        sources = self.sources
        if callable(sources):
            sources = lambda k, context, _s=sources, _p=positions: _s(int(_p[k]), context)  # noqa: E731
        else:
            sources = part(sources)
        return Found(self.code, self.row[keep], {n: part(v) for n, v in self.values.items()},
                     part(self.zone), sources, lazy)


def found(code: str, row: np.ndarray, **values: Any) -> Found:
    """A block of ``code`` findings at ``row`` with ``values`` (arrays or shared scalars)."""
    return Found(code, np.asarray(row, dtype=np.int64), values)


def plain(value: Any) -> Any:
    """A numpy scalar or container as plain Python: NaN as None, tuples as lists."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (tuple, list, np.ndarray)):
        return [plain(v) for v in value]
    return value
