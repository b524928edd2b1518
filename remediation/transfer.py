"""Incidents in and out of spreadsheets: import a grievance log (CSV or XLSX), export the same format.

Companies keep grievance logs in spreadsheets. The format is the intake of an incident
(:class:`~remediation.models.IncidentIn`) with one readable column per field (:data:`COLUMNS`):
vocabulary values as their identifier or their label (``gold`` or ``Gold``), violation types as a
``;``-separated list, yes/no for booleans, dates as ``YYYY-MM-DD`` (or Excel date cells). What
:func:`export_incidents` writes is exactly this format, so an export is always a valid import, and
importing it gives the same incidents.

An import happens in two steps. :func:`plan_import` is a dry run: every row is validated by the
pydantic model, each problem reported with the row as the spreadsheet numbers it (the header is row
1), the file's column and the reason, and every valid row is classified as new or already present.
:func:`apply_import` then writes the new incidents in one transaction, with an audit entry each, and
only when the plan has no error: an import with any error, or interrupted halfway, writes nothing.

Decisions (each tested in ``tests/unit/test_transfer.py`` and ``tests/db/test_import.py``):

* **The incident code is the key.** A row whose code is already recorded with the same content is
  *already present*: skipped, never duplicated, so re-importing a file is harmless. A row whose code
  is recorded with different content is a **conflict, and refused**: an import never changes a
  recorded incident (the step forms do that, with their gates and audit), and skipping it silently
  would leave the user believing the dashboard holds what their spreadsheet says. The error names
  each field that differs. A code twice in one file is refused too.
* **Encodings.** CSV is read as UTF-8 (with or without a byte-order mark) or as UTF-16 with a
  byte-order mark (Excel's "Unicode text"), which are unambiguous. Anything else is refused with the
  line of the first byte that is not UTF-8, and how to save the file as UTF-8. We do *not* fall back to
  cp1252: cp1252, Latin-1 and Mac Roman decode any bytes without error, so a guess would silently
  garble names ("Côte d'Ivoire" saved on a Mac and read as cp1252 is "C™te d'Ivoire"), and a
  grievance log is evidence. Excel's "CSV UTF-8" and XLSX are one click away.
* **Formula cells.** A cell that begins with ``=`` is text to us, and imported as text (an XLSX
  formula cell as its formula). On export, text a spreadsheet would run is neutralised with a leading
  ``'`` (:func:`remediation.export.neutralise`); text that itself begins with ``'`` gets one more
  ``'``. Import undoes exactly that (:func:`unprotect_cell`): a leading ``'`` followed by a formula
  trigger or by another ``'`` is dropped. So export → import is the identity on every text, hostile
  or not (but for the two exceptions below). A hand-typed ``'=x`` therefore imports as ``=x``;
  ``'Tis`` stays ``'Tis``.
* **Line breaks** in text are stored as ``\n``: a carriage return (``\r\n`` or a lone ``\r``) becomes
  ``\n`` on import and on export. An XLSX cannot keep a carriage return (XML reads it as a line
  feed), and a lone ``\r`` left unquoted would split a CSV row.
* **Control characters** (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F) are refused at import: they
  are never part of a grievance log, and an XLSX cannot hold them. Exported to XLSX (incidents typed
  into a form may hold them), they become U+FFFD.
* **Limits.** A file over :data:`MAX_BYTES` or with more than :data:`MAX_ROWS` rows is refused:
  the size is checked before reading (:func:`read_path`, and the page checks the upload's size), the
  row count while reading, which stops at the limit. An export of more incidents than that is written
  all the same; to import it elsewhere, split it.
* **Who may import**: the editor role (:func:`remediation.access.require`, "importing incidents"),
  checked in the import's transaction like every service.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from . import tables as t
from .export import neutralise, tables_to_csv, tables_to_xlsx
from .models import IncidentIn, IncidentRecord
from .queries import PortfolioFilter
from .services import LOCAL_USER, Actor, Refused, diff
from .store import insert_records
from .vocab import AUDIT_PROGRAMMES, MINERALS, TRADING_LINKS, VIOLATION_TYPES, in_vocab_order

__all__ = [
    "COLUMNS", "REQUIRED", "KINDS", "MAX_BYTES", "MAX_ROWS", "IMPORT_ACTION", "CellError", "ImportPlan",
    "ImportRefused", "ImportResult", "PlannedRow", "RowError", "apply_import", "export_incidents", "export_value",
    "field_for", "format_of", "incidents_frame", "plan_import", "protect_cell", "read_cell", "read_path",
    "read_table", "stored_codes", "stored_intake", "suggest_mapping", "to_bytes", "unprotect_cell",
]

# --- the format --------------------------------------------------------------------------------

COLUMNS: dict[str, str] = {
    "code": "Code",
    "title": "Title",
    "summary": "Summary",
    "mineral": "Mineral",
    "country": "Country",
    "site": "Site",
    "smelter_refiner": "Smelter/refiner",
    "audit_programme": "Audit programme",
    "violation_types": "Violation types",
    "allegation_source": "Allegation source",
    "date_received": "Date received",
    "incident_date": "Incident date",
    "became_public_date": "Became public",
    "affected_persons": "Affected persons",
    "children_affected": "Children affected",
    "repeated": "Repeated",
    "trading_link": "Trading link",
    "stopped_trading_date": "Stopped trading",
}
"""Field of :class:`IncidentIn` → its column header in an import or export file, in the model's order."""

