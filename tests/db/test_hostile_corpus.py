"""The hostile corpus against a real database (SQLite and PostgreSQL): every file of tests/data/hostile (and the big
ones its script builds at test time) and of tests/data/imports goes through the import as the page and the
command line take it. A file that must not be accepted is refused with its reason and leaves every table exactly
as it was (a dump of every row of every table, compared before and after); one that must be accepted imports
exactly its incidents."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from remediation.domain.models import IncidentIn
from remediation.services import transfer as tr
from remediation.services.base import Actor
from remediation.services.incidents import create_incident
from remediation.storage import schema as t
from remediation.storage.records import stored_intake

REPO = Path(__file__).resolve().parents[2]
HOSTILE = REPO / "tests" / "data" / "hostile"
IMPORTS = REPO / "tests" / "data" / "imports"
sys.path.insert(0, str(HOSTILE))
import make_hostile as mh  # noqa: E402

ACTOR = Actor("importer")


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in key order."""
    out = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.c)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*order))]
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    return {name: make(folder / name) for name, make in mh.GENERATED.items()}


@pytest.fixture
def seeded(engine):
    """A database holding one incident already, so that a write of any kind would show."""
    create_incident(engine, IncidentIn(
        code="INC-2018-900", title="Already recorded", mineral="gold", country="Ghana", smelter_refiner="Corvid",
        audit_programme="lbma", violation_types=["forced_labour"], allegation_source="Union",
        date_received=date(2025, 2, 1), incident_date=date(2025, 1, 1), affected_persons=3))
    return engine


def attempt(engine, path: Path) -> tuple[str, list[str] | str]:
    try:
        plan = tr.plan_import(tr.read_path(path), engine=engine)
        result = tr.apply_import(plan, engine, ACTOR)
    except tr.ImportRefused as exc:
        return "refused", "; ".join(str(e) for e in exc.errors)
    return "accepted", result.created


def test_every_hostile_file_is_in_the_table_and_the_script_writes_what_is_committed(tmp_path, monkeypatch):
    committed = {p.name for p in HOSTILE.iterdir() if p.suffix in (".csv", ".xlsx")}
    assert committed | set(mh.GENERATED) == set(mh.EXPECTED)
    assert not committed & set(mh.GENERATED)
    assert all(p.stat().st_size < 200_000 for p in HOSTILE.iterdir()), "big files are built at test time"
    monkeypatch.setattr(mh, "HERE", tmp_path)
    mh.main()
    for name in committed:
        if name.endswith(".csv"):  # workbooks carry zip timestamps
            assert (tmp_path / name).read_bytes() == (HOSTILE / name).read_bytes(), name


@pytest.mark.parametrize("name", sorted(mh.EXPECTED))
def test_a_hostile_file_is_refused_leaving_every_table_as_it_was_or_imports_exactly(seeded, generated, name):
    path = generated.get(name) or HOSTILE / name
    before = dump(seeded)
    outcome, detail = attempt(seeded, path)
    expected, what = mh.EXPECTED[name]
    assert outcome == expected, f"{name}: {detail}"
    if expected == "refused":
        assert what in detail, detail
        assert "Traceback" not in detail and "[SQL:" not in detail
        assert dump(seeded) == before
        return
    assert detail == what
    with seeded.connect() as conn:
        stored = stored_intake(conn, codes=what)
    for code in what:
        if code in mh.AFFECTED:
            assert stored[code].affected_persons == mh.AFFECTED[code]
    if name == "markup_text.csv":  # stored exactly as typed: the rendering shows it as text
        assert {c: stored[c].title for c in what} == mh.MARKUP
        assert all(stored[c].summary == mh.SETEXT_SUMMARY for c in what)
    if name == "hidden_first_sheet.xlsx":
        assert stored["INC-2018-021"].title == "From the visible sheet"


@pytest.mark.parametrize("name", sorted(p.name for p in IMPORTS.iterdir() if p.suffix != ".py"))
def test_the_import_corpus_is_all_or_nothing(seeded, name):
    before = dump(seeded)
    outcome, detail = attempt(seeded, IMPORTS / name)
    if outcome == "refused":
        assert dump(seeded) == before, name
        assert "Traceback" not in detail
    else:
        assert name.startswith("good")
