"""Every benchmark still runs: each in its quick mode, through the runner `make benchmarks` uses.

Figures are not judged here (the machine running CI is not the one the targets are for);
what is checked is that each benchmark produces its rows, so none can silently rot.
"""

from __future__ import annotations

import pytest

from benchmarks import run
from benchmarks.common import Row, table


@pytest.mark.timeout(300)
def test_every_benchmark_runs_quickly_and_reports_rows(capsys: pytest.CaptureFixture[str]) -> None:
    names = list(run.available())
    assert {"emulator", "qr_render", "updates"} <= set(names)
    for name in names:
        rows = run.run([name], quick=True)
        assert rows, f"benchmark {name} reported nothing"
        for row in rows:
            assert isinstance(row, Row) and row.figure and row.measured
            assert row.passed is None  # quick runs are shown, not judged
    printed = table(rows)
    assert printed.startswith("| figure") and "measured" in printed