REQUIRED: tuple[str, ...] = tuple(n for n, f in IncidentIn.model_fields.items() if f.is_required())

TRADING_LINK_LABELS: dict[str, str] = {**TRADING_LINKS, "none": "No trading link"}

Kind = Literal["text", "choice", "choices", "date", "int", "bool"]
KINDS: dict[str, Kind] = {
    "code": "text", "title": "text", "summary": "text", "mineral": "choice", "country": "text", "site": "text",
    "smelter_refiner": "text", "audit_programme": "choice", "violation_types": "choices",
    "allegation_source": "text", "date_received": "date", "incident_date": "date", "became_public_date": "date",
    "affected_persons": "int", "children_affected": "int", "repeated": "bool", "trading_link": "choice",
    "stopped_trading_date": "date",
}
VOCABULARIES: dict[str, tuple[str, dict[str, str]]] = {
    "mineral": ("mineral", MINERALS),
    "audit_programme": ("audit programme", AUDIT_PROGRAMMES),
    "trading_link": ("trading link", TRADING_LINK_LABELS),
    "violation_types": ("violation type", VIOLATION_TYPES),
}

# Other headers grievance logs use for the same thing (compared like headers: case, spaces and
# punctuation ignored). Nothing that could be a victim's name is matched.
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("incident code", "incident id", "incident ref", "reference", "ref"),
    "title": ("incident title", "incident", "subject"),
    "summary": ("description", "details", "allegation"),
    "mineral": ("minerals", "commodity", "metal"),
    "country": ("country of origin",),
    "site": ("mine site", "mine", "location"),
    "smelter_refiner": ("smelter", "refiner", "smelter or refiner", "smelter refiner name", "facility"),
    "audit_programme": ("audit program", "programme", "program", "audit scheme"),
    "violation_types": ("violation type", "violations", "type of violation", "types of violation"),
    "allegation_source": ("source", "source of allegation", "reported by"),
    "date_received": ("received", "received on", "date of receipt"),
    "incident_date": ("date of incident", "incident on", "date of the incident"),
    "became_public_date": ("became public date", "became public on", "public date", "date made public"),
    "affected_persons": ("affected", "persons affected", "number affected", "people affected"),
    "children_affected": ("children", "child victims", "children involved"),
    "repeated": ("repeat", "repeated incident", "recurring"),
    "trading_link": ("trading", "trading relationship"),
    "stopped_trading_date": ("stopped trading date", "stopped trading on", "trading stopped", "date trading stopped"),
}

MAX_BYTES = 50 * 1024 * 1024
"""Files above this size are refused before they are read. 100,000 incidents with a paragraph of summary
each take about 30 MB as CSV; the rows, not the bytes, are the limit for a normal log."""
MAX_ROWS = 100_000
"""Incident rows per file at most; reading stops at the first row past it."""
MAX_COLUMNS = 200
SHEET_NAME = "Incidents"
EXTENSIONS = (".csv", ".xlsx")
LIST_SEPARATORS = re.compile(r"[;,\n]")
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

assert set(COLUMNS) == set(IncidentIn.model_fields) == set(KINDS) == set(ALIASES), "the format covers IncidentIn"


# --- errors ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = row 1; ``None``: the whole file), the file's column
    header (``None``: the whole row or file) and the reason, in the user's words."""
    row: int | None
    column: str | None
    reason: str

    def __post_init__(self) -> None:  # one style for every reason: a sentence (some come from the models)
        reason = self.reason.strip()
        object.__setattr__(self, "reason", reason if reason.endswith((".", "!", "?", ")")) else reason + ".")

    def __str__(self) -> str:
        where = [f"row {self.row}"] if self.row is not None else []
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class ImportRefused(Refused):
    """The file or the plan cannot be imported; nothing was written. ``errors`` says why, each one
    with its row and column."""

    def __init__(self, errors: Sequence[RowError] | str):
        self.errors = [RowError(None, None, errors)] if isinstance(errors, str) else list(errors)
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"{self.errors[0]}{more}" if self.errors else "refused")


# --- reading a file ----------------------------------------------------------------------------

def _too_big(size: int) -> ImportRefused:
    return ImportRefused(f"The file is {size / 2**20:.1f} MB ({size:,} bytes); at most {MAX_BYTES // 2**20} MB can be "
                         f"imported at once. Split it into smaller files (at most {MAX_ROWS:,} incidents each).")


def _too_many_rows() -> ImportRefused:
    return ImportRefused(f"The file has more than {MAX_ROWS:,} incident rows; split it into files of at most "
                         f"{MAX_ROWS:,} rows.")


