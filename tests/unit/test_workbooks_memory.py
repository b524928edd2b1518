"""Peak memory of reading a refused file stays under the stated bound (REFUSED_PEAK_BOUND_MB), measured in a fresh
process: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` after the import's reader (read_path, the import's budget)
has refused the file. The files are built here, in a temporary folder, by tests/data/hostile/make_hostile.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from remediation.services.workbooks import REFUSED_PEAK_BOUND_MB

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "data" / "hostile"))
import make_hostile as mh  # noqa: E402

MEASURE = """
import json, resource, sys, time
from remediation.services import transfer
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
try:
    transfer.read_path(sys.argv[1])
    outcome = "read"
except transfer.ImportRefused as exc:
    outcome = str(exc)
print(json.dumps({"baseline_mb": before / 1024, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "seconds": time.perf_counter() - started, "outcome": outcome}))
"""


def measure(path: Path, tmp_path: Path) -> dict:
    script = tmp_path / "measure.py"
    script.write_text(MEASURE)
    # Through a shell that forks the interpreter: a process forked straight from pytest would inherit pytest's
    # resident size as its high-water mark (ru_maxrss survives exec on Linux).
    done = subprocess.run(["sh", "-c", '"$0" "$1" "$2"; exit $?', sys.executable, str(script), str(path)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def fifty_megabyte_csv(path: Path) -> Path:
    """The largest CSV the import reads (50 MB), with one row too many: refused at its very end."""
    line = (",".join(mh.row() + ["s" * 380]) + "\n").encode()
    with path.open("wb") as out:
        out.write((",".join(mh.HEADER + ["Summary"]) + "\n").encode())
        out.write(line * 100_001)
    return path


CASES = {
    "bomb.xlsx": (mh.bomb, "unpacks to 800.0 MB"),
    "blank_rows.xlsx": (mh.blank_rows, "blank rows"),
    "wide_row.xlsx": (mh.wide_row, "more than 16,384 cells"),
    "long_shared_string.xlsx": (mh.long_shared_string, "a text is longer than 32,767 characters"),
    "fifty_megabytes.csv": (fifty_megabyte_csv, "more than 100,000 incident rows"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_refused_file_peaks_under_the_stated_bound(tmp_path, name):
    make, refusal = CASES[name]
    path = make(tmp_path / name)
    figures = measure(path, tmp_path)
    print(f"{name}: {path.stat().st_size / 2**20:.1f} MB file, peak {figures['peak_mb']:.0f} MB (baseline "
          f"{figures['baseline_mb']:.0f} MB after imports), refused in {figures['seconds']:.1f} s")
    assert refusal in figures["outcome"]
    assert figures["peak_mb"] < REFUSED_PEAK_BOUND_MB
    assert figures["seconds"] < 30
