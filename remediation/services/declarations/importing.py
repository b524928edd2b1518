"""Suppliers' declaration workbooks into the database: one transaction and one audit entry per file.

Each file is parsed first (:func:`~.parse.parse_workbook`, outside any transaction), then written whole or not at
all: the supplier (matched by normalised company name), the declaration, its smelter and product rows, any
smelter ID the register does not know yet, and which of the supplier's declarations is current. Files are
independent: of forty files, one broken file is refused and thirty-nine are imported.

* **The same file twice** (same SHA-256) is *already imported*: skipped, never duplicated.
* **Supersession.** Of a supplier's declarations of one template (a CMRT does not replace an EMRT: they cover
  different metals), the newest by effective date — then the later import — is current; the others stay as
  the supplier's past declarations. Importing an older file later changes nothing current.
* **The register** gains every smelter ID it did not know, with the name and country the declaration gives;
  a name or country already in the register is never overwritten by a supplier's file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from remediation.domain.supply_chain import ParsedDeclaration, normalise_name
from remediation.services.access import require
from remediation.services.base import LOCAL_USER, Actor, write_audit
from remediation.services.declarations.parse import DECLARATION_BUDGET, Problem, parse_workbook, problems_of
from remediation.services.workbooks import FileRefused, ReadBudget
from remediation.storage import schema as t

IMPORT_ACTION = "imported supplier declaration"
MAX_FILES = 1000
"""Files in one import at most (the scale target is 500)."""
BATCH = 2000


@dataclass
class FileOutcome:
    """What became of one file: ``imported``, ``already imported`` or ``refused`` (with its problems)."""
    name: str
    status: str
    supplier: str = ""
    template: str = ""
    version: str = ""
    scope: str = ""
    effective_date: date | None = None
    smelters: int = 0
    products: int = 0
    current: bool = False
    problems: list[Problem] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    declaration_id: int | None = None

    def describe(self) -> str:
        if self.status == "refused":
            return f"{self.name}: refused — " + "; ".join(str(p) for p in self.problems[:10]) + \
                (f"; and {len(self.problems) - 10} more" if len(self.problems) > 10 else "")
        what = (f"{self.supplier}, {self.template} {self.version}, effective {self.effective_date}, "
                f"{self.smelters} smelter rows, {self.products} products")
        if self.status == "already imported":
            return f"{self.name}: already imported ({what})"
        return f"{self.name}: imported ({what}){'' if self.current else '; an earlier declaration, kept as history'}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- parsing, possibly in parallel -------------------------------------------------------------------------

def _parse_one(name: str, data: bytes, budget: ReadBudget, today: date | None
               ) -> tuple[str, str, ParsedDeclaration | None, list[Problem]]:
    digest = sha256(data)
    try:
        return name, digest, parse_workbook(data, name, budget=budget, today=today), []
    except FileRefused as exc:
        return name, digest, None, problems_of(exc, name)


def _parse_path(path: str, budget: ReadBudget, today: date | None):
    name = os.path.basename(path)
    try:
        size = os.path.getsize(path)
        if size > budget.max_file_bytes:
            return name, "", None, [Problem(None, None, f"the file is {size / 2**20:,.1f} MB; at most "
                                                        f"{budget.max_file_bytes / 2**20:,.0f} MB can be read")]
        data = Path(path).read_bytes()
    except OSError as exc:
        return name, "", None, [Problem(None, None, f"cannot be read ({exc.strerror or exc})")]
    return _parse_one(name, data, budget, today)


def parse_paths(paths: list[str], *, workers: int | None = None, budget: ReadBudget = DECLARATION_BUDGET,
                today: date | None = None) -> Iterator[tuple[str, str, ParsedDeclaration | None, list[Problem]]]:
    """(name, SHA-256, declaration or None, problems) per file, in order; parsed in ``workers`` processes (default:
    one per core) when there are many files. Only the small parsed result crosses between processes."""
    workers = max(1, min(workers or os.cpu_count() or 1, len(paths) // 4 or 1))
    if workers == 1:
        for path in paths:
            yield _parse_path(path, budget, today)
        return
    import multiprocessing

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(_parse_path, paths, [budget] * len(paths), [today] * len(paths), chunksize=4)


# --- writing -------------------------------------------------------------------------------------------------

def _insert_ignoring_duplicates(conn: Connection, table, rows: list[dict], key: str) -> None:
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=[key])
    elif dialect == "sqlite":
        statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])
    else:  # pragma: no cover - the two databases the app runs on are above
        known = set(conn.execute(select(table.c[key]).where(table.c[key].in_([r[key] for r in rows]))).scalars())
        rows, statement = [r for r in rows if r[key] not in known], insert(table)
        if not rows:
            return
    for i in range(0, len(rows), BATCH):
        conn.execute(statement, rows[i:i + BATCH])


def _supplier(conn: Connection, parsed: ParsedDeclaration) -> tuple[int, str]:
    """The supplier's id and name, created on its first declaration (matched by normalised company name)."""
    key = normalise_name(parsed.company) or parsed.company.casefold()
    s = t.suppliers.c
    _insert_ignoring_duplicates(conn, t.suppliers, [{"name": parsed.company, "name_key": key[:200],
                                                      "unique_id": parsed.unique_id}], "name_key")
    row = conn.execute(select(s.id, s.name).where(s.name_key == key[:200])).one()
    return row.id, row.name


