"""Load the standards catalogue: the shipped data files plus a user's own, validated and flattened."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import StandardsDataError, UnknownStandardError
from .safeload import CATALOG_MAX_BYTES, DataFileError, read_data_file
from .model import (
    AltValue,
    Amendment,
    Column,
    Conditions,
    HeightValue,
    LimitValue,
    Pollutant,
    PollutantFile,
    RangeValue,
    StandardFile,
    Table,
    TextValue,
    check_units,
)

__all__ = ["ALIASES", "Limit", "StandardsCatalog", "load_standards", "builtin_standards"]

ALIASES: dict[str, str] = {
    "GB21900A-2008": "GB21900-2008",
    "GB31571A-2015": "GB31571-2015",
}
"""Ids once given to the air tables of GB 21900-2008 and GB 31571-2015, which were two files of their own.
No such standard number exists: each is one standard with water and air tables. The old ids are still
accepted wherever an id is looked up (``standards show``, a catalogue's ``local_standards``) because
users may have typed them."""


class Limit(BaseModel):
    """One figure of one standard: a cell of a table, with everything needed to cite it."""

    model_config = ConfigDict(frozen=True)

    standard: str
    standard_number: str
    standard_kind: str
    medium: str
    table: str
    table_title_zh: str
    column: str
    column_label_zh: str
    column_tags: dict[str, str]
    item: str
    pollutant: str
    pollutant_zh: str
    value: LimitValue
    unit: str
    monitoring_point: str | None
    applies_to: str
    applies_from: dt.date
    applies_until: dt.date | None = None
    existing_from: dt.date | None = None
    conditions: Conditions
    amended_by: str | None = None
    replaces_original: bool = Field(
        False, description="an amendment's changed figure (replaces the printed one); added rows do not"
    )
    note_zh: str | None = None

    @property
    def number(self) -> float | None:
        """The single figure to compare a concentration with, or None for ranges, text and heights."""
        if isinstance(self.value, (int, float)):
            return float(self.value)
        if isinstance(self.value, AltValue):
            return self.value.value
        return None

    @property
    def source(self) -> str:
        """A citation a reviewer can find in the printed standard."""
        text = f"{self.standard_number} {self.table} {self.column_label_zh} ({self.column})"
        if self.amended_by:
            text += f", as amended by {self.amended_by}"
        return text

    def json_value(self) -> tuple[float | list[float] | dict[str, float] | None, str | None]:
        """``(value, value_text)`` in the form the JSON contract gives."""
        value = self.value
        if isinstance(value, (int, float)):
            return float(value), None
        if isinstance(value, RangeValue):
            return [value.min, value.max], None
        if isinstance(value, TextValue):
            return None, value.text
        if isinstance(value, AltValue):
            return value.value, f"{value.alt} when {value.alt_when_en}"
        if isinstance(value, HeightValue):
            return {f"{h:g}": v for h, v in value.by_stack_height_m.items()}, "by stack height (m)"
        raise TypeError(type(value))

    def as_json(self) -> dict[str, Any]:
        value, value_text = self.json_value()
        return {
            "standard": self.standard,
            "standard_number": self.standard_number,
            "table": self.table,
            "column": self.column,
            "column_zh": self.column_label_zh,
            "item": self.item,
            "pollutant": self.pollutant,
            "pollutant_zh": self.pollutant_zh,
            "value": value,
            "value_text": value_text,
            "unit": self.unit,
            "monitoring_point": self.monitoring_point,
            "applies_to": self.applies_to,
            "applies_from": self.applies_from.isoformat(),
            "conditions": self.conditions.model_dump(exclude_defaults=True, mode="json"),
            "amended_by": self.amended_by,
        }


class StandardsCatalog:
    """Every standard, amendment and pollutant the catalogue holds, and their limits flattened."""

    def __init__(
        self,
        standards: dict[str, StandardFile],
        amendments: list[Amendment],
        pollutants: dict[str, Pollutant],
        _flat: dict[str, tuple[StandardFile, list[Limit]]] | None = None,
    ):
        self.standards = standards
        self.amendments = amendments
        self.pollutants = pollutants
        # each standard's own figures, kept so that merged() flattens only what it adds
        self._flat: dict[str, tuple[StandardFile, list[Limit]]] = {}
        for sid, std in standards.items():
            known = (_flat or {}).get(sid)
            self._flat[sid] = known if known is not None and known[0] is std else (std, list(_flatten_one(std)))
        self.limits: tuple[Limit, ...] = (tuple(limit for _, flat in self._flat.values() for limit in flat)
                                          + tuple(_flatten(standards, amendments, own_tables=False)))
        index: dict[tuple[str, str | None], list[Limit]] = {}
        for limit in self.limits:
            for key in ((limit.standard, limit.pollutant), (limit.standard, None)):
                index.setdefault(key, []).append(limit)
        self._index: dict[tuple[str, str | None], tuple[Limit, ...]] = {k: tuple(v) for k, v in index.items()}

    def rows(self, standard_id: str, pollutant: str | None = None) -> tuple[Limit, ...]:
        """Every figure of a standard (amendments included), optionally for one pollutant."""
        return self._index.get((ALIASES.get(standard_id, standard_id), pollutant), ())

    def resolve(self, standard_id: str) -> str | None:
        """The id under which ``standard_id`` is held (spaces, slashes and case ignored; old ids
        such as ``GB21900A-2008`` mapped by :data:`ALIASES`), or None."""
        key = _normalise_id(standard_id)
        aliases = {_normalise_id(old): new for old, new in ALIASES.items()}
        key = _normalise_id(aliases.get(key, key))
        return next((sid for sid in self.standards if _normalise_id(sid) == key), None)

    def get(self, standard_id: str) -> StandardFile:
        sid = self.resolve(standard_id)
        if sid is None:
            raise UnknownStandardError(standard_id, sorted(self.standards))
        return self.standards[sid]

    def standard(self, standard_id: str) -> StandardFile | None:
        """The standard held under ``standard_id`` (or an alias of it), or None."""
        sid = self.resolve(standard_id)
        return self.standards[sid] if sid else None

    def limits_of(self, standard_id: str) -> list[Limit]:
        std = self.get(standard_id)
        return [limit for limit in self.limits if limit.standard == std.id]

    def pollutant(self, pollutant_id: str) -> Pollutant:
        return self.pollutants[pollutant_id]

    def merged(self, other: StandardsCatalog) -> StandardsCatalog:
        """This catalogue with ``other``'s standards added (a user's local or intake standards)."""
        clash = set(self.standards) & set(other.standards)
        if clash:
            raise StandardsDataError(
                "catalogue", ", ".join(sorted(clash)), "a standard with this id is already built in"
            )
        return StandardsCatalog(
            {**self.standards, **other.standards},
            [*self.amendments, *other.amendments],
            {**self.pollutants, **other.pollutants},
            _flat={**self._flat, **other._flat},
        )


def _normalise_id(text: str) -> str:
    return text.replace(" ", "").replace("/", "").upper()


def _flatten_one(std: StandardFile) -> Iterable[Limit]:
    """The figures of one standard's own tables."""
    for table in std.tables:
        columns = {c.id: c for c in table.columns}
        for row in table.limits:
            for column_id, value in row.values.items():
                yield _limit(std, table, columns[column_id], row, value)


