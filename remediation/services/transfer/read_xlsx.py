"""Reading an XLSX grievance log: which sheet, and its rows, within the import's reading budget
(:mod:`remediation.services.workbooks`).

The sheet is the *visible* one named "Incidents" (case and surrounding spaces ignored), else the first
visible sheet. A hidden sheet is never read, even when it comes first or is named "Incidents": nobody
reviewing the file in Excel would see what it holds. The sheet read and any hidden sheets left out are
reported in the import's summary."""

from __future__ import annotations

from remediation.services.transfer.format import SHEET_NAME, ImportRefused, RowError, reading_budget, too_many_rows
from remediation.services.workbooks import FileRefused, ReadBudget, bounded_rows, open_workbook, visible_sheets


def choose_sheet(workbook):
    """The sheet to import: the visible "Incidents" sheet, else the first visible one; None if none is visible."""
    visible = visible_sheets(workbook)
    return next((s for s in visible if s.title.strip().casefold() == SHEET_NAME.casefold()),
                visible[0] if visible else None)


def xlsx_rows(data: bytes, name: str, budget: ReadBudget | None = None) -> tuple[list, list[tuple[int, list]], dict]:
    """(header, [(row number, cells)…], {"sheet": the sheet's name, "hidden_sheets": [names left out]})."""
    budget = budget or reading_budget()
    deadline = budget.deadline()
    try:
        workbook = open_workbook(data, name, budget, data_only=False)  # a formula as its text (see __init__)
    except FileRefused as exc:
        raise refusal(exc) from exc
    try:
        hidden = [s.title for s in workbook.worksheets if s not in visible_sheets(workbook)]
        sheet = choose_sheet(workbook)
        if sheet is None:
            raise ImportRefused(f"{name} has no visible worksheet" + (
                f" (hidden: {', '.join(repr(h) for h in hidden)}): unhide the sheet holding the incidents in Excel "
                "(right-click a sheet tab → Unhide) and save again." if hidden else "."))
        header: list | None = None
        rows: list[tuple[int, list]] = []
        try:
            for number, cells in bounded_rows(sheet, budget, deadline=deadline):
                if header is None:
                    header = list(cells)
                    continue
                rows.append((number, list(cells)))
        except FileRefused as exc:
            raise refusal(exc) from exc
        if header is None:
            raise ImportRefused(f"{name}: the sheet {sheet.title!r} is empty: there is no header row and no incident.")
        return header, rows, {"sheet": sheet.title, "hidden_sheets": hidden}
    finally:
        workbook.close()


def refusal(exc: FileRefused) -> ImportRefused:
    """A reading refusal in the import's terms: too many rows is said in incident rows."""
    if exc.limit == "max_rows":
        return too_many_rows()
    return ImportRefused([RowError(None, None, str(exc))])
