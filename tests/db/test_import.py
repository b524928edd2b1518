"""Imports and exports against a real database (SQLite and PostgreSQL): the corpus of bad files
each refused with its message and the database unchanged, good files imported exactly once,
conflicts, an import interrupted halfway, export → import as the identity, the command line."""

from __future__ import annotations

import io
import subprocess
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import select

from remediation.services import transfer as tr
from remediation.services.base import Actor
from remediation.services.demo import read_fixture
from remediation.services.incidents import create_incident
from remediation.services.spreadsheets import neutralise
from remediation.storage import records as store
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter
from remediation.storage.records import stored_intake

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "data" / "imports"
ACTOR = Actor("importer")


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in key order: compared before and after, it shows any write."""
    out = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.c)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


def counts(snap: dict) -> dict[str, int]:
    return {name: len(rows) for name, rows in snap.items()}


def intake(engine, codes=None) -> dict[str, dict]:
    with engine.connect() as conn:
        return {c: i.model_dump() for c, i in stored_intake(conn, codes=codes).items()}


def attempt(engine, path: Path, mapping=None) -> tr.ImportPlan | None:
    """Read, plan and apply as the page and the command line do; the refusal's errors, or None."""
    try:
        plan = tr.plan_import(tr.read_path(path), mapping, engine)
        tr.apply_import(plan, engine, ACTOR)
    except tr.ImportRefused as exc:
        return exc.errors
    return None


# --- the corpus ---------------------------------------------------------------------------------

# file → the errors it must produce: (row, column, a part of the reason); row None = the whole file.
BAD_FILES: dict[str, list[tuple[int | None, str | None, str]]] = {
    "empty.csv": [(None, None, "empty.csv is empty: there is no header row")],
    "blank.csv": [(None, None, "blank.csv is empty")],
    "wrong_headers.csv": [(None, None, "No column for Title, Mineral, Country, Smelter/refiner, Audit programme, "
                                       "Violation types, Allegation source, Date received, Incident date, Affected "
                                       "persons")],
    "duplicate_headers.csv": [(1, "Title", "The column 'Title' appears twice (columns B and L)")],
    "latin1.csv": [(None, None, "latin1.csv is not UTF-8 text: byte 0xF4 on line 3")],
    "utf16_no_bom.csv": [(None, None, "holds NUL bytes")],
    "bad_dates.csv": [
        (2, "Date received", "'01/03/2025' is not a date in the form YYYY-MM-DD"),
        (3, "Date received", "'2025-02-30' is not a real date"),
        (4, "Date received", "2999-01-01 is in the future"),
        (5, "Date received", "Date received (2024-12-01) is before the incident date (2025-01-15)"),
        (6, "Incident date", "'45123' is not a date in the form YYYY-MM-DD"),
    ],
    "bad_dates.xlsx": [
        (2, "Date received", "45717 is a number, not a date"),
        (3, "Date received", "'March 2025' is not a date"),
        (3, "Affected persons", "4.5 is not a whole number"),
    ],
    "formula_cells.csv": [
        (2, "Affected persons", "'=2+3' is not a whole number. It is a formula"),
        (3, "Date received", "'=TODAY()' is not a date in the form YYYY-MM-DD (for example 2025-03-14). It is a formula"),
    ],
    "formula_cells.xlsx": [
        (2, "Incident date", "'=DATE(2025,1,15)' is not a date"),
        (2, "Affected persons", "'=2+3' is not a whole number. It is a formula"),
    ],
    "duplicate_codes.csv": [(4, "Code", "INC-2019-121 is also on row 2: each incident appears once in a file")],
    "children_above_affected.csv": [(2, "Children affected", "5 children cannot be more than the 3 affected persons")],
    "negative_counts.csv": [(2, "Affected persons", "-2 is too small: affected persons must be at least 1"),
                            (3, "Children affected", "-1 is too small: children affected must be at least 0")],
    "unknown_vocabulary.csv": [
        (2, "Mineral", "'Silver': not a known mineral. Use one of: Tin, Tantalum, Tungsten, Gold"),
        (3, "Audit programme", "'ISO 9001': not a known audit programme"),
        (4, "Violation types", "'slavery': not a known violation type"),
        (5, "Trading link", "'sometimes': not a known trading link"),
        (6, "Repeated", "'maybe' is not yes or no"),
    ],
    "bad_codes.csv": [(2, "Code", "'2019-14' is not an incident code of the form INC-YYYY-NNN"),
                      (3, "Code", "Required, and the cell is empty")],
    "missing_values.csv": [(2, "Title", "Required, and the cell is empty"),
                           (3, "Violation types", "Required, and the cell is empty")],
    "ragged.csv": [(3, None, "The row has 12 cells but the header has 11 columns")],
    "bad_quotes.csv": [(None, None, "bad_quotes.csv is not a well-formed CSV: line 3")],
    "control_characters.csv": [(2, "Title", "Contains U+0007 (BELL), a control character, at character 7")],
    "trading_link_rules.csv": [(2, "Stopped trading", "Past trading needs the date trading stopped"),
                               (3, "Stopped trading", "Only a past trading link has a stop date")],
    "too_long.csv": [(2, "Title", "Too long: 250 characters, at most 200")],
    "needs_mapping.csv": [(None, None, "No column for Title:")],
    "notes.txt": [(None, None, "only .csv and .xlsx files can be imported")],
    "legacy.xls": [(None, None, "Excel 97-2003 workbook")],
    "workbook_named.csv": [(None, None, "is an Excel workbook (or another zip file), not a CSV: rename it to .xlsx")],
    "corrupt.xlsx": [(None, None, "cannot be read as an Excel workbook (.xlsx)")],
}