def read_path(path: str | os.PathLike) -> pd.DataFrame:
    """:func:`read_table` of a file on disk, its size checked before anything is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if size > MAX_BYTES:
        raise _too_big(size)
    return read_table(path.read_bytes(), path.name)


def read_table(file_bytes: bytes, filename: str) -> pd.DataFrame:
    """The table in a CSV or XLSX file, every cell as read (CSV: text; XLSX: text, numbers, dates,
    booleans; an XLSX formula as its text), blank rows left out.

    The index is the row number the spreadsheet shows (the header is row 1). ``df.attrs`` holds the
    ``filename``, the ``format``, the XLSX ``sheet``, and ``problems``: rows that cannot be read as a
    table (more cells than headers), which :func:`plan_import` reports. Raises :class:`ImportRefused`
    for a file that is not a table we can read: wrong type, empty, not UTF-8, too big, duplicate
    headers…"""
    name = os.path.basename(filename or "")
    suffix = Path(name).suffix.lower()
    if len(file_bytes) > MAX_BYTES:
        raise _too_big(len(file_bytes))
    if suffix == ".xls":
        raise ImportRefused(f"{name} is an Excel 97-2003 workbook (.xls), which cannot be read: save it as .xlsx "
                            "(Excel Workbook) or as CSV UTF-8, and import that.")
    if suffix not in EXTENSIONS:
        raise ImportRefused(f"{name or 'The file'}: only .csv and .xlsx files can be imported.")
    if not file_bytes.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise ImportRefused(f"{name} is empty: there is no header row and no incident.")
    if suffix == ".xlsx":
        header, rows, sheet = _xlsx_rows(file_bytes, name)
    else:
        header, rows, sheet = _csv_rows(file_bytes, name)
    return _frame(header, rows, name, "xlsx" if suffix == ".xlsx" else "csv", sheet)


def _sniff_delimiter(text: str) -> str:
    """The header line's delimiter: comma, semicolon (Excel in many European locales) or tab (Excel's
    "Unicode text"), whichever the first line holds most of outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in text:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in "\r\n":
            break
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _decode(data: bytes, name: str) -> str:
    if data.startswith(b"PK\x03\x04"):
        raise ImportRefused(f"{name} is an Excel workbook (or another zip file), not a CSV: rename it to .xlsx.")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportRefused(f"{name} is an Excel 97-2003 workbook, not a CSV: save it as .xlsx or as CSV UTF-8.")
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        if b"\x00" in data[:4096]:
            raise ImportRefused(f"{name} holds NUL bytes, so it is not a UTF-8 text file (UTF-16 without a "
                                "byte-order mark, or a binary file). Save it as CSV UTF-8 (comma delimited).")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex().upper()
        encoding = "UTF-16" if exc.encoding.startswith("utf-16") else "UTF-8"
        raise ImportRefused([RowError(
            None, None, f"{name} is not {encoding} text: byte 0x{bad} on line {line} cannot be read as {encoding} "
                        "(the file was probably saved in a Windows or Mac code page, which would garble names such "
                        "as 'Côte d'Ivoire'). In Excel choose Save As → 'CSV UTF-8 (Comma delimited)' or "
                        "'Excel Workbook (.xlsx)', and import that file.")]) from exc


def _csv_rows(data: bytes, name: str) -> tuple[list, list[tuple[int, list]], None]:
    text = _decode(data, name)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text), strict=True)
    header: list | None = None
    rows: list[tuple[int, list]] = []
    record = 0
    try:
        for cells in reader:
            record += 1
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header = cells
                continue
            if len(rows) >= MAX_ROWS:
                raise _too_many_rows()
            rows.append((record, cells))
    except csv.Error as exc:
        raise ImportRefused([RowError(
            None, None, f"{name} is not a well-formed CSV: line {reader.line_num}: {exc}. Check the quotes "
                        "around cells that contain commas, quotes or line breaks.")]) from exc
    if header is None:
        raise ImportRefused(f"{name} is empty: there is no header row and no incident.")
    return header, rows, None


def _xlsx_rows(data: bytes, name: str) -> tuple[list, list[tuple[int, list]], str]:
    from openpyxl import load_workbook

    try:
        # read_only streams the sheet (no whole-workbook model in memory); data_only=False gives a
        # formula cell as its formula text, which is what we import for text (see the module docstring).
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors…
        raise ImportRefused(f"{name} cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}"
                            f"{': ' + str(exc)[:200] if str(exc) else ''}. Open it in Excel and save it again as "
                            "an Excel Workbook, or as CSV UTF-8.") from exc
    try:
        sheets = workbook.worksheets
        if not sheets:
            raise ImportRefused(f"{name} has no worksheet.")
        sheet = next((s for s in sheets if s.title.strip().lower() == SHEET_NAME.lower()), sheets[0])
        # Not refused on the sheet's recorded dimension: formatting alone can stretch it to a million rows.
        # Blank rows cost no memory; reading stops at the first incident row past the limit.
        header: list | None = None
        rows: list[tuple[int, list]] = []
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if not any(_present(c) for c in cells):
                    continue
                if header is None:
                    header = list(cells)
                    continue
                if len(rows) >= MAX_ROWS:
                    raise _too_many_rows()
                rows.append((number, list(cells)))
        except ImportRefused:
            raise
        except Exception as exc:
            raise ImportRefused(f"{name}: the sheet {sheet.title!r} cannot be read ({type(exc).__name__}: "
                                f"{str(exc)[:200]}).") from exc
        if header is None:
            raise ImportRefused(f"{name}: the sheet {sheet.title!r} is empty: there is no header row and no incident.")
        return header, rows, sheet.title
    finally:
        workbook.close()


