"""Reading an XLSX grievance log: the sheet, streamed, and its rows."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from remediation.services.transfer.format import SHEET_NAME, ImportRefused, check_row_count, present


def xlsx_rows(data: bytes, name: str) -> tuple[list, list[tuple[int, list]], str]:
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
                if not any(present(c) for c in cells):
                    continue
                if header is None:
                    header = list(cells)
                    continue
                check_row_count(len(rows))
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