# file → the codes it imports
GOOD_FILES: dict[str, list[str]] = {
    "good_minimal.csv": ["INC-2019-001", "INC-2019-002"],
    "good_full_labels_semicolon.csv": ["INC-2019-010", "INC-2019-011"],
    "good_utf16_tab.csv": ["INC-2019-020"],
    "good_formula_titles.csv": ["INC-2019-030", "INC-2019-031", "INC-2019-032", "INC-2019-033"],
    "good_neutralised.csv": ["INC-2019-040", "INC-2019-041", "INC-2019-042"],
    "good_other_headers.csv": ["INC-2019-050"],
    "good.xlsx": ["INC-2019-070", "INC-2019-071"],
    "good_header_only.csv": [],
}


def test_every_corpus_file_is_in_a_table():
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py" and p.name != "README.md"}
    assert files == set(BAD_FILES) | set(GOOD_FILES)


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_a_bad_file_is_refused_with_its_messages_and_the_database_is_unchanged(demo_engine, name):
    before = snapshot(demo_engine)
    errors = attempt(demo_engine, CORPUS / name)
    assert errors is not None, f"{name} was imported"
    for row, column, reason in BAD_FILES[name]:
        assert any(e.row == row and e.column == column and reason in e.reason for e in errors), \
            f"{name}: no error ({row}, {column}, {reason!r}) among {errors}"
    assert all(e.reason for e in errors)
    after = snapshot(demo_engine)
    assert counts(after) == counts(before)
    assert after == before


@pytest.mark.parametrize("name", list(GOOD_FILES))
def test_a_good_file_imports_exactly_its_incidents_once(demo_engine, name):
    before = snapshot(demo_engine)
    plan = tr.plan_import(tr.read_path(CORPUS / name), engine=demo_engine)
    assert plan.ok, plan.errors
    result = tr.apply_import(plan, demo_engine, ACTOR)
    assert result.created == GOOD_FILES[name]
    assert intake(demo_engine, GOOD_FILES[name]) == {i.code: i.model_dump() for i in plan.new}
    after = snapshot(demo_engine)
    assert counts(after)["incidents"] == counts(before)["incidents"] + len(GOOD_FILES[name])
    with demo_engine.connect() as conn:
        audit = conn.execute(select(t.audit_log.c.incident_code, t.audit_log.c.action, t.audit_log.c.actor,
                                    t.audit_log.c.changes).where(t.audit_log.c.action == tr.IMPORT_ACTION)
                             .order_by(t.audit_log.c.id)).all()
    assert [a.incident_code for a in audit] == GOOD_FILES[name]
    assert all(a.actor == "importer" and a.changes[0] == {"field": "imported from", "before": None, "after": name}
               for a in audit)

    again = tr.plan_import(tr.read_path(CORPUS / name), engine=demo_engine)  # the same file again
    assert again.ok and again.new == [] and again.present == GOOD_FILES[name]
    assert tr.apply_import(again, demo_engine, ACTOR).created == []
    assert snapshot(demo_engine) == after  # nothing duplicated, nothing written


