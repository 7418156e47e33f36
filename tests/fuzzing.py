"""The fuzz harness of issue 16: hostile and careless inputs, an oracle for each, and a tally.

Each case is a file a user or a stranger could send (a project, a catalogue, a batch), made by mutating
the shipped examples or drawn from hypothesis strategies, and sent through a **target**: today the
command line (typer's runner, in process); the web service's endpoints are to be added as a second
target with the same ``submit_*`` methods (and "never a 500" as its clean-error rule). The oracle:

- a mutation that keeps the meaning (a name full of script, keys reordered, ``t/d`` for ``m3/d``, the
  same project as JSON) must give the unmutated verdict and finding codes (**verdict checked**);
- a mutation that makes a figure impossible (``.inf``, ``yes`` for days, a 5,001-digit integer, an
  unknown code) must be refused: exit 2 and one stderr line naming the file (**clean error**); a
  verdict instead is a **silent wrong verdict**;
- any other mutation may give either, but never a **traceback** or a **hang** (over 30 s);
- a batch keeps every row in order (a missing or moved row is a **dropped row**), and its CSV output
  never starts a text cell with a formula trigger; report outputs keep payloads as text
  (**unescaped** otherwise).

``tools/fuzz.py`` runs the same suite with a larger budget and prints the tally.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app

HANG_SECONDS = 30
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# --- payloads -------------------------------------------------------------------------------------------

NOT_A_FIGURE = [".inf", "-.inf", ".nan", "1.0e309", "1e309", "9" * 5001, "yes", "no", "on", "off", "true",
                "false", "5:00", "0x1F", "-1", "1,000", "Infinity", "NaN", "[1, 2]", "{a: 1}", "'3 0 0'"]
"""YAML texts that are no number of days, hours or metres: each must be refused where a figure is asked."""

NOT_A_QUANTITY = ["1e309 m3/d", "inf m3/d", "nan m3/d", "-5 m3/d", "3000", "3000 ppm", "3000 m3/h", "yes",
                  ".inf", "{value: .inf, unit: m3/d}", "{value: .nan, unit: m3/d}", "{value: -1, unit: m3/d}",
                  "{value: 3000}", "{value: yes, unit: m3/d}", "9" * 400 + " m3/d", "1 a" + " " * 5000 + "b",
                  "{value: " + "9" * 5001 + ", unit: m3/d}", "'3000 m3/d 3000 m3/d'"]
"""Flows that cannot be: refused, never read as a figure."""

NOT_A_CLASS = ["C9999", "C0000", "T0000", "C2520", "C17", "C17130", "X1713", "", "C 1713", "[C1713]", "1e3"]
"""Industry values that name no GB/T 4754-2017 class."""

HOSTILE_TEXT = [
    "=HYPERLINK(\"http://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\t=1",
    "X`);pwned();(`${pwned2()}", "</script><script>pwned3()</script>", "<img src=x onerror=pwned4()>",
    "[click](javascript:pwned5())", "evil\n# Injected heading", "\u202eevil", "{{7*7}}", "' OR 1=1 --",
    "../../etc/passwd", "名称" * 200, "a" * 20000, "line\r\nbreak", "*bold* _it_ |pipe|",
]
"""Names and ids a stranger can type: they must change no verdict and stay text in every output."""

STRUCTURAL = ["~", "[]", "{}", "[[[[[[]]]]]]", "'" + "x" * 100 + "'", "!!binary aGVsbG8=", "&a [*a]",
              "!!python/object/apply:os.system ['true']", "=", "<<: {a: 1}", "? [a]\n  : b"]
"""Values of the wrong shape anywhere."""


def alias_bomb(levels: int = 9) -> str:
    """A 'billion laughs' YAML value: each level multiplies the expanded size by 9."""
    lines = ["bomb:", "  - &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, levels):
        lines.append(f"  - &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# --- the tally ------------------------------------------------------------------------------------------

BAD = ("tracebacks", "hangs", "silent_wrong_verdicts", "dropped_rows", "unescaped", "unclear_errors", "server_errors")


@dataclass
class Tally:
    """Counts the closing note of issue 16 quotes. Every count in :data:`BAD` must stay 0."""

    cases: int = 0
    clean_errors: int = 0
    verdicts_checked: int = 0
    other_verdicts: int = 0
    rows_checked: int = 0
    outputs_checked: int = 0
    tracebacks: int = 0
    hangs: int = 0
    silent_wrong_verdicts: int = 0
    dropped_rows: int = 0
    unescaped: int = 0
    unclear_errors: int = 0
    service_requests: int = 0
    server_errors: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def bad(self) -> int:
        return sum(getattr(self, name) for name in BAD)

    def record(self, kind: str, detail: str = "") -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if kind in BAD and len(self.failures) < 50:
            self.failures.append(f"{kind}: {detail[:500]}")

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 1)
        return data


TALLY = Tally()


@contextlib.contextmanager
def time_limit(seconds: int = HANG_SECONDS):
    """Raise TimeoutError if the block runs longer than ``seconds`` (SIGALRM; main thread, POSIX)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expired(signum, frame):
        raise TimeoutError(f"over {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# --- targets --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What a target made of one case: a verdict (with codes), a clean error line, or a failure."""

    kind: str  # "verdict" | "error" | "traceback" | "hang" | "server_error" (a 500 from the service)
    verdict: str | None = None
    codes: tuple[str, ...] = ()
    message: str = ""


class CLITarget:
    """The command line, through typer's runner in this process (the installed entry point is the same)."""

    name = "cli"

    def __init__(self, catalog_dir: Path | None = None, on: str = "2027-01-01"):
        self.runner = CliRunner()
        self.catalog_dir = catalog_dir
        self.on = on

    def _invoke(self, args: list[str]) -> tuple[Outcome | None, Any]:
        started = time.perf_counter()
        try:
            with time_limit():
                result = self.runner.invoke(app, args, catch_exceptions=True)
        except TimeoutError:
            return Outcome("hang", message=f"{args}: over {HANG_SECONDS} s"), None
        TALLY.seconds += time.perf_counter() - started
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            name = type(result.exception).__name__
            return Outcome("traceback", message=f"{args}: {name}: {str(result.exception)[:300]}"), result
        return None, result

    def _run(self, args: list[str], ok: tuple[int, ...], verdict) -> Outcome:
        """Exit status in ``ok``: ``verdict(result)``; 2: a clean error to judge; else a failure."""
        failed, result = self._invoke(args)
        if failed:
            return failed
        if result.exit_code in ok:
            return verdict(result)
        if result.exit_code == 2:
            return Outcome("error", message=result.stderr)
        return Outcome("traceback", message=f"exit {result.exit_code}: {result.stderr[:300]}")

    def _catalog_args(self) -> list[str]:
        return ["--catalog", str(self.catalog_dir)] if self.catalog_dir is not None else []

    def submit_project(self, path: Path) -> Outcome:
        def verdict(result) -> Outcome:
            data = json.loads(result.stdout)
            return Outcome("verdict", data["verdict"], tuple(sorted({f["code"] for f in data["findings"]})))

        return self._run(["screen", str(path), "--format", "json", "--on", self.on, *self._catalog_args()], (0,),
                         verdict)

    def submit_catalog(self, folder: Path) -> Outcome:
        return self._run(["catalog", "check", str(folder)], (0,), lambda result: Outcome("verdict", "loaded"))

    def submit_batch(self, path: Path, out: Path) -> Outcome:
        return self._run(["batch", str(path), "--out", str(out), "--on", self.on, *self._catalog_args()], (0, 1),
                         lambda result: Outcome("verdict", "written"))

    def submit_batch_report(self, results: Path, out_dir: Path, format: str) -> Outcome:
        return self._run(["report", "--batch", str(results), "--out", str(out_dir), "--format", format,
                          *self._catalog_args()], (0,), lambda result: Outcome("verdict", "written"))


class ServiceTarget:
    """The web service (regional_eia.service) through FastAPI's TestClient on http://127.0.0.1, in this
    process: a project file is uploaded on the pre-screening form, as a company would. A 500 is a
    ``server_error``; a 4xx page with the form's error list is a clean error when it names the upload
    (a 413 is refused before the body is read: it names nothing and counts as clean); a verdict is
    read from the private result link's ``result.json``. Every page seen is checked for active content
    the payloads could have added (:func:`check_page`)."""

    name = "service"

    def __init__(self, client):
        self.client = client
        self.csrf = None
        self.baseline_active: dict[str, int] = {}

    def token(self) -> str:
        if self.csrf is None:
            import re

            self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', self.request("GET", "/").text).group(1)
        return self.csrf

    def request(self, method: str, url: str, **kwargs):
        """One request, timed and bounded; a 500 is recorded by the caller from the status."""
        TALLY.service_requests += 1
        started = time.perf_counter()
        try:
            with time_limit():
                return self.client.request(method, url, follow_redirects=False, **kwargs)
        finally:
            TALLY.seconds += time.perf_counter() - started

    def _outcome_of_page(self, response, name: str) -> Outcome:
        if response.status_code >= 500:
            return Outcome("server_error", message=f"{response.status_code} on {response.request.url.path}: "
                                                   f"{page_errors(response.text)[:1]}")
        if response.status_code == 413:
            return Outcome("error", message=f"error: {name}: refused before reading: the request body is too large")
        if response.status_code in (400, 404, 422):
            errors = page_errors(response.text)
            return Outcome("error", message="\n".join(f"error: {e}" for e in errors) or "(no error shown)")
        return Outcome("traceback", message=f"unexpected status {response.status_code}")

    def submit_project(self, path: Path) -> Outcome:
        try:
            response = self.request("POST", "/screen", data={"csrf_token": self.token(), "company": "某公司（演示）"},
                                    files={"upload": (path.name, path.read_bytes())})
        except TimeoutError:
            return Outcome("hang", message=f"upload {path.name}: over {HANG_SECONDS} s")
        if response.status_code != 303:
            outcome = self._outcome_of_page(response, path.name)
            if outcome.kind == "error":
                check_page(response.text, f"form page after {path.name}")
            return outcome
        link = response.headers["location"]
        result = self.request("GET", f"{link}/result.json")
        page = self.request("GET", link)
        for answer in (result, page):
            if answer.status_code != 200:
                return Outcome("server_error" if answer.status_code >= 500 else "traceback",
                               message=f"{answer.status_code} on {answer.request.url.path}")
        check_page(page.text, f"result page of {path.name}")
        data = result.json()
        return Outcome("verdict", data["verdict"], tuple(sorted({f["code"] for f in data["findings"]})))


def page_errors(html: str) -> list[str]:
    """The messages of a page's error list (``<div class="errors">``), or of the error page's ``<main>``."""
    import re
    from html import unescape

    block = re.search(r'<div class="errors"[^>]*>(.*?)</div>', html, re.S) or re.search(r"<main[^>]*>(.*?)</main>",
                                                                                      html, re.S)
    if block is None:
        return []
    parts = re.findall(r"<p[^>]*>(.*?)</p>", block.group(1), re.S) or [block.group(1)]
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", p)).split()) for p in parts if p.strip()]


def check_page(html: str, what: str, payload: str | None = None) -> None:
    """A page the service sent holds no active content: no script running a payload, no ``on*``
    handler, no ``javascript:`` link, no heading made by one (the service's own pages have none: their
    scripts are files, as its content security policy requires)."""
    TALLY.outputs_checked += 1
    for problem in active_content(html):
        TALLY.record("unescaped", f"{what}: {problem}" + (f" (payload {payload[:40]!r})" if payload else ""))


# --- the oracle -----------------------------------------------------------------------------------------


def is_clean_error(outcome: Outcome, path: Path) -> bool:
    """Exit 2 with one stderr line ``error: ...`` that names the file (by name) and is not a novel."""
    lines = outcome.message.strip().splitlines()
    return (len(lines) == 1 and lines[0].startswith("error: ") and path.name in lines[0]
            and len(lines[0]) < 1000)


def judge(outcome: Outcome, path: Path, *, expect: str, baseline: Outcome | None = None, what: str = "") -> None:
    """Count one case. ``expect``: "same" (the baseline's verdict), "error" (refused) or "any"."""
    TALLY.cases += 1
    where = f"{what} [{path.name}]"
    if outcome.kind in ("traceback", "hang", "server_error"):
        kind = {"traceback": "tracebacks", "hang": "hangs", "server_error": "server_errors"}[outcome.kind]
        TALLY.record(kind, f"{where}: {outcome.message}")
        return
    if outcome.kind == "error":
        if not is_clean_error(outcome, path):
            TALLY.record("unclear_errors", f"{where}: {outcome.message[:400]!r}")
        elif expect == "same":
            TALLY.record("silent_wrong_verdicts", f"{where}: refused a project that means the same: "
                                                  f"{outcome.message[:300]}")
        else:
            TALLY.record("clean_errors")
        return
    if expect == "error":
        TALLY.record("silent_wrong_verdicts", f"{where}: gave {outcome.verdict} where it must refuse")
    elif expect == "same":
        assert baseline is not None
        if (outcome.verdict, outcome.codes) != (baseline.verdict, baseline.codes):
            TALLY.record("silent_wrong_verdicts", f"{where}: {outcome.verdict} {outcome.codes} where the "
                                                  f"unmutated file gives {baseline.verdict} {baseline.codes}")
        else:
            TALLY.record("verdicts_checked")
    else:
        TALLY.record("other_verdicts")


# --- project mutations ----------------------------------------------------------------------------------

EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))
NUMBER_FIELDS = [("wastewater", "operating_days"), ("location", "lon"), ("location", "lat"),
                 ("location", "x"), ("location", "y")]


