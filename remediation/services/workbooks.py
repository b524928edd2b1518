"""Uploaded files read within a budget: a hostile workbook costs bounded memory and time, and is refused
with the limit it broke named.

Why: an XLSX file is a zip archive of XML parts, and its size on disk says little about what reading it
costs. One shared string of 800 MB packs into 0.8 MB (a "decompression bomb"); openpyxl loads the whole
shared-string table at open, so checking only the upload's size let such a file take a server to 7 GB.
A sheet whose recorded dimension claims a million rows and thousands of columns made openpyxl pad every
row to that width and held a core for minutes. Supplier declarations (CMRT/EMRT) and grievance logs
come from outside the company, so every workbook is read here, within a :class:`ReadBudget`:

1. :func:`check_archive`, before openpyxl sees a byte: the zip's central directory only (no
   decompression) — the number of parts, each part's uncompressed size, their total, and each part's
   compression ratio; encrypted parts and compression methods other than deflate are refused (bzip2 and
   LZMA decompress without an output bound). Python's zipfile never inflates a part past the size the
   central directory declares (it truncates, and the CRC then fails), so these declared sizes are hard
   bounds, not hints.
2. :func:`open_workbook` gives openpyxl the archive through a guard: every part it opens streams through
   :class:`_GuardedStream`, which checks — between the zip and the XML parser, before the parser has built
   anything from the bytes — the wall time, the longest text (the run of bytes between two ``<``: a text
   longer than a cell can hold is refused while it streams, so the one-string bomb never reaches memory),
   the number of shared strings, and in a sheet the bytes and cells of the current row (at most Excel's
   16,384 cells: openpyxl builds a row whole, and a row of a million cells would be built in memory). The
   sheets' recorded dimensions are not read (openpyxl parses a whole sheet looking for a missing one).
3. :func:`bounded_rows` streams a sheet through openpyxl's own cell parser, from the same guard, and checks
   each row it hands out: cells and characters per cell, rows read, blank rows scanned (skipped, not handed
   out) and the row numbers themselves (a row numbered 999,999,999 is refused, not reached by walking the
   gap). The sheet's recorded dimension is never trusted.

**Peak memory.** The stated bound for reading any refused file through the incident import's budget
(:func:`remediation.services.transfer.format.reading_budget`) is :data:`REFUSED_PEAK_BOUND_MB` of resident memory
for the whole process, interpreter and libraries included (pandas, openpyxl, SQLAlchemy and pydantic alone
take about 137 MB). ``tests/unit/test_workbooks_memory.py`` measures it in a fresh process
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``); on the development machine:

============================================================  ========  ====================
refused file                                                  peak      refused after
============================================================  ========  ====================
decompression bomb: one shared string, 800 MB from 0.8 MB     138 MB    0.0 s (central dir.)
a million blank formatted rows, dimension A1:XFD1048576       153 MB    5-7 s (100,001 blank)
one row of a million cells (5.5 MB file)                      148 MB    0.1 s
a 64 MB shared string within the ratio limit (41 MB file)     218 MB    0.1 s
the largest CSV (50 MB), one row past 100,000                 369 MB    2.3 s
============================================================  ========  ====================

A file within every limit costs what reading it costs: the parts unpack to at most ``max_total_bytes``, and
openpyxl and the rows read stay proportional to that; the CSV reader holds the file, its text and its rows.
"""

from __future__ import annotations

import io
import re
import time
import weakref
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

import openpyxl
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import WorkSheetParser

from remediation.services.base import Refused

