"""One supplier's CMRT or EMRT workbook to a :class:`~remediation.domain.supply_chain.ParsedDeclaration`, or a
refusal that names every problem by sheet, row and column.

How a file is read (``shared/reference/CMRT.md`` describes the templates):

* **Bounded.** Through :mod:`remediation.services.workbooks`: the zip's parts are checked before openpyxl sees
  them, and rows, cells, characters and seconds are counted while reading.
* **By position.** Labels follow the supplier's language; positions do not (:mod:`.layout`).
* **Template and version.** The Revision sheet's title says CMRT or EMRT; the version comes from
  Declaration!J3 (``"Revision 6.5"``), Smelter List!Q3 and the Revision sheet's history, the highest of them,
  since J3 can lag behind the template. The layout is then checked against the workbook itself: an EMRT with
  a Mine List is a 2.x whatever J3 says, and one whose Product List has requester columns is a 2.1.
* **The Smelter List** runs from row 5 to row 2504 (2497 in EMRT 2.1), and the template fills every row with
  formulas that read as empty: a row counts when A, B, C or D holds something. The name is D, else the hidden
  standard name R, else the look-up C; "Smelter not listed" needs D and E; "Smelter not yet identified" has
  no name ("Unknown").
* **Formulas without saved values.** openpyxl reads a formula's last saved value, or None when the file was
  written by a program that never calculated it. The workbook is therefore read twice (values, then
  formulas) and compared: formula cells and not one saved value means the file was never calculated, and a
  smelter list read from it would silently be empty.
* **All or nothing.** Every problem is collected (up to :data:`MAX_PROBLEMS`) and the file is refused if there
  is one; warnings (a template-mandatory cell we do not need, a mine not matched to a smelter) are kept with the
  declaration.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from openpyxl.utils import get_column_letter

from remediation.domain.supply_chain import (
    EARLIEST_EFFECTIVE_DATE,
    METALS,
    METALS_BY_LAYOUT,
    NOT_LISTED,
    NOT_YET_IDENTIFIED,
    TEMPLATES,
    DeclaredProduct,
    DeclaredSmelter,
    ParsedDeclaration,
    known_versions,
    layout_of,
    normalise_name,
    smelter_id,
    version_known,
    version_number,
)
from remediation.services.declarations.layout import (
    DECLARATION,
    DECLARATION_COLUMNS,
    DECLARATION_ROWS,
    LAYOUTS,
    MINE_LIST,
    MINES,
    PRODUCT_LIST,
    REQUIRED_SHEETS,
    REVISION,
    SMELTER,
    SMELTER_LIST,
    SMELTER_VERSION_CELL,
    TITLE_CELL,
    VERSION_CELL,
    Layout,
)
from remediation.services.workbooks import FileRefused, ReadBudget, bounded_rows, open_workbook

MAX_PROBLEMS = 50  # problems listed per file; a file with more is refused all the same

DECLARATION_BUDGET = ReadBudget(
    max_file_bytes=25 * 2**20,  # a filled CMRT is 1-3 MB
    max_part_bytes=150 * 2**20,
    max_total_bytes=300 * 2**20,
    max_ratio=200.0,  # XML of repeated formulas compresses well; a bomb goes far beyond
    max_rows=6_000,  # the Smelter List has 2,500 rows, the look-up sheet ~650
    max_cells=400_000,
    max_cell_chars=5_000,
    max_seconds=60.0,
)
"""Limits for one declaration workbook, in the spirit of the incident import's (50 MB, 100,000 rows): a CMRT is
far smaller than a grievance log, so its limits are tighter."""


@dataclass(frozen=True)
class Problem:
    """One reason a file is refused: the sheet, the cell or row (None: the whole file) and why."""
    sheet: str | None
    where: str | None  # "D8" (a cell) or "row 17"
    reason: str

    def __str__(self) -> str:
        place = f"{self.sheet}!{self.where}" if self.sheet and self.where else (self.sheet or "")
        return f"{place}: {self.reason}" if place else self.reason


class DeclarationRefused(FileRefused):
    """The workbook cannot be imported; ``problems`` says why, each with its sheet, row and column. Nothing
    was written."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = file
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(f"{file}: {shown}{more}")


