"""Suppliers' declarations in the database, on SQLite and PostgreSQL: import (all or nothing per file, skipped when
re-sent, supersession by effective date, the register filled), the incident's link to the register (audited),
exposure of one incident and of the portfolio, the supplier and product filters, and the command line."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from remediation.domain.models import IncidentIn, SmelterEntry
from remediation.services import declarations as decl
from remediation.services import incidents as services
from remediation.services.access import Forbidden
from remediation.services.base import Actor, ConflictError, Refused
from remediation.services.demo import read_declarations_fixture, read_fixture
from remediation.storage import schema as t
from remediation.storage import supply_chain as sc
from remediation.storage.queries import PortfolioFilter, portfolio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "declarations"))
import make_workbooks as mw  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 1)
EDITOR = Actor("eddie@brand.example", access="editor")
VIEWER = Actor("vera@board.example", access="viewer")
KESTREL = ("CID990001", "tin", "Kestrel Tin Smelting Co., Ltd.", "INDONESIA")  # in no pool: the test's own


def smelter(cid: str, metal: str, name: str, country: str, **kw) -> mw.Smelter:
    return mw.Smelter(metal=metal.title(), lookup=name, name=name, country=country, cid=cid, **kw)


def workbook(company: str, effective: date, smelters: list[mw.Smelter], *, scope: str = "B",
             products=(("P-1", "Aurora smartphone"),), template: str = "CMRT", version: str = "6.5", **kw) -> bytes:
    return mw.build(mw.Spec(template=template, version=version, company=company, scope=scope, effective=effective,
                            smelters=smelters, products=list(products), filler_to=40, **kw))


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def snapshot(engine) -> dict[str, int]:
    return {table.name: count(engine, table) for table in (t.suppliers, t.declarations, t.declaration_smelters,
                                                           t.declaration_products, t.smelters, t.audit_log)}


def new_incident(engine, code: str, smelter_id: str | None, *, name: str = "Kestrel Tin Smelting", site: str = "",
                 incident_date: date = date(2026, 1, 10), mineral: str = "tin") -> None:
    services.create_incident(engine, IncidentIn(
        code=code, title="Forced overtime at the washing site", mineral=mineral, country="Indonesia",
        smelter_refiner=name, smelter_id=smelter_id, site=site, audit_programme="rmi_rmap",
        violation_types=["forced_labour"], allegation_source="Worker hotline report", date_received=date(2026, 2, 1),
        incident_date=incident_date, affected_persons=4), EDITOR)


TIN = smelter(*KESTREL)
OTHER = smelter("CID990002", "gold", "Corvid Gold Refiners", "SWITZERLAND")
THIRD = smelter("CID990003", "tungsten", "Halden Tungsten Works", "VIET NAM")


# --- import --------------------------------------------------------------------------------------------

def test_forty_files_with_a_broken_one_import_thirty_nine_and_the_broken_one_writes_nothing(engine):
    files = [(name, data) for name, data in mw.supplier_workbooks(39, rows=8, filler_to=30)]
    broken = workbook("Broken Ltd", date(2025, 1, 1), [replace(TIN, cid="CID99", by_id=False)])
    files.insert(17, ("broken.xlsx", broken))
    outcomes = decl.import_files(engine, files, EDITOR, today=TODAY)
    assert [o.status for o in outcomes].count("imported") == 39
    refused = outcomes[17]
    assert refused.status == "refused" and refused.name == "broken.xlsx"
    assert [(p.sheet, p.where) for p in refused.problems] == [("Smelter List", "F5")]
    assert count(engine, t.declarations) == 39 and count(engine, t.suppliers) == 39
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).where(t.suppliers.c.name == "Broken Ltd")).scalar_one() == 0
        actions = conn.execute(select(t.audit_log.c.action, t.audit_log.c.actor)).all()
    assert actions.count((decl.IMPORT_ACTION, EDITOR.user)) == 39  # one audit entry per file


def test_the_same_file_twice_is_already_imported_and_nothing_is_duplicated(engine):
    data = workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN, OTHER])
    first = decl.import_files(engine, [("a.xlsx", data)], EDITOR, today=TODAY)
    before = snapshot(engine)
    again = decl.import_files(engine, [("renamed.xlsx", data)], EDITOR, today=TODAY)
    assert first[0].status == "imported" and again[0].status == "already imported"
    assert again[0].declaration_id == first[0].declaration_id and snapshot(engine) == before


def test_a_newer_declaration_supersedes_the_older_and_the_history_is_kept_by_effective_date(engine):
    old = workbook("Arbor Circuits Ltd", date(2024, 3, 1), [TIN, OTHER], version="6.31")
    new = workbook("ARBOR CIRCUITS LTD.", date(2025, 3, 1), [OTHER, THIRD])
    older_still = workbook("Arbor Circuits", date(2023, 3, 1), [TIN], version="6.3")
    outcomes = decl.import_files(engine, [("2024.xlsx", old), ("2025.xlsx", new), ("2023.xlsx", older_still)], EDITOR,
                                 today=TODAY)
    assert [o.current for o in outcomes] == [True, True, False]  # the 2023 file, imported last, is history at once
    history = sc.declarations(engine)
    assert set(history["supplier"]) == {"Arbor Circuits Ltd"}  # one supplier: names match once normalised
    assert dict(zip(history["effective_date"], history["status"])) == {
        date(2025, 3, 1): "Current", date(2024, 3, 1): "Superseded", date(2023, 3, 1): "Superseded"}
    with engine.connect() as conn:
        superseded = [c for c in conn.execute(select(t.audit_log.c.changes)).scalars()
                      if any(x["field"] == "superseded declaration" for x in c)]
    assert len(superseded) == 1


def test_an_emrt_does_not_supersede_a_cmrt_of_the_same_supplier(engine):
    cmrt = workbook("Ember Electronics GmbH", date(2025, 3, 1), [TIN])
    cobalt = smelter("CID990010", "cobalt", "Blackwater Cobalt Processing", "CHINA")
    emrt = workbook("Ember Electronics GmbH", date(2025, 6, 1), [cobalt], template="EMRT", version="2.1",
                    products=(("P-1", "Aurora smartphone", "R-1", "Aurora"),))
    outcomes = decl.import_files(engine, [("c.xlsx", cmrt), ("e.xlsx", emrt)], EDITOR, today=TODAY)
    assert [o.current for o in outcomes] == [True, True]


def test_the_register_gains_new_ids_and_never_overwrites_a_name(engine):
    decl.add_smelter(engine, SmelterEntry(smelter_id="cid990001", metal="tin", name="Kestrel Tin (register name)",
                                          country="INDONESIA"), EDITOR)
    decl.import_files(engine, [("a.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN, OTHER]))], EDITOR,
                      today=TODAY)
    register = sc.register(engine).set_index("smelter_id")
    assert register.loc["CID990001", "name"] == "Kestrel Tin (register name)"
    assert register.loc["CID990001", "source"] == "Entered by hand"
    assert register.loc["CID990002", "name"] == "Corvid Gold Refiners"
    assert register.loc["CID990002", "suppliers_current"] == 1
    with pytest.raises(Refused, match="smelter_id: CID990002 is already in the register"):
        decl.add_smelter(engine, SmelterEntry(smelter_id="CID990002", metal="gold", name="x"), EDITOR)


def test_a_viewer_cannot_import_and_nothing_is_read_or_written(engine):
    before = snapshot(engine)
    with pytest.raises(Forbidden):
        decl.import_files(engine, [("a.xlsx", b"not even read")], VIEWER, today=TODAY)
    with pytest.raises(Forbidden):
        decl.add_smelter(engine, SmelterEntry(smelter_id="CID990099", metal="tin", name="x"), VIEWER)
    assert snapshot(engine) == before


def test_a_fault_while_writing_a_file_leaves_nothing_of_it(engine, monkeypatch):
    from remediation.services.declarations import importing

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "refresh_current", failing)  # after the rows are inserted, before the commit
    before = snapshot(engine)
    with pytest.raises(RuntimeError):
        decl.import_files(engine, [("a.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN]))], EDITOR,
                          today=TODAY)
    assert snapshot(engine) == before


# --- the link to the register ---------------------------------------------------------------------------------

def test_linking_is_an_audited_write_that_keeps_the_free_text_and_checks_the_version(engine):
    decl.import_files(engine, [("a.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN]))], EDITOR,
                      today=TODAY)
    new_incident(engine, "INC-2026-001", None, name="KESTREL TIN SMELTING")
    with engine.connect() as conn:
        version = conn.execute(select(t.incidents.c.version)).scalar_one()
    services.link_smelter(engine, "INC-2026-001", "cid990001", EDITOR, expected_version=version)
    with engine.connect() as conn:
        row = conn.execute(select(t.incidents.c.smelter_id, t.incidents.c.smelter_refiner)).one()
        entry = conn.execute(select(t.audit_log).order_by(t.audit_log.c.id.desc()).limit(1)).mappings().one()
    assert tuple(row) == ("CID990001", "KESTREL TIN SMELTING")
    assert entry["action"] == "linked the smelter/refiner to the register" and entry["actor"] == EDITOR.user
    assert entry["changes"] == [{"field": "incident.smelter_id", "before": None, "after": "CID990001"}]
    with pytest.raises(ConflictError):
        services.link_smelter(engine, "INC-2026-001", None, EDITOR, expected_version=version)
    with pytest.raises(Refused, match="smelter_id: CID123456 is not in the smelter register"):
        services.link_smelter(engine, "INC-2026-001", "CID123456", EDITOR)
    services.link_smelter(engine, "INC-2026-001", None, EDITOR)
    with engine.connect() as conn:
        assert conn.execute(select(t.incidents.c.smelter_id)).scalar_one() is None


def test_a_closed_incident_can_be_linked(engine):
    from remediation.domain.models import Credibility

    decl.import_files(engine, [("a.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN]))], EDITOR,
                      today=TODAY)
    new_incident(engine, "INC-2026-002", None)
    services.record_credibility(engine, "INC-2026-002", Credibility(credible=False, decided_on=date(2026, 2, 3), notes="Anonymous claim with no verifiable detail at all."),
                                EDITOR)
    services.link_smelter(engine, "INC-2026-002", "CID990001", EDITOR)
    assert sc.incident_exposure(engine, "INC-2026-002").smelter_id == "CID990001"


def test_suggestions_match_by_normalised_name_then_metal_and_country(engine):
    decl.import_files(engine, [("a.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN, OTHER, THIRD]))],
                      EDITOR, today=TODAY)
    found = sc.smelter_suggestions(engine, "KESTREL TIN SMELTING", "Indonesia", "tin")
    assert found[0]["smelter_id"] == "CID990001" and found[0]["why"] == "same name, same metal (Tin), same country"
    other_metal = sc.smelter_suggestions(engine, "Kestrel Tin Smelting", "Indonesia", "gold")
    assert other_metal[0]["score"] < found[0]["score"] and "different metal (Tin)" in other_metal[0]["why"]
    assert sc.smelter_suggestions(engine, "Kestrel Smelting", "", "gold") == []  # half the words, another metal
    assert sc.smelter_suggestions(engine, "Nothing Alike", "", "tin") == []
    new_incident(engine, "INC-2026-003", None, name="Kestrel Tin Smelting Company")
    unlinked, total = sc.unlinked_incidents(engine)
    assert total == 1 and unlinked.loc[0, "suggested_id"] == "CID990001"


# --- exposure --------------------------------------------------------------------------------------------------

@pytest.fixture
def supply_chain(engine):
    """Three suppliers: Arbor (product scope, Kestrel current), Beacon (company scope, Kestrel current), Cobalt
    Ridge (Kestrel in 2024, dropped in 2025: past). Incidents: two at Kestrel (one earlier), one at Corvid."""
    files = [
        ("arbor.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN, OTHER],
                                products=(("A-1", "Aurora smartphone"), ("A-2", "Nimbus laptop")))),
        ("beacon.xlsx", workbook("Beacon Components Co.", date(2025, 5, 1), [TIN], scope="A", products=())),
        ("ridge-2024.xlsx", workbook("Cobalt Ridge Micro K.K.", date(2024, 4, 1), [TIN, THIRD],
                                     products=(("C-1", "Vega tablet"),))),
        ("ridge-2025.xlsx", workbook("Cobalt Ridge Micro K.K.", date(2025, 4, 1), [THIRD],
                                     products=(("C-1", "Vega tablet"),))),
    ]
    outcomes = decl.import_files(engine, files, EDITOR, today=TODAY)
    assert all(o.status == "imported" for o in outcomes)
    new_incident(engine, "INC-2026-010", "CID990001", site="Kanyama-3 artisanal site")
    new_incident(engine, "INC-2025-004", "CID990001", incident_date=date(2025, 1, 5))
    new_incident(engine, "INC-2026-011", "CID990002", name="Corvid Gold Refiners", mineral="gold")
    with engine.begin() as conn:  # an assessment's levels, as the workflow writes them
        conn.execute(update(t.incidents).where(t.incidents.c.code == "INC-2026-010").values(level1="mandatory",
                                                                                          level2="recommended"))
    return engine


def test_one_incident_reaches_current_and_past_suppliers_and_their_products(supply_chain):
    ex = sc.incident_exposure(supply_chain, "INC-2026-010")
    rows = ex.suppliers.set_index("supplier")
    assert (ex.current, ex.past) == (2, 1)
    assert rows.loc["Arbor Circuits Ltd", "link"] == "current"
    assert rows.loc["Arbor Circuits Ltd", "products"] == "Aurora smartphone; Nimbus laptop"
    assert rows.loc["Beacon Components Co.", "products"] == "All products (company-wide declaration)"
    past = rows.loc["Cobalt Ridge Micro K.K."]
    assert (past["link"], past["declared_effective"], past["current_effective"], past["products"]) == \
        ("past", date(2024, 4, 1), date(2025, 4, 1), "Vega tablet")
    assert list(ex.earlier["code"]) == ["INC-2025-004"] and ex.earlier.loc[0, "match"] == "same smelter ID"


def test_an_unlinked_incident_matches_not_listed_rows_by_name_only(engine):
    unlisted = mw.Smelter(metal="Tungsten", lookup="Smelter not listed", name="Greyfield Alloys", country="RWANDA")
    decl.import_files(engine, [("a.xlsx", workbook("Arbor Circuits Ltd", date(2025, 3, 1), [TIN, unlisted]))],
                      EDITOR, today=TODAY)
    new_incident(engine, "INC-2026-020", None, name="GREYFIELD ALLOYS LTD", mineral="tungsten")
    ex = sc.incident_exposure(engine, "INC-2026-020")
    assert ex.suppliers.empty and list(ex.by_name["supplier"]) == ["Arbor Circuits Ltd"]


def test_the_exposure_view_ranks_suppliers_and_products_by_level_then_open_incidents(supply_chain):
    suppliers = sc.supplier_exposure(supply_chain)
    assert list(suppliers["supplier"])[:2] == ["Arbor Circuits Ltd", "Beacon Components Co."]
    arbor = suppliers.set_index("supplier").loc["Arbor Circuits Ltd"]
    assert (arbor["open"], arbor["level1_mandatory"], arbor["highest"], arbor["smelters"]) == \
        (3, 1, "Level 1 mandatory", 2)
    ridge = suppliers.set_index("supplier").loc["Cobalt Ridge Micro K.K."]
    assert (ridge["open"], ridge["past_open"]) == (0, 2)
    products = sc.product_exposure(supply_chain).set_index("product")
    assert products.loc["Aurora smartphone", "open"] == 3
    assert products.loc["All products of Beacon Components Co.", "open"] == 2
    assert "Vega tablet" not in products.index  # its current declaration lists no smelter with an incident
    head = sc.exposure_headline(supply_chain)
    assert (head.open_incidents, head.linked, head.reaching_current, head.level1_current, head.suppliers_current) == \
        (3, 3, 3, 1, 2)


def test_the_flows_chart_groups_the_smallest_and_counts_incidents_per_link(supply_chain):
    f = sc.exposure_flows(supply_chain, smelters=1, suppliers=1, products=1)
    labels = dict(zip(f.nodes["label"], f.nodes["stage"]))
    assert labels["1 other smelters"] == "smelter" and labels["1 other suppliers"] == "supplier"
    assert (f.smelters, f.suppliers) == (2, 2)
    assert f.links["value"].sum() > 0 and set(f.links["rank"]) <= {0, 5}


def test_the_supplier_and_product_filters_narrow_the_portfolio(supply_chain):
    def codes(flt: PortfolioFilter) -> set[str]:
        df, _ = portfolio(supply_chain, flt, today=TODAY)
        return set(df["code"])

    assert codes(PortfolioFilter(supplier=("Beacon Components Co.",))) == {"INC-2026-010", "INC-2025-004"}
    assert codes(PortfolioFilter(supplier=("Cobalt Ridge Micro K.K.",))) == {"INC-2026-010", "INC-2025-004"}
    assert codes(PortfolioFilter(product=("Nimbus laptop",))) == {"INC-2026-010", "INC-2025-004", "INC-2026-011"}
    assert codes(PortfolioFilter(product=("Vega tablet",))) == {"INC-2026-010", "INC-2025-004"}  # its 2024 list
    assert codes(PortfolioFilter(supplier=("Beacon Components Co.",), product=("Nimbus laptop",))) == \
        {"INC-2026-010", "INC-2025-004"}
    assert "supplier Beacon Components Co." in PortfolioFilter(supplier=("Beacon Components Co.",)).describe()


def test_the_demo_portfolio_has_suppliers_superseded_declarations_and_unlisted_smelters(demo_engine):
    items = read_declarations_fixture()
    suppliers = sc.suppliers(demo_engine)
    assert 24 <= len(suppliers) <= 60 and suppliers["superseded"].sum() >= 10
    assert count(demo_engine, t.declarations) == len(items)
    with demo_engine.connect() as conn:
        not_listed = conn.execute(select(func.count()).where(t.declaration_smelters.c.listing == "not_listed")
                                  ).scalar_one()
    assert not_listed >= 3
    linked = [r for r in read_fixture() if r.incident.smelter_id]
    assert 0.6 < len(linked) / len(read_fixture()) < 1
    assert sc.exposure_headline(demo_engine).reaching_current > 0


# --- the command line -------------------------------------------------------------------------------------------

def test_the_command_line_imports_many_files_and_exits_1_when_one_is_refused(tmp_path, backend,
                                                                              database_url_factory):
    url, _ = database_url_factory(backend)
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data in mw.supplier_workbooks(6, rows=5, filler_to=30):
        (folder / name).write_bytes(data)
    (folder / "zz-broken.xlsx").write_bytes(b"not a workbook")
    run = subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, "declarations", "import",
                          str(folder / "*.xlsx"), "--workers", "2"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 1, run.stderr
    assert "7 files" in run.stdout and "6 imported" in run.stdout and "1 refused" in run.stdout
    assert "zz-broken.xlsx: refused" in run.stderr and "not a complete zip archive" in run.stderr
    again = subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, "declarations", "import",
                            *sorted(str(p) for p in folder.glob("supplier-*.xlsx"))], capture_output=True, text=True,
                           cwd=REPO)
    assert again.returncode == 0 and "6 already imported" in again.stdout


def test_a_suppliers_text_never_runs_as_a_formula_or_markup_where_it_is_shown_or_exported(engine):
    """A company or smelter name typed as a formula (kept as text in the workbook) is stored as text, drawn as
    text in charts, and neutralised in every export."""
    import io as _io

    from openpyxl import load_workbook

    from remediation.reports import board_pack, supply_charts
    from remediation.services.spreadsheets import tables_to_xlsx

    evil = '=HYPERLINK("http://evil.example","x")'
    hostile = smelter("CID990066", "tin", "<b>Bold</b> Tin Smelting", "INDONESIA")
    spec = mw.Spec(company=evil, scope="B", effective=date(2025, 3, 1), smelters=[hostile, TIN],
                   products=[("P-1", "@SUM(A1)")], filler_to=40)
    outcomes = decl.import_files(engine, [("evil.xlsx", mw.build(spec))], EDITOR, today=TODAY)
    assert outcomes[0].status == "imported" and outcomes[0].supplier == evil
    new_incident(engine, "INC-2026-066", "CID990066")
    suppliers = sc.supplier_exposure(engine)
    assert suppliers.loc[0, "supplier"] == evil  # stored and read as text
    chart = supply_charts.suppliers_by_level1(suppliers, TODAY, "open incidents").to_plotly_json()
    assert all("<a" not in str(y) and "HYPERLINK" in str(y) for y in chart["data"][0]["y"])
    flows = supply_charts.flows(sc.exposure_flows(engine), TODAY, "open incidents").to_plotly_json()
    assert any("&lt;b&gt;Bold&lt;/b&gt;" in label for label in flows["data"][0]["node"]["label"])
    section = board_pack.supply_chain_section(engine, PortfolioFilter(), TODAY)
    xlsx = load_workbook(_io.BytesIO(tables_to_xlsx(section[1])))
    cells = [c for row in xlsx["Supplier exposure"].iter_rows(min_row=2, values_only=True) for c in row]
    assert f"'{evil}" in cells and evil not in cells
    products = [c for row in xlsx["Product exposure"].iter_rows(min_row=2, values_only=True) for c in row]
    assert "'@SUM(A1)" in products
