"""The incident import reads through the bounded reader: which sheet of a workbook, and CSV cells, rows and time
within the import's budget — each refusal saying what it is."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from remediation.services import transfer as tr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import make_hostile as mh  # noqa: E402


def workbook(sheets, states=None) -> bytes:
    return mh.workbook_bytes(mh.workbook_parts([(name, mh.sheet_xml([mh.HEADER_ROW, *rows])) for name, rows in sheets],
                                               states))


def test_a_hidden_first_sheet_named_incidents_is_never_imported_and_the_summary_names_the_sheet():
    data = workbook([("Incidents", [mh.sheet_row(2, mh.row(code="INC-2018-020"))]),
                     ("Log", [mh.sheet_row(2, mh.row(code="INC-2018-021"))])], {"Incidents": "hidden"})
    plan = tr.plan_import(tr.read_table(data, "log.xlsx"))
    assert [r.code for r in plan.rows] == ["INC-2018-021"]
    assert plan.summary().startswith("log.xlsx, sheet 'Log': 1 incident rows, 1 new")
    assert "Hidden sheets not read: 'Incidents'." in plan.summary()


def test_the_visible_incidents_sheet_wins_over_the_first_visible_one():
    data = workbook([("Notes", [mh.sheet_row(2, mh.row(code="INC-2018-023"))]),
                     ("Incidents", [mh.sheet_row(2, mh.row(code="INC-2018-024"))])])
    assert tr.plan_import(tr.read_table(data, "log.xlsx")).sheet == "Incidents"


def test_a_workbook_with_only_hidden_sheets_is_refused_saying_so():
    data = workbook([("Incidents", [])], {"Incidents": "veryHidden"})
    with pytest.raises(tr.ImportRefused, match=r"no visible worksheet \(hidden: 'Incidents'\): unhide"):
        tr.read_table(data, "log.xlsx")


@pytest.mark.parametrize("length, said", [(40_000, "holds 40,000 characters"),
                                          (140_000, "holds more than 131,072 characters")])
def test_a_csv_cell_over_the_limit_is_named_as_such_not_as_bad_quoting(length, said):
    data = mh.csv_text(mh.row(), mh.row(code="INC-2018-002") + ["x" * length], header=mh.HEADER + ["Summary"])
    with pytest.raises(tr.ImportRefused) as exc:
        tr.read_table(data.encode(), "log.csv")
    (error,) = exc.value.errors
    assert (error.row, error.column) == (3, "Summary")
    assert said in error.reason and "at most 32,767 are read from one cell" in error.reason
    assert "quote" not in str(exc.value)


def test_a_long_cell_is_found_in_its_column_even_after_quoted_delimiters():
    data = mh.csv_text(mh.row(title='a "quoted", title') + ["y" * 140_000], header=mh.HEADER + ["Summary"],
                       delimiter=",")
    with pytest.raises(tr.ImportRefused) as exc:
        tr.read_table(data.encode(), "log.csv")
    assert exc.value.errors[0].column == "Summary"


def test_a_csv_over_the_cell_budget_is_refused(monkeypatch):
    monkeypatch.setattr(tr.format, "MAX_CELLS", 25)
    data = mh.csv_text(*[mh.row(code=f"INC-2018-{i:03d}") for i in range(1, 4)])
    with pytest.raises(tr.ImportRefused, match="more than 25 cells by row 4"):
        tr.read_table(data.encode(), "log.csv")


def test_a_csv_that_takes_too_long_is_refused(monkeypatch):
    monkeypatch.setattr(tr.format, "MAX_SECONDS", -1)
    data = mh.csv_text(*[mh.row(code=f"INC-2018-{i:03d}") for i in range(1, 1200)])
    with pytest.raises(tr.ImportRefused, match="took more than -1 seconds by row 1,000"):
        tr.read_table(data.encode(), "log.csv")