class _TooMany(Exception):
    pass


@dataclass
class _Findings:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, sheet: str | None, where: str | None, reason: str) -> None:
        self.problems.append(Problem(sheet, where, reason))
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooMany

    def warn(self, sheet: str, where: str, reason: str) -> None:
        if len(self.warnings) < MAX_PROBLEMS:
            self.warnings.append(f"{sheet}!{where}: {reason}")


# --- values --------------------------------------------------------------------------------------

def text(value) -> str:
    """A cell as text: trimmed; a whole number without its '.0'; None and formula errors as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime, date)):
        return value.isoformat()[:10]
    out = str(value).strip()
    return "" if out.upper() in _EXCEL_ERRORS else out  # a formula's error (#N/A…) holds nothing to read


_EXCEL_ERRORS = {"#N/A", "#REF!", "#VALUE!", "#NAME?", "#DIV/0!", "#NUM!", "#NULL!"}

_VERSION = re.compile(r"(?<![\d.])(\d{1,2}\.\d{1,2})(?![\d])")
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_FORMATS = ("%Y-%m-%d", "%d-%b-%Y", "%d-%B-%Y", "%d %b %Y", "%d %B %Y", "%B %d, %Y", "%b %d, %Y",
                 "%d-%b-%y", "%Y/%m/%d", "%d.%m.%Y")


def versions_in(value) -> list[str]:
    """Version numbers in a cell: ``"Revision 6.5\\nApril 25, 2025"`` → ``["6.5"]``; the number 6.5 → ``["6.5"]``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return [f"{value:g}"] if 0 < value < 100 else []
    return _VERSION.findall(text(value))


def read_date(value, today: date) -> tuple[date | None, str | None]:
    """(the effective date, None) or (None, why it cannot be read)."""
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2_958_466:
            return None, f"{value!r} is not a date"
        found = _EXCEL_EPOCH + timedelta(days=int(value))
    else:
        raw = text(value)
        found = None
        for fmt in _DATE_FORMATS:
            try:
                found = datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        if found is None and (m := re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw)):
            first, second, year = (int(g) for g in m.groups())
            if first > 12 >= second:
                found = _safe_date(year, second, first)
            elif second > 12 >= first:
                found = _safe_date(year, first, second)
            elif first == second:
                found = _safe_date(year, first, second)
            else:
                return None, (f"{raw!r} could be the {first} {_month(second)} or the {second} {_month(first)}: "
                              "enter it as a date cell or as YYYY-MM-DD")
        if found is None:
            return None, f"{raw[:40]!r} is not a date we can read: enter a date cell or YYYY-MM-DD"
    if found < EARLIEST_EFFECTIVE_DATE:
        return None, f"{found.isoformat()} is before 2007: the templates accept an effective date after 2006-12-31"
    if found > today + timedelta(days=366):
        return None, f"{found.isoformat()} is more than a year in the future"
    return found, None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month(n: int) -> str:
    return date(2000, n, 1).strftime("%B")


def _is_formula(value) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or hasattr(value, "text")  # ArrayFormula


# --- reading the sheets ----------------------------------------------------------------------------

def _cells(sheet, budget: ReadBudget, deadline: float, max_row: int, max_col: int, min_row: int = 1) -> dict:
    """{"D8": value, …} of the non-empty cells in the block."""
    out = {}
    for number, values in bounded_rows(sheet, budget, deadline=deadline, min_row=min_row, max_row=max_row,
                                       max_col=max_col):
        for i, value in enumerate(values, start=1):
            if value is not None and value != "":
                out[f"{get_column_letter(i)}{number}"] = value
    return out


def _sheets(workbook) -> dict[str, object]:
    """Sheets by their name as the templates spell it (case and surrounding spaces ignored)."""
    return {ws.title.strip().casefold(): ws for ws in workbook.worksheets}


@dataclass
class _Detected:
    template: str
    version: str
    layout: Layout