def test_formula_titles_are_stored_as_text_and_neutralised_quotes_are_removed(engine):
    for name in ("good_formula_titles.csv", "good_neutralised.csv"):
        assert attempt(engine, CORPUS / name) is None
    titles = {code: i["title"] for code, i in intake(engine).items()}
    assert titles == {
        "INC-2019-030": '=HYPERLINK("http://example.invalid","click")', "INC-2019-031": "+1",
        "INC-2019-032": "-2", "INC-2019-033": "@SUM(A1)",
        "INC-2019-040": '=HYPERLINK("x")', "INC-2019-041": "'Tis the season", "INC-2019-042": "'Tis the season",
    }


def test_the_mapping_reads_a_file_with_other_headers(engine):
    df = tr.read_path(CORPUS / "needs_mapping.csv")
    mapping = {**tr.suggest_mapping(df.columns), "code": "Ref", "title": "What happened"}
    plan = tr.plan_import(df, mapping, engine)
    assert plan.ok, plan.errors
    assert tr.apply_import(plan, engine, ACTOR).created == ["INC-2019-060"]


def test_a_known_code_with_other_content_is_a_conflict_naming_each_field_and_nothing_is_written(demo_engine):
    known = read_fixture()[0].incident
    changed = known.model_copy(update={"title": "A different title", "affected_persons": known.affected_persons + 1})
    same = read_fixture()[1].incident
    new = known.model_copy(update={"code": "INC-2019-999"})
    data = tr.to_bytes(tr.incidents_frame([new, changed, same]), "csv")
    before = snapshot(demo_engine)
    plan = tr.plan_import(tr.read_table(data, "log.csv"), engine=demo_engine)
    assert [r.status for r in plan.rows] == ["new", "conflict", "present"]
    assert [(e.row, e.column) for e in plan.errors] == [(3, "Title"), (3, "Affected persons")]
    assert f"{known.code} is already recorded with Title {known.title!r}; the file says 'A different title'" \
        in plan.errors[0].reason
    assert "An import never changes a recorded incident" in plan.errors[0].reason
    with pytest.raises(tr.ImportRefused):
        tr.apply_import(plan, demo_engine, ACTOR)
    assert snapshot(demo_engine) == before


def test_a_code_recorded_by_someone_else_after_the_preview_refuses_the_whole_import(engine):
    plan = tr.plan_import(tr.read_path(CORPUS / "good_minimal.csv"), engine=engine)
    assert [r.status for r in plan.rows] == ["new", "new"]
    create_incident(engine, plan.new[1])  # someone records the same code meanwhile
    before = snapshot(engine)
    with pytest.raises(tr.ImportRefused) as exc:
        tr.apply_import(plan, engine, ACTOR)
    assert exc.value.errors[0].row == 3 and "recorded by someone else since the preview" in exc.value.errors[0].reason
    assert snapshot(engine) == before


def test_a_viewer_cannot_import(engine):
    from remediation.services.access import Forbidden

    plan = tr.plan_import(tr.read_path(CORPUS / "good_minimal.csv"), engine=engine)
    before = snapshot(engine)
    with pytest.raises(Forbidden, match="importing incidents needs the editor role"):
        tr.apply_import(plan, engine, Actor("vera@board.example", access="viewer"))
    assert snapshot(engine) == before
    assert tr.apply_import(plan, engine, Actor("eddie@brand.example", access="editor")).created == [
        "INC-2019-001", "INC-2019-002"]


# --- interrupted halfway ---------------------------------------------------------------------------

