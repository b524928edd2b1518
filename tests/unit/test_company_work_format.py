"""The company-work sheets of the import/export format, without a database: cells written and read back, labels
and identifiers, formula text, hidden sheets, errors that name the sheet."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl

from remediation.services.transfer import company_work as cw
from remediation.services.transfer.format import RowError


def test_an_error_names_its_sheet_row_and_column():
    assert str(RowError(3, "Status", "no such status", "Corrective action")) == \
        "sheet 'Corrective action', row 3, column 'Status': no such status."
    assert str(RowError(3, "Status", "no such status")) == "row 3, column 'Status': no such status."


def test_cells_are_written_as_labels_yes_no_and_protected_text():
    row = {"code": "INC-1", "description": "=1+1 agreed", "decided_on": date(2025, 1, 2),
           "relationship_terminated": False, "status": "in_progress", "completed_on": None, "verified_on": None}
    frame = cw._frame(cw.CORRECTIVE, [row])
    assert list(frame.columns) == list(cw.CORRECTIVE.columns.values())
    assert frame.iloc[0].tolist() == ["INC-1", "'=1+1 agreed", date(2025, 1, 2), "no", "In progress", None, None]


def test_cells_are_read_back_as_identifiers_dates_and_the_original_text():
    spec = cw.DECISIONS
    assert cw._value(spec, "party", "Smelter/refiner") == "smelter_refiner"
    assert cw._value(spec, "party", "smelter_refiner") == "smelter_refiner"
    assert cw._value(spec, "decision", " disengage ") == "disengage"
    assert cw._value(spec, "decision", "Walk away") == "Walk away"  # left for the model to refuse
    assert cw._value(spec, "reasons", "'=SUM(A1)") == "=SUM(A1)"
    assert cw._value(spec, "reasons", "''quoted") == "'quoted"
    assert cw._value(spec, "decided_on", datetime(2025, 3, 4)) == date(2025, 3, 4)
    assert cw._value(spec, "reasons", "   ") is None


def _workbook(hidden: bool) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Incidents"
    ws = wb.create_sheet("Milestones")
    ws.append(["Code", "Milestone", "Due on", "Done on", "Something else"])
    ws.append(["inc-1", "Site visit", date(2025, 5, 1), None, "ignored"])
    ws.append([None, None, None, None, None])
    ws.append(["INC-1", "Report", "2025-06-01", None, None])
    if hidden:
        ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_visible_sheet_is_read_by_its_headers_and_a_hidden_one_never():
    rows = cw.read_company_work_rows(_workbook(hidden=False))
    assert list(rows) == ["Milestones"]
    assert [n for n, _ in rows["Milestones"]] == [2, 4]
    assert rows["Milestones"][0][1] == {"code": "inc-1", "title": "Site visit", "due_on": datetime(2025, 5, 1),
                                        "done_on": None}
    assert cw.read_company_work_rows(_workbook(hidden=True)) == {}
