"""Time every chart builder of ``remediation.reports``, as it is and as it was at an earlier commit, on the
representative inputs of ``tests/unit/test_chart_specs.py`` (issue #15), and check both give the same figure JSON.

    python benchmarks/chart_build.py [--before REV] [--repeat N] [CASE-SUBSTRING ...]

``--before`` defaults to the last commit before the builders composed plain specs. The earlier modules are read
with ``git show`` into a throwaway package, so both versions run in one process on the same inputs. Prints, per
case, the median build time before and after (ms), their ratio, and whether ``plotly.io.to_json`` of the two
figures is equal once parsed. A benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import plotly.io as pio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BEFORE = "e87e8e1"  # main when issue #15's chart work started
MODULES = ("charts", "company_charts", "plan_charts", "supply_charts", "followups")


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def legacy_modules(rev: str, into: Path) -> dict:
    """The chart modules as they were at ``rev``, importable as ``legacy_reports.<module>``."""
    package = into / "legacy_reports"
    package.mkdir()
    (package / "__init__.py").write_text("")
    for name in MODULES:
        source = subprocess.run(["git", "show", f"{rev}:remediation/reports/{name}.py"], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout
        (package / f"{name}.py").write_text(source.replace("remediation.reports.", "legacy_reports."))
    sys.path.insert(0, str(into))
    return {name: importlib.import_module(f"legacy_reports.{name}") for name in MODULES}


def timed(build, repeat: int) -> tuple[float, object]:
    fig = build()  # warm: imports, plotly's validator caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BEFORE, help="git revision of the builders to compare with")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("only", nargs="*", help="time only the cases whose name holds one of these")
    args = parser.parse_args()
    cases = _load("chart_spec_cases", ROOT / "tests" / "unit" / "test_chart_specs.py")
    current = {name: getattr(cases, name) for name in MODULES}
    with tempfile.TemporaryDirectory() as tmp:
        legacy = legacy_modules(args.before, Path(tmp))
        print(f"{'case':55} {'before ms':>10} {'after ms':>9} {'ratio':>7}  same JSON")
        totals = [0.0, 0.0]
        different = []
        for case in sorted(c for c in cases.CASES if not args.only or any(o in c for o in args.only)):
            for name in MODULES:
                setattr(cases, name, legacy[name])
            before, old = timed(cases.CASES[case], args.repeat)
            for name in MODULES:
                setattr(cases, name, current[name])
            after, new = timed(cases.CASES[case], args.repeat)
            same = json.loads(pio.to_json(old)) == json.loads(pio.to_json(new))
            if not same:
                different.append(case)
            totals[0] += before
            totals[1] += after
            print(f"{case:55} {before:10.2f} {after:9.2f} {before / after:6.1f}x  {'yes' if same else 'NO'}")
        print(f"{'all cases':55} {totals[0]:10.2f} {totals[1]:9.2f} {totals[0] / totals[1]:6.1f}x  "
              f"{'yes' if not different else 'NO: ' + ', '.join(different)}")


if __name__ == "__main__":
    main()