__all__ = ["ReadBudget", "FileRefused", "check_archive", "open_workbook", "visible_sheets", "bounded_rows",
           "EXCEL_MAX_ROWS", "EXCEL_MAX_COLUMNS", "REFUSED_PEAK_BOUND_MB", "megabytes"]

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
MAX_PARTS = 1_000
"""Parts in one archive. An incident log has about ten; a CMRT workbook a few dozen."""
RATIO_FLOOR_BYTES = 1 << 20
"""Parts unpacking to less than this are not held to ``max_ratio``: styles and themes of a few kilobytes
compress far better than data, and cannot hurt whatever their ratio."""
MAX_ROW_BYTES = 16 << 20
"""XML bytes of one row. A row of 18 cells at Excel's 32,767 characters each is about 4 MB."""
BYTES_PER_CHAR = 6
"""A character of text takes at most six bytes of XML (``&amp;`` is five, UTF-8 at most four)."""
REFUSED_PEAK_BOUND_MB = 450
"""Resident memory of the whole process reading a refused file through the import's budget (tested)."""

_SHARED_STRINGS = "xl/sharedstrings.xml"


def megabytes(size: float) -> str:
    return f"{size / 2**20:,.1f} MB"


@dataclass(frozen=True)
class ReadBudget:
    """What reading one uploaded file may cost. Every limit is named in the refusal that enforces it."""
    max_file_bytes: int            # compressed size of the upload
    max_part_bytes: int            # uncompressed size of any one part of an XLSX (zip member)
    max_total_bytes: int           # uncompressed size of all parts together
    max_ratio: float               # uncompressed/compressed ratio of any part (decompression bombs)
    max_rows: int                  # rows read from one sheet (blank rows count toward a separate scan cap)
    max_cells: int                 # cells read in total
    max_cell_chars: int            # characters in one cell
    max_seconds: float             # wall time for reading the file

    @property
    def max_blank_rows(self) -> int:
        """Blank rows scanned in one sheet before it is refused: as many as ``max_rows``, and at least 10,000.
        Formatting can stretch a sheet to a million empty rows; reading them costs time, not data."""
        return max(10_000, self.max_rows)

    def deadline(self) -> float:
        """The ``time.monotonic()`` by which reading a file that starts now must be done."""
        return time.monotonic() + self.max_seconds


class FileRefused(Refused):
    """A file that cannot be read within its budget, or at all. The message names the file, the limit and
    the value found (and the sheet, row and column where it applies); ``limit`` is the :class:`ReadBudget`
    field broken (or None for a file that is not what it claims to be). Nothing was read into the database."""

    def __init__(self, message: str, *, limit: str | None = None, sheet: str | None = None, row: int | None = None,
                 column: int | None = None):
        super().__init__(message)
        self.limit, self.sheet, self.row, self.column = limit, sheet, row, column


# --- the archive ---------------------------------------------------------------------------------

def check_archive(data: bytes, name: str, budget: ReadBudget) -> None:
    """Refuse (:class:`FileRefused`) a workbook whose archive would cost more than ``budget`` to unpack, from
    its central directory alone: nothing is decompressed."""
    if len(data) > budget.max_file_bytes:
        raise FileRefused(f"{name} is {megabytes(len(data))} ({len(data):,} bytes); at most "
                          f"{megabytes(budget.max_file_bytes)} can be read at once. Split it into smaller files.",
                          limit="max_file_bytes")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRefused(f"{name} cannot be read as an Excel workbook (.xlsx): it is not a complete zip archive "
                          f"({type(exc).__name__}). Open it in Excel and save it again as an Excel Workbook, or as "
                          "CSV UTF-8.") from exc
    if len(parts) > MAX_PARTS:
        raise FileRefused(f"{name} is an archive of {len(parts):,} parts; a workbook has a few dozen, and at most "
                          f"{MAX_PARTS:,} are read.", limit="max_parts")
    total = 0
    for part in parts:
        if part.flag_bits & 0x1:
            raise FileRefused(f"{name} is password-protected (its part {part.filename!r} is encrypted): remove the "
                              "password in Excel (File → Info → Protect Workbook) and save it again.")
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise FileRefused(f"{name}: the part {part.filename!r} is compressed with method {part.compress_type}, "
                              "which Excel never writes; save the workbook again from Excel.")
        if part.file_size > budget.max_part_bytes:
            raise FileRefused(
                f"{name}: the part {part.filename!r} unpacks to {megabytes(part.file_size)} "
                f"({part.file_size:,} bytes) from {megabytes(part.compress_size)}; at most "
                f"{megabytes(budget.max_part_bytes)} per part are read. A small file that unpacks to far more is "
                "what a decompression bomb looks like; if this workbook is genuine, split it into smaller files.",
                limit="max_part_bytes")
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= RATIO_FLOOR_BYTES and ratio > budget.max_ratio:
            raise FileRefused(
                f"{name}: the part {part.filename!r} unpacks to {megabytes(part.file_size)} from "
                f"{megabytes(part.compress_size)}, {ratio:,.0f} times its packed size; at most {budget.max_ratio:,.0f} "
                "times is read. Data that compresses this well is what a decompression bomb looks like; if this "
                "workbook is genuine, save it again from Excel or as CSV UTF-8.", limit="max_ratio")
        total += part.file_size
    if total > budget.max_total_bytes:
        raise FileRefused(f"{name} unpacks to {megabytes(total)} ({total:,} bytes) in all; at most "
                          f"{megabytes(budget.max_total_bytes)} are read. Split it into smaller files.",
                          limit="max_total_bytes")