@contextmanager
def failing_after(target: str, calls: int, exc: BaseException):
    """Patch ``remediation.storage.records.<target>`` to raise ``exc`` on call number ``calls`` (1-based)."""
    real = getattr(store, target)
    seen = {"n": 0}

    def fake(*args, **kwargs):
        seen["n"] += 1
        if seen["n"] == calls:
            raise exc
        return real(*args, **kwargs)

    with mock.patch.object(store, target, fake):
        yield seen


@pytest.mark.parametrize("target, calls, exc", [
    ("_insert_children", 1, RuntimeError("disk full")),  # incidents rows written, their children not
    ("_insert", 3, RuntimeError("connection lost")),  # mid-way through the children
    ("_insert", 2, KeyboardInterrupt()),  # the user presses Ctrl-C
    ("_insert_children", 2, RuntimeError("second batch")),  # the second batch of WRITE_BATCH incidents
], ids=["children", "mid-children", "ctrl-c", "second-batch"])
def test_an_import_interrupted_halfway_leaves_the_database_as_it_was(demo_engine, monkeypatch, target, calls, exc):
    monkeypatch.setattr(tr.apply, "WRITE_BATCH", 2)
    plan = tr.plan_import(tr.read_path(CORPUS / "good_formula_titles.csv"), engine=demo_engine)
    assert len(plan.new) == 4
    before = snapshot(demo_engine)
    with failing_after(target, calls, exc) as seen, pytest.raises(type(exc)):
        tr.apply_import(plan, demo_engine, ACTOR)
    assert seen["n"] >= calls
    assert snapshot(demo_engine) == before


def test_an_audit_failure_rolls_back_the_incidents_too(engine, monkeypatch):
    plan = tr.plan_import(tr.read_path(CORPUS / "good_minimal.csv"), engine=engine)
    before = snapshot(engine)

    def broken(*args, **kwargs):
        raise RuntimeError("audit table unavailable")

    monkeypatch.setattr(tr.apply, "_audit", broken)
    with pytest.raises(RuntimeError):
        tr.apply_import(plan, engine, ACTOR)
    assert snapshot(engine) == before


# --- export → import ------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_incidents(demo_engine, database_url_factory,
                                                                            backend, fmt):
    from remediation.services.admin import ensure_default_policy
    from remediation.storage import engine as db

    data, n = tr.export_incidents(demo_engine, fmt)
    assert n == len(read_fixture())
    _, fresh = database_url_factory(backend)
    db.migrate(fresh)
    ensure_default_policy(fresh)
    plan = tr.plan_import(tr.read_table(data, f"export.{fmt}"), engine=fresh)
    assert plan.ok, plan.errors[:5]
    tr.apply_import(plan, fresh, ACTOR)
    assert intake(fresh) == intake(demo_engine)

    back = tr.plan_import(tr.read_table(data, f"export.{fmt}"), engine=demo_engine)  # into the same database
    assert back.ok and back.new == [] and len(back.present) == n


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_hostile_titles_are_neutralised_on_export_and_come_back_exactly(engine, database_url_factory, backend, fmt):
    from remediation.storage import engine as db

    base = read_fixture()[0].incident
    hostile = ['=HYPERLINK("http://example.invalid","click")', "+1", "-2", "@SUM(A1)", "'=1+1", "'Tis"]
    for i, title in enumerate(hostile, start=1):
        create_incident(engine, base.model_copy(update={"code": f"INC-2019-{i:03d}", "title": title,
                                                        "summary": title, "site": title}))
    data, n = tr.export_incidents(engine, fmt)
    if fmt == "csv":
        cells = [line.split(",")[1] for line in data.decode("utf-8-sig").splitlines()[1:]]
        assert all(neutralise(c.strip('"')) == c.strip('"') for c in cells)
        assert '"\'=HYPERLINK(""http://example.invalid"",""click"")"' in data.decode("utf-8-sig")
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        titles = [row[1].value for row in sheet.iter_rows(min_row=2)]
        assert all(neutralise(v) == v for v in titles) and "'=HYPERLINK(\"http://example.invalid\",\"click\")" in titles
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)
    _, fresh = database_url_factory(backend)
    db.migrate(fresh)
    assert attempt_bytes(fresh, data, f"export.{fmt}") is None
    assert intake(fresh) == intake(engine)
    assert sorted(i["title"] for i in intake(fresh).values()) == sorted(hostile)