def _present(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _frame(header: list, rows: list[tuple[int, list]], name: str, fmt: str, sheet: str | None) -> pd.DataFrame:
    names = [unprotect_cell(_as_text(h).strip()) for h in header]
    # Columns without a header and without a value (Excel's trailing empty columns) are dropped; a
    # column with values but no header gets its letter as a name, so an error can point at it.
    width = len(names)
    used = [any(i < len(cells) and _present(cells[i]) for _, cells in rows) for i in range(width)]
    keep = [i for i in range(width) if names[i] or used[i]]
    names = [names[i] or f"Column {_column_letter(i)}" for i in range(width)]
    if len(keep) > MAX_COLUMNS:
        raise ImportRefused(f"{name} has {len(keep)} columns; an incident has {len(COLUMNS)}, and at most "
                            f"{MAX_COLUMNS} columns are read. Is the header on the first row?")
    seen: dict[str, int] = {}
    for i in keep:
        key = names[i].casefold()
        if key in seen:
            raise ImportRefused([RowError(1, names[i], (
                f"The column {names[i]!r} appears twice (columns {_column_letter(seen[key])} and "
                f"{_column_letter(i)}): rename or delete one, so it is clear which holds the data."))])
        seen[key] = i
    problems: list[RowError] = []
    records, index = [], []
    for number, cells in rows:
        extra = [c for c in cells[width:] if _present(c)]
        if extra:
            problems.append(RowError(number, None, (
                f"The row has {width + len(cells[width:])} cells but the header has {width} columns: probably a "
                f"cell holding the delimiter without quotes around it (the first extra value is "
                f"{_as_text(extra[0])[:40]!r}).")))
        padded = list(cells[:width]) + [None] * (width - len(cells[:width]))
        records.append([padded[i] for i in keep])
        index.append(number)
    df = pd.DataFrame(records, columns=[names[i] for i in keep], index=pd.Index(index, name="row"), dtype=object)
    df.attrs.update(filename=name, format=fmt, sheet=sheet, problems=problems)
    return df


# --- mapping headers to fields ------------------------------------------------------------------

def _header_key(text) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).split())