def _detect(name: str, sheets: dict, declaration: dict, budget: ReadBudget, deadline: float,
            findings: _Findings) -> _Detected | None:
    """The template (CMRT or EMRT), its version and the layout to read it with; a problem when unknown."""
    revision = sheets.get(REVISION.casefold())
    revision_cells = _cells(revision, budget, deadline, max_row=80, max_col=6) if revision is not None else {}
    title = text(revision_cells.get(TITLE_CELL)).casefold()
    clues = " ".join([title, *(text(v).casefold() for k, v in declaration.items() if k[1:] in ("1", "2", "3"))])
    template = None
    if "conflict minerals" in clues or "cmrt" in clues:
        template = "CMRT"
    elif "extended minerals" in clues or "emrt" in clues:
        template = "EMRT"
    smelter_list = sheets[SMELTER_LIST.casefold()]
    q3 = _cells(smelter_list, budget, deadline, max_row=3, max_col=17).get(SMELTER_VERSION_CELL)
    j3 = declaration.get(VERSION_CELL)
    history = [v for key, value in revision_cells.items() if key[0] in "AB" and int(key[1:]) > 3
               for v in versions_in(value)]
    candidates = [*versions_in(j3), *versions_in(q3), *history]
    if template is None and candidates:  # no title: the version's family says which template it is
        major = int(version_number(max(candidates, key=version_number)))
        template = "CMRT" if major >= 3 else "EMRT"
        if MINE_LIST.casefold() in sheets:
            template = "EMRT"
    if template is None:
        findings.add(REVISION if revision is not None else DECLARATION, TITLE_CELL if revision is not None else
                     VERSION_CELL, "neither the Revision sheet's title nor Declaration!J3 says which template this is "
                     "(CMRT or EMRT): is it an RMI reporting template?")
        return None
    if not candidates:
        findings.add(DECLARATION, VERSION_CELL, f"no version found (Declaration!J3 should read like 'Revision 6.5'; "
                     f"the Revision sheet lists none): this dashboard reads {known_versions(template)}")
        return None
    # The Revision sheet lists every earlier version too: the newest version named anywhere is the template's.
    version = max(candidates, key=version_number)
    if not version_known(template, version):
        where = (DECLARATION, VERSION_CELL) if version in versions_in(j3) else \
            ((SMELTER_LIST, SMELTER_VERSION_CELL) if version in versions_in(q3) else (REVISION, "B"))
        findings.add(where[0], where[1], f"{TEMPLATES[template]} version {version} is not one this dashboard "
                     f"knows (it reads {known_versions(template)}); ask the supplier for a current template")
        return None
    if versions_in(j3) and version_number(versions_in(j3)[0]) < version_number(version):
        findings.warnings.append(f"Declaration!J3 says {versions_in(j3)[0]}, the Revision sheet {version}: read as "
                                 f"{version} (J3 lags behind in some templates)")
    layout = LAYOUTS[layout_of(template, version)]
    if template == "EMRT":
        layout, version = _emrt_probe(sheets, declaration, layout, version, budget, deadline, findings)
    return _Detected(template, version, layout)


