"""Run the fuzz suite of issue 16 with a larger budget and print its tally (the closing note's counts).

    python tools/fuzz.py                 # 20x the test budget, random cases (about 10-20 minutes)
    python tools/fuzz.py --scale 5 --derandomize

It runs ``tests/test_fuzz.py`` (the command line) and ``tests/test_fuzz_service.py`` (the web service's
company-facing endpoints through FastAPI's TestClient) under pytest with ``FUZZ_SCALE``, and prints one
tally of both: cases tried, clean errors,
verdicts checked (meaning-preserving mutations that kept their verdict), other verdicts, batch rows and
outputs checked, and the counts that must be 0 (tracebacks, hangs, silent wrong verdicts, dropped rows,
unescaped outputs, unclear errors, the service's 500s), and the service requests sent.
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
                              str(ROOT / "tests" / "test_fuzz.py"), str(ROOT / "tests" / "test_fuzz_service.py")],
                             cwd=ROOT, env=env)
        if not tally_path.exists():
            print("the fuzz suite wrote no tally (it did not get to run)", file=sys.stderr)
            return run.returncode or 1
        tally = json.loads(tally_path.read_text(encoding="utf-8"))
    must_be_zero = ("tracebacks", "hangs", "silent_wrong_verdicts", "dropped_rows", "unescaped", "unclear_errors",
                    "server_errors")
    print(f"\nfuzz suite, scale {args.scale}, {'fixed' if args.derandomize else 'random'} cases, "
          f"{tally['seconds']:.0f} s in the tool")
    service = tally.get("service", {})
    print(f"  {'':<22} {'all':>7}  {'service':>7}")
    for key in ("cases", "clean_errors", "verdicts_checked", "other_verdicts", "rows_checked", "outputs_checked",
                "service_requests", *must_be_zero):
        goal = "  (goal 0)" if key in must_be_zero else ""
        share = f"{service[key]:>7,}" if key in service else f"{'-':>7}"
        print(f"  {key.replace('_', ' '):<22} {tally[key]:>7,}  {share}{goal}")
    for line in tally["failures"][:20]:
        print(f"  ! {line}")
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
