"""A file to a table: one entry point (:func:`read_table`) that checks the size and the type and hands
the bytes to the reader for its format (:mod:`.read_csv`, :mod:`.read_xlsx`)."""

from __future__ import annotations

import codecs
import os
from pathlib import Path

import pandas as pd
from openpyxl.utils import get_column_letter

from remediation.services.transfer.format import (
    COLUMNS,
    EXTENSIONS,
    MAX_BYTES,
    MAX_COLUMNS,
    ImportRefused,
    RowError,
    as_text,
    present,
    too_big,
    unprotect_cell,
)
from remediation.services.transfer.numbers import UNKNOWN
from remediation.services.transfer.read_csv import csv_rows
from remediation.services.transfer.read_xlsx import xlsx_rows


def read_path(path: str | os.PathLike) -> pd.DataFrame:
    """:func:`read_table` of a file on disk, its size checked before anything is read."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportRefused(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if size > MAX_BYTES:
        raise too_big(size)
    return read_table(path.read_bytes(), path.name)


def read_table(file_bytes: bytes, filename: str) -> pd.DataFrame:
    """The table in a CSV or XLSX file, every cell as read (CSV: text; XLSX: text, numbers, dates,
    booleans; an XLSX formula as its text), blank rows left out.

    The index is the row number the spreadsheet shows (the header is row 1). ``df.attrs`` holds the
    ``filename``, the ``format``, the XLSX ``sheet`` read and its ``hidden_sheets`` (never read), how the file
    writes ``numbers`` (:class:`~.numbers.Convention`), and ``problems``: rows that cannot be read as a
    table (more cells than headers), which :func:`plan_import` reports. Raises :class:`ImportRefused`
    for a file that is not a table we can read: wrong type, empty, not UTF-8, too big, duplicate
    headers…"""
    name = os.path.basename(filename or "")
    suffix = Path(name).suffix.lower()
    if len(file_bytes) > MAX_BYTES:
        raise too_big(len(file_bytes))
    if suffix == ".xls":
        raise ImportRefused(f"{name} is an Excel 97-2003 workbook (.xls), which cannot be read: save it as .xlsx "
                            "(Excel Workbook) or as CSV UTF-8, and import that.")
    if suffix not in EXTENSIONS:
        raise ImportRefused(f"{name or 'The file'}: only .csv and .xlsx files can be imported.")
    if not file_bytes.strip(b" \t\r\n\x00" + codecs.BOM_UTF8):
        raise ImportRefused(f"{name} is empty: there is no header row and no incident.")
    if suffix == ".xlsx":
        header, rows, about = xlsx_rows(file_bytes, name)
    else:
        header, rows, about = csv_rows(file_bytes, name)
    return _frame(header, rows, name, "xlsx" if suffix == ".xlsx" else "csv", about)




def _column_letter(index: int) -> str:
    return get_column_letter(index + 1)


def _frame(header: list, rows: list[tuple[int, list]], name: str, fmt: str, about: dict) -> pd.DataFrame:
    names = [unprotect_cell(as_text(h).strip()) for h in header]
    # Columns without a header and without a value (Excel's trailing empty columns) are dropped; a
    # column with values but no header gets its letter as a name, so an error can point at it.
    width = len(names)
    used = [any(i < len(cells) and present(cells[i]) for _, cells in rows) for i in range(width)]
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
        extra = [c for c in cells[width:] if present(c)]
        if extra:
            problems.append(RowError(number, None, (
                f"The row has {width + len(cells[width:])} cells but the header has {width} columns: probably a "
                f"cell holding the delimiter without quotes around it (the first extra value is "
                f"{as_text(extra[0])[:40]!r}).")))
        padded = list(cells[:width]) + [None] * (width - len(cells[:width]))
        records.append([padded[i] for i in keep])
        index.append(number)
    df = pd.DataFrame(records, columns=[names[i] for i in keep], index=pd.Index(index, name="row"), dtype=object)
    df.attrs.update(filename=name, format=fmt, sheet=about.get("sheet"), hidden_sheets=about.get("hidden_sheets", []),
                    numbers=about.get("numbers", UNKNOWN), problems=problems)
    return df


# --- mapping headers to fields ------------------------------------------------------------------

