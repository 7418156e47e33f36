"""``python -m standards [FOLDER ...]``: validate standards data files and print what they hold."""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

from .catalog import _DATA, load_standards
from .errors import StandardsError


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv]
    shown = None
    try:
        if paths and all(p.is_file() for p in paths):
            catalog = _load_files(paths)
        elif paths:
            # a catalogue's own folder (local and intake standards) is read as a catalogue reads it: beside
            # the shipped standards and their pollutant registry; only its own standards are listed
            builtin = load_standards(_DATA)
            catalog = load_standards(_DATA, *paths)
            shown = set(catalog.standards) - set(builtin.standards)
        else:
            catalog = load_standards(_DATA)
    except StandardsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for sid, std in sorted(catalog.standards.items()):
        if shown is not None and sid not in shown:
            continue
        counts = Counter(limit.table for limit in catalog.limits if limit.standard == sid)
        tables = ", ".join(f"{t}: {n}" for t, n in counts.items())
        print(f"{sid:<22} {len(std.tables)} tables, {sum(counts.values())} figures ({tables})")
    if shown is not None:
        own = [limit for limit in catalog.limits if limit.standard in shown]
        print(f"{len(shown)} standards, {len(own)} figures, checked against the shipped standards and "
              f"{len(catalog.pollutants)} pollutants")
        return 0
    for amendment in catalog.amendments:
        print(f"{amendment.id:<22} amends {amendment.amends} from {amendment.effective}")
    print(f"{len(catalog.pollutants)} pollutants, {len(catalog.limits)} figures in all")
    return 0


def _load_files(paths: list[Path]):
    """Validate single files against the shipped pollutant registry, ignoring the other data files."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "pollutants").symlink_to(Path(str(_DATA / "pollutants")).resolve())
        for path in paths:
            (folder / path.name).symlink_to(path.resolve())
        return load_standards(folder)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
