"""Reading a CSV grievance log: the encoding (UTF-8 or UTF-16 with a byte-order mark, never a guess),
the delimiter, and the rows, within the import's reading budget (rows, cells, characters in a cell, time:
:func:`~remediation.services.transfer.format.reading_budget`).

The delimiter also says how the file writes numbers (:class:`~remediation.services.transfer.numbers.Convention`):
Excel writes a semicolon CSV where the decimal separator is a comma (most of Europe), so there "1.000" is
one thousand; a comma CSV is written where the decimal separator is a point."""

from __future__ import annotations

import codecs
import csv
import re
import time

from openpyxl.utils import get_column_letter

from remediation.services.transfer.format import ImportRefused, RowError, reading_budget, too_many_rows
from remediation.services.transfer.numbers import Convention
from remediation.services.workbooks import ReadBudget

_CHECK_TIME_EVERY = 1000  # records


def _sniff_delimiter(text: str) -> str:
    """The header line's delimiter: comma, semicolon (Excel in many European locales) or tab (Excel's
    "Unicode text"), whichever the first line holds most of outside quotes."""
    counts = {",": 0, ";": 0, "\t": 0}
    quoted = False
    for char in text[:1 << 20]:
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


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


class _Lines:
    """The text's lines for :mod:`csv` (ends kept, as ``open(newline="")`` gives them: ``\r\n``, ``\r`` or
    ``\n``), remembering where the record being read began (to find the cell the csv module's own field limit
    stopped at). Lines are cut from the text one at a time: ``io.StringIO`` would copy the whole text at four
    bytes a character."""

    def __init__(self, text: str):
        self._lines = _LINE.finditer(text)
        self.offset = 0  # characters consumed so far
        self.record_start = 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._lines).group()
        self.offset += len(line)
        return line


def _long_cell(text: str, start: int, delimiter: str, limit: int) -> int:
    """The (0-based) column of the first cell longer than ``limit`` characters in the record starting at
    ``start``, scanning at most until that cell is found."""
    column = length = 0
    quoted = False
    i = start
    while i < len(text):
        char = text[i]
        if char == '"':
            if quoted and text[i + 1:i + 2] == '"':
                length += 1
                i += 2
                continue
            quoted = not quoted
        elif not quoted and char == delimiter:
            column, length = column + 1, 0
        elif not quoted and char in "\r\n":
            break
        else:
            length += 1
            if length > limit:
                return column
        i += 1
    return column


def csv_rows(data: bytes, name: str, budget: ReadBudget | None = None) -> tuple[list, list[tuple[int, list]], dict]:
    """(header, [(record number, cells)…], {"numbers": the file's number convention, "delimiter": …})."""
    budget = budget or reading_budget()
    deadline = budget.deadline()
    text = _decode(data, name)
    delimiter = _sniff_delimiter(text)
    lines = _Lines(text)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header: list | None = None
    rows: list[tuple[int, list]] = []
    record = cells_read = 0

    def column_name(index: int) -> str:
        named = header[index].strip() if header is not None and index < len(header) else ""
        return named or f"column {get_column_letter(index + 1)}"

    def too_long(index: int, length: str) -> ImportRefused:
        return ImportRefused([RowError(record, column_name(index) if header is not None else None, (
            f"The cell holds {length} characters; at most {budget.max_cell_chars:,} are read from one cell. "
            "Shorten it (a summary holds at most 4,000 characters)."))])

    try:
        while True:
            lines.record_start = lines.offset
            try:
                cells = next(reader)
            except StopIteration:
                break
            record += 1
            if record % _CHECK_TIME_EVERY == 0 and time.monotonic() > deadline:
                raise ImportRefused(f"{name}: reading took more than {budget.max_seconds:,.0f} seconds by row "
                                    f"{record:,}, the limit for one file. Split it into smaller files.")
            if not any(c.strip() for c in cells):
                continue
            for index, cell in enumerate(cells):
                if len(cell) > budget.max_cell_chars:
                    raise too_long(index, f"{len(cell):,}")
            if header is None:
                header = cells
                continue
            if len(rows) >= budget.max_rows - 1:
                raise too_many_rows()
            cells_read += len(cells)
            if cells_read > budget.max_cells:
                raise ImportRefused(f"{name}: more than {budget.max_cells:,} cells by row {record:,}; at most "
                                    f"{budget.max_cells:,} are read from one file. Split it into smaller files, or "
                                    "delete the columns that are not needed.")
            rows.append((record, cells))
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # the csv module's own limit, above ours
            record += 1
            index = _long_cell(text, lines.record_start, delimiter, budget.max_cell_chars)
            raise too_long(index, f"more than {csv.field_size_limit():,}") from exc
        raise ImportRefused([RowError(
            None, None, f"{name} is not a well-formed CSV: line {reader.line_num}: {exc}. Check the quotes "
                        "around cells that contain commas, quotes or line breaks.")]) from exc
    if header is None:
        raise ImportRefused(f"{name} is empty: there is no header row and no incident.")
    return header, rows, {"numbers": Convention.of_delimiter(delimiter), "delimiter": delimiter}
