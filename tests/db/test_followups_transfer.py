"""Follow-ups in the import/export format (issue 13): the XLSX export's "Follow-ups" sheet, one row per chase keyed
by incident code; importing it into an empty database gives the same follow-ups; re-importing never duplicates; a
bad row refuses the whole import with its row and column, nothing written. SQLite and PostgreSQL."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from remediation.cli.commands import main
from remediation.services import transfer
from remediation.services.admin import ensure_default_policy
from remediation.services.demo import load_demo_fixture
from remediation.storage import engine as db
from remediation.storage import followups as store
from remediation.storage import schema as t

KEY = ("code", "item", "party", "asked_on", "channel", "escalation", "asked", "due_on", "answered_on", "answer")


def _all(engine) -> list[tuple]:
    with engine.connect() as conn:
        return sorted(tuple(r[k] for k in KEY) for r in store.list_followups(conn))


@pytest.fixture
def exported(backend, database_url_factory, tmp_path):
    _, engine = database_url_factory(backend)
    db.migrate(engine)
    ensure_default_policy(engine)
    load_demo_fixture(engine)
    data, _ = transfer.export_incidents(engine, "xlsx")
    path = tmp_path / "export.xlsx"
    path.write_bytes(data)
    return engine, path


def test_export_then_import_gives_the_same_follow_ups_and_never_duplicates(exported, backend, database_url_factory,
                                                                           capsys):
    engine, path = exported
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:2] == ["Incidents", "Follow-ups"]  # the company's work follows (test_company_work_transfer)
    header = [c.value for c in wb["Follow-ups"][1]]
    assert header == list(transfer.followups.FOLLOWUP_COLUMNS.values())
    before = _all(engine)
    assert before and wb["Follow-ups"].max_row - 1 == len(before)

    url2, engine2 = database_url_factory(backend)
    db.migrate(engine2)
    ensure_default_policy(engine2)
    assert main(["--database-url", url2, "import", str(path)]) == 0
    assert f"{len(before):,} follow-ups imported" in capsys.readouterr().out
    assert _all(engine2) == before
    assert main(["--database-url", url2, "import", str(path)]) == 0  # again: nothing new, nothing twice
    assert f"0 new follow-ups, {len(before):,} already recorded" in capsys.readouterr().out
    assert _all(engine2) == before
    with engine2.connect() as conn:
        audited = conn.execute(select(func.count()).select_from(t.audit_log)
                               .where(t.audit_log.c.action == "imported follow-up")).scalar_one()
    assert audited == len(before)


def test_a_bad_follow_up_row_refuses_the_whole_import(exported, backend, database_url_factory, capsys):
    _, path = exported
    wb = openpyxl.load_workbook(path)
    sheet = wb["Follow-ups"]
    header = [c.value for c in sheet[1]]
    sheet.cell(3, header.index("Escalation") + 1).value = "Threatened them"
    sheet.cell(4, header.index("Code") + 1).value = "INC-1999-001"
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(buf.getvalue())
    url2, engine2 = database_url_factory(backend)
    db.migrate(engine2)
    ensure_default_policy(engine2)
    assert main(["--database-url", url2, "import", str(path)]) == 1
    err = capsys.readouterr()
    text = err.out + err.err
    assert "row 3" in text and "Escalation" in text and "row 4" in text and "INC-1999-001" in text
    with engine2.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.incidents)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(t.followups)).scalar_one() == 0