_NAMES: "weakref.WeakKeyDictionary[openpyxl.Workbook, tuple[str, ReadBudget]]" = weakref.WeakKeyDictionary()


def open_workbook(data: bytes, name: str, budget: ReadBudget, *, data_only: bool) -> openpyxl.Workbook:
    """The workbook in ``data``, opened read-only (sheets streamed, never loaded whole) after
    :func:`check_archive`, every part it reads passing through the guard. ``data_only=False`` gives a formula
    cell as its formula text, ``True`` as the value Excel last saved. Anything that makes it unreadable (not
    a zip, a missing part, broken XML, a billion-laughs entity expansion…) is a :class:`FileRefused` naming
    the file. Close it (``workbook.close()``) when done.

    The sheets' recorded dimensions are not read: openpyxl reads them when it opens a workbook, and for a
    sheet without one it parses the whole sheet to look for it, building every row in memory. So the
    sheets' ``max_row`` and ``max_column`` are None: :func:`bounded_rows` gives what is actually there."""
    deadline = budget.deadline()
    check_archive(data, name, budget)
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, keep_vba=False, data_only=data_only, keep_links=False)
        reader.archive.close()
        reader.archive = _GuardedZip(io.BytesIO(data), name, budget, deadline)
        reader.valid_files = reader.archive.namelist()
        # ExcelReader.read(), but with sheets that never parse their dimension (see above).
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        reader.read_properties()
        reader.read_custom()
        reader.read_theme()
        apply_stylesheet(reader.archive, reader.wb)
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in reader.valid_files or "chartsheet" in rel.Type:
                continue  # a chart sheet holds no cells
            worksheet = _UnsizedSheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
            worksheet.sheet_state = sheet.state
            reader.wb._sheets.append(worksheet)
        reader.parser.assign_names()
        workbook = reader.wb
    except FileRefused:
        raise
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, XML errors…
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise FileRefused(f"{name} cannot be read as an Excel workbook (.xlsx): {type(exc).__name__}"
                          f"{': ' + detail if detail else ''}. Open it in Excel and save it again as an Excel "
                          "Workbook, or as CSV UTF-8.") from exc
    _NAMES[workbook] = (name, budget)
    return workbook


class _UnsizedSheet(ReadOnlyWorksheet):
    """A read-only sheet that does not read its recorded dimension when it is created (see
    :func:`open_workbook`)."""

    def _get_size(self) -> None:
        self._min_column = self._min_row = 1
        self._max_column = self._max_row = None


