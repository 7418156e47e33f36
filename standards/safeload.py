"""The one strict reader of every YAML and JSON file the tool takes in.

Project files, ``catalog.yaml``, standards files, batch mapping files and JSON lines all come through
here, from users and (through the online channel) from strangers. Before anything is validated this
reader refuses, naming the line:

- more bytes than the kind of file can sensibly hold (``max_bytes``);
- nesting deeper than :data:`MAX_DEPTH`, and alias expansion ("billion laughs": a 1.4 KB file that
  expands to gigabytes) beyond :data:`MAX_ALIAS_NODES` extra nodes or an alias that contains itself;
- a key given twice in one mapping (YAML and JSON would silently keep the last);
- an integer of more than :data:`MAX_INT_DIGITS` digits.

NaN and infinity (``.inf``, ``1e309``, JSON's ``NaN`` / ``Infinity``) are read as floats and left to
the models, every one of which refuses them naming the file, the zone and the field
(:data:`standards.numbers.FiniteFloat`); raw structures that no model types, such as GeoJSON, are
checked where they are used, and :func:`first_non_finite` finds them in any parsed value.

And it reads YAML by the rules a reader expects rather than YAML 1.1's surprises: only ``true`` /
``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text, so ``operating_days: yes`` is an
error, not 1 day), integers are decimal (``0300`` is text, not octal 192; ``5:00`` is text, not the
sexagesimal 300), and dates stay text for the models to parse (so ``built: 2016-02-30`` is an error
naming the field, not a traceback). Messages are one line and quote at most a short excerpt.

Examples
--------
>>> parse_yaml("a: 1\\nb: yes\\n")
{'a': 1, 'b': 'yes'}
>>> parse_yaml("a: 1\\na: 2\\n", "p.yaml")
Traceback (most recent call last):
...
standards.safeload.DataFileError: p.yaml: line 2: duplicate key 'a' (first given at line 1); remove one
"""

from __future__ import annotations

import json
import math
import re
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import StandardsError
from .numbers import excerpt

__all__ = [
    "DataFileError",
    "read_data_file",
    "parse_yaml",
    "parse_json",
    "first_non_finite",
    "MAX_DEPTH",
    "MAX_ALIAS_NODES",
    "MAX_INT_DIGITS",
    "PROJECT_MAX_BYTES",
    "CATALOG_MAX_BYTES",
]

MAX_DEPTH = 64
"""Nesting deeper than this is refused (a catalogue needs about 8 levels, a GeoJSON polygon 5)."""
MAX_ALIAS_NODES = 2_000_000
"""Aliases may add at most this many nodes to those the file writes out (a 9-level alias bomb adds 490
million; a catalogue that shares one park section among 2,500 parks adds about 450,000)."""
MAX_INT_DIGITS = 30
"""No figure the tool reads has more digits than this; Python refuses to convert more than 4,300."""
PROJECT_MAX_BYTES = 8 * 2**20
"""A project file (its site polygon included), a mapping file, one JSON line."""
CATALOG_MAX_BYTES = 256 * 2**20
"""``catalog.yaml`` or a standards file (a national catalogue's YAML is a few MB)."""

_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"


class DataFileError(StandardsError, ValueError):
    """A YAML or JSON input refused before validation: ``where`` is ``"line N"`` when known.

    Callers that have their own error type wrap it (``raise ProjectError(path, None, exc.detail)``);
    ``detail`` is the message without the source.
    """

    def __init__(self, source: object, why: str, line: int | None = None, column: int | None = None):
        self.source, self.why, self.line, self.column = source, why, line, column
        where = f"line {line}" + (f", column {column}" if column is not None else "") if line is not None else None
        self.detail = f"{where}: {why}" if where else why
        super().__init__(f"{source}: {self.detail}")


# --- YAML -------------------------------------------------------------------------------------------

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_Base):  # type: ignore[misc, valid-type]
    """SafeLoader (libyaml's when present) with YAML 1.2-like scalars and the checks above."""

    yaml_implicit_resolvers: dict = {}

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _inspect(node, aliased=self._aliased)
        return self.construct_document(node)

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict:
        _check_keys(node)
        return super().construct_mapping(node, deep=deep)


def _resolver(tag: str, pattern: str, first: str) -> None:
    _StrictLoader.add_implicit_resolver(tag, re.compile(pattern, re.X), list(first))


