"""The committee's raw files of ``examples/own-park/make_files.py``, importable by the tests."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("own_park_files", ROOT / "examples" / "own-park" / "make_files.py")
files = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(files)

make_files = files.make_files
write_shapefile = files.write_shapefile
write_sheet = files.write_sheet
truncated = files.truncated