def _emrt_probe(sheets: dict, declaration: dict, layout: Layout, version: str, budget: ReadBudget, deadline: float,
                findings: _Findings) -> tuple[Layout, str]:
    """Check the EMRT layout against the workbook: 2.x has a Mine List and moves the effective date to D26;
    2.1 adds the requester's columns to the Product List."""
    has_mines = MINE_LIST.casefold() in sheets
    d22_date = isinstance(declaration.get("D22"), (date, datetime))
    d26_date = isinstance(declaration.get("D26"), (date, datetime))
    two = has_mines or (d26_date and not d22_date)
    if two and layout.key == "emrt1":
        findings.warnings.append(f"the version cells say EMRT {version}, but the workbook has the EMRT 2.x layout "
                                 "(a Mine List, the effective date in D26): read as 2.x")
        version = "2.0"
        layout = LAYOUTS["emrt20"]
    elif not two and layout.key != "emrt1":
        findings.warnings.append(f"the version cells say EMRT {version}, but the workbook has the EMRT 1.x layout "
                                 "(no Mine List, the effective date in D22): read as 1.x")
        return LAYOUTS["emrt1"], "1.3" if version_number(version) >= 2 else version
    if layout.key in ("emrt20", "emrt21"):
        products = sheets.get(PRODUCT_LIST.casefold())
        header = _cells(products, budget, deadline, max_row=5, max_col=6, min_row=5) if products is not None else {}
        requester = bool(text(header.get("F5")) or text(header.get("E5")))
        if requester and layout.key == "emrt20":
            findings.warnings.append(f"the version cells say EMRT {version}, but the Product List has the 2.1 "
                                     "requester columns: read as 2.1")
            return LAYOUTS["emrt21"], "2.1"
        if not requester and layout.key == "emrt21" and header:
            findings.warnings.append(f"the version cells say EMRT {version}, but the Product List has no requester "
                                     "columns: read as 2.0")
            return LAYOUTS["emrt20"], "2.0"
    return layout, version


def _scope(value) -> str | None:
    raw = text(value)
    key = raw[:2].upper()
    if key in ("A.", "A ", "A)"):
        return "company"
    if key in ("B.", "B ", "B)"):
        return "product"
    if key in ("C.", "C ", "C)"):
        return "user_defined"
    lowered = raw.casefold()
    for word, scope in (("company", "company"), ("product", "product"), ("user", "user_defined")):
        if word in lowered:
            return scope
    return None


@dataclass
class _Row:
    number: int
    values: tuple


def _smelter_rows(sheet, layout: Layout, budget: ReadBudget, deadline: float) -> list[_Row]:
    """The Smelter List rows that hold something in A, B, C or D (the template's formula rows read as empty)."""
    rows = []
    for number, values in bounded_rows(sheet, budget, deadline=deadline, min_row=layout.smelter_first_row,
                                       max_row=layout.smelter_last_row, max_col=SMELTER.last):
        if any(text(v) for v in values[:SMELTER.name]):
            rows.append(_Row(number, values))
    return rows


def _smelters(rows: list[_Row], layout: Layout, template: str, findings: _Findings) -> list[DeclaredSmelter]:
    allowed = METALS_BY_LAYOUT[layout.key]
    by_label = {METALS[m].casefold(): m for m in allowed}
    out = []
    sheet = SMELTER_LIST
    for row in rows:
        v = row.values
        n = row.number

        def cell(column: int) -> str:
            return text(v[column - 1]) if column - 1 < len(v) else ""

        def at(column: int) -> str:
            return f"{get_column_letter(column)}{n}"

        metal_text, lookup, name, country = cell(SMELTER.metal), cell(SMELTER.lookup), cell(SMELTER.name), \
            cell(SMELTER.country)
        metal = by_label.get(metal_text.casefold())
        if not metal_text:
            findings.add(sheet, at(SMELTER.metal), "the metal is missing (a mandatory cell)")
        elif metal is None:
            findings.add(sheet, at(SMELTER.metal), f"{metal_text[:40]!r} is not a metal of the {template} "
                         f"({', '.join(METALS[m] for m in allowed)})")
        status = lookup.casefold()
        special = status in (NOT_LISTED, NOT_YET_IDENTIFIED)
        ids = {}
        for column in (SMELTER.smelter_id, SMELTER.id_input):
            raw = cell(column)
            if not raw:
                continue
            cid = smelter_id(raw)
            if cid is None and (not special or raw.upper().startswith("CID")):
                findings.add(sheet, at(column), f"{raw[:40]!r} is not an RMI smelter ID (CID and six digits, "
                             "e.g. CID001234)")
            ids[column] = cid
        found_id = ids.get(SMELTER.smelter_id) or ids.get(SMELTER.id_input)
        if ids.get(SMELTER.smelter_id) and ids.get(SMELTER.id_input) and ids[SMELTER.smelter_id] != ids[SMELTER.id_input]:
            findings.warn(sheet, at(SMELTER.id_input), f"the ID typed in A ({ids[SMELTER.id_input]}) differs from the "
                          f"look-up's in F ({ids[SMELTER.smelter_id]}); F is read")
        if status == NOT_LISTED:
            listing = "not_listed"
            if not name:
                findings.add(sheet, at(SMELTER.name), "'Smelter not listed' needs the smelter's name in D (a "
                             "mandatory cell then)")
            if not country:
                findings.add(sheet, at(SMELTER.country), "'Smelter not listed' needs the smelter's country in E (a "
                             "mandatory cell then)")
        elif status == NOT_YET_IDENTIFIED:
            listing = "not_yet_identified"
            name = "Unknown"
            country = country or ("Unknown" if template == "CMRT" else "")
            found_id = None
        else:
            listing = "listed"
            name = name or cell(SMELTER.standard_name) or lookup
            if not lookup and not found_id:
                findings.add(sheet, at(SMELTER.lookup), "the smelter look-up is missing (a mandatory cell): choose "
                             "the smelter, 'Smelter not listed' or 'Smelter not yet identified'")
            elif not found_id:
                findings.warn(sheet, at(SMELTER.smelter_id), f"no smelter ID for {name[:60]!r}: it cannot be matched "
                              "to incidents by ID")
        if metal is None or not name:
            continue
        out.append(DeclaredSmelter(
            row=n, metal=metal, smelter_id=found_id, name=name[:200], country=country[:200], listing=listing,
            id_source=cell(SMELTER.id_source)[:200], mine_names=cell(SMELTER.mine_names)[:2000],
            mine_countries=cell(SMELTER.mine_countries)[:2000], recycled=cell(SMELTER.recycled)[:40]))
    return out


