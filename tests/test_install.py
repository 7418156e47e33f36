"""README's commands work after README's first install command (`pip install .`): what they need is a core
dependency, or a missing extra is one line naming the pip command, never a traceback."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import pytest

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _core() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {re.split(r"[<>=\[ ]", dep, maxsplit=1)[0].lower() for dep in project["dependencies"]}


def test_batch_and_report_needs_are_core_dependencies():
    assert {"pyarrow", "openpyxl", "matplotlib", "jinja2"} <= _core()


def _commands() -> list[list[str]]:
    table = README.split("## Commands", 1)[1].split("\n\n", 2)[1]
    found = []
    for cell in re.findall(r"^\| `regional-eia ([^`]+)`", table, flags=re.M):
        words = []
        for word in cell.split():
            if not re.fullmatch(r"[a-z][a-z\-]*", word):
                break
            words.append(word)
        found.append(words)
    return found


@pytest.mark.parametrize("words", _commands(), ids=" ".join)
def test_every_command_of_the_table_runs(words):
    from typer.testing import CliRunner

    from cli import app

    run = CliRunner().invoke(app, [*words, "--help"])
    assert run.exit_code == 0, run.output


@pytest.mark.parametrize("module, args, extra", [
    ("dask", ["batch", "examples/demo-batch.csv", "--out", "{tmp}/r.csv", "--engine", "dask"], "dask"),
    ("folium", ["report", "examples/langxi-equipment.yaml", "--out", "{tmp}/rep", "--interactive"], "interactive"),
])
def test_a_missing_extra_is_one_line_naming_pip(module, args, extra, tmp_path):
    code = (f"import sys; sys.modules[{module!r}] = None; sys.modules[{module + '.distributed'!r}] = None; "
            f"sys.argv = ['regional-eia', *{[a.format(tmp=tmp_path) for a in args]!r}]; "
            "from cli import main; main()")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and f"regional-eia[{extra}]" in run.stderr


def test_readme_refers_to_no_file_outside_the_repository():
    assert "DOMAIN.md" not in README and "/work/" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
    for path in re.findall(r"`((?:examples|docs|zones|standards|tools|benchmarks)/[^`\s]+)`", README):
        assert (ROOT / path.rstrip("/")).exists() or "*" in path or "{" in path, path