def suggest_mapping(columns: Iterable) -> dict[str, str]:
    """Field → the file's column that most likely holds it: the field's name or header first
    (``smelter_refiner``, ``Smelter/refiner``, ``SMELTER REFINER``), then a known alias
    (``Received on``); case, spaces and punctuation are ignored. Each column serves one field."""
    columns = [str(c) for c in columns]
    keys = {c: _header_key(c) for c in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for candidates in (lambda f: (_header_key(f), _header_key(COLUMNS[f])),
                       lambda f: tuple(_header_key(a) for a in ALIASES[f])):
        for f in COLUMNS:
            if f in mapping:
                continue
            wanted = candidates(f)
            for key in wanted:  # in the order given: the first candidate is the strongest
                match = next((c for c in columns if keys[c] == key and c not in taken), None)
                if match is not None:
                    mapping[f] = match
                    taken.add(match)
                    break
    return mapping


def field_for(name: str) -> str | None:
    """The field a user means by ``name``: its identifier or its header (``smelter_refiner``,
    ``Smelter/refiner``), else None."""
    key = _header_key(name)
    return next((f for f in COLUMNS if key in (_header_key(f), _header_key(COLUMNS[f]))), None)


# --- cells → values -----------------------------------------------------------------------------

def protect_cell(value):
    """A cell value safe in a spreadsheet and exactly recoverable by :func:`unprotect_cell`: text a
    spreadsheet would run gets a leading ``'`` (:func:`~remediation.export.neutralise`), and so does
    text that already begins with ``'`` (else it could not be told from a neutralised one)."""
    if isinstance(value, str) and value.startswith("'"):
        return "'" + value
    return neutralise(value)


def unprotect_cell(value):
    """Undo :func:`protect_cell`: drop a leading ``'`` that precedes a formula trigger (``=``, ``+``,
    ``-``, ``@``, tab, carriage return, possibly after spaces) or another ``'``."""
    if isinstance(value, str) and value.startswith("'"):
        rest = value[1:]
        if rest.startswith("'") or neutralise(rest) != rest:
            return rest
    return value


class CellError(ValueError):
    """A cell that cannot be read as its field's type; the message is for the user."""


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _formula_hint(text: str) -> str:
    return (" It is a formula: a spreadsheet formula is imported as its text, not its result; type the value "
            "itself.") if text.startswith("=") else ""


_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_INT = re.compile(r"^[+-]?\d+(?:\.0*)?$")
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0"}


def _read_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(f"{_as_text(value)} is a number, not a date: format the cell as a date, or type the date "
                        "as YYYY-MM-DD.")
    text = _as_text(value).strip()
    if not text:
        return None
    m = _DATE.match(text)
    if not m:
        raise CellError(f"{text[:60]!r} is not a date in the form YYYY-MM-DD (for example 2025-03-14)."
                        + _formula_hint(text))
    try:
        return date.fromisoformat(m.group(1))
    except ValueError as exc:
        raise CellError(f"{text!r} is not a real date ({exc}).") from exc


def _read_int(value) -> int | None:
    if isinstance(value, bool):
        raise CellError(f"{_as_text(value)!r} is not a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"{value} is not a whole number.")
    text = _as_text(value).strip()
    if not text:
        return None
    if not _INT.match(text):
        raise CellError(f"{text[:60]!r} is not a whole number." + _formula_hint(text))
    return int(float(text)) if "." in text else int(text)


def _read_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = _as_text(value).strip()
    if not text:
        return None
    key = text.casefold()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise CellError(f"{text[:60]!r} is not yes or no (also accepted: true/false, y/n, 1/0)." + _formula_hint(text))


def _vocab_key(text: str) -> str:
    return " ".join(str(text).replace("_", " ").casefold().split())


_LOOKUPS: dict[str, dict[str, str]] = {
    f: {**{_vocab_key(label): key for key, label in vocab.items()}, **{_vocab_key(key): key for key in vocab}}
    for f, (_, vocab) in VOCABULARIES.items()
}


def _unknown(field: str, values: Sequence[str]) -> CellError:
    what, vocab = VOCABULARIES[field]
    shown = ", ".join(repr(v[:60]) for v in values)
    plural = "s" if len(values) > 1 else ""
    return CellError(f"{shown}: not a known {what}{plural}. Use one of: {', '.join(vocab.values())} "
                     f"(or its identifier: {', '.join(vocab)}).")


def _read_choice(field: str, value) -> str | None:
    text = unprotect_cell(_as_text(value).strip())
    if not text:
        return None
    found = _LOOKUPS[field].get(_vocab_key(text))
    if found is None:
        raise _unknown(field, [text])
    return found


def _read_choices(field: str, value) -> list[str] | None:
    text = _as_text(value).strip()
    items = [unprotect_cell(p.strip()) for p in LIST_SEPARATORS.split(text) if p.strip()]
    if not items:
        return None
    lookup = _LOOKUPS[field]
    unknown = [i for i in items if _vocab_key(i) not in lookup]
    if unknown:
        raise _unknown(field, unknown)
    return in_vocab_order([lookup[_vocab_key(i)] for i in items], VOCABULARIES[field][1])


def _line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_text(value) -> str | None:
    text = _line_breaks(unprotect_cell(_as_text(value).strip()))
    if (bad := ILLEGAL_CHARACTERS.search(text)) is not None:
        raise CellError(f"Contains a control character (U+{ord(bad.group()):04X}), which a spreadsheet cannot hold; "
                        "remove it.")
    return text or None


def read_cell(field: str, value):
    """The value of ``field`` in a cell as read from the file; None for an empty cell. Raises
    :class:`CellError` with a message for the user."""
    kind = KINDS[field]
    if kind == "text":
        return _read_text(value)
    if kind == "date":
        return _read_date(value)
    if kind == "int":
        return _read_int(value)
    if kind == "bool":
        return _read_bool(value)
    if kind == "choice":
        return _read_choice(field, value)
    return _read_choices(field, value)


# --- pydantic's errors in a user's words ----------------------------------------------------------

_FIELD_PREFIX = re.compile(r"^([a-z_]+)(?:: | \()")


def _reason(error: Mapping, field: str | None) -> str:
    kind, ctx, value = error.get("type"), error.get("ctx") or {}, error.get("input")
    header = COLUMNS.get(field or "", "the value")
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "Required, and the cell is empty."
    if kind == "too_short" and ctx.get("min_length") == 1:
        return f"Required: give at least one {VOCABULARIES.get(field or '', ('value',))[0]}."
    if kind == "string_too_long":
        return f"Too long: {len(str(value)):,} characters, at most {ctx.get('max_length'):,}."
    if kind == "string_pattern_mismatch" and field == "code":
        return f"{str(value)[:40]!r} is not an incident code of the form INC-YYYY-NNN (for example INC-2025-014)."
    if kind == "greater_than_equal":
        return f"{value} is too small: {header.lower()} must be at least {ctx.get('ge')}."
    if kind == "less_than_equal":
        return f"{value} is too large: {header.lower()} can be at most {ctx.get('le'):,}."
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if field is not None and message.startswith(f"{field}: "):
        message = message[len(field) + 2:]
    message = _FIELD_NAME.sub(lambda m: COLUMNS[m.group()] if m.start() == 0 else COLUMNS[m.group()].lower(), message)
    return message[:1].upper() + message[1:] if message else "invalid."


# Field identifiers in a model's message ("date_received (…) is before …") → the headers users see.
_FIELD_NAME = re.compile(r"\b(?:" + "|".join(sorted((f for f in COLUMNS if "_" in f), key=len, reverse=True)) + r")\b")


def _errors_of(exc: ValidationError) -> list[tuple[str | None, str]]:
    out = []
    for error in exc.errors():
        loc = [p for p in error.get("loc", ()) if isinstance(p, str)]
        message = str(error.get("msg", "")).removeprefix("Value error, ")
        if loc and loc[0] in COLUMNS:
            field = loc[0]
        else:
            m = _FIELD_PREFIX.match(message)
            field = m.group(1) if m and m.group(1) in COLUMNS else None
        out.append((field, _reason(error, field)))
    return out


# --- the dry run ------------------------------------------------------------------------------

Status = Literal["new", "present", "conflict", "error"]
STATUS_LABELS: dict[str, str] = {"new": "new", "present": "already present", "conflict": "conflict", "error": "error"}


@dataclass
class PlannedRow:
    row: int
    code: str
    title: str
    status: Status
    incident: IncidentIn | None = None
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportPlan:
    """What an import would do, row by row; nothing is written until :func:`apply_import`."""
    filename: str
    mapping: dict[str, str]
    rows: list[PlannedRow]
    file_errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[RowError]:
        """Every problem, the file's first, then by row."""
        return [*self.file_errors, *(e for r in self.rows for e in r.errors)]

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(not r.errors for r in self.rows)

    @property
    def new(self) -> list[IncidentIn]:
        return [r.incident for r in self.rows if r.status == "new"]

    @property
    def present(self) -> list[str]:
        return [r.code for r in self.rows if r.status == "present"]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUS_LABELS}
        for r in self.rows:
            out[r.status] += 1
        return out

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{len(self.rows):,} incident rows", f"{c['new']:,} new",
                 f"{c['present']:,} already present (skipped)"]
        if c["conflict"]:
            parts.append(f"{c['conflict']:,} in conflict with what is recorded")
        if c["error"]:
            parts.append(f"{c['error']:,} with errors")
        text = f"{self.filename}: " + ", ".join(parts) + "."
        if self.ignored_columns:
            text += " Columns not imported: " + ", ".join(repr(c) for c in self.ignored_columns) + "."
        return text

    def preview_frame(self) -> pd.DataFrame:
        """One line per row: row, code, title, status, its first problem."""
        return pd.DataFrame({
            "Row": [r.row for r in self.rows],
            "Code": [r.code for r in self.rows],
            "Title": [r.title for r in self.rows],
            "Status": [STATUS_LABELS[r.status] for r in self.rows],
            "Problem": [(r.errors[0].reason + (f" (+{len(r.errors) - 1} more)" if len(r.errors) > 1 else ""))
                        if r.errors else "" for r in self.rows],
        })

    def errors_frame(self) -> pd.DataFrame:
        errors = self.errors
        return pd.DataFrame({"Row": pd.array([e.row for e in errors], dtype="Int64"),
                             "Column": [e.column or "" for e in errors], "Reason": [e.reason for e in errors]})