def refresh_current(conn: Connection, supplier_id: int, template: str) -> int | None:
    """Mark the supplier's newest declaration of ``template`` current and the others not; its id."""
    d = t.declarations.c
    newest = conn.execute(
        select(d.id).where(d.supplier_id == supplier_id, d.template == template)
        .order_by(d.effective_date.desc(), d.id.desc()).limit(1)).scalar_one_or_none()
    conn.execute(update(t.declarations).where(d.supplier_id == supplier_id, d.template == template)
                 .values(is_current=d.id == newest))
    return newest


def store_declaration(conn: Connection, parsed: ParsedDeclaration, *, file_name: str, digest: str, imported_by: str
                      ) -> tuple[int, str, bool, int | None]:
    """Write one parsed declaration in the caller's transaction (no permission check, no audit entry: the caller,
    :func:`import_files` or the demo loader, does both); (declaration id, supplier name, is it current, the id of
    the declaration it superseded or None)."""
    supplier_id, supplier_name = _supplier(conn, parsed)
    d = t.declarations.c
    before = conn.execute(select(d.id).where(d.supplier_id == supplier_id, d.template == parsed.template,
                                             d.is_current)).scalar_one_or_none()
    declaration_id = conn.execute(insert(t.declarations).values(
        supplier_id=supplier_id, template=parsed.template, version=parsed.version, scope=parsed.scope,
        scope_description=parsed.scope_description, effective_date=parsed.effective_date,
        company_name=parsed.company, file_name=file_name[:255], sha256=digest, is_current=False,
        smelter_rows=len(parsed.smelters), product_rows=len(parsed.products), warnings=list(parsed.warnings),
        imported_by=imported_by).returning(d.id)).scalar_one()
    smelter_rows = [{"declaration_id": declaration_id, "row": s.row, "metal": s.metal, "smelter_id": s.smelter_id,
                     "name": s.name, "name_key": normalise_name(s.name)[:200], "country": s.country,
                     "listing": s.listing, "id_source": s.id_source, "mine_names": s.mine_names,
                     "mine_countries": s.mine_countries, "recycled": s.recycled} for s in parsed.smelters]
    for i in range(0, len(smelter_rows), BATCH):
        conn.execute(insert(t.declaration_smelters), smelter_rows[i:i + BATCH])
    product_rows = [{"declaration_id": declaration_id, "row": p.row, "number": p.number, "name": p.name,
                     "requester_number": p.requester_number, "requester_name": p.requester_name,
                     "product": (p.name or p.number)[:200]} for p in parsed.products]
    for i in range(0, len(product_rows), BATCH):
        conn.execute(insert(t.declaration_products), product_rows[i:i + BATCH])
    register = {}
    for s in parsed.smelters:
        if s.smelter_id and s.smelter_id not in register:
            register[s.smelter_id] = {"smelter_id": s.smelter_id, "metal": s.metal, "name": s.name,
                                      "name_key": normalise_name(s.name)[:200], "country": s.country,
                                      "source": "declarations", "updated_by": imported_by}
    _insert_ignoring_duplicates(conn, t.smelters, list(register.values()), "smelter_id")
    current = refresh_current(conn, supplier_id, parsed.template)
    superseded = before if before is not None and current == declaration_id and before != declaration_id else None
    return declaration_id, supplier_name, current == declaration_id, superseded