def _flatten(standards: dict[str, StandardFile], amendments: list[Amendment], own_tables: bool = True) \
        -> Iterable[Limit]:
    """Every figure: the standards' own tables (unless ``own_tables`` is false), then the amendments'."""
    if own_tables:
        for std in standards.values():
            yield from _flatten_one(std)
    for amendment in amendments:
        base = standards.get(amendment.amends)
        if base is None:
            continue
        tables = {t.id: t for t in base.tables}
        for change in amendment.changes:
            table = tables[change.table]
            row = next(r for r in table.limits if r.pollutant == change.pollutant)
            column = next(c for c in table.columns if c.id == change.column)
            yield _limit(base, table, column, row, change.value, amendment, replaces_original=True)
        for table_id, rows in amendment.added_rows.items():
            table = tables[table_id]
            columns = {c.id: c for c in table.columns}
            for row in rows:
                for column_id, value in row.values.items():
                    yield _limit(base, table, columns[column_id], row, value, amendment)


def _limit(
    std: StandardFile,
    table: Table,
    column: Column,
    row: Any,
    value: LimitValue,
    amendment: Amendment | None = None,
    replaces_original: bool = False,
) -> Limit:
    # every field comes from a validated model, with the type it has here: built without validating it
    # again (3,300 figures, in every process that screens)
    return Limit.model_construct(
        standard=std.id,
        standard_number=std.number,
        standard_kind=std.kind,
        medium=table.medium,
        table=table.id,
        table_title_zh=table.title_zh,
        column=column.id,
        column_label_zh=column.label_zh,
        column_tags=column.tags,
        item=row.item,
        pollutant=row.pollutant,
        pollutant_zh=row.pollutant_zh,
        value=value,
        unit=row.unit,
        monitoring_point=row.monitoring_point,
        applies_to=table.applies_to,
        applies_from=amendment.effective if amendment else table.applies_from,
        applies_until=table.applies_until,
        existing_from=table.existing_from,
        conditions=row.conditions,
        amended_by=amendment.id if amendment else None,
        replaces_original=replaces_original,
        note_zh=row.note_zh,
    )


def _read_yaml(path: Path | Traversable) -> Any:
    try:
        return read_data_file(path, max_bytes=CATALOG_MAX_BYTES, kind="yaml")
    except DataFileError as exc:
        raise StandardsDataError(path, f"line {exc.line}" if exc.line else "file", exc.why) from exc