def _mapping_errors(df: pd.DataFrame, mapping: Mapping[str, str]) -> list[RowError]:
    errors = []
    columns = [str(c) for c in df.columns]
    for f, column in mapping.items():
        if f not in COLUMNS:
            raise KeyError(f"{f!r} is not a field of an incident; fields: {', '.join(COLUMNS)}")
        if column not in columns:
            errors.append(RowError(None, column, f"The mapping uses a column that is not in the file (for "
                                                 f"{COLUMNS[f]}); its columns are: {', '.join(columns)}."))
    by_column: dict[str, list[str]] = {}
    for f, column in mapping.items():
        by_column.setdefault(column, []).append(COLUMNS[f])
    for column, fields in by_column.items():
        if len(fields) > 1:
            errors.append(RowError(None, column, f"One column cannot hold {' and '.join(fields)}: map each to its own "
                                                 "column."))
    missing = [COLUMNS[f] for f in REQUIRED if f not in mapping]
    if missing:
        errors.append(RowError(None, None, (
            f"No column for {', '.join(missing)}: every incident needs {'it' if len(missing) == 1 else 'them'}. Name "
            f"the columns as the template does, or map them. The file's columns are: "
            f"{', '.join(repr(c) for c in columns) or 'none'}.")))
    return errors


def _plan_row(number: int, values: Mapping[str, Any], mapping: Mapping[str, str]) -> PlannedRow:
    data: dict[str, Any] = {}
    errors: list[RowError] = []
    failed: set[str] = set()
    for f, column in mapping.items():
        try:
            value = read_cell(f, values[column])
        except CellError as exc:
            errors.append(RowError(number, column, str(exc)))
            failed.add(f)
            continue
        if value is not None:
            data[f] = value
    code = str(data.get("code", "")).strip().upper()
    title = str(data.get("title", ""))
    try:
        incident = IncidentIn.model_validate(data)
    except ValidationError as exc:
        for f, reason in _errors_of(exc):
            if f in failed:
                continue  # already said why the cell could not be read
            errors.append(RowError(number, mapping.get(f, COLUMNS.get(f)) if f else None, reason))
        incident = None
    if errors:
        return PlannedRow(number, code, title, "error", None, errors)
    return PlannedRow(number, incident.code, incident.title, "new", incident)


