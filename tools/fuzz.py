"""Run the fuzz suite of issue 16 with a larger budget and print its tally (the closing note's counts).

    python tools/fuzz.py                 # 20x the test budget, random cases (about 10-20 minutes)
    python tools/fuzz.py --scale 5 --derandomize

It runs ``tests/test_fuzz.py`` under pytest with ``FUZZ_SCALE``, and prints: cases tried, clean errors,
verdicts checked (meaning-preserving mutations that kept their verdict), other verdicts, batch rows and
outputs checked, and the counts that must be 0 (tracebacks, hangs, silent wrong verdicts, dropped rows,
unescaped outputs, unclear errors).
Exit status: pytest's (0 when every count that must be 0 is 0).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=20, help="multiply every test's number of cases (default 20)")
    parser.add_argument("--derandomize", action="store_true", help="the test suite's fixed cases, not random ones")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tally_path = Path(tmp) / "tally.json"
        env = {**os.environ, "FUZZ_SCALE": str(args.scale), "FUZZ_TALLY": str(tally_path),
               "FUZZ_RANDOM": "0" if args.derandomize else "1"}
        run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              str(ROOT / "tests" / "test_fuzz.py")], cwd=ROOT, env=env)
        if not tally_path.exists():
            print("the fuzz suite wrote no tally (it did not get to run)", file=sys.stderr)
            return run.returncode or 1
        tally = json.loads(tally_path.read_text(encoding="utf-8"))
    must_be_zero = ("tracebacks", "hangs", "silent_wrong_verdicts", "dropped_rows", "unescaped", "unclear_errors")
    print(f"\nfuzz suite, scale {args.scale}, {'fixed' if args.derandomize else 'random'} cases, "
          f"{tally['seconds']:.0f} s in the tool")
    for key in ("cases", "clean_errors", "verdicts_checked", "other_verdicts", "rows_checked", "outputs_checked",
                *must_be_zero):
        goal = "  (goal 0)" if key in must_be_zero else ""
        print(f"  {key.replace('_', ' '):<22} {tally[key]:>7,}{goal}")
    for line in tally["failures"][:20]:
        print(f"  ! {line}")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
