"""The company's own work in the import/export format (issue 13): the XLSX export's "Corrective action",
"Milestones", "Relationship decisions", "Lessons review" and "Lessons actions" sheets keyed by incident code; export → import → export is exact;
re-importing never duplicates; each refusal (a bad vocabulary, dates out of order, an ending without a do-no-harm
check, an unknown incident, a duplicate, a conflict with what is recorded, the text rule) names sheet, row and
column and leaves the database unchanged. The plan sheets ("Plan remedy types", "Plan consultations", "Case plan
consent", "Plan feedback", "Reporting chain") keyed by code + plan level: the format does not carry plans, so they
round-trip into a database holding the plans without their records, and are refused (saying why) for a plan not
recorded. SQLite and PostgreSQL."""

from __future__ import annotations

import io
from datetime import date
from unittest import mock

import openpyxl
import pytest
from sqlalchemy import func, select

from remediation.cli.commands import main
from remediation.services import transfer
from remediation.services.admin import ensure_default_policy
from remediation.services.demo import load_demo_fixture
from remediation.services.transfer import company_work as cw
from remediation.services.transfer import plan_work as pw
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.records import load_records

PLAN_SHEETS = [s.name for s in pw.PLAN_SHEETS]
SHEETS = [s.name for s in cw.COMPANY_WORK_SHEETS if s.name not in PLAN_SHEETS]


def _cells(data: bytes) -> dict[str, list[tuple]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {name: list(wb[name].iter_rows(values_only=True)) for name in wb.sheetnames}


def _snapshot(engine) -> dict[str, list[tuple]]:
    out = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.c)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


_EXPORTS: dict[str, bytes] = {}  # the demo's export per backend: loading the demo is the slow part


@pytest.fixture
def demo(backend, database_url_factory):
    url, engine = database_url_factory(backend)
    db.migrate(engine)
    ensure_default_policy(engine)
    load_demo_fixture(engine)
    data, _ = transfer.export_incidents(engine, "xlsx")
    _EXPORTS[backend] = data
    return url, engine, data