class _GuardedZip(zipfile.ZipFile):
    """The workbook's archive as openpyxl sees it: every part it opens comes through :class:`_GuardedStream`,
    so the deadline holds everywhere, and the shared strings and sheets are checked as they stream."""

    def __init__(self, file, name: str, budget: ReadBudget, deadline: float):
        super().__init__(file)
        self._guard = (name, budget, deadline)

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        part = (name.filename if isinstance(name, zipfile.ZipInfo) else str(name)).lower()
        kind = "strings" if part == _SHARED_STRINGS else "sheet" if part.startswith("xl/worksheets/") else "other"
        file_name, budget, deadline = self._guard
        return _GuardedStream(stream, file_name, None, budget, deadline, kind=kind)


def visible_sheets(workbook) -> list:
    """The sheets a person sees in Excel, in workbook order: hidden and "very hidden" sheets left out (a
    hidden sheet can hold anything, and nobody reviewing the file would see it)."""
    return [s for s in workbook.worksheets if getattr(s, "sheet_state", "visible") == "visible"]


def _too_slow(name: str, sheet: str | None, row: int | None, budget: ReadBudget) -> FileRefused:
    where = f", sheet {sheet!r}" + (f" at row {row:,}" if row else "") if sheet else ""
    return FileRefused(f"{name}{where}: reading took more than {budget.max_seconds:,.0f} seconds, the limit for one "
                       "file. Split it into smaller files, or remove what is not needed (formatting, empty rows, "
                       "other sheets).", limit="max_seconds", sheet=sheet, row=row)


def _too_many_blank(name: str, sheet: str, row: int, budget: ReadBudget) -> FileRefused:
    return FileRefused(f"{name}, sheet {sheet!r}: more than {budget.max_blank_rows:,} blank rows by row {row:,} (rows "
                       f"that are formatted or listed but hold nothing); at most {budget.max_blank_rows:,} are "
                       "scanned. Delete the empty rows below the data (select them, right-click, Delete) and save "
                       "again.", limit="max_blank_rows", sheet=sheet, row=row)