def _products(sheet, layout: Layout, budget: ReadBudget, deadline: float,
              findings: _Findings) -> list[DeclaredProduct]:
    out = []
    for number, values in bounded_rows(sheet, budget, deadline=deadline, min_row=layout.product_first_row,
                                       max_col=layout.product_last_col):
        def cell(column: int | None) -> str:
            return text(values[column - 1]) if column and column - 1 < len(values) else ""

        product, name = cell(layout.product_number), cell(layout.product_name)
        req_number, req_name = cell(layout.requester_number), cell(layout.requester_name)
        if not (product or name or req_number or req_name):
            continue
        if not product:
            findings.add(PRODUCT_LIST, f"{get_column_letter(layout.product_number)}{number}",
                         f"the product number is missing (a mandatory cell) for {(name or req_name)[:60]!r}")
            continue
        out.append(DeclaredProduct(row=number, number=product[:200], name=name[:200],
                                   requester_number=req_number[:200], requester_name=req_name[:200]))
    return out


def _attach_mines(sheet, smelters: list[DeclaredSmelter], budget: ReadBudget, deadline: float,
                  findings: _Findings) -> list[DeclaredSmelter]:
    """EMRT 2.x lists mines on their own sheet, each naming the smelters it supplies: add each mine's name and
    country to those smelters' rows (matched by normalised name or smelter ID)."""
    by_key: dict[str, list[int]] = {}
    for i, s in enumerate(smelters):
        for key in {normalise_name(s.name), s.smelter_id or ""} - {""}:
            by_key.setdefault(key, []).append(i)
    mines: dict[int, list[tuple[str, str]]] = {}
    for number, values in bounded_rows(sheet, budget, deadline=deadline, min_row=MINES.first_row,
                                       max_col=MINES.last):
        mine = text(values[MINES.mine - 1])
        if not mine:
            continue
        country = text(values[MINES.country - 1])
        names = [p for p in re.split(r"[;,\n]", text(values[MINES.smelters - 1])) if p.strip()]
        matched = {i for p in names for i in by_key.get(smelter_id(p) or normalise_name(p), [])}
        if not matched:
            findings.warn(MINE_LIST, f"C{number}", f"the mine {mine[:60]!r} names no smelter of the Smelter List; "
                          "it is not attached")
        for i in matched:
            mines.setdefault(i, []).append((mine, country))
    out = []
    for i, s in enumerate(smelters):
        extra = mines.get(i)
        if extra:
            names = "; ".join(x for x in [s.mine_names, *(m for m, _ in extra)] if x)
            countries = "; ".join(dict.fromkeys(x for x in [s.mine_countries, *(c for _, c in extra)] if x))
            s = s.model_copy(update={"mine_names": names[:2000], "mine_countries": countries[:2000]})
        out.append(s)
    return out


