"""The company-work sheets of the import/export format, without a database: cells written and read back, labels
and identifiers, formula text, hidden sheets, errors that name the sheet."""

from __future__ import annotations

import io
from datetime import date, datetime

import openpyxl
import pytest
from pydantic import ValidationError

from remediation.services.transfer import company_work as cw
from remediation.services.transfer import plan_work as pw
from remediation.services.transfer import sheets
from remediation.services.transfer.format import ImportRefused, RowError
from remediation.services.transfer.sheets import frame, model_errors


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


def test_plan_cells_are_written_as_labels_lists_and_yes_no_or_empty():
    assert frame(pw.REMEDY, [{"code": "INC-1", "level": 1, "remedy_types": ["restitution", "non_repetition"]}]
                    ).iloc[0].tolist() == ["INC-1", 1, "Restitution; Guarantees of non-repetition"]
    row = {"code": "INC-1", "level": 1, "victim_code": "V-014", "informed_consent": True, "wishes_shaped_plan": None}
    assert frame(pw.CASE_VOICE, [row]).iloc[0].tolist() == ["INC-1", 1, "V-014", "yes", None]
    assert list(frame(pw.CHAIN, []).columns) == ["Code", "Plan level", "Period start", "Period end",
                                                    "Facilitator → smelter/refiner on",
                                                    "Smelter/refiner → audit programme on",
                                                    "Audit programme → company on"]


def test_plan_cells_are_read_back_as_levels_identifiers_and_lists():
    assert [cw._value(pw.REMEDY, "level", v) for v in ("Level 2", "1", 2.0, " level 1 ")] == [2, 1, 2, 1]
    assert cw._value(pw.REMEDY, "level", "Level 3") == "Level 3"  # left for the model to refuse
    assert cw._value(pw.REMEDY, "remedy_types", "Compensation; rehabilitation and recovery;") == \
        ["compensation", "rehabilitation"]
    assert cw._value(pw.FEEDBACK, "source", "Beneficiaries") == "beneficiaries"
    assert cw._value(pw.CASE_VOICE, "informed_consent", "x") is True


def test_a_case_plan_row_never_repeats_a_name_and_says_what_is_missing():
    with pytest.raises(ValidationError) as exc:
        pw.CaseVoiceRow.model_validate({"level": 1, "victim_code": "Ana Lima", "informed_consent": True})
    errors = model_errors(pw.CASE_VOICE, 4, exc.value)
    assert [(e.row, e.column, e.sheet) for e in errors] == [(4, "Victim code", "Case plan consent")]
    assert "pseudonymous" in errors[0].reason and "Ana" not in str(errors[0])
    with pytest.raises(ValidationError) as exc:
        pw.CaseVoiceRow.model_validate({"level": 1, "victim_code": "v-1"})
    assert [e.column for e in model_errors(pw.CASE_VOICE, 2, exc.value)] == ["Informed consent"]
    assert pw.CaseVoiceRow.model_validate({"level": 1, "victim_code": " v-1 ", "wishes_shaped_plan": False}
                                          ).victim_code == "V-1"


def _feedback_workbook(rows: int, hidden: bool = False) -> bytes:
    wb = openpyxl.Workbook()
    wb.active.title = "Incidents"
    ws = wb.create_sheet("Plan feedback")
    ws.append(list(pw.FEEDBACK.columns.values()))
    for _ in range(rows):
        ws.append(["INC-1", 1, date(2025, 5, 1), "Victims", 4, 3, None])
    if hidden:
        ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_plan_sheet_is_read_within_the_row_limit_and_never_when_hidden(monkeypatch):
    rows = cw.read_company_work_rows(_feedback_workbook(2))
    assert list(rows) == ["Plan feedback"] and [n for n, _ in rows["Plan feedback"]] == [2, 3]
    assert rows["Plan feedback"][0][1]["respondents"] == 4
    assert cw.read_company_work_rows(_feedback_workbook(2, hidden=True)) == {}
    monkeypatch.setattr(sheets, "MAX_ROWS", 1)
    with pytest.raises(ImportRefused) as exc:
        cw.read_company_work_rows(_feedback_workbook(2))
    assert "sheet 'Plan feedback', row 3" in str(exc.value) and "more than 1 rows" in str(exc.value)