def attempt_bytes(engine, data: bytes, name: str):
    try:
        tr.apply_import(tr.plan_import(tr.read_table(data, name), engine=engine), engine, ACTOR)
    except tr.ImportRefused as exc:
        return exc.errors
    return None


def test_export_respects_the_filter(demo_engine):
    data, n = tr.export_incidents(demo_engine, "csv", PortfolioFilter(mineral=("gold",)))
    df = tr.read_table(data, "gold.csv")
    assert n == len(df) == sum(r.incident.mineral == "gold" for r in read_fixture()) > 0
    assert set(df["Mineral"]) == {"Gold"}
    open_only, m = tr.export_incidents(demo_engine, "xlsx", PortfolioFilter(status="open"))
    assert 0 < m < len(read_fixture())


def test_an_empty_database_exports_a_header_that_imports_as_nothing(engine):
    data, n = tr.export_incidents(engine, "xlsx")
    plan = tr.plan_import(tr.read_table(data, "empty.xlsx"), engine=engine)
    assert n == 0 and plan.ok and plan.rows == []


# --- properties ---------------------------------------------------------------------------------

PAST = st.dates(min_value=date(2015, 1, 1), max_value=date.today())
CELLS = {  # one strategy per field, mixing valid and invalid cells
    "code": st.sampled_from(["INC-2019-301", "INC-2019-302", "inc-2019-303", "INC-2019-301", "bad", ""]),
    "title": st.one_of(st.text(max_size=30), st.sampled_from(['=HYPERLINK("x")', "+1", "'-2", "x" * 201])),
    "summary": st.one_of(st.text(max_size=30), st.sampled_from(["@SUM(A1)", "line\r\nbreak", "x" * 4001])),
    "mineral": st.sampled_from(["gold", "Tin", "silver", ""]),
    "site": st.sampled_from(["", "Pit 3", "-1"]),
    "country": st.sampled_from(["Ghana", "Côte d'Ivoire", ""]),
    "smelter_refiner": st.sampled_from(["Corvid Gold Refiners", "=cmd|' /C calc'!A0", ""]),
    "smelter_id": st.sampled_from(["", "CID900007", " cid900007", "CID12", "=1+1"]),
    "audit_programme": st.sampled_from(["lbma", "RMI RMAP", "iso"]),
    "violation_types": st.sampled_from(["debt_bondage", "Forced labour; Debt bondage", "slavery", ""]),
    "allegation_source": st.sampled_from(["Trade union", ""]),
    "date_received": st.one_of(PAST.map(str), st.sampled_from(["2999-01-01", "01/02/2025", ""])),
    "incident_date": st.one_of(PAST.map(str), st.sampled_from(["2999-01-01", ""])),
    "became_public_date": st.one_of(PAST.map(str), st.just("")),
    "affected_persons": st.sampled_from(["1", "5", "0", "-3", "2.5", ""]),
    "children_affected": st.sampled_from(["0", "2", "9", "-1", ""]),
    "repeated": st.sampled_from(["yes", "no", "maybe", ""]),
    "trading_link": st.sampled_from(["current", "Past trading", "none", ""]),
    "stopped_trading_date": st.one_of(PAST.map(str), st.just("")),
    "involvement": st.sampled_from(["", "Directly linked", "caused", "complicit"]),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=4), fmt=st.sampled_from(["csv", "xlsx"]))
