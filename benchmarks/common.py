"""What every benchmark returns, and how one is run on its own.

Each ``benchmarks/bench_*.py`` exposes ``main(argv: Sequence[str] | None = None) -> list[Row]``
and accepts ``--quick`` (a small run CI does so the benchmark cannot rot; its figures are not
judged) next to its full options. ``benchmarks/run.py`` runs them all and prints one table;
run alone, a benchmark prints its own rows the same way::

    if __name__ == "__main__":
        sys.exit(standalone(main))
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Row:
    """One figure: what was measured, the target it is held to, and the verdict."""

    figure: str  # e.g. "QR rendering: 4,000 images"
    target: str  # e.g. "≤ 30 s"; empty for a figure shown for comparison only
    measured: str  # e.g. "14.2 s (282 images/s)"
    passed: bool | None  # None: no target (comparison or context figure)

    @property
    def verdict(self) -> str:
        if self.passed is None:
            return ""
        return "pass" if self.passed else "FAIL"


Main = Callable[[Sequence[str] | None], list[Row]]


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1); 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, readable in a terminal and pasteable into the README."""
    header = ("figure", "target", "measured", "result")
    cells = [header, *((r.figure, r.target, r.measured, r.verdict) for r in rows)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *(line(c) for c in cells[1:])])


def failed(rows: Sequence[Row]) -> bool:
    return any(r.passed is False for r in rows)


def standalone(main: Main, argv: Sequence[str] | None = None) -> int:
    """Run one benchmark from the command line: print its rows; exit 1 if a target failed."""
    rows = main(sys.argv[1:] if argv is None else argv)
    print(table(rows))
    return 1 if failed(rows) else 0
