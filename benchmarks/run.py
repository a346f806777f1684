"""Every benchmark, one table: figure, target, measured, pass/fail.

    .venv/bin/python benchmarks/run.py            # full figures (what `make benchmarks` runs)
    .venv/bin/python benchmarks/run.py --quick    # seconds each; CI runs this so none can rot
    .venv/bin/python benchmarks/run.py updates qr # only benchmarks whose name contains a word

Each ``benchmarks/bench_*.py`` exposes ``main(argv) -> list[Row]`` (see benchmarks/common.py).
Quick runs are too small to hold to the targets, so their rows are shown but not judged.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import Main, Row, failed, table

ROOT = Path(__file__).resolve().parent.parent


def available() -> dict[str, Main]:
    """bench_<name>.py -> its main, in file name order."""
    found: dict[str, Main] = {}
    for path in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        module = importlib.import_module(f"benchmarks.{path.stem}")
        found[path.stem.removeprefix("bench_")] = module.main
    return found


def run(names: Sequence[str] = (), *, quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    for name, main in available().items():
        if names and not any(word in name for word in names):
            continue
        print(f"--- {name}{' (quick)' if quick else ''}", flush=True)
        started = time.perf_counter()
        result = main(["--quick"] if quick else [])
        print(f"--- {name}: {time.perf_counter() - started:.1f} s", flush=True)
        rows += [replace(row, passed=None) for row in result] if quick else result
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("names", nargs="*", help="run only benchmarks whose name has a word")
    parser.add_argument("--quick", action="store_true", help="small runs, not judged (CI)")
    args = parser.parse_args(argv)
    rows = run(args.names, quick=args.quick)
    print()
    print(table(rows))
    return 1 if failed(rows) else 0


if __name__ == "__main__":
    sys.exit(main())
