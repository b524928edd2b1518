"""The incident file format, shared by import and export: a column per field of
:class:`~remediation.domain.models.IncidentIn`, the limits, and the errors that name row and column."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from remediation.domain.models import IncidentIn
from remediation.domain.vocab import AUDIT_PROGRAMMES, INVOLVEMENTS, MINERALS, TRADING_LINKS, VIOLATION_TYPES
from remediation.services.base import Refused
from remediation.services.spreadsheets import neutralise
from remediation.services.workbooks import ReadBudget

COLUMNS: dict[str, str] = {
    "code": "Code",
    "title": "Title",
    "summary": "Summary",
    "mineral": "Mineral",
    "country": "Country",
    "site": "Site",
    "smelter_refiner": "Smelter/refiner",
    "smelter_id": "Smelter ID",
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
    "involvement": "Company involvement",
}
"""Field of :class:`IncidentIn` → its column header in an import or export file, in the model's order."""

REQUIRED: tuple[str, ...] = tuple(n for n, f in IncidentIn.model_fields.items() if f.is_required())

TRADING_LINK_LABELS: dict[str, str] = {**TRADING_LINKS, "none": "No trading link"}

Kind = Literal["text", "choice", "choices", "date", "int", "bool"]
KINDS: dict[str, Kind] = {
    "code": "text", "title": "text", "summary": "text", "mineral": "choice", "country": "text", "site": "text",
    "smelter_refiner": "text", "smelter_id": "text", "audit_programme": "choice", "violation_types": "choices",
    "allegation_source": "text", "date_received": "date", "incident_date": "date", "became_public_date": "date",
    "affected_persons": "int", "children_affected": "int", "repeated": "bool", "trading_link": "choice",
    "stopped_trading_date": "date", "involvement": "choice",
}
VOCABULARIES: dict[str, tuple[str, dict[str, str]]] = {
    "mineral": ("mineral", MINERALS),
    "audit_programme": ("audit programme", AUDIT_PROGRAMMES),
    "trading_link": ("trading link", TRADING_LINK_LABELS),
    "violation_types": ("violation type", VIOLATION_TYPES),
    "involvement": ("involvement", INVOLVEMENTS),
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
    "smelter_id": ("smelter identification", "smelter identification number", "rmi smelter id", "cid", "facility id"),
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
    "involvement": ("involvement", "company role", "caused contributed linked", "relationship to the harm"),
}

MAX_BYTES = 50 * 1024 * 1024
"""Files above this size are refused before they are read. 100,000 incidents with a paragraph of summary
each take about 30 MB as CSV; the rows, not the bytes, are the limit for a normal log."""
MAX_ROWS = 100_000
"""Incident rows per file at most; reading stops at the first row past it."""
MAX_COLUMNS = 200
MAX_CELLS = 3_000_000
"""Cells read from one file: 100,000 incidents of 30 columns (the format has 18)."""
MAX_CELL_CHARS = 32_767
"""Characters read from one cell: Excel's own limit (a summary may hold 4,000)."""
MAX_PART_BYTES = 256 * 1024 * 1024
"""An XLSX part unpacked: our own export of 100,000 incidents with short summaries is about 115 MB."""
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 100
"""Unpacked/packed size of an XLSX part: sheets of text pack 5 to 15 times, a sheet of empty formatted rows
about 20 times; the bomb of the hardening issue, 1,000 times."""
MAX_SECONDS = 120
"""Reading one file: 100,000 incident rows of XLSX take about 40 s on one slow core."""
SHEET_NAME = "Incidents"
EXTENSIONS = (".csv", ".xlsx")
LIST_SEPARATORS = re.compile(r"[;,\n]")
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

assert set(COLUMNS) == set(IncidentIn.model_fields) == set(KINDS) == set(ALIASES), "the format covers IncidentIn"


# --- errors ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RowError:
    """One problem: the spreadsheet row (header = row 1; ``None``: the whole file), the file's column
    header (``None``: the whole row or file) and the reason, in the user's words; ``sheet``: the XLSX sheet when it is
    not the incidents' (the follow-ups, the company's work)."""
    row: int | None
    column: str | None
    reason: str
    sheet: str | None = None

    def __post_init__(self) -> None:  # one style for every reason: a sentence (some come from the models)
        reason = self.reason.strip()
        object.__setattr__(self, "reason", reason if reason.endswith((".", "!", "?", ")")) else reason + ".")

    def __str__(self) -> str:
        where = [f"sheet {self.sheet!r}"] if self.sheet is not None else []
        where += [f"row {self.row}"] if self.row is not None else []
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

def protect_cell(value):
    """A cell value safe in a spreadsheet and exactly recoverable by :func:`unprotect_cell`: text a
    spreadsheet would run gets a leading ``'`` (:func:`~remediation.services.spreadsheets.neutralise`), and so does
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


def as_text(value) -> str:
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


def line_breaks(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


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


def format_of(filename: str) -> Literal["csv", "xlsx"]:
    suffix = Path(filename).suffix.lower()
    if suffix not in EXTENSIONS:
        raise ValueError(f"{filename}: the file name must end in .csv or .xlsx")
    return suffix[1:]  # type: ignore[return-value]


def too_big(size: int) -> ImportRefused:
    return ImportRefused(f"The file is {size / 2**20:.1f} MB ({size:,} bytes); at most {MAX_BYTES // 2**20} MB can be "
                         f"imported at once. Split it into smaller files (at most {MAX_ROWS:,} incidents each).")


def reading_budget() -> ReadBudget:
    """What reading one import file may cost (:mod:`remediation.services.workbooks`): the limits above, read at
    call time. The header is a row too, so a sheet may have :data:`MAX_ROWS` + 1."""
    return ReadBudget(max_file_bytes=MAX_BYTES, max_part_bytes=MAX_PART_BYTES, max_total_bytes=MAX_TOTAL_BYTES,
                      max_ratio=MAX_RATIO, max_rows=MAX_ROWS + 1, max_cells=MAX_CELLS, max_cell_chars=MAX_CELL_CHARS,
                      max_seconds=MAX_SECONDS)


def check_row_count(rows_so_far: int) -> None:
    """Refuse once a file has more incident rows than :data:`MAX_ROWS` (read at call time)."""
    if rows_so_far >= MAX_ROWS:
        raise too_many_rows()


def too_many_rows() -> ImportRefused:
    return ImportRefused(f"The file has more than {MAX_ROWS:,} incident rows; split it into files of at most "
                         f"{MAX_ROWS:,} rows.")


def present(value) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())