def test_any_generated_rows_import_exactly_or_are_refused_and_never_half_written(engine, rows, fmt):
    import pandas as pd

    assert set(CELLS) == set(tr.COLUMNS)
    frame = pd.DataFrame([[r[f] for f in tr.COLUMNS] for r in rows], columns=list(tr.COLUMNS.values()), dtype=object)
    data = tr.to_bytes(frame, fmt)  # protected as an export would be: the import must undo it
    before = snapshot(engine)
    try:
        plan = tr.plan_import(tr.read_table(data, f"gen.{fmt}"), engine=engine)
        result = tr.apply_import(plan, engine, ACTOR)
    except tr.ImportRefused as exc:
        assert exc.errors and all(e.reason for e in exc.errors)
        assert all(e.row is None or 2 <= e.row <= len(rows) + 1 for e in exc.errors)
        assert snapshot(engine) == before
        return
    stored = intake(engine, [i.code for i in plan.new])
    assert stored == {i.code: i.model_dump() for i in plan.new}
    assert counts(snapshot(engine))["incidents"] == counts(before)["incidents"] + len(result.created)
    assert set(result.skipped) <= set(intake(engine))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(n=st.integers(1, 6), fail_at=st.integers(1, 40), batch=st.integers(1, 4))
def test_a_fault_anywhere_in_the_write_leaves_nothing_behind(engine, n, fail_at, batch):
    base = read_fixture()[0].incident
    offset = sum(1 for _ in intake(engine))
    incidents = [base.model_copy(update={"code": f"INC-2018-{offset + i:04d}"}) for i in range(n)]
    plan = tr.plan_import(tr.read_table(tr.to_bytes(tr.incidents_frame(incidents), "csv"), "f.csv"), engine=engine)
    before = snapshot(engine)
    with mock.patch.object(tr.apply, "WRITE_BATCH", batch), failing_after("_insert", fail_at, RuntimeError("fault")) as seen:
        try:
            tr.apply_import(plan, engine, ACTOR)
        except RuntimeError:
            assert snapshot(engine) == before
            return
    assert seen["n"] < fail_at  # no fault was reached: everything written
    assert set(intake(engine, [i.code for i in incidents])) == {i.code for i in incidents}


# --- the command line -------------------------------------------------------------------------------

def cli(*args, url):
    return subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, *args], cwd=REPO,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli_url(backend, database_url_factory):
    url, _ = database_url_factory(backend)
    return url


def test_cli_imports_a_file_then_skips_it_the_second_time(cli_url, tmp_path):
    first = cli("import", str(CORPUS / "good.xlsx"), url=cli_url)
    assert first.returncode == 0, first.stderr
    assert "good.xlsx, sheet 'Incidents': 2 incident rows, 2 new" in first.stdout and "Imported 2 incidents from good.xlsx." in first.stdout
    again = cli("import", str(CORPUS / "good.xlsx"), url=cli_url)
    assert again.returncode == 0 and "0 new, 2 already present (skipped)" in again.stdout


def test_cli_refuses_a_bad_file_printing_every_error_and_writes_nothing(cli_url):
    result = cli("import", str(CORPUS / "bad_dates.csv"), url=cli_url)
    assert result.returncode == 1
    assert "row 2, column 'Date received': '01/03/2025' is not a date in the form YYYY-MM-DD" in result.stderr
    assert "row 6, column 'Incident date'" in result.stderr
    assert "Refused: 5 errors; nothing was imported." in result.stderr
    unreadable = cli("import", str(CORPUS / "latin1.csv"), url=cli_url)
    assert unreadable.returncode == 1 and "not UTF-8 text: byte 0xF4 on line 3" in unreadable.stderr
    count = cli("import", str(CORPUS / "good_minimal.csv"), "--dry-run", url=cli_url)
    assert "2 new" in count.stdout  # nothing from the refused files was written