_resolver("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF")
_resolver(_INT, r"^[-+]?(?:0|[1-9][0-9]*)$", "-+0123456789")
_resolver(_FLOAT, r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?$", "-+0123456789.")
_resolver(_FLOAT, r"^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$", "-+.")
_resolver("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""])
_resolver(_MERGE, r"^<<$", "<")


def _construct_int(loader: _StrictLoader, node: ScalarNode) -> int:
    text = loader.construct_scalar(node)
    digits = text.lstrip("+-").replace("_", "")
    if len(digits) > MAX_INT_DIGITS:
        raise ConstructorError(
            None, None, f"an integer of {len(digits):,} digits; figures have at most {MAX_INT_DIGITS}", node.start_mark)
    try:
        return int(text.replace("_", "")) if re.fullmatch(r"[-+]?[0-9][0-9_]*", text) else int(text, 0)
    except ValueError:
        raise ConstructorError(None, None, f"{excerpt(text)} is not a decimal integer", node.start_mark) from None


def _construct_float(loader: _StrictLoader, node: ScalarNode) -> float:
    text = loader.construct_scalar(node)
    bare = text.lstrip("+-").lower()
    if bare in (".inf", ".nan"):  # left to the models, which refuse them naming the field
        return float(bare[1:]) * (-1 if text.startswith("-") else 1)
    try:
        return float(text.replace("_", ""))
    except ValueError:
        raise ConstructorError(None, None, f"{excerpt(text)} is not a number", node.start_mark) from None


def _construct_text(loader: _StrictLoader, node: ScalarNode) -> str:
    return loader.construct_scalar(node)


_StrictLoader.add_constructor(_INT, _construct_int)
_StrictLoader.add_constructor(_FLOAT, _construct_float)
_StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)  # an explicit !!timestamp


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _inspect(root: Node, aliased: bool) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH`, alias amplification and self-containing aliases.

    One iterative pass over the composed collections (scalars need no visit). Without aliases the
    nodes form a tree and a level count suffices; with them, an alias is the same node object in
    several places, so the size with aliases expanded is counted by memo, without expanding anything.
    """
    if not isinstance(root, (MappingNode, SequenceNode)):
        return
    if not aliased:
        stack = [(root, 1)]
        while stack:
            node, level = stack.pop()
            if level > MAX_DEPTH:
                raise DataFileError("<yaml>", f"nested more than {MAX_DEPTH} levels deep", _line(node))
            stack.extend((child, level + 1) for child in _children(node) if child.__class__ is not ScalarNode)
        return
    expanded: dict[int, int] = {}
    depth: dict[int, int] = {}
    written = 0  # nodes as the file writes them: each collection once, with its scalars
    on_path: set[int] = set()
    visit: list[tuple[Node, bool]] = [(root, False)]
    while visit:
        node, finished = visit.pop()
        key = id(node)
        if finished:
            on_path.discard(key)
            total, deepest = 1, 0
            for child in _children(node):
                if child.__class__ is ScalarNode:
                    total += 1
                    written += 1
                else:
                    total += expanded[id(child)]
                    deepest = max(deepest, depth[id(child)])
            expanded[key], depth[key] = total, deepest + 1
            written += 1
            if deepest + 1 > MAX_DEPTH:
                raise DataFileError("<yaml>", f"nested more than {MAX_DEPTH} levels deep", _line(node))
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise DataFileError("<yaml>", "an alias refers to the node that contains it", _line(node))
        on_path.add(key)
        visit.append((node, True))
        visit.extend((c, False) for c in _children(node) if c.__class__ is not ScalarNode and id(c) not in expanded)
    total = expanded[id(root)]
    if total > written + MAX_ALIAS_NODES:
        raise DataFileError(
            "<yaml>", f"aliases expand the {written:,} nodes written to {total:,}; at most {MAX_ALIAS_NODES:,} "
            "more are accepted (an alias bomb?)",
        )


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return node.value
    return [part for pair in node.value for part in pair]


def _check_keys(node: MappingNode) -> None:
    """A key given twice in one mapping (merge keys ``<<`` aside) is an error naming both lines."""
    seen: dict[tuple[str, str], int] = {}
    for key_node, _ in node.value:
        if key_node.__class__ is not ScalarNode or key_node.tag == _MERGE:
            continue
        ident = (key_node.tag, key_node.value)
        if ident in seen:
            raise ConstructorError(
                None, None, f"duplicate key {excerpt(key_node.value)} (first given at line {seen[ident]}); remove one",
                key_node.start_mark,
            )
        seen[ident] = _line(key_node)


def parse_yaml(text: str, source: object = "<yaml>") -> Any:
    """Parse one YAML document strictly (see the module docstring); errors name ``source`` and the line."""
    loader = _StrictLoader(text)
    loader._aliased = "*" in text  # no alias without an asterisk: the cheap tree walk suffices
    try:
        return loader.get_single_data()
    except DataFileError as exc:
        raise DataFileError(source, exc.why, exc.line) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        problem = " ".join(str(exc.problem or exc.context or "").split())
        if isinstance(exc, ConstructorError):
            raise DataFileError(source, problem or "cannot be read", line) from None
        if "maximum nesting depth" in problem:
            raise DataFileError(source, f"nested more than {MAX_DEPTH} levels deep", line) from None
        if exc.context and exc.problem:
            problem = f"{' '.join(exc.context.split())}: {problem}"
        raise DataFileError(source, f"not valid YAML: {problem or 'syntax error'}", line, column) from None
    except yaml.YAMLError as exc:
        raise DataFileError(source, f"not valid YAML: {' '.join(str(exc).split())[:200]}") from None
    except RecursionError:  # the pure-Python composer, without libyaml
        raise DataFileError(source, f"nested more than {MAX_DEPTH} levels deep") from None
    finally:
        loader.dispose()


# --- JSON -------------------------------------------------------------------------------------------


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"an integer of {len(text):,} digits; figures have at most {MAX_INT_DIGITS}")
    return int(text)


def _json_constant(name: str) -> float:
    return float(name.lower().replace("infinity", "inf"))  # left to the models, like YAML's .inf


class _DuplicateKey(ValueError):
    pass


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def parse_json(text: str, source: object = "<json>") -> Any:
    """Parse JSON strictly: the same refusals as :func:`parse_yaml`, duplicate keys with both lines."""
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_int=_json_int, parse_constant=_json_constant)
    except _DuplicateKey as exc:
        key = exc.args[0]
        lines = _json_key_lines(text, key)
        where = f" (first given at line {lines[0]})" if len(lines) >= 2 else ""
        raise DataFileError(source, f"duplicate key {excerpt(key)}{where}; remove one",
                            lines[1] if len(lines) >= 2 else None) from None
    except json.JSONDecodeError as exc:
        raise DataFileError(source, f"not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except ValueError as exc:
        raise DataFileError(source, str(exc)) from None
    except RecursionError:
        raise DataFileError(source, f"nested more than {MAX_DEPTH} levels deep") from None
    if _depth(data) > MAX_DEPTH:
        raise DataFileError(source, f"nested more than {MAX_DEPTH} levels deep")
    return data


def _depth(value: Any) -> int:
    """How deeply parsed JSON nests (iteratively: the value may be deeper than Python's stack)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, level + 1) for child in item)
    return deepest


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"(\s*:)?|[\[\]{}]')


def _json_key_lines(text: str, wanted: str) -> list[int]:
    """Lines at which ``wanted`` is a key of the one object that holds it twice (error path only)."""
    stack: list[dict[str, list[int]]] = []
    for token in _JSON_TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            stack.append({})
        elif char in "]}":
            found = stack.pop() if stack else {}
            if len(found.get(wanted, ())) >= 2:
                return found[wanted]
        elif token.group(1) and stack:
            try:
                key = json.loads(char[: token.start(1) - token.start()])
            except ValueError:
                continue
            stack[-1].setdefault(key, []).append(text.count("\n", 0, token.start()) + 1)
    return []


def first_non_finite(value: Any) -> str | None:
    """The path (``a.b.0``) of the first NaN or infinity in parsed data, or ``None``.

    Examples
    --------
    >>> first_non_finite({"a": [1, {"b": float("inf")}]})
    'a.1.b'
    """
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, path = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            return path or "(the value)"
        if isinstance(item, dict):
            stack.extend((v, f"{path}.{k}" if path else str(k)) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            stack.extend((v, f"{path}.{i}" if path else str(i)) for i, v in reversed(list(enumerate(item))))
    return None


# --- files ------------------------------------------------------------------------------------------


def read_data_file(path: Path | Traversable, *, max_bytes: int = PROJECT_MAX_BYTES, kind: str | None = None) -> Any:
    """Read a YAML or JSON file (by ``kind``, else by suffix: ``.json`` is JSON) strictly.

    Refuses a file over ``max_bytes`` before reading it whole, and text that is not UTF-8.
    Raises :class:`DataFileError` (also for a missing file); callers wrap it in their own error type.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise DataFileError(path, "file not found") from None
    except IsADirectoryError:
        raise DataFileError(path, "is a folder, not a file") from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(raw) > max_bytes:
        raise DataFileError(path, f"larger than {max_bytes / 2**20:g} MB; this is not a file of this kind")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(path, "not UTF-8 text (save it as UTF-8)", line) from None
    kind = kind or ("json" if str(getattr(path, "name", path)).lower().endswith(".json") else "yaml")
    return parse_json(text, path) if kind == "json" else parse_yaml(text, path)