def _validation_message(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    more = "" if exc.error_count() <= 5 else f" (and {exc.error_count() - 5} more)"
    return "; ".join(parts) + more


def load_standards(*folders: Path | Traversable) -> StandardsCatalog:
    """Load every standards file under ``folders`` (``*.yaml``; pollutants under ``pollutants/``).

    Parameters
    ----------
    folders
        Folders (a :class:`pathlib.Path` or an importlib ``Traversable``) holding standard files,
        amendment files (with an ``amends:`` key) and optionally a ``pollutants/`` sub-folder.

    Examples
    --------
    >>> cat = builtin_standards()
    >>> "GB8978-1996" in cat.standards
    True
    """
    return _load(folders, _read_yaml)


def _load(folders: Iterable[Path | Traversable], read: Callable[[Path | Traversable], Any]) -> StandardsCatalog:
    """:func:`load_standards`, each file's data given by ``read``."""
    standards: dict[str, StandardFile] = {}
    amendments: list[Amendment] = []
    pollutants: dict[str, Pollutant] = {}
    sources: dict[str, object] = {}
    for folder in folders:
        poll_dir = folder / "pollutants"
        if poll_dir.is_dir():
            for path in sorted(poll_dir.iterdir(), key=lambda p: p.name):
                if not path.name.endswith(".yaml"):
                    continue
                try:
                    pfile = PollutantFile.model_validate(read(path))
                except ValidationError as exc:
                    raise StandardsDataError(path, "pollutants", _validation_message(exc)) from exc
                for pol in pfile.pollutants:
                    known = pollutants.get(pol.id)
                    if known is not None and known != pol:
                        raise StandardsDataError(
                            path, pol.id, f"pollutant defined differently in {sources[pol.id]}"
                        )
                    pollutants[pol.id] = pol
                    sources[pol.id] = path
        for path in sorted(folder.iterdir(), key=lambda p: p.name):
            if not path.name.endswith(".yaml"):
                continue
            data = read(path)
            if not isinstance(data, dict):
                raise StandardsDataError(path, "top level", "expected a mapping")
            model = Amendment if "amends" in data else StandardFile
            try:
                parsed = model.model_validate(data)
            except ValidationError as exc:
                raise StandardsDataError(path, str(data.get("id", "?")), _validation_message(exc)) from exc
            if isinstance(parsed, Amendment):
                amendments.append(parsed)
                continue
            if parsed.id in standards:
                raise StandardsDataError(path, parsed.id, f"standard also defined in {sources[parsed.id]}")
            standards[parsed.id] = parsed
            sources[parsed.id] = path
    _check_references(standards, amendments, pollutants, sources)
    return StandardsCatalog(standards, amendments, pollutants)


def _check_references(
    standards: dict[str, StandardFile],
    amendments: list[Amendment],
    pollutants: dict[str, Pollutant],
    sources: dict[str, object],
) -> None:
    for std in standards.values():
        for table in std.tables:
            for row in table.limits:
                _check_pollutant(row, table.medium, pollutants, sources[std.id], f"{std.id} {table.id} item {row.item}")
    for amendment in amendments:
        base = standards.get(amendment.amends)
        if base is None:
            raise StandardsDataError(amendment.id, "amends", f"no standard {amendment.amends!r}")
        tables = {t.id: t for t in base.tables}
        for change in amendment.changes:
            table = tables.get(change.table)
            if table is None or not any(r.pollutant == change.pollutant for r in table.limits):
                raise StandardsDataError(
                    amendment.id, f"{change.table} {change.pollutant}", "no such row in the base standard"
                )
            if not any(c.id == change.column for c in table.columns):
                raise StandardsDataError(amendment.id, change.column, "no such column in the base table")
        for table_id, rows in amendment.added_rows.items():
            if table_id not in tables:
                raise StandardsDataError(amendment.id, table_id, "no such table in the base standard")
            try:
                check_units(tables[table_id].medium, rows, table_id)
            except ValueError as exc:
                raise StandardsDataError(amendment.id, table_id, str(exc)) from exc
            for row in rows:
                _check_pollutant(row, tables[table_id].medium, pollutants, amendment.id, f"{table_id} item {row.item}")


def _check_pollutant(row, medium: str, pollutants: dict[str, Pollutant], source: object, where: str) -> None:
    """The row's pollutant is in the registry, and registered for the medium of its table."""
    pollutant = pollutants.get(row.pollutant)
    if pollutant is None:
        raise StandardsDataError(source, where, f"pollutant id {row.pollutant!r} is not in the pollutant registry "
                                                "(standards/data/pollutants/)")
    wanted = "air" if medium == "air" else "water"
    if wanted not in pollutant.media:
        raise StandardsDataError(source, where, f"{row.pollutant} is used by a {wanted} table but its media are "
                                                f"{list(pollutant.media)} (pollutants/*.yaml)")


_DATA: Traversable = files("standards") / "data"


@functools.lru_cache(maxsize=1)
def builtin_standards() -> StandardsCatalog:
    """The standards shipped with the package (cached; their parse is kept in the user's cache folder,
    see :mod:`standards.cache`)."""
    from .cache import parsed_files

    files = [(path.name, path) for path in _DATA.iterdir() if path.name.endswith(".yaml")]
    files += [(f"pollutants/{path.name}", path) for path in (_DATA / "pollutants").iterdir()
              if path.name.endswith(".yaml")]
    read = parsed_files("standards", files, _read_yaml)
    catalog = _load([_DATA], read)
    read.save()
    return catalog