def plan_import(df: pd.DataFrame, mapping: Mapping[str, str | None] | None = None, engine: Engine | None = None, *,
                filename: str | None = None) -> ImportPlan:
    """The dry run of importing ``df`` (from :func:`read_table`) with ``mapping`` (field → column;
    default :func:`suggest_mapping`; a field mapped to None is left out): every row validated,
    each valid one new, already present (same code, same content) or in conflict (same code,
    different content: refused). Without ``engine`` nothing counts as present."""
    filename = filename or df.attrs.get("filename") or "the file"
    mapping = {f: str(c) for f, c in (suggest_mapping(df.columns) if mapping is None else mapping).items()
               if c is not None}
    ignored = [str(c) for c in df.columns if str(c) not in set(mapping.values())]
    plan = ImportPlan(filename, dict(mapping), [], list(df.attrs.get("problems", [])), ignored)
    if (mapping_errors := _mapping_errors(df, mapping)):
        plan.file_errors = mapping_errors + plan.file_errors
        return plan
    problems = {e.row: e for e in plan.file_errors if e.row is not None}
    plan.file_errors = [e for e in plan.file_errors if e.row is None]
    columns = list(df.columns)
    for number, cells in zip(df.index, df.itertuples(index=False, name=None)):
        values = dict(zip((str(c) for c in columns), cells))
        if (problem := problems.get(int(number))) is not None:  # its cells are shifted: reading them says nothing
            code = unprotect_cell(_as_text(values.get(mapping["code"])).strip()).upper()
            plan.rows.append(PlannedRow(int(number), code, "", "error", None, [problem]))
            continue
        plan.rows.append(_plan_row(int(number), values, mapping))
    _mark_duplicates(plan)
    if engine is not None:
        _mark_present(plan, engine)
    return plan


def _mark_duplicates(plan: ImportPlan) -> None:
    first: dict[str, int] = {}
    column = plan.mapping.get("code", COLUMNS["code"])
    for r in plan.rows:
        if not r.code:
            continue
        if r.code in first:
            r.errors.append(RowError(r.row, column, f"{r.code} is also on row {first[r.code]}: each incident appears "
                                                    "once in a file."))
            r.status, r.incident = "error", None
        else:
            first[r.code] = r.row


def _mark_present(plan: ImportPlan, engine: Engine) -> None:
    candidates = {r.code: r for r in plan.rows if r.status == "new"}
    if not candidates:
        return
    with engine.connect() as conn:
        stored = stored_intake(conn, codes=list(candidates))
    for code, incident in stored.items():
        r = candidates[code]
        before, after = incident.model_dump(), r.incident.model_dump()
        differing = [f for f in COLUMNS if before[f] != after[f]]
        if not differing:
            r.status, r.incident = "present", None
            continue
        r.status, r.incident = "conflict", None
        for f in differing:
            r.errors.append(RowError(r.row, plan.mapping.get(f, COLUMNS[f]), (
                f"{code} is already recorded with {COLUMNS[f]} {_shown(f, before[f])}; the file says "
                f"{_shown(f, after[f])}. An import never changes a recorded incident: change it on the incident's "
                "page, or make the row match.")))


def _shown(field: str, value) -> str:
    text = _as_text(export_value(field, value)) if value not in (None, "") else ""
    return repr(text[:80] + ("…" if len(text) > 80 else "")) if text else "empty"


# --- writing ---------------------------------------------------------------------------------

@dataclass
class ImportResult:
    filename: str
    created: list[str]
    skipped: list[str]


IMPORT_ACTION = "imported incident"
WRITE_BATCH = 2000  # incidents per insert_records call: bounded memory for the audit rows


def apply_import(plan: ImportPlan, engine: Engine, actor: Actor = LOCAL_USER,
                 today: date | None = None) -> ImportResult:
    """Write the plan's new incidents, all in one transaction, with an audit entry each (action
    "imported incident", the file name among the changes). Refuses (:class:`ImportRefused`, nothing
    written) a plan with any error, and a code recorded by someone else since the dry run; an actor
    without the editor role gets :class:`remediation.access.Forbidden`. Anything failing halfway rolls
    the whole import back."""
    if not plan.ok:
        raise ImportRefused(plan.errors)
    from .access import require  # access builds on services, as this module does

    new = plan.new
    rows_of = {r.code: r.row for r in plan.rows}
    with engine.begin() as conn:
        require(actor, "edit", "importing incidents", conn)  # like every service: before any write
        taken = stored_codes(conn, [i.code for i in new])
        if taken:
            raise ImportRefused([RowError(rows_of[c], plan.mapping.get("code"), (
                f"{c} was recorded by someone else since the preview; preview the file again."))
                for c in sorted(taken)])
        try:
            for start in range(0, len(new), WRITE_BATCH):
                batch = new[start:start + WRITE_BATCH]
                records = [IncidentRecord(incident=i) for i in batch]
                ids = insert_records(conn, records, today)
                _audit(conn, actor, plan.filename, zip(ids, batch))
        except IntegrityError as exc:  # a concurrent import took a code between the check and the insert
            raise ImportRefused(f"An incident of this file was recorded by someone else meanwhile; nothing was "
                                f"imported. Preview the file again. ({type(exc).__name__})") from exc
    return ImportResult(plan.filename, [i.code for i in new], plan.present)


