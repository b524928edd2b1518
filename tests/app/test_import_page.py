"""The import and export page as Streamlit runs it: upload, mapping, dry-run preview, import, export,
board mode."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from remediation.services import transfer as tr
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.records import stored_intake

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "imports"
PAGE = "pages/imports.py"


@pytest.fixture
def open_page(run_app):
    """``open_page(query=None, demo=None)``: app.py opened on the import page (``/imports``)."""
    def open_(**kw):
        # AppTest finds a page by its script path only
        # once st.navigation has registered it, that is after a first run.
        return run_app(**kw).switch_page(str(REPO / PAGE)).run()

    return open_


def upload(at, name: str, data: bytes | None = None):
    at.file_uploader[0].set_value((name, data if data is not None else (CORPUS / name).read_bytes(), "text/csv"))
    return at.run()


def import_button(at):
    return at.button(key="import_apply")


def codes_in_db() -> set[str]:
    with db.get_engine().connect() as conn:
        return set(stored_intake(conn))


def test_the_page_opens_with_an_uploader_and_the_export_downloads(open_page):
    at = open_page()
    assert not at.exception
    assert at.title[0].value == "Import and export"
    assert len(at.file_uploader) == 2 and at.file_uploader[0].allowed_type == [".csv", ".xlsx"]
    assert at.file_uploader[1].allowed_type == [".xlsx"]  # suppliers' declarations
    assert {b.proto.label for b in at.get("download_button")} >= {"CSV", "XLSX", "Template (CSV)"}


def test_a_good_file_is_previewed_then_imported_with_links_to_the_new_incidents(open_page):
    at = upload(open_page(), "good_minimal.csv")
    assert not at.exception
    preview = at.dataframe[0].value
    assert list(preview["Code"]) == ["INC-2019-001", "INC-2019-002"] and set(preview["Status"]) == {"new"}
    assert {m.label: m.value for m in at.metric}["New"] == "2"
    button = import_button(at)
    assert button.label == "Import 2 incidents" and not button.disabled
    before = codes_in_db()
    at = button.click().run()
    assert not at.exception
    assert codes_in_db() - before == {"INC-2019-001", "INC-2019-002"}
    assert "Imported 2 incidents from good\\_minimal\\.csv" in at.success[0].value
    links = [p for p in at.get("page_link")]
    assert {link.proto.label for link in links} >= {"INC-2019-001", "INC-2019-002"}

    at = upload(at, "good_minimal.csv")  # the same file again: nothing new
    assert set(at.dataframe[0].value["Status"]) == {"already present"}
    assert import_button(at).disabled and "nothing to import" in at.info[0].value


def test_a_file_with_errors_shows_row_column_and_reason_and_cannot_be_imported(open_page):
    at = upload(open_page(), "bad_dates.csv")
    assert not at.exception
    errors = at.dataframe[1].value
    assert list(errors["Row"]) == [2, 3, 4, 5, 6]
    assert list(errors["Column"])[:4] == ["Date received"] * 4
    assert errors["Reason"][2].startswith("2999-01-01 is in the future")
    assert import_button(at).disabled
    assert "an import is all or nothing" in at.error[0].value
    assert not codes_in_db() & {f"INC-2019-10{i}" for i in range(1, 6)}


def test_an_unreadable_file_says_why(open_page):
    at = upload(open_page(), "latin1.csv")
    assert not at.exception
    messages = " ".join(e.value for e in at.error)
    assert "cannot be imported" in messages and "not UTF\\-8 text\\: byte 0xF4 on line 3" in messages
    assert not at.get("button") or all(b.key != "import_apply" for b in at.button)


def test_the_mapping_can_name_the_column_that_holds_a_field(open_page):
    at = upload(open_page(), "needs_mapping.csv")
    assert "No column for Title" in " ".join(e.value for e in at.error)
    assert import_button(at).disabled
    file_id = at.file_uploader[0].value.file_id
    at.selectbox(key=f"import_map.{file_id}.title").set_value("What happened").run()
    at.selectbox(key=f"import_map.{file_id}.code").set_value("Ref").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Status"]) == ["new"]
    assert not import_button(at).disabled
    import_button(at).click().run()
    assert "INC-2019-060" in codes_in_db()


def test_user_text_is_escaped_in_messages(open_page):
    data = "Code,**Title**,[x](http://example.invalid)\nINC-2019-001,y,z\n".encode()
    at = upload(open_page(), "log.csv", data)
    shown = " ".join(e.value for e in at.error) + " ".join(c.value for c in at.caption)
    assert "\\*\\*Title\\*\\*" in shown and "\\[x\\]\\(http" in shown


def test_board_mode_has_no_import_or_export_controls(open_page):
    """Board mode is a slide: no uploader, no button, no download; it says where exporting is done."""
    at = open_page(query={"board": "true"})
    assert not at.exception
    assert len(at.file_uploader) == 0 and not at.button and not at.get("download_button") and not at.radio
    assert any("exit board mode" in c.value for c in at.caption)


def test_the_export_covers_the_chosen_scope(open_page):
    at = open_page()
    at.radio(key="export_scope").set_value("all").run()
    assert not at.exception
    assert any("Scope: all incidents" in c.value for c in at.caption)
    data, n = tr.export_incidents(db.get_engine(), "csv")
    assert n == len(read_fixture())  # what the button sends, computed on click


def test_plan_rows_waiting_for_their_plan_are_listed_and_nothing_is_refused(open_page):
    """A plan row of a plan not recorded (the format does not carry plans) waits: the page says so and names it,
    and the file is not refused for it."""
    at = open_page()
    engine = db.get_engine()
    data, _ = tr.export_incidents(engine, "xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Plan consultations"]
    with engine.connect() as conn:
        have = {tuple(r) for r in conn.execute(select(t.incidents.c.code, t.plans.c.level)
                                               .join(t.plans, t.plans.c.incident_id == t.incidents.c.id))}
    row = next(r for r in range(2, ws.max_row + 1) if (ws.cell(r, 1).value, 3 - int(ws.cell(r, 2).value)) not in have)
    code, level = ws.cell(row, 1).value, 3 - int(ws.cell(row, 2).value)
    ws.cell(row, 2).value = level
    buf = io.BytesIO()
    wb.save(buf)
    at = upload(at, "export.xlsx", buf.getvalue())
    assert not at.exception and not at.error
    assert any("1 row of the plan sheets waits for its plan and is not written now" in i.value for i in at.info)
    listed = " ".join(m.value.replace("\\", "") for m in at.markdown)
    assert f"sheet 'Plan consultations', row {row}, column 'Plan level': {code} has no Level {level} plan recorded" \
        in listed