def _without(data: bytes, names: list[str]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for name in names:
        del wb[name]
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.fixture
def exported(backend, request) -> bytes:
    """The demo's export (made once per backend) without the plan sheets, so that export → import → export into a
    new database is exact (its incidents have no plans there, so the plan rows wait: see the plan tests below)."""
    if backend not in _EXPORTS:
        request.getfixturevalue("demo")
    return _without(_EXPORTS[backend], PLAN_SHEETS)


@pytest.fixture
def empty(backend, database_url_factory):
    url, engine = database_url_factory(backend)
    db.migrate(engine)
    ensure_default_policy(engine)
    return url, engine


def _edited(data: bytes, sheet: str, edits: dict[tuple[int, str], object], append: list | None = None) -> bytes:
    """The workbook with cells changed: ``{(row, header): value}``; ``append``: whole rows added to ``sheet``."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    for (row, column), value in edits.items():
        ws.cell(row, header.index(column) + 1).value = value
    for cells in append or []:
        ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _import(url: str, tmp_path, data: bytes, capsys, *options: str) -> tuple[int, str]:
    path = tmp_path / "work.xlsx"
    path.write_bytes(data)
    code = main(["--database-url", url, "import", str(path), *options])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_the_export_carries_the_company_work_sheets_with_their_headers(demo):
    _, engine, data = demo
    cells = _cells(data)
    assert list(cells) == ["Incidents", "Follow-ups", *SHEETS, *PLAN_SHEETS]
    for spec in cw.COMPANY_WORK_SHEETS:
        assert list(cells[spec.name][0]) == list(spec.columns.values())
    with engine.connect() as conn:
        n_ca = conn.execute(select(func.count()).select_from(t.responses)
                            .where(t.responses.c.corrective_action.is_not(None))).scalar_one()
        n_ms = conn.execute(select(func.count()).select_from(t.corrective_milestones)).scalar_one()
        n_dec = conn.execute(select(func.count()).select_from(t.relationship_decisions)).scalar_one()
    assert (len(cells["Corrective action"]) - 1, len(cells["Milestones"]) - 1,
            len(cells["Relationship decisions"]) - 1) == (n_ca, n_ms, n_dec)
    # Realistic proportions in the demo: most decisions continue; some end, each after a do-no-harm check.
    decisions = cells["Relationship decisions"][1:]
    header = list(cells["Relationship decisions"][0])
    kinds = [r[header.index("Decision")] for r in decisions]
    assert kinds.count("Continue") > len(kinds) / 2 and {"Terminate", "Suspend"} <= set(kinds)
    assert all(r[header.index("Do-no-harm check on")] is not None for r in decisions
               if r[header.index("Decision")] in ("Terminate", "Disengage"))
    assert transfer.export_incidents(engine, "csv")[0].decode("utf-8-sig").splitlines()[0].split(",")[0] == "Code"


def test_export_import_export_is_exact_and_a_second_import_writes_nothing(exported, empty, tmp_path, capsys):
    data = exported
    url2, engine2 = empty
    code, text = _import(url2, tmp_path, data, capsys)
    assert code == 0, text
    again, _ = transfer.export_incidents(engine2, "xlsx")
    assert _cells(again) == _cells(data)
    with engine2.connect() as conn:
        audited = conn.execute(select(func.count()).select_from(t.audit_log)
                               .where(t.audit_log.c.action == cw.IMPORT_ACTION)).scalar_one()
    touched = {r[0] for name in SHEETS for r in _cells(data)[name][1:]}
    assert audited == len(touched)
    before = _snapshot(engine2)
    code, text = _import(url2, tmp_path, data, capsys)
    assert code == 0 and "'Milestones': 0 new" in text and "0 rows of the company's work imported" in text
    assert _snapshot(engine2) == before


def test_the_export_imports_into_its_own_database_as_already_recorded(demo, tmp_path, capsys):
    url, engine, data = demo
    before = _snapshot(engine)
    code, text = _import(url, tmp_path, data, capsys)
    assert code == 0, text
    assert _snapshot(engine) == before


def test_formula_text_is_neutralised_on_export_and_restored_on_import(exported, empty, tmp_path, capsys):
    data = exported
    url2, engine2 = empty
    formula = '=HYPERLINK("http://x.example","click")'
    edited = _edited(data, "Milestones", {(2, "Milestone"): "'" + formula},
                     )
    edited = _edited(edited, "Relationship decisions", {(2, "Reasons"): "'+ 1 more visit agreed"})
    code, text = _import(url2, tmp_path, edited, capsys)
    assert code == 0, text
    with engine2.connect() as conn:
        titles = set(conn.execute(select(t.corrective_milestones.c.title)).scalars())
        reasons = set(conn.execute(select(t.relationship_decisions.c.reasons)).scalars())
    assert formula in titles and "+ 1 more visit agreed" in reasons
    cells = _cells(transfer.export_incidents(engine2, "xlsx")[0])
    assert "'" + formula in [r[1] for r in cells["Milestones"]]
    assert "'+ 1 more visit agreed" in [r[4] for r in cells["Relationship decisions"]]


REFUSALS = {
    "bad vocabulary": ("Corrective action", {(2, "Status"): "Almost done"}, None,
                       ["sheet 'Corrective action'", "row 2", "column 'Status'", "'Almost done' is not one of"]),
    "wrong decision for the party": ("Relationship decisions", {(2, "Relationship"): "Mine operator",
                                                                 (2, "Decision"): "Disengage"}, None,
                                     ["sheet 'Relationship decisions'", "row 2", "column 'Decision'"]),
    "verified before completed": ("Corrective action", {(2, "Status"): "Verified", (2, "Completed on"): date(2024, 6, 1),
                                                        (2, "Verified on"): date(2024, 5, 1)}, None,
                                  ["sheet 'Corrective action'", "row 2", "column 'Verified on'", "before the completion"]),
    "terminate without do-no-harm": ("Relationship decisions", {(2, "Relationship"): "Mine operator",
                                                                 (2, "Decision"): "Terminate",
                                                                 (2, "Do-no-harm check on"): None,
                                                                 (2, "Do-no-harm findings"): None}, None,
                                     ["sheet 'Relationship decisions'", "row 2", "column 'Do-no-harm check on'",
                                      "does no harm"]),
    "unknown incident code": ("Milestones", {(3, "Code"): "INC-1999-001"}, None,
                              ["sheet 'Milestones'", "row 3", "column 'Code'", "no incident INC-1999-001"]),
    "text rule": ("Relationship decisions", {(2, "Reasons"): "Agreed \u202eevil"}, None,
                  ["sheet 'Relationship decisions'", "row 2", "column 'Reasons'"]),
    "bad review answer": ("Lessons review", {(2, "Objectives met"): "Mostly"}, None,
                          ["sheet 'Lessons review'", "row 2", "column 'Objectives met'", "'Mostly' is not one of"]),
    "action done without its date": ("Lessons actions", {(2, "Status"): "Done", (2, "Closed on"): None}, None,
                                     ["sheet 'Lessons actions'", "row 2", "column 'Closed on'"]),
    "date text": ("Milestones", {(2, "Due on"): "next spring"}, None,
                  ["sheet 'Milestones'", "row 2", "column 'Due on'"]),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_a_bad_row_refuses_the_whole_import_naming_sheet_row_and_column(case, exported, empty, tmp_path, capsys):
    data = exported
    url2, engine2 = empty
    sheet, edits, append, expected = REFUSALS[case]
    before = _snapshot(engine2)
    code, text = _import(url2, tmp_path, _edited(data, sheet, edits, append), capsys)
    assert code == 1
    for part in expected:
        assert part in text, (part, text)
    assert "nothing was imported" in text
    assert _snapshot(engine2) == before


def _rows(data: bytes, sheet: str) -> tuple[list, list[tuple]]:
    cells = _cells(data)[sheet]
    return list(cells[0]), cells[1:]


def test_duplicates_and_dates_out_of_order_are_refused(exported, empty, tmp_path, capsys):
    data = exported
    url2, engine2 = empty
    before = _snapshot(engine2)
    header, rows = _rows(data, "Milestones")
    dup = _edited(data, "Milestones", {}, [list(rows[0])])
    code, text = _import(url2, tmp_path, dup, capsys)
    assert code == 1 and f"sheet 'Milestones', row {len(rows) + 2}, column 'Milestone'" in text and "twice" in text

    header, rows = _rows(data, "Corrective action")
    dup = _edited(data, "Corrective action", {}, [list(rows[0])])
    code, text = _import(url2, tmp_path, dup, capsys)
    assert code == 1 and f"sheet 'Corrective action', row {len(rows) + 2}" in text and "second corrective" in text

    # A decision dated before the one it follows on the same relationship (listed after it).
    header, rows = _rows(data, "Relationship decisions")
    first = rows[0]
    early = first[header.index("Decided on")].date().replace(year=first[header.index("Decided on")].year - 1)
    extra = [first[0], first[header.index("Relationship")], "Suspend", early, "Purchases suspended meanwhile."]
    moved = _edited(data, "Relationship decisions", {}, [extra])
    code, text = _import(url2, tmp_path, moved, capsys)
    assert code == 1 and f"sheet 'Relationship decisions', row {len(rows) + 2}, column 'Decided on'" in text, text
    assert "before the decision it follows" in text

    # An action of an incident with no lessons review, and one action twice.
    header, rows = _rows(data, "Lessons actions")
    reviewed = {r[0] for r in _rows(data, "Lessons review")[1]}
    unreviewed = next(r[0] for r in _cells(data)["Incidents"][1:] if r[0] not in reviewed)
    moved = _edited(data, "Lessons actions", {(2, "Code"): unreviewed}, [list(rows[-1])])
    code, text = _import(url2, tmp_path, moved, capsys)
    assert code == 1 and "sheet 'Lessons actions', row 2, column 'Code'" in text and "no lessons review" in text
    assert f"sheet 'Lessons actions', row {len(rows) + 2}, column 'Action'" in text and "twice" in text

    # A milestone done before the corrective action was decided: the guideline's order (chronology).
    header, rows = _rows(data, "Milestones")
    ca_header, ca_rows = _rows(data, "Corrective action")
    decided = {r[0]: r[ca_header.index("Decided on")] for r in ca_rows}
    k = next(k for k, r in enumerate(rows) if r[header.index("Done on")] is not None)
    too_early = decided[rows[k][0]].date().replace(year=decided[rows[k][0]].year - 1)
    moved = _edited(data, "Milestones", {(k + 2, "Done on"): too_early})
    code, text = _import(url2, tmp_path, moved, capsys)
    assert code == 1 and f"sheet 'Milestones', row {k + 2}, column 'Done on'" in text, text
    assert _snapshot(engine2) == before


def test_a_row_contradicting_what_is_recorded_is_refused(demo, tmp_path, capsys):
    url, engine, data = demo
    before = _snapshot(engine)
    edited = _edited(data, "Corrective action", {(2, "Corrective action"): "Something else entirely was agreed."})
    code, text = _import(url, tmp_path, edited, capsys)
    assert code == 1 and "sheet 'Corrective action', row 2" in text and "never changes it" in text
    edited = _edited(data, "Milestones", {(2, "Due on"): date(2020, 1, 1)})
    code, text = _import(url, tmp_path, edited, capsys)
    assert code == 1 and "sheet 'Milestones', row 2, column 'Milestone'" in text and "other dates" in text
    # A new milestone on a corrective action recorded as verified: the service refuses it, so does the import.
    header, rows = _rows(data, "Corrective action")
    done = next(r[0] for r in rows if r[header.index("Status")] == "Verified")
    n = len(_rows(data, "Milestones")[1])
    edited = _edited(data, "Milestones", {}, [[done, "One more site visit", date(2026, 12, 31), None]])
    code, text = _import(url, tmp_path, edited, capsys)
    assert code == 1 and f"sheet 'Milestones', row {n + 2}, column 'Milestone'" in text, text
    assert "takes no new milestones" in text
    edited = _edited(data, "Lessons review", {(2, "Recommendations"): "Different recommendations."})
    code, text = _import(url, tmp_path, edited, capsys)
    assert code == 1 and "sheet 'Lessons review', row 2" in text and "never changes it" in text
    assert _snapshot(engine) == before


def test_a_failure_while_writing_rolls_back_the_incidents_too(exported, empty, tmp_path):
    data = exported
    _, engine2 = empty
    path = tmp_path / "work.xlsx"
    path.write_bytes(data)
    plan = transfer.plan_import(transfer.read_path(path), None, engine2)
    work = transfer.plan_file_company_work(engine2, data, path.name, plan)
    assert work is not None and work.ok and sum(work.new.values()) > 0
    before = _snapshot(engine2)
    calls = []

    def failing(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return cw_replace(*args, **kw)

    cw_replace = cw.replace_record
    with mock.patch.object(cw, "replace_record", failing), pytest.raises(RuntimeError):
        transfer.apply_import(plan, engine2, company_work=work)
    assert _snapshot(engine2) == before


# --- the plan sheets ---------------------------------------------------------------------------------------------

def _plans(engine) -> dict[str, list[dict]]:
    """Every incident's plans, as the models load them."""
    with engine.connect() as conn:
        ids = list(conn.execute(select(t.incidents.c.id)).scalars())
        return {r.incident.code: [p.model_dump() for p in r.plans] for r in load_records(conn, ids).values()}


@pytest.fixture
def stripped(demo):
    """The demo's database with its plans but none of the plan sheets' records (remedy types, consultations, consent
    and wishes, feedback, the reporting chain's hops); and the demo's export and plans before."""
    url, engine, data = demo
    plans = _plans(engine)
    with engine.begin() as conn:
        conn.execute(t.plans.update().values(remedy_types=None))
        conn.execute(t.plan_consultations.delete())
        conn.execute(t.plan_feedback.delete())
        conn.execute(t.case_plans.update().values(informed_consent=None, wishes_shaped_plan=None))
        conn.execute(t.monitoring_reports.update().values(sent_to_smelter_on=None, sent_to_audit_programme_on=None,
                                                          sent_to_company_on=None))
    return url, engine, data, plans


def test_the_plan_sheets_round_trip_and_a_second_import_writes_nothing(stripped, tmp_path, capsys):
    url, engine, data, plans = stripped
    assert _plans(engine) != plans
    for name in PLAN_SHEETS:
        assert len(_cells(data)[name]) > 1, name  # the demo has rows on every plan sheet
    with engine.connect() as conn:
        audited_before = conn.execute(select(func.count()).select_from(t.audit_log)
                                      .where(t.audit_log.c.action == cw.IMPORT_ACTION)).scalar_one()
    code, text = _import(url, tmp_path, data, capsys)
    assert code == 0, text
    assert _plans(engine) == plans
    assert _cells(transfer.export_incidents(engine, "xlsx")[0]) == _cells(data)
    with engine.connect() as conn:
        audited = conn.execute(select(func.count()).select_from(t.audit_log)
                               .where(t.audit_log.c.action == cw.IMPORT_ACTION)).scalar_one()
    assert audited - audited_before == len({r[0] for name in PLAN_SHEETS for r in _cells(data)[name][1:]})
    before = _snapshot(engine)
    code, text = _import(url, tmp_path, data, capsys)
    assert code == 0 and "'Plan feedback': 0 new" in text and "'Reporting chain': 0 new" in text, text
    assert _snapshot(engine) == before


def test_a_full_export_imports_into_a_new_database_and_says_which_plan_rows_wait_for_their_plans(demo, empty,
                                                                                                   tmp_path, capsys):
    """An export is always a valid import: into a new database its incidents are new and have no plans (the format
    does not carry plans), so the plan sheets' rows are checked, counted as waiting and not written; nothing else
    of the file is held back, and importing it again writes nothing more."""
    _, _, data = demo
    url2, engine2 = empty
    code, text = _import(url2, tmp_path, data, capsys)
    assert code == 0, text
    for name in PLAN_SHEETS:
        rows = len(_cells(data)[name]) - 1
        assert f"{name!r}: 0 new, 0 already recorded, {rows:,} waiting for their plans" in text, text
    waiting = sum(len(_cells(data)[name]) - 1 for name in PLAN_SHEETS)
    assert f"{waiting:,} rows of the plan sheets are not written now: the format does not carry the plans" in text
    assert "then import the same file again to bring it" in text
    again = _cells(transfer.export_incidents(engine2, "xlsx")[0])
    assert {k: v for k, v in again.items() if k not in PLAN_SHEETS} == \
        {k: v for k, v in _cells(data).items() if k not in PLAN_SHEETS}  # everything else came in whole
    assert all(len(again.get(name, [])) <= 1 for name in PLAN_SHEETS)  # no plans, so no plan rows
    before = _snapshot(engine2)
    code, text = _import(url2, tmp_path, data, capsys)
    assert code == 0 and "'Plan feedback': 0 new, 0 already recorded" in text, text  # imported twice: still waits
    assert _snapshot(engine2) == before


def test_a_bad_plan_row_of_a_new_incident_still_refuses_the_file(demo, empty, tmp_path, capsys):
    """Waiting for its plan does not excuse a row from the checks: a bad value refuses the file, naming the cell."""
    _, _, data = demo
    url2, engine2 = empty
    before = _snapshot(engine2)
    bad = _edited(data, "Plan feedback", {(2, "From"): "Neighbours"})
    code, text = _import(url2, tmp_path, bad, capsys)
    assert code == 1 and "sheet 'Plan feedback', row 2, column 'From'" in text and "nothing was imported" in text
    assert _snapshot(engine2) == before


def _first(data: bytes, sheet: str, **where) -> int:
    """The row number of the first row of ``sheet`` whose cells match ``where`` (header → predicate)."""
    header, rows = _rows(data, sheet)
    return next(k + 2 for k, r in enumerate(rows) if all(p(r[header.index(h)]) for h, p in where.items()))


def _cell(data: bytes, sheet: str, row: int, column: str):
    header, rows = _rows(data, sheet)
    return rows[row - 2][header.index(column)]


PLAN_REFUSALS = {
    "bad stakeholder": ("Plan consultations", {(2, "Stakeholder"): "Neighbours"},
                        ["column 'Stakeholder'", "'Neighbours' is not one of"]),
    "bad remedy type": ("Plan remedy types", {(2, "Remedy types"): "Restitution; Apology"},
                        ["column 'Remedy types'", "'Apology' is not one of"]),
    "bad plan level": ("Plan consultations", {(2, "Plan level"): 3}, ["column 'Plan level'"]),
    "bad feedback source": ("Plan feedback", {(2, "From"): "Neighbours"}, ["column 'From'", "is not one of"]),
    "satisfied above respondents": ("Plan feedback", {(2, "Respondents"): 4, (2, "Satisfied"): 5},
                                    ["column 'Satisfied'", "5 satisfied is more than the 4 respondents"]),
    "negative count": ("Plan feedback", {(2, "Satisfied"): -1}, ["column 'Satisfied'"]),
    "no respondents": ("Plan feedback", {(2, "Respondents"): 0, (2, "Satisfied"): 0}, ["column 'Respondents'"]),
    "a count as text": ("Plan feedback", {(2, "Respondents"): "many"}, ["column 'Respondents'"]),
    "case plan of Level 2": ("Case plan consent", {(2, "Plan level"): 2},
                             ["column 'Plan level'", "case plans belong to the Level 1 plan"]),
    "consent neither yes nor no": ("Case plan consent", {(2, "Informed consent"): "perhaps"},
                                   ["column 'Informed consent'"]),
    "unknown incident": ("Plan feedback", {(2, "Code"): "INC-1999-001"},
                         ["column 'Code'", "no incident INC-1999-001"]),
    "a hop in the future": ("Reporting chain", {(2, "Facilitator → smelter/refiner on"): date(2099, 1, 1)},
                            ["column 'Facilitator → smelter/refiner on'"]),
    "a hop before the period": ("Reporting chain", {(2, "Facilitator → smelter/refiner on"): date(2001, 1, 1)},
                                ["column 'Facilitator → smelter/refiner on'"]),
    "consulted before the allegation": ("Plan consultations", {(2, "Consulted on"): date(2001, 1, 1)},
                                        ["column 'Consulted on'"]),
    "feedback before implementation": ("Plan feedback", {(2, "Collected on"): date(2001, 1, 1)},
                                       ["column 'Collected on'"]),
    "text rule": ("Plan consultations", {(2, "Notes"): "Agreed \u202eevil"}, ["column 'Notes'"]),
}


PLAN_WAITS = {  # rows that pass the checks but whose case plan or report is not recorded (not carried by the format)
    "case plan not recorded": ("Case plan consent", {(2, "Victim code"): "V-99999"},
                               "column 'Victim code': no case plan V-99999 recorded yet in the Level 1 plan"),
    "report not recorded": ("Reporting chain", {(2, "Period start"): date(2001, 1, 1)},
                            "column 'Period start': no monitoring report of 2001-01-01 to "),
}


@pytest.mark.parametrize("case", list(PLAN_WAITS))
def test_a_plan_row_of_a_case_plan_or_report_not_recorded_waits_named_and_is_not_written(case, stripped, tmp_path,
                                                                                         capsys):
    url, engine, data, _ = stripped
    sheet, edits, expected = PLAN_WAITS[case]
    code, text = _import(url, tmp_path, _edited(data, sheet, edits), capsys)
    assert code == 0, text
    assert f"sheet '{sheet}', row 2, {expected}" in text and f"'{sheet}': " in text and "1 waiting" in text, text
    header, rows = _rows(data, sheet)
    edited_rows = _rows(_edited(data, sheet, edits), sheet)[1]
    exported = _rows(transfer.export_incidents(engine, "xlsx")[0], sheet)[1]
    assert edited_rows[0] not in exported and rows[1:] and all(r in exported for r in rows[1:])  # the rest came in


@pytest.mark.parametrize("case", list(PLAN_REFUSALS))
def test_a_bad_plan_row_refuses_the_whole_import_naming_sheet_row_and_column(case, stripped, tmp_path, capsys):
    url, engine, data, _ = stripped
    sheet, edits, expected = PLAN_REFUSALS[case]
    before = _snapshot(engine)
    code, text = _import(url, tmp_path, _edited(data, sheet, edits), capsys)
    assert code == 1
    for part in [f"sheet '{sheet}'", "row 2", *expected, "nothing was imported"]:
        assert part in text, (part, text)
    assert _snapshot(engine) == before


def test_a_victim_name_is_refused_and_never_repeated(stripped, tmp_path, capsys):
    url, engine, data, _ = stripped
    before = _snapshot(engine)
    code, text = _import(url, tmp_path, _edited(data, "Case plan consent", {(2, "Victim code"): "Maria Quispe"}),
                         capsys)
    assert code == 1 and "sheet 'Case plan consent', row 2, column 'Victim code'" in text
    assert "pseudonymous" in text and "Maria" not in text and "Quispe" not in text
    assert _snapshot(engine) == before


def test_plan_rows_out_of_order_or_twice_are_refused_and_one_of_a_missing_plan_waits(stripped, tmp_path, capsys):
    url, engine, data, _ = stripped
    before = _snapshot(engine)
    # The hops out of order: the audit programme's before the smelter/refiner's.
    k = _first(data, "Reporting chain", **{"Smelter/refiner → audit programme on": lambda v: v is not None})
    sent = _cell(data, "Reporting chain", k, "Facilitator → smelter/refiner on")
    edited = _edited(data, "Reporting chain", {(k, "Smelter/refiner → audit programme on"):
                                               sent.date().replace(year=sent.year - 1)})
    code, text = _import(url, tmp_path, edited, capsys)
    assert code == 1 and f"sheet 'Reporting chain', row {k}, column 'Smelter/refiner → audit programme on'" in text
    # The same rows twice.
    for sheet, column in (("Plan consultations", "Stakeholder"), ("Plan feedback", "Collected on"),
                          ("Case plan consent", "Victim code"), ("Reporting chain", "Period start"),
                          ("Plan remedy types", "Code")):
        n = len(_rows(data, sheet)[1])
        code, text = _import(url, tmp_path, _edited(data, sheet, {}, [list(_rows(data, sheet)[1][0])]), capsys)
        assert code == 1 and f"sheet '{sheet}', row {n + 2}, column '{column}'" in text and "twice" in text, text
    # A plan level the incident has no plan of.
    levels: dict[str, set] = {}
    for r in _rows(data, "Plan consultations")[1]:
        levels.setdefault(r[0], set()).add(r[1])
    with engine.connect() as conn:
        have = {(c, lv) for c, lv in conn.execute(select(t.incidents.c.code, t.plans.c.level)
                                                   .join(t.plans, t.plans.c.incident_id == t.incidents.c.id))}
    code_, level = next((c, 3 - lv) for c, lvs in levels.items() for lv in lvs if (c, 3 - lv) not in have)
    k = _first(data, "Plan consultations", Code=lambda v, c=code_: v == c)
    code, text = _import(url, tmp_path, _edited(data, "Plan consultations", {(k, "Plan level"): level}), capsys,
                         "--dry-run")
    assert code == 0, text  # not refused: it waits for that plan, named, and is not written
    assert (f"sheet 'Plan consultations', row {k}, column 'Plan level': {code_} has no Level {level} plan recorded "
            "yet") in text and "already recorded, 1 waiting for their plans" in text
    # Feedback on a plan whose implementation has not started (the service's rule).
    with engine.connect() as conn:
        code_, level = conn.execute(select(t.incidents.c.code, t.plans.c.level)
                                    .join(t.plans, t.plans.c.incident_id == t.incidents.c.id)
                                    .where(t.plans.c.implementation_started_on.is_(None))).first()
    code, text = _import(url, tmp_path, _edited(data, "Plan feedback", {(2, "Code"): code_, (2, "Plan level"): level}),
                         capsys)
    assert code == 1 and "sheet 'Plan feedback', row 2, column 'Collected on'" in text
    assert "once its implementation has started" in text
    assert _snapshot(engine) == before


def test_a_plan_row_contradicting_what_is_recorded_is_refused(demo, tmp_path, capsys):
    url, engine, data = demo
    before = _snapshot(engine)
    respondents = _cell(data, "Plan feedback", 2, "Respondents")
    cases = [("Plan feedback", {(2, "Respondents"): respondents + 1}, "column 'Respondents'"),
             ("Plan remedy types", {(2, "Remedy types"): "Satisfaction"}, "column 'Remedy types'"),
             ("Plan consultations", {(2, "Notes"): "Other notes."}, "column 'Notes'")]
    k = _first(data, "Case plan consent", **{"Informed consent": lambda v: v == "yes"})
    cases.append(("Case plan consent", {(k, "Informed consent"): "no"}, "column 'Informed consent'"))
    sent = _cell(data, "Reporting chain", 2, "Facilitator → smelter/refiner on")
    cases.append(("Reporting chain", {(2, "Facilitator → smelter/refiner on"): sent.date().replace(day=1)},
                  "column 'Facilitator → smelter/refiner on'"))
    for sheet, edits, column in cases:
        row = next(iter(edits))[0]
        code, text = _import(url, tmp_path, _edited(data, sheet, edits), capsys)
        assert code == 1 and f"sheet '{sheet}', row {row}, {column}" in text, (sheet, text)
        assert "never changes" in text, text
    assert _snapshot(engine) == before
