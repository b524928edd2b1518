"""Command line for suppliers' declarations: ``python -m remediation declarations import FILES…``.

    python -m remediation declarations import cmrt/*.xlsx             # each file all or nothing; a summary per file
    python -m remediation declarations import a.xlsx b.xlsx --workers 1

Files are parsed in parallel (one process per core) and written one by one, each in its own transaction with its
own audit entry; a refused file names every problem by sheet, row and column and writes nothing. The exit code
is 1 when any file was refused, else 0.
"""

from __future__ import annotations

import glob
import sys
import time

from remediation.services import access, declarations
from remediation.services.base import Refused
from remediation.services.workbooks import FileRefused


def register(subparsers, engine_of) -> None:
    """Add ``declarations import`` to ``python -m remediation``; ``engine_of(args)`` opens the migrated database."""
    parser = subparsers.add_parser("declarations", help="suppliers' smelter declarations (CMRT/EMRT workbooks)")
    sub = parser.add_subparsers(dest="declarations_command", required=True)
    imp = sub.add_parser("import", help="import CMRT/EMRT workbooks, each file all or nothing")
    imp.add_argument("files", nargs="+", help=".xlsx workbooks (a quoted pattern such as 'in/*.xlsx' is expanded)")
    imp.add_argument("--workers", type=int, help="processes parsing in parallel (default: one per core)")
    imp.add_argument("--user", help="who imports, named in the audit log: a stored editor or admin (required once "
                                    "users are configured; without users, leave it out: 'command line')")
    imp.add_argument("--quiet", action="store_true", help="print refused files and the summary only")
    imp.set_defaults(func=lambda args: cmd_import(args, engine_of))


def _expand(patterns: list[str]) -> list[str]:
    paths: list[str] = []
    for pattern in patterns:
        matched = sorted(glob.glob(pattern)) if any(ch in pattern for ch in "*?[") else [pattern]
        paths += matched or [pattern]
    return list(dict.fromkeys(paths))


def cmd_import(args, engine_of) -> int:
    paths = _expand(args.files)
    engine = engine_of(args)
    started = time.perf_counter()

    def progress(_: int, outcome: declarations.FileOutcome) -> None:
        if outcome.status == "refused":
            print(outcome.describe(), file=sys.stderr)
            for problem in outcome.problems[10:]:
                print(f"    {problem}", file=sys.stderr)
        elif not args.quiet:
            print(outcome.describe())
            for warning in outcome.warnings[:5]:
                print(f"    note: {warning}")

    try:
        actor = access.command_line_actor(engine, args.user, what="importing suppliers' declarations")
        outcomes = declarations.import_paths(engine, paths, actor, workers=args.workers, progress=progress)
    except (FileRefused, Refused) as exc:
        print(exc, file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    counts = {status: sum(o.status == status for o in outcomes) for status in ("imported", "already imported",
                                                                               "refused")}
    rows = sum(o.smelters for o in outcomes if o.status == "imported")
    print(f"{len(outcomes):,} files in {elapsed:.1f} s: {counts['imported']:,} imported ({rows:,} smelter rows), "
          f"{counts['already imported']:,} already imported, {counts['refused']:,} refused"
          + ("; a refused file wrote nothing." if counts["refused"] else "."))
    return 1 if counts["refused"] else 0
