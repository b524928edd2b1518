"""What every keyed sheet of the XLSX workbook shares (the company's work, :mod:`.company_work` and
:mod:`.plan_work`): the sheet's description, its cells written and read back, a model's refusal in the file's words,
and the reading of the visible sheets of the format's names within :data:`~.format.MAX_ROWS`."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import openpyxl
import pandas as pd
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, select

from remediation.domain.models import field_of_error
from remediation.services.transfer.format import (
    MAX_ROWS,
    ImportRefused,
    RowError,
    line_breaks,
    protect_cell,
    unprotect_cell,
)
from remediation.storage import schema as t

__all__ = ["BATCH", "BOOLS", "LISTS", "Sheet", "cell", "frame", "incident_ids", "model_errors", "read_sheets", "value"]

BATCH = 2000

BOOLS = {"relationship_terminated", "informed_consent", "wishes_shaped_plan"}
"""Fields written yes/no (empty: not recorded)."""
LISTS = {"tags", "remedy_types"}
"""Fields written as a ``;``-separated list (of labels, for a vocabulary)."""
_LEVEL = re.compile(r"^(?:level\s*)?([12])(?:\.0)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Sheet:
    """One sheet of the format: its name, field → column header (the incident's code first), the vocabulary
    fields' labels, and the model each row is validated as."""
    name: str
    columns: dict[str, str]
    labels: dict[str, dict[str, str]]
    model: type[BaseModel]


# --- export --------------------------------------------------------------------------------------------------

def cell(sheet: Sheet, name: str, value):
    """A field's value as the sheet shows it: labels for vocabularies, yes/no, lists joined by ``;``, text
    protected against formulas (:func:`~.format.protect_cell`), dates and numbers as they are."""
    if name in LISTS:
        shown = [sheet.labels[name].get(v, v) for v in value] if name in sheet.labels else list(value or [])
        return protect_cell("; ".join(shown)) if shown else None
    if name in sheet.labels:
        return protect_cell(sheet.labels[name].get(value, value))
    if name in BOOLS:
        return None if value is None else "yes" if value else "no"
    if isinstance(value, str):
        return protect_cell(line_breaks(value)) if value else None
    return value


def frame(sheet: Sheet, rows: Sequence[dict]) -> pd.DataFrame:
    return pd.DataFrame([[cell(sheet, f, r[f]) for f in sheet.columns] for r in rows],
                        columns=list(sheet.columns.values()), dtype=object)


def incident_ids(conn: Connection, codes: Sequence[str]) -> dict[str, tuple[int, int]]:
    """code → (id, version) of the recorded incidents among ``codes``."""
    out: dict[str, tuple[int, int]] = {}
    codes = sorted(set(codes))
    for start in range(0, len(codes), BATCH):
        out.update((row.code, (row.id, row.version)) for row in conn.execute(
            select(t.incidents.c.code, t.incidents.c.id, t.incidents.c.version)
            .where(t.incidents.c.code.in_(codes[start:start + BATCH]))))
    return out


# --- import --------------------------------------------------------------------------------------------------

def read_sheets(data: bytes, specs: Sequence[Sheet]) -> dict[str, list[tuple[int, dict]]]:
    """Sheet name → ``[(row number, {field: cell})…]`` of the visible sheets of ``specs`` in an XLSX file (a
    sheet the file does not have, or hides, is left out). The header is the first row naming "Code"; columns
    the format does not know are ignored. Raises :class:`ImportRefused` for a sheet of more than
    :data:`~.format.MAX_ROWS` rows."""
    out: dict[str, list[tuple[int, dict]]] = {}
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for spec in specs:
            sheet = next((s for s in workbook.worksheets if s.title.strip().casefold() == spec.name.casefold()
                          and s.sheet_state == "visible"), None)
            if sheet is None:
                continue
            by_header = {v.casefold(): k for k, v in spec.columns.items()}
            header: list | None = None
            rows = []
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if header is None:
                    names = [str(c).strip().casefold() if c is not None else "" for c in cells]
                    if "code" in names:
                        header = [by_header.get(n) for n in names]
                    continue
                if all(c is None or str(c).strip() == "" for c in cells):
                    continue
                if len(rows) >= MAX_ROWS:
                    raise ImportRefused([RowError(number, None, f"the sheet has more than {MAX_ROWS:,} rows; split "
                                                  "the file", spec.name)])
                rows.append((number, {f: c for f, c in zip(header, cells) if f is not None}))
            out[spec.name] = rows
        return out
    finally:
        workbook.close()


def _label_key(sheet: Sheet, name: str, text: str):
    key = " ".join(text.replace("_", " ").casefold().split())
    back = {" ".join(k.replace("_", " ").split()): k for k in sheet.labels[name]}
    back |= {label.casefold(): k for k, label in sheet.labels[name].items()}
    return back.get(key, text)


def value(sheet: Sheet, name: str, raw):
    """A cell read back as the field's value: identifiers for labels (an unknown one left for the model to
    refuse), yes/no, lists, dates, whole numbers, the plan level (``1``, ``Level 1``), the original text."""
    if isinstance(raw, str):
        raw = line_breaks(unprotect_cell(raw)).strip()
        if raw == "":
            return None
        if name == "level" and (m := _LEVEL.match(raw)):
            return int(m.group(1))
        if name in LISTS:
            parts = [part.strip() for part in raw.split(";") if part.strip()]
            return [_label_key(sheet, name, p) for p in parts] if name in sheet.labels else parts
        if name in sheet.labels:
            return _label_key(sheet, name, raw)
        if name in BOOLS and raw.casefold() in ("y", "x"):
            return True
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    return raw


def model_errors(sheet: Sheet, number: int, exc: ValidationError) -> list[RowError]:
    """A model's refusal in the file's words: the column of the field, the vocabulary's labels."""
    out = []
    for error in exc.errors():
        message = str(error["msg"]).removeprefix("Value error, ")
        name = field_of_error(message) or (str(error["loc"][0]) if error["loc"] else None)
        if name in sheet.labels and error["type"] == "literal_error":
            shown = str(error.get("input"))[:60]
            message = f"{shown!r} is not one of: {', '.join(dict.fromkeys(sheet.labels[name].values()))}"
        elif error["type"] == "missing":
            message = "the cell is empty; it is needed"
        out.append(RowError(number, sheet.columns.get(name), message.removeprefix(f"{name}: "), sheet.name))
    return out