def _column_letter(index: int) -> str:
    return openpyxl.utils.get_column_letter(index) if 1 <= index <= EXCEL_MAX_COLUMNS else f"#{index}"


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def bounded_rows(sheet, budget: ReadBudget, *, deadline: float, min_row: int = 1, max_row: int | None = None,
                 min_col: int = 1, max_col: int | None = None) -> Iterator[tuple[int, tuple]]:
    """``(row number, values)`` of the non-blank rows of ``sheet`` (of a workbook from :func:`open_workbook`)
    between ``min_row`` and ``max_row``, each row's values from ``min_col`` to ``max_col`` (default: up to its
    last cell, so rows can differ in length). Blank rows (every value None or only spaces) are skipped and
    counted toward :attr:`ReadBudget.max_blank_rows`. Raises :class:`FileRefused` as soon as a limit of
    ``budget`` is passed — rows, cells (``max_cells`` counts every value handed out, across calls on the same
    workbook), characters in a cell, or ``deadline`` (a ``time.monotonic()`` value)."""
    name, _ = _NAMES.get(sheet.parent, ("The workbook", budget))
    title = sheet.title
    if max_col is not None and max_col < min_col:
        return
    workbook = sheet.parent
    counters = _cells_read.setdefault(workbook, [0])
    # The sheet's part straight from the zip (not through the workbook's own guard: this call has its deadline).
    source = _GuardedStream(zipfile.ZipFile.open(workbook._archive, sheet._worksheet_path), name, title, budget,
                            deadline, kind="sheet")
    parser = WorkSheetParser(source, sheet._shared_strings, data_only=workbook.data_only, epoch=workbook.epoch,
                             date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
    read = blank = 0
    expected = 1  # the next row number, so that gaps (rows absent from the XML) count as blank rows
    try:
        for number, cells in parser.parse():
            if number > EXCEL_MAX_ROWS:
                raise FileRefused(f"{name}, sheet {title!r}: a row is numbered {number:,}; a sheet has at most "
                                  f"{EXCEL_MAX_ROWS:,} rows.", sheet=title, row=number)
            if max_row is not None and number > max_row:
                break
            if number >= expected:
                blank += max(number - max(expected, min_row), 0)  # rows absent from the XML: blank
                expected = number + 1
                if blank > budget.max_blank_rows:
                    raise _too_many_blank(name, title, number, budget)
            if number < min_row:
                continue
            if time.monotonic() > deadline:
                raise _too_slow(name, title, number, budget)
            values = _row_values(cells, min_col, max_col)
            if all(_blank(v) for v in values):
                blank += 1
                if blank > budget.max_blank_rows:
                    raise _too_many_blank(name, title, number, budget)
                continue
            read += 1
            if read > budget.max_rows:
                raise FileRefused(f"{name}, sheet {title!r}: more than {budget.max_rows:,} rows; at most "
                                  f"{budget.max_rows:,} are read from one sheet. Split it into smaller files.",
                                  limit="max_rows", sheet=title, row=number)
            counters[0] += len(values)
            if counters[0] > budget.max_cells:
                raise FileRefused(f"{name}, sheet {title!r}: more than {budget.max_cells:,} cells by row {number:,}; "
                                  f"at most {budget.max_cells:,} are read from one file. Split it into smaller files, "
                                  "or delete the columns that are not needed.", limit="max_cells", sheet=title,
                                  row=number)
            for i, value in enumerate(values):
                if isinstance(value, str) and len(value) > budget.max_cell_chars:
                    column = min_col + i
                    raise FileRefused(
                        f"{name}, sheet {title!r}, row {number:,}, column {_column_letter(column)}: the cell holds "
                        f"{len(value):,} characters; at most {budget.max_cell_chars:,} are read from one cell.",
                        limit="max_cell_chars", sheet=title, row=number, column=column)
            yield number, values
    except FileRefused:
        raise
    except Exception as exc:  # broken XML, an impossible cell reference…
        detail = str(exc).splitlines()[0][:200] if str(exc) else ""
        raise FileRefused(f"{name}: the sheet {title!r} cannot be read ({type(exc).__name__}"
                          f"{': ' + detail if detail else ''}). Open it in Excel and save it again.",
                          sheet=title) from exc
    finally:
        source.close()


_cells_read: "weakref.WeakKeyDictionary[openpyxl.Workbook, list[int]]" = weakref.WeakKeyDictionary()


def _row_values(cells: list[dict], min_col: int, max_col: int | None) -> tuple:
    """openpyxl's parsed cells of one row as values from ``min_col`` to ``max_col`` (or the last cell)."""
    # Without max_col a row ends at its last cell holding a value: formatted empty cells (up to column XFD)
    # do not widen it.
    last = max_col if max_col is not None else max((c["column"] for c in cells if c["value"] is not None), default=0)
    if last < min_col:
        return ()
    values = [None] * (last + 1 - min_col)
    for cell in cells:
        column = cell["column"]
        if min_col <= column <= last:
            values[column - min_col] = cell["value"]
    return tuple(values)


# --- the guarded stream --------------------------------------------------------------------------

_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ROW_TAG = re.compile(_PREFIX + rb"row(?=[\s/>])")
_CELL_TAG = re.compile(_PREFIX + rb"c(?=[\s/>])")
_STRING_TAG = re.compile(_PREFIX + rb"si(?=[\s/>])")


class _GuardedStream(io.RawIOBase):
    """A part's XML bytes on their way from the zip to the XML parser, checked as they pass: the deadline,
    the bytes and cells of the current row, the longest text (the gap between two ``<``), and — for the
    shared strings — how many strings. Refuses (:class:`FileRefused`) the moment one is passed, before the
    parser has built anything from those bytes."""

    def __init__(self, source, name: str, sheet: str | None, budget: ReadBudget, deadline: float, *, kind: str):
        super().__init__()
        self._source, self._name, self._sheet, self._budget, self._deadline = source, name, sheet, budget, deadline
        self._kind = kind  # "strings", "sheet" or "other" (only the deadline)
        self._carry = b""
        self._row_cells = self._row_bytes = self._strings = 0
        self._rows = 0
        self._gap = 0  # bytes since the last "<"
        self._max_gap = budget.max_cell_chars * BYTES_PER_CHAR + 1024

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._next(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self._next(1 << 16), b""))
        return self._next(size)

    def _next(self, size: int) -> bytes:
        chunk = self._source.read(size)
        if time.monotonic() > self._deadline:
            raise _too_slow(self._name, self._sheet, None, self._budget)
        if chunk and self._kind != "other":
            self._texts(chunk)
            self._scan(chunk)
        return chunk

    def _texts(self, chunk: bytes) -> None:
        """The longest run of bytes without a ``<`` bounds the longest text (a text cannot hold ``<``)."""
        first, last = chunk.find(b"<"), chunk.rfind(b"<")
        runs = [self._gap + (len(chunk) if first < 0 else first)]
        if len(chunk) > self._max_gap and first >= 0:  # runs inside a chunk longer than the limit
            runs.append(max(len(piece) for piece in chunk[first + 1:last].split(b"<")))
        self._gap = runs[0] if first < 0 else len(chunk) - last - 1
        if max(runs) > self._max_gap:
            where = f", sheet {self._sheet!r}" if self._sheet else ""
            raise FileRefused(f"{self._name}{where}: a text is longer than {self._budget.max_cell_chars:,} characters, "
                              "the most that is read from one cell.", limit="max_cell_chars", sheet=self._sheet)

    def _scan(self, chunk: bytes) -> None:
        data = self._carry + chunk
        cut = data.rfind(b"<")
        if cut < 0 or data.find(b">", cut) != -1:
            cut = len(data)
        self._carry = data[cut:][-4096:]  # an unfinished tag: scanned with the next chunk
        if self._kind == "strings":
            self._strings += len(_STRING_TAG.findall(data, 0, cut))
            if self._strings > self._budget.max_cells:
                raise FileRefused(f"{self._name}: more than {self._budget.max_cells:,} shared strings; at most "
                                  f"{self._budget.max_cells:,} cells are read from one file.", limit="max_cells")
            return
        position = 0
        for match in _ROW_TAG.finditer(data, 0, cut):
            self._row_cells += len(_CELL_TAG.findall(data, position, match.start()))
            self._row_bytes += match.start() - position
            self._check_row()
            position = match.start()
            self._rows += 1
            self._row_cells = self._row_bytes = 0
            if self._rows > EXCEL_MAX_ROWS:
                raise FileRefused(f"{self._name}, sheet {self._sheet!r}: more than {EXCEL_MAX_ROWS:,} rows, more than "
                                  "a sheet can have.", limit="max_rows", sheet=self._sheet)
        self._row_cells += len(_CELL_TAG.findall(data, position, cut))
        self._row_bytes += cut - position
        self._check_row()

    def _check_row(self) -> None:
        if self._row_cells > EXCEL_MAX_COLUMNS:
            raise FileRefused(f"{self._name}, sheet {self._sheet!r}: a row holds more than {EXCEL_MAX_COLUMNS:,} "
                              "cells, more than a sheet can have.", limit="max_cells", sheet=self._sheet,
                              row=self._rows or None)
        if self._row_bytes > MAX_ROW_BYTES:
            raise FileRefused(f"{self._name}, sheet {self._sheet!r}: a row takes more than {megabytes(MAX_ROW_BYTES)} "
                              "to store, more than any row of a log or declaration.", limit="max_cells",
                              sheet=self._sheet, row=self._rows or None)

    def close(self) -> None:
        try:
            self._source.close()
        finally:
            super().close()