# --- formulas without saved values ------------------------------------------------------------------------

def _formula_check(data: bytes, name: str, budget: ReadBudget, deadline: float, declaration: dict,
                   smelter_rows: list[_Row], header: dict, layout: Layout, findings: _Findings) -> None:
    """Read the Declaration and the Smelter List's used rows again as formulas and compare with the values."""
    workbook = open_workbook(data, name, budget, data_only=False)
    try:
        sheets = _sheets(workbook)
        formulas_decl = _cells(sheets[DECLARATION.casefold()], budget, deadline, max_row=DECLARATION_ROWS,
                               max_col=DECLARATION_COLUMNS)
        last = max([layout.smelter_header_row, *(r.number for r in smelter_rows)])
        formulas_smelters = _cells(sheets[SMELTER_LIST.casefold()], budget, deadline, max_row=last,
                                   max_col=SMELTER.last)
    finally:
        workbook.close()
    values_smelters = dict(header)
    for row in smelter_rows:
        for i, value in enumerate(row.values, start=1):
            if value is not None and value != "":
                values_smelters[f"{get_column_letter(i)}{row.number}"] = value
    formula_cells = [(DECLARATION, k, declaration.get(k)) for k, f in formulas_decl.items() if _is_formula(f)]
    formula_cells += [(SMELTER_LIST, k, values_smelters.get(k)) for k, f in formulas_smelters.items() if _is_formula(f)]
    if not formula_cells:
        return
    uncached = [(sheet, key) for sheet, key, value in formula_cells if value is None]
    if len(uncached) == len(formula_cells):
        examples = ", ".join(f"{s}!{k}" for s, k in uncached[:4])
        findings.add(None, None, f"the workbook's formulas have no saved values ({examples} …): it was written by a "
                     "program that does not calculate formulas, so its smelter list cannot be read. Open it in Excel "
                     "or LibreOffice, let it calculate, save it, and import it again")
        return
    # In a calculated workbook, an input cell holding a formula without a value is still unreadable.
    inputs = {layout.company.company, layout.company.scope, layout.company.effective_date}
    for sheet, key in uncached:
        column = re.match(r"[A-Z]+", key).group()
        if (sheet == DECLARATION and key in inputs) or (sheet == SMELTER_LIST and column in ("A", "D")
                                                        and int(key[len(column):]) > layout.smelter_header_row):
            findings.add(sheet, key, "holds a formula with no saved value: open the file in Excel, let it calculate, "
                         "save it, and import it again")


# --- the whole file ------------------------------------------------------------------------------------------

def parse_workbook(data: bytes, name: str, *, budget: ReadBudget = DECLARATION_BUDGET,
                   today: date | None = None) -> ParsedDeclaration:
    """The declaration in one workbook; :class:`DeclarationRefused` (every problem, by sheet, row and column) or
    :class:`~remediation.services.workbooks.FileRefused` (a limit) when it cannot be imported."""
    today = today or date.today()
    deadline = time.monotonic() + budget.max_seconds
    findings = _Findings()
    workbook = open_workbook(data, name, budget, data_only=True)
    try:
        try:
            result = _parse(workbook, data, name, budget, deadline, today, findings)
        except _TooMany:
            result = None
    finally:
        workbook.close()
    if findings.problems or result is None:
        raise DeclarationRefused(name, findings.problems)
    return result