def import_parsed(engine: Engine, results: Iterable[tuple[str, str, ParsedDeclaration | None, list[Problem]]],
                  actor: Actor = LOCAL_USER, progress: Callable[[int, FileOutcome], None] | None = None
                  ) -> list[FileOutcome]:
    """Write each parsed file in its own transaction with its own audit entry (a refused file writes nothing)."""
    outcomes: list[FileOutcome] = []
    with engine.connect() as conn:
        require(actor, "edit", "importing suppliers' declarations", conn)
    for i, (name, digest, parsed, problems) in enumerate(results):
        if parsed is None:
            outcome = FileOutcome(name, "refused", problems=problems)
        else:
            outcome = _write(engine, name, digest, parsed, actor)
        outcomes.append(outcome)
        if progress is not None:
            progress(i, outcome)
    return outcomes


def _write(engine: Engine, name: str, digest: str, parsed: ParsedDeclaration, actor: Actor) -> FileOutcome:
    outcome = FileOutcome(name, "imported", template=parsed.template, version=parsed.version, scope=parsed.scope,
                          effective_date=parsed.effective_date, smelters=len(parsed.smelters),
                          products=len(parsed.products), warnings=parsed.warnings, supplier=parsed.company)
    d, s = t.declarations.c, t.suppliers.c
    with engine.begin() as conn:
        require(actor, "edit", "importing suppliers' declarations", conn)
        known = conn.execute(select(d.id, d.is_current, s.name).join_from(t.declarations, t.suppliers)
                             .where(d.sha256 == digest)).first()
        if known is not None:
            outcome.status, outcome.declaration_id, outcome.current = "already imported", known.id, known.is_current
            outcome.supplier = known.name
            return outcome
        declaration_id, supplier, current, superseded = store_declaration(conn, parsed, file_name=name,
                                                                          digest=digest, imported_by=actor.user)
        outcome.declaration_id, outcome.supplier, outcome.current = declaration_id, supplier, current
        write_audit(conn, actor, IMPORT_ACTION, [
            {"field": "declaration", "before": None, "after": {
                "file": name, "sha256": digest, "supplier": supplier, "template": parsed.template,
                "version": parsed.version, "scope": parsed.scope, "effective_date": parsed.effective_date.isoformat(),
                "smelter_rows": len(parsed.smelters), "products": len(parsed.products), "current": current}},
            *([{"field": "superseded declaration", "before": superseded, "after": declaration_id}]
              if superseded is not None else [])])
    return outcome


def import_files(engine: Engine, files: Iterable[tuple[str, bytes]], actor: Actor = LOCAL_USER, *,
                 budget: ReadBudget = DECLARATION_BUDGET, today: date | None = None,
                 progress: Callable[[int, FileOutcome], None] | None = None) -> list[FileOutcome]:
    """Import uploaded workbooks (name, bytes), each all or nothing; the outcome of every file, in order."""
    files = list(files)
    if len(files) > MAX_FILES:
        raise FileRefused(f"{len(files):,} files at once; at most {MAX_FILES:,} can be imported in one go.")
    with engine.connect() as conn:  # before reading anything: a viewer is refused at once
        require(actor, "edit", "importing suppliers' declarations", conn)
    return import_parsed(engine, (_parse_one(name, data, budget, today) for name, data in files), actor, progress)


def import_paths(engine: Engine, paths: list[str], actor: Actor = LOCAL_USER, *, workers: int | None = None,
                 budget: ReadBudget = DECLARATION_BUDGET, today: date | None = None,
                 progress: Callable[[int, FileOutcome], None] | None = None) -> list[FileOutcome]:
    """Import workbooks from disk (the command line): parsed in parallel, written one by one."""
    if len(paths) > MAX_FILES:
        raise FileRefused(f"{len(paths):,} files at once; at most {MAX_FILES:,} can be imported in one go.")
    with engine.connect() as conn:
        require(actor, "edit", "importing suppliers' declarations", conn)
    return import_parsed(engine, parse_paths(paths, workers=workers, budget=budget, today=today), actor, progress)

