"""Reading a CSV grievance log: the encoding (UTF-8 or UTF-16 with a byte-order mark, never a guess),
the delimiter, and the rows."""

from __future__ import annotations

import codecs
import csv
import io

from remediation.services.transfer.format import ImportRefused, RowError, check_row_count


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


def csv_rows(data: bytes, name: str) -> tuple[list, list[tuple[int, list]], None]:
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
            check_row_count(len(rows))
            rows.append((record, cells))
    except csv.Error as exc:
        raise ImportRefused([RowError(
            None, None, f"{name} is not a well-formed CSV: line {reader.line_num}: {exc}. Check the quotes "
                        "around cells that contain commas, quotes or line breaks.")]) from exc
    if header is None:
        raise ImportRefused(f"{name} is empty: there is no header row and no incident.")
    return header, rows, None


