"""The benchmark still runs: ``python benchmarks/run.py --smoke`` (1,000 incidents, SQLite, the browser part
included) ends well and writes its table. Timings are not checked here (tests stay deterministic); the
run itself checks that every page it times ran without an exception and that the naive page computes the
portfolio page's figures."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .helpers import REPO_ROOT

pytestmark = pytest.mark.e2e


def test_the_benchmark_smoke_run_completes_and_writes_its_table(chromium_path, tmp_path):
    output = tmp_path / "smoke.md"
    done = subprocess.run([sys.executable, "benchmarks/run.py", "--smoke", "--output", str(output)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    text = output.read_text()
    assert "# Benchmark results" in text and "python benchmarks/run.py --smoke" in text
    for row in ("| Portfolio | sqlite |", "| Level 2 plans | sqlite |", "| Lessons learned | sqlite |",
                "**naive page**", "**floor**", "Server peak memory",
                "| Portfolio: another session's rerun after a write | sqlite |",
                "| Portfolio: another session's rerun after a settings change (every figure recomputed) | sqlite |"):
        assert row in text, row