def _audit(conn, actor: Actor, filename: str, pairs: Iterable[tuple[int, IncidentIn]]) -> None:
    """One audit entry per incident, like :func:`remediation.services.write_audit`, inserted in bulk."""
    from sqlalchemy import insert

    rows = [{"actor": actor.user, "role": actor.role, "incident_id": incident_id, "incident_code": incident.code,
             "action": IMPORT_ACTION,
             "changes": [{"field": "imported from", "before": None, "after": filename},
                         *diff({}, {"incident": incident.model_dump(mode="json")})]}
            for incident_id, incident in pairs]
    if rows:
        conn.execute(insert(t.audit_log), rows)


# --- reading what is stored -------------------------------------------------------------------------

_INTAKE_COLUMNS = [f for f in COLUMNS if f != "violation_types"]
_IN_BATCH = 1000


def stored_codes(conn, codes: Sequence[str]) -> set[str]:
    out: set[str] = set()
    codes = list(codes)
    for i in range(0, len(codes), _IN_BATCH):
        out.update(conn.execute(select(t.incidents.c.code).where(t.incidents.c.code.in_(codes[i:i + _IN_BATCH])))
                   .scalars())
    return out


def stored_intake(conn, codes: Sequence[str] | None = None, where=None) -> dict[str, IncidentIn]:
    """The intake of stored incidents, by code: those with ``codes``, else those matching ``where``
    (every incident without either), ordered by code."""
    c = t.incidents.c
    query = select(c.id, *(c[f] for f in _INTAKE_COLUMNS)).order_by(c.code)
    rows: list = []
    if codes is not None:
        codes = list(codes)
        for i in range(0, len(codes), _IN_BATCH):
            rows += conn.execute(query.where(c.code.in_(codes[i:i + _IN_BATCH]))).mappings().all()
        rows.sort(key=lambda r: r["code"])
    else:
        rows = conn.execute(query.where(where) if where is not None else query).mappings().all()
    ids = [r["id"] for r in rows]
    violations: dict[int, list[str]] = {}
    v = t.incident_violations.c
    for i in range(0, len(ids), _IN_BATCH):
        for incident_id, kind in conn.execute(select(v.incident_id, v.violation_type)
                                              .where(v.incident_id.in_(ids[i:i + _IN_BATCH]))):
            violations.setdefault(incident_id, []).append(kind)
    return {r["code"]: IncidentIn.model_construct(
        **{f: r[f] for f in _INTAKE_COLUMNS},
        violation_types=in_vocab_order(violations.get(r["id"], []), VIOLATION_TYPES)) for r in rows}


# --- export ------------------------------------------------------------------------------------

def export_value(field: str, value):
    """A field's value as the file shows it: labels for vocabularies, yes/no, dates as dates."""
    kind = KINDS[field]
    if kind == "choice":
        return VOCABULARIES[field][1].get(value, value)
    if kind == "choices":
        return "; ".join(VOCABULARIES[field][1].get(v, v) for v in value)
    if kind == "bool":
        return "yes" if value else "no"
    if kind == "text":
        return value or None
    return value


def incidents_frame(incidents: Iterable[IncidentIn]) -> pd.DataFrame:
    """The incidents in the import format: one column per field under its header, one row each.
    Not yet protected against formulas: :func:`to_bytes` does that."""
    records = [[export_value(f, getattr(i, f)) for f in COLUMNS] for i in incidents]
    return pd.DataFrame(records, columns=list(COLUMNS.values()), dtype=object)


def _xml_safe(value):
    return ILLEGAL_CHARACTERS.sub("\ufffd", value) if isinstance(value, str) else value


def to_bytes(frame: pd.DataFrame, fmt: Literal["csv", "xlsx"]) -> bytes:
    """The frame as a CSV (UTF-8 with a byte-order mark) or an XLSX workbook (one sheet,
    "Incidents"), every text cell protected by :func:`protect_cell`."""
    protected = frame.copy()
    for column in protected.columns:
        protected[column] = protected[column].astype(object).map(
            lambda v: protect_cell(_line_breaks(v)) if isinstance(v, str) else v)
    if fmt == "csv":
        return tables_to_csv(protected)
    if fmt == "xlsx":
        for column in protected.columns:
            protected[column] = protected[column].map(_xml_safe)
        return tables_to_xlsx({SHEET_NAME: protected})
    raise ValueError(f"unknown export format {fmt!r}: csv or xlsx")


def export_incidents(engine: Engine, fmt: Literal["csv", "xlsx"],
                     flt: PortfolioFilter | None = None) -> tuple[bytes, int]:
    """Every incident (or those matching ``flt``) in the import format, as ``fmt``; and how many."""
    with engine.connect() as conn:
        intake = stored_intake(conn, where=flt.where() if flt is not None else None)
    return to_bytes(incidents_frame(intake.values()), fmt), len(intake)


def format_of(filename: str) -> Literal["csv", "xlsx"]:
    suffix = Path(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueError(f"{filename}: the file name must end in .csv or .xlsx")
    return suffix[1:]  # type: ignore[return-value]