def test_cli_dry_run_writes_nothing_and_mapping_names_columns(cli_url):
    refused = cli("import", str(CORPUS / "needs_mapping.csv"), url=cli_url)
    assert refused.returncode == 1 and "No column for Title" in refused.stderr
    dry = cli("import", str(CORPUS / "needs_mapping.csv"), "--mapping", "What happened=Title", "--mapping", "Ref=code",
              "--dry-run", url=cli_url)
    assert dry.returncode == 0, dry.stderr
    assert "Dry run: nothing was written. 1 new incidents would be imported: INC-2019-060." in dry.stdout
    real = cli("import", str(CORPUS / "needs_mapping.csv"), "--mapping", "What happened=Title", "--mapping",
               "Ref=code", url=cli_url)
    assert real.returncode == 0 and "Imported 1 incidents" in real.stdout
    bad = cli("import", str(CORPUS / "needs_mapping.csv"), "--mapping", "Ref=victim_name", url=cli_url)
    assert bad.returncode == 2 and "expected COLUMN=FIELD" in bad.stderr


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_export_is_a_valid_import(cli_url, tmp_path, fmt):
    assert cli("import", str(CORPUS / "good_full_labels_semicolon.csv"), url=cli_url).returncode == 0
    out = tmp_path / f"incidents.{fmt}"
    exported = cli("export", str(out), url=cli_url)
    assert exported.returncode == 0 and f"Wrote 2 incidents (all incidents) to {out}" in exported.stdout
    again = cli("import", str(out), url=cli_url)
    assert again.returncode == 0 and "0 new, 2 already present" in again.stdout
    wrong = cli("export", str(tmp_path / "incidents.json"), url=cli_url)
    assert wrong.returncode == 2 and "must end in .csv or .xlsx" in wrong.stderr


def test_cli_refuses_a_huge_file(tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("w") as f:
        f.write("Code\n")
        f.write("INC-2019-001\n" * (tr.MAX_ROWS + 1))
    result = cli("import", str(path), url=f"sqlite:///{tmp_path / 'cli.db'}")
    assert result.returncode == 1 and "more than 100,000 incident rows" in result.stderr


def test_a_date_out_of_order_names_its_row_and_column_and_nothing_of_the_file_is_saved(engine):
    """The import's chronology backstop (issue #12 item 1): each date out of the guideline's order is named with its
    row, the file's own column and both dates; the valid rows around it are not imported either."""
    header = ("Ref,Title,Mineral,Country,Smelter/refiner,Audit programme,Violation types,Allegation source,Logged,"
              "Incident date,Affected persons,Made public")
    row = "{code},Forced labour at a tin pit,tin,Rwanda,Kestrel Tin Smelting,rmi_rmap,forced_labour,Trade union,{rec},{inc},4,{pub}"
    lines = [header,
             row.format(code="INC-2019-201", rec="2025-03-01", inc="2025-01-15", pub="2025-02-01"),
             row.format(code="INC-2019-202", rec="2025-03-01", inc="2025-01-15", pub="2024-12-31"),
             row.format(code="INC-2019-203", rec="2024-12-01", inc="2025-01-15", pub=""),
             row.format(code="INC-2019-204", rec="2025-03-01", inc="2025-01-15", pub="")]
    df = tr.read_table("\n".join(lines).encode(), "log.csv")
    mapping = {**tr.suggest_mapping(df.columns), "code": "Ref", "date_received": "Logged",
               "became_public_date": "Made public"}
    before = snapshot(engine)
    plan = tr.plan_import(df, mapping, engine)
    assert [r.status for r in plan.rows] == ["new", "error", "error", "new"]
    assert [(e.row, e.column) for e in plan.errors] == [(3, "Made public"), (4, "Logged")]
    assert "(2024-12-31) is before the incident date (2025-01-15)" in plan.errors[0].reason
    assert "(2024-12-01) is before the incident date (2025-01-15)" in plan.errors[1].reason
    with pytest.raises(tr.ImportRefused) as refused:
        tr.apply_import(plan, engine, ACTOR)
    assert [(e.row, e.column) for e in refused.value.errors] == [(3, "Made public"), (4, "Logged")]
    assert snapshot(engine) == before  # all or nothing: rows 2 and 5 were valid, and are not saved either
    fixed = tr.read_table("\n".join([*lines[:2], lines[2].replace("2024-12-31", "2025-02-01"),
                                     lines[3].replace("2024-12-01", "2025-03-01"), lines[4]]).encode(), "log.csv")
    assert tr.apply_import(tr.plan_import(fixed, mapping, engine), engine, ACTOR).created == [
        "INC-2019-201", "INC-2019-202", "INC-2019-203", "INC-2019-204"]
