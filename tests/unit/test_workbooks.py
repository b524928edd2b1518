"""The bounded reading of uploaded workbooks (remediation.services.workbooks): each limit of a ReadBudget is
enforced, named in the refusal, and hit before the cost it guards against is paid."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import Workbook

from remediation.services.base import Refused
from remediation.services.workbooks import (
    EXCEL_MAX_COLUMNS,
    FileRefused,
    ReadBudget,
    bounded_rows,
    check_archive,
    open_workbook,
    visible_sheets,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "hostile"))
import make_hostile as mh  # noqa: E402

BUDGET = ReadBudget(max_file_bytes=5 << 20, max_part_bytes=4 << 20, max_total_bytes=6 << 20, max_ratio=100,
                    max_rows=1000, max_cells=20_000, max_cell_chars=2000, max_seconds=30)


def xlsx(sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        if name in hidden:
            ws.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def rows_of(data: bytes, budget: ReadBudget = BUDGET, **kw) -> list[tuple[int, tuple]]:
    wb = open_workbook(data, "log.xlsx", budget, data_only=False)
    try:
        return list(bounded_rows(visible_sheets(wb)[0], budget, deadline=budget.deadline(), **kw))
    finally:
        wb.close()


def refusal(call) -> FileRefused:
    with pytest.raises(FileRefused) as exc:
        call()
    assert isinstance(exc.value, Refused)  # the app's refusal: shown as a message, never a traceback
    return exc.value


def test_rows_come_with_their_numbers_blank_rows_skipped_and_limits_by_row_and_column():
    data = xlsx({"Incidents": [["Code", "Title", "Count"], ["INC-1", "a", 1], [], [None, "  "], ["INC-2", "b", 2]]})
    assert rows_of(data) == [(1, ("Code", "Title", "Count")), (2, ("INC-1", "a", 1)), (5, ("INC-2", "b", 2))]
    assert rows_of(data, min_row=2, max_row=4, min_col=2, max_col=3) == [(2, ("a", 1))]
    assert rows_of(data, min_col=3, max_col=4) == [(1, ("Count", None)), (2, (1, None)), (5, (2, None))]


def test_hidden_sheets_are_not_visible_sheets():
    data = xlsx({"Incidents": [["x"]], "Log": [["y"]], "Notes": [["z"]]}, hidden=("Incidents",))
    wb = open_workbook(data, "log.xlsx", BUDGET, data_only=False)
    assert [s.title for s in visible_sheets(wb)] == ["Log", "Notes"]
    wb.close()


def test_formulas_are_text_unless_data_only():
    wb = Workbook()
    wb.active.append(["=1+1"])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert rows_of(buffer.getvalue()) == [(1, ("=1+1",))]


@pytest.mark.parametrize("limit, change, message", [
    ("max_file_bytes", {"max_file_bytes": 1000}, "at most 0.0 MB can be read at once"),
    ("max_part_bytes", {"max_part_bytes": 2000}, "per part are read"),
    ("max_total_bytes", {"max_total_bytes": 5000}, "in all; at most"),
])
def test_the_archive_is_refused_from_its_directory(limit, change, message):
    data = xlsx({"Incidents": [["Code"], *[[f"INC-{i}"] for i in range(200)]]})
    exc = refusal(lambda: check_archive(data, "log.xlsx", replace(BUDGET, **change)))
    assert exc.limit == limit and message in str(exc) and "log.xlsx" in str(exc)


def test_a_decompression_bomb_is_refused_before_anything_is_inflated(tmp_path):
    path = mh.bomb(tmp_path / "bomb.xlsx", unpacked_mb=50)
    started = time.perf_counter()
    exc = refusal(lambda: open_workbook(path.read_bytes(), "bomb.xlsx", replace(BUDGET, max_part_bytes=64 << 20),
                                        data_only=False))
    assert exc.limit == "max_ratio" and "xl/sharedStrings.xml" in str(exc) and "decompression bomb" in str(exc)
    assert time.perf_counter() - started < 1


def test_parts_that_are_not_deflated_or_too_many_are_refused():
    parts = mh._one_sheet([mh.sheet_row(2, mh.row())])
    assert "method 12" in str(refusal(lambda: check_archive(
        mh.workbook_bytes(parts, compression=zipfile.ZIP_BZIP2), "x.xlsx", BUDGET)))
    parts.update({f"xl/media/p{i}.xml": "<x/>" for i in range(1001)})
    assert refusal(lambda: check_archive(mh.workbook_bytes(parts), "x.xlsx", BUDGET)).limit == "max_parts"


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 not a zip", b"\xd0\xcf\x11\xe0" + b"\x00" * 600])
def test_what_is_not_a_workbook_is_refused_with_its_name(data):
    assert "x.xlsx cannot be read as an Excel workbook" in str(refusal(
        lambda: open_workbook(data, "x.xlsx", BUDGET, data_only=False)))


def test_entity_expansion_is_refused():
    parts = mh._one_sheet([])
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    parts["xl/sharedStrings.xml"] = (f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY l0 "lol">{entities}]>'
                                     f'<sst {mh.NS}><si><t>&l9;</t></si></sst>')
    assert "cannot be read" in str(refusal(lambda: open_workbook(mh.workbook_bytes(parts), "x.xlsx", BUDGET,
                                                                 data_only=False)))


def test_too_many_rows_names_the_limit_and_the_row():
    data = xlsx({"Log": [[f"INC-{i}"] for i in range(1, 30)]})
    exc = refusal(lambda: rows_of(data, replace(BUDGET, max_rows=20)))
    assert exc.limit == "max_rows" and exc.row == 21 and exc.sheet == "Log" and "more than 20 rows" in str(exc)


def test_too_many_cells_across_sheets_of_one_workbook():
    data = xlsx({"A": [[1, 2, 3]] * 10, "B": [[1, 2, 3]] * 10})
    budget = replace(BUDGET, max_cells=45)
    wb = open_workbook(data, "log.xlsx", budget, data_only=False)
    first = list(bounded_rows(wb.worksheets[0], budget, deadline=budget.deadline()))
    assert len(first) == 10
    exc = refusal(lambda: list(bounded_rows(wb.worksheets[1], budget, deadline=budget.deadline())))
    assert exc.limit == "max_cells" and exc.sheet == "B" and exc.row == 6
    wb.close()


def test_a_long_cell_is_named_by_sheet_row_and_column():
    data = xlsx({"Log": [["Code", "Summary"], ["INC-1", "x" * 2001]]})
    exc = refusal(lambda: rows_of(data))
    assert (exc.limit, exc.row, exc.column) == ("max_cell_chars", 2, 2)
    assert "sheet 'Log', row 2, column B: the cell holds 2,001 characters; at most 2,000" in str(exc)


def test_a_text_far_longer_than_a_cell_is_refused_while_it_streams(tmp_path):
    path = mh.long_shared_string(tmp_path / "long.xlsx", megabytes=2)
    exc = refusal(lambda: rows_of(path.read_bytes()))
    assert exc.limit == "max_cell_chars" and "longer than 2,000 characters" in str(exc)


def test_blank_rows_count_toward_their_own_cap_and_gaps_are_not_walked(tmp_path):
    path = mh.blank_rows(tmp_path / "blank.xlsx", rows=12_000)
    exc = refusal(lambda: rows_of(path.read_bytes()))
    assert exc.limit == "max_blank_rows" and "more than 10,000 blank rows" in str(exc)
    # Rows 1 and 1,000,000: the gap is counted, not yielded row by row.
    gap = mh.workbook_bytes(mh._one_sheet([mh.sheet_row(1_000_000, mh.row())]))
    started = time.perf_counter()
    assert refusal(lambda: rows_of(gap)).limit == "max_blank_rows"
    assert time.perf_counter() - started < 1


def test_a_stretched_dimension_is_not_trusted():
    wb = Workbook()
    wb.active.append(["Code"])
    wb.active.append(["INC-1"])
    wb.active.cell(row=5000, column=16_000).number_format = "yyyy-mm-dd"  # formatted, empty, far away
    buffer = io.BytesIO()
    wb.save(buffer)
    assert rows_of(buffer.getvalue()) == [(1, ("Code",)), (2, ("INC-1",))]


def test_a_row_wider_than_excel_allows_is_refused_as_it_streams(tmp_path):
    path = mh.wide_row(tmp_path / "wide.xlsx", cells=EXCEL_MAX_COLUMNS + 10)
    exc = refusal(lambda: rows_of(path.read_bytes(), replace(BUDGET, max_cells=10**9)))
    assert "more than 16,384 cells" in str(exc)


def test_a_row_numbered_past_the_last_row_is_refused():
    data = mh.workbook_bytes(mh._one_sheet([mh.sheet_row(2_000_000_000, mh.row())]))
    assert "numbered 2,000,000,000" in str(refusal(lambda: rows_of(data, replace(BUDGET, max_rows=10**9))))


def test_the_deadline_holds_while_reading():
    data = xlsx({"Log": [[i] for i in range(500)]})
    wb = open_workbook(data, "log.xlsx", BUDGET, data_only=False)
    exc = refusal(lambda: list(bounded_rows(wb.worksheets[0], BUDGET, deadline=time.monotonic() - 1)))
    assert exc.limit == "max_seconds" and "took more than 30 seconds" in str(exc)
    wb.close()
    exc = refusal(lambda: open_workbook(data, "log.xlsx", replace(BUDGET, max_seconds=-1), data_only=False))
    assert exc.limit == "max_seconds"


def test_the_blank_row_cap_is_at_least_ten_thousand():
    assert replace(BUDGET, max_rows=5).max_blank_rows == 10_000
    assert replace(BUDGET, max_rows=200_000).max_blank_rows == 200_000
