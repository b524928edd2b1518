"""The dry run: every row read, validated by the pydantic model, and classified as new, already
present, in conflict or in error, each problem with its row and column."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from pydantic import ValidationError
from sqlalchemy import Engine

from remediation.domain.chronology import violations
from remediation.domain.models import IncidentIn, IncidentRecord
from remediation.services.transfer.cells import CellError, read_cell
from remediation.services.transfer.format import (
    COLUMNS,
    REQUIRED,
    VOCABULARIES,
    RowError,
    as_text,
    export_value,
    unprotect_cell,
)
from remediation.services.transfer.mapping import suggest_mapping
from remediation.services.transfer.numbers import UNKNOWN, Convention
from remediation.storage.records import stored_intake

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
    sheet: str | None = None
    hidden_sheets: list[str] = field(default_factory=list)

    @property
    def source(self) -> str:
        """The file, and for a workbook the sheet read: "log.xlsx, sheet 'Incidents'"."""
        return f"{self.filename}, sheet {self.sheet!r}" if self.sheet else self.filename

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
        text = f"{self.source}: " + ", ".join(parts) + "."
        if self.hidden_sheets:
            text += " Hidden sheets not read: " + ", ".join(repr(h) for h in self.hidden_sheets) + "."
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


def _plan_row(number: int, values: Mapping[str, Any], mapping: Mapping[str, str],
              convention: Convention = UNKNOWN) -> PlannedRow:
    data: dict[str, Any] = {}
    errors: list[RowError] = []
    failed: set[str] = set()
    for f, column in mapping.items():
        try:
            value = read_cell(f, values[column], convention)
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
    if incident is not None:  # dates in the guideline's order, each named with its column
        for v in violations(IncidentRecord(incident=incident)):
            errors.append(RowError(number, mapping.get(v.field, COLUMNS.get(v.field)), v.reason))
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
    plan = ImportPlan(filename, dict(mapping), [], list(df.attrs.get("problems", [])), ignored,
                      df.attrs.get("sheet"), list(df.attrs.get("hidden_sheets", [])))
    convention = df.attrs.get("numbers", UNKNOWN)
    if (mapping_errors := _mapping_errors(df, mapping)):
        plan.file_errors = mapping_errors + plan.file_errors
        return plan
    problems = {e.row: e for e in plan.file_errors if e.row is not None}
    plan.file_errors = [e for e in plan.file_errors if e.row is None]
    columns = list(df.columns)
    for number, cells in zip(df.index, df.itertuples(index=False, name=None)):
        values = dict(zip((str(c) for c in columns), cells))
        if (problem := problems.get(int(number))) is not None:  # its cells are shifted: reading them says nothing
            code = unprotect_cell(as_text(values.get(mapping["code"])).strip()).upper()
            plan.rows.append(PlannedRow(int(number), code, "", "error", None, [problem]))
            continue
        plan.rows.append(_plan_row(int(number), values, mapping, convention))
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
    text = as_text(export_value(field, value)) if value not in (None, "") else ""
    return repr(text[:80] + ("…" if len(text) > 80 else "")) if text else "empty"


# --- writing ---------------------------------------------------------------------------------