def _parse(workbook, data: bytes, name: str, budget: ReadBudget, deadline: float, today: date,
           findings: _Findings) -> ParsedDeclaration | None:
    sheets = _sheets(workbook)
    missing = [s for s in REQUIRED_SHEETS if s.casefold() not in sheets]
    if missing:
        listed = ", ".join(repr(ws.title) for ws in workbook.worksheets[:8])
        findings.add(None, None, f"not a CMRT or EMRT workbook: it has no {' and no '.join(repr(s) for s in missing)} "
                     f"sheet (its sheets: {listed or 'none'})")
        return None
    declaration = _cells(sheets[DECLARATION.casefold()], budget, deadline, max_row=DECLARATION_ROWS,
                         max_col=DECLARATION_COLUMNS)
    detected = _detect(name, sheets, declaration, budget, deadline, findings)
    if detected is None:
        return None
    layout, cells = detected.layout, detected.layout.company

    smelter_sheet = sheets[SMELTER_LIST.casefold()]
    header = _cells(smelter_sheet, budget, deadline, max_row=layout.smelter_header_row, max_col=SMELTER.last)
    rows = _smelter_rows(smelter_sheet, layout, budget, deadline)
    _formula_check(data, name, budget, deadline, declaration, rows, header, layout, findings)
    if findings.problems:
        return None

    def value(cell: str) -> str:
        return text(declaration.get(cell))

    company = value(cells.company)
    if not company:
        findings.add(DECLARATION, cells.company, "the company name is missing (a mandatory cell)")
    scope_text = value(cells.scope)
    scope = _scope(declaration.get(cells.scope))
    if not scope_text:
        findings.add(DECLARATION, cells.scope, "the declaration scope is missing (a mandatory cell: A. Company, "
                     "B. Product (or List of Products) or C. User defined)")
    elif scope is None:
        findings.add(DECLARATION, cells.scope, f"{scope_text[:60]!r} is not one of the template's scopes (A. Company, "
                     "B. Product (or List of Products), C. User defined)")
    description = value(cells.description)
    if scope == "user_defined" and not description:
        findings.add(DECLARATION, cells.description, "a user-defined scope needs its description (a mandatory cell "
                     "then)")
    effective, why = (None, "the effective date is missing (a mandatory cell)") \
        if cells.effective_date not in declaration else read_date(declaration.get(cells.effective_date), today)
    if why:
        findings.add(DECLARATION, cells.effective_date, why)
    for cell, what in cells.mandatory().items():
        if cell not in (cells.company, cells.scope, cells.effective_date) and not value(cell):
            findings.warn(DECLARATION, cell, f"{what} is empty (mandatory in the template; not needed here)")
    minerals = tuple(dict.fromkeys(m for c in cells.minerals
                                   if (m := {v.casefold(): k for k, v in METALS.items()}.get(value(c).casefold()))))

    smelters = _smelters(rows, layout, detected.template, findings)
    products_sheet = sheets.get(PRODUCT_LIST.casefold())
    products = _products(products_sheet, layout, budget, deadline, findings) if products_sheet is not None else []
    if scope == "product" and not products:
        findings.add(PRODUCT_LIST, f"B{layout.product_first_row}", "a product-scope declaration lists its products "
                     "here, and this list is empty (mandatory for scope B)")
    if layout.mine_list and MINE_LIST.casefold() in sheets:
        smelters = _attach_mines(sheets[MINE_LIST.casefold()], smelters, budget, deadline, findings)
    if findings.problems:
        return None
    return ParsedDeclaration(
        template=detected.template, version=detected.version, layout=layout.key, company=company[:200],
        unique_id=value(cells.unique_id)[:200], unique_id_authority=value(cells.authority)[:200], scope=scope,
        scope_description=description[:2000], effective_date=effective, minerals_in_scope=minerals,
        smelters=tuple(smelters), products=tuple(products), warnings=tuple(findings.warnings))


def problems_of(exc: Exception, name: str) -> list[Problem]:
    """Every problem a refusal carries, for a page or the command line to list."""
    if isinstance(exc, DeclarationRefused):
        return exc.problems or [Problem(None, None, "cannot be imported")]
    return [Problem(None, None, str(exc).removeprefix(f"{name}: "))]


def summarise(problems: Iterable[Problem]) -> str:
    return "; ".join(str(p) for p in problems)