def example(name: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


def dump(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000)


def set_raw(text: str, key: str, raw: str) -> str:
    """Replace the value of the first line ``key: ...`` (at any indentation) by the raw YAML ``raw``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        if stripped.startswith(f"{key}:"):
            indent = line[: len(line) - len(stripped)]
            lines[i] = f"{indent}{key}: {raw}"
            return "\n".join(lines) + "\n"
    return text


@st.composite
def meaning_preserving(draw) -> tuple[str, str, str, str]:
    """(example, file name, text, what): the example said another way; its verdict must not change."""
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    data = example(name)
    kind = draw(st.sampled_from(["hostile_name", "hostile_id", "description", "reorder", "flow_form",
                                 "unit_case", "json", "comments", "processes_order"]))
    payload = draw(st.sampled_from(HOSTILE_TEXT))
    suffix = ".yaml"
    if kind == "hostile_name":
        data["name"] = payload
    elif kind == "hostile_id":
        data["id"] = payload[:200] if payload.strip() else "x"  # an id has at most 200 characters
    elif kind == "description":
        data["description"] = payload
    elif kind == "reorder":
        keys = list(data)
        order = draw(st.permutations(keys))
        data = {k: data[k] for k in order}
    elif kind == "flow_form" and data.get("wastewater"):
        value, unit = str(data["wastewater"]["flow"]).split()
        form = draw(st.sampled_from(["dict", "t/d", "nospace", "upper"]))
        data["wastewater"]["flow"] = {"dict": {"value": float(value), "unit": unit}, "t/d": f"{value} t/d",
                                      "nospace": f"{value}{unit}", "upper": f"{value} {unit.upper()}"}[form]
        kind += "/" + form
    elif kind == "unit_case" and data.get("wastewater", {}).get("effluent"):
        data["wastewater"]["effluent"] = {k: str(v).replace("mg/L", "mg/l")
                                          for k, v in data["wastewater"]["effluent"].items()}
    elif kind == "processes_order" and len(data.get("processes", ())) > 1:
        data["processes"] = list(reversed(data["processes"]))
    if kind == "json":
        return name, f"{name}.json", json.dumps(data, ensure_ascii=False, default=str, indent=1), kind
    text = dump(data)
    if kind == "comments":
        text = "# a comment: with: colons\n" + text.replace("\n", "  # trailing\n", 3)
    return name, f"{name}{suffix}", text, kind


@st.composite
def must_refuse(draw) -> tuple[str, str, str, str]:
    """(example, file name, text, what): a figure, code or structure that cannot be; must be refused."""
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    data = example(name)
    text = dump(data)
    kind = draw(st.sampled_from(["number", "flow", "industry", "duplicate_key", "bomb", "deep", "huge"]))
    if kind == "number":
        present = [(section, key) for section, key in NUMBER_FIELDS
                   if isinstance(data.get(section), dict) and key in data[section]]
        section, key = draw(st.sampled_from(present))
        # a projected x or y may be negative (west of the false easting): -1 is a place, not nonsense
        raw = draw(st.sampled_from([r for r in NOT_A_FIGURE if not (key in ("x", "y") and r == "-1")]))
        text = set_raw(text, key, raw)
        kind = f"{section}.{key}={raw[:20]}"
    elif kind == "flow":
        if not data.get("wastewater"):
            text = text.rstrip("\n") + "\nwastewater: {route: indirect, flow: '1e309 m3/d'}\n"
        else:
            raw = draw(st.sampled_from(NOT_A_QUANTITY))
            text = set_raw(text, "flow", raw)
            kind = f"flow={raw[:20]}"
    elif kind == "industry":
        raw = draw(st.sampled_from(NOT_A_CLASS))
        text = set_raw(text, "industry", repr(raw) if raw == "" else raw)
        kind = f"industry={raw}"
    elif kind == "duplicate_key":
        key = draw(st.sampled_from(["industry", "id", "name", "location"]))
        first = text.splitlines()
        line = next(l for l in first if l.startswith(f"{key}:"))
        text = text.replace(line, line + "\n" + line, 1)
        kind = f"duplicate {key}"
    elif kind == "bomb":
        text = text + alias_bomb(draw(st.integers(7, 10)))
    elif kind == "deep":
        depth = draw(st.sampled_from([100, 1000, 100_000]))
        text = text + "deep: " + "[" * depth + "]" * depth + "\n"
        kind = f"deep {depth}"
    elif kind == "huge":
        text = text + "padding: '" + "x" * (9 * 2**20) + "'\n"
    return name, f"{name}.yaml", text, kind


@st.composite
def anything(draw) -> tuple[str, str, str, str]:
    """(example, file name, text, what): a random value of any kind at a random key; either outcome."""
    name = draw(st.sampled_from(EXAMPLE_NAMES))
    text = dump(example(name))
    keys = [line.split(":")[0].strip() for line in text.splitlines() if ":" in line and not line.lstrip().startswith("-")]
    key = draw(st.sampled_from(keys))
    raw = draw(st.one_of(st.sampled_from(NOT_A_FIGURE + NOT_A_QUANTITY + NOT_A_CLASS + STRUCTURAL),
                         st.sampled_from(HOSTILE_TEXT).map(json.dumps),
                         st.text(max_size=30).map(json.dumps),
                         st.floats(allow_nan=True, allow_infinity=True).map(repr),
                         st.integers(-10**40, 10**40).map(str)))
    drop = draw(st.booleans()) and draw(st.integers(0, 9)) == 0
    lines = set_raw(text, key, raw).splitlines()
    if drop:
        lines = [l for l in lines if not l.lstrip().startswith(f"{key}:")]
    return name, f"{name}.yaml", "\n".join(lines) + "\n", f"{key}={raw[:30]}{' (dropped)' if drop else ''}"


# --- batch ------------------------------------------------------------------------------------------------

BATCH_HEADER = ["id", "name", "industry", "processes", "lon", "lat", "crs", "route", "flow_m3d", "operating_days",
                "COD_mg_L"]
BATCH_ROWS = [
    ["A-1", "装备制造", "C3484", "", "118.82", "30.985", "4490", "indirect", "500", "300", "300"],
    ["A-2", "印染", "C1713", "dyeing", "118.81", "30.98", "4490", "indirect", "1500", "300", "180"],
    ["B-1", "园外", "C3484", "", "118.79", "30.95", "4490", "indirect", "100", "300", "100"],
]
BATCH_NUMBERS = ["lon", "lat", "flow_m3d", "operating_days", "COD_mg_L"]
BATCH_NOT_A_FIGURE = ["inf", "nan", "1e309", "-1", "yes", "9" * 400, "Infinity", "1,000", "3000 m3/d", "true",
                      "0x1F", "--5", "1e3e3"]


@st.composite
def batch_rows(draw) -> tuple[list[list[str]], list[str]]:
    """Rows made of the template rows, some cells replaced; and per row: "same", "error" or "any"."""
    rows, expect = [], []
    for _ in range(draw(st.integers(1, 12))):
        template = draw(st.integers(0, len(BATCH_ROWS) - 1))
        row = list(BATCH_ROWS[template])
        kind = draw(st.sampled_from(["same", "same", "hostile_name", "bad_number", "bad_industry", "any"]))
        if kind == "hostile_name":
            row[1] = draw(st.sampled_from(HOSTILE_TEXT))
            kind = "same"
        elif kind == "bad_number":
            row[BATCH_HEADER.index(draw(st.sampled_from(BATCH_NUMBERS)))] = draw(st.sampled_from(BATCH_NOT_A_FIGURE))
            kind = "error"
        elif kind == "bad_industry":
            row[2] = draw(st.sampled_from([c for c in NOT_A_CLASS if c]))
            kind = "error"
        elif kind == "any":
            column = draw(st.integers(0, len(row) - 1))
            row[column] = draw(st.one_of(st.sampled_from(HOSTILE_TEXT + STRUCTURAL + BATCH_NOT_A_FIGURE),
                                         st.text(max_size=20)))
        row[0] = f"{row[0]}#{len(rows)}"  # ids stay unique and carry the row number
        rows.append(row)
        expect.append(f"{kind}:{template}")
    return rows, expect


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def check_csv_cells(path: Path, what: str) -> None:
    """No text cell of a CSV output may start with a formula trigger (numbers may be negative)."""
    TALLY.outputs_checked += 1
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(cell):
                    TALLY.record("unescaped", f"{what}: {path.name} line {number}: cell {cell[:60]!r}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def env_scale() -> int:
    """``FUZZ_SCALE`` (default 1) multiplies every budget; ``tools/fuzz.py`` raises it."""
    try:
        return max(1, int(os.environ.get("FUZZ_SCALE", "1")))
    except ValueError:
        return 1


def defused_back(text: str) -> str:
    """A CSV cell as the tool wrote it, with its formula guard taken off (see :mod:`regional_eia.escape`)."""
    from regional_eia.escape import undefuse_csv

    return undefuse_csv(text)


class _ActiveContent(HTMLParser):
    """Collects what a browser would run or follow: script text, on* attributes, javascript: links, headings."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._in.append(tag)
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name.lower() in ("href", "src") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:...>")

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        if self._in and self._in[-1] == "script" and "pwned" in data:
            self.found.append("a <script> that runs the payload")
        if self._in and self._in[-1] in ("h1", "h2", "h3") and "Injected" in data:
            self.found.append("a heading made by the payload")


def active_content(page: str) -> list[str]:
    parser = _ActiveContent()
    parser.feed(page)
    return parser.found


def check_report(folder: Path, format: str, payload: str) -> None:
    """The batch report in ``folder`` keeps ``payload`` as text: no script, handler, link, heading or formula.

    Markdown is judged by what it renders to (markdown-it, raw HTML allowed, as most viewers do).
    """
    TALLY.outputs_checked += 1
    path = folder / f"batch-summary.{format}"
    if format == "xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        TALLY.record("unescaped", f"{path.name} {sheet.title}!{cell.coordinate}: formula {cell.value!r}")
        return
    text = path.read_text(encoding="utf-8")
    if format == "md":
        from markdown_it import MarkdownIt

        text = MarkdownIt("commonmark", {"html": True}).render(text)
    for problem in active_content(text):
        if "pwned" in payload or "Injected" in payload:
            TALLY.record("unescaped", f"{path.name}: {problem} (payload {payload[:40]!r})")
