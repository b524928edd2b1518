"""The supply chain as Streamlit runs it: the Supply chain page's views (and board mode), an incident's exposure and
its link to the register, the register picker at intake, the declarations upload, and the sidebar's supplier and
product filters on the portfolio."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from conftest import open_form, submit
from sqlalchemy import select

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_declarations_fixture, read_fixture
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage import supply_chain as sc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "declarations"))
import make_workbooks as mw  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
PAGE = "pages/supply_chain.py"
INCIDENT = "pages/incident.py"


def frame(at, *columns: str):
    """The first table on the page with these columns (a table without selection has no key AppTest sees)."""
    for d in at.dataframe:
        if set(columns) <= set(d.value.columns):
            return d.value
    raise AssertionError(f"no table with columns {columns}")


def linked_open_code() -> str:
    """An open demo incident linked to a smelter that current declarations list."""
    engine = db.get_engine()
    for rec in read_fixture():
        if rec.incident.smelter_id:
            ex = sc.incident_exposure(engine, rec.incident.code)
            if ex.current and ex.past:
                return rec.incident.code
    raise AssertionError("the demo has an incident with current and past suppliers")


def chart_text(at, index: int = 0) -> str:
    """The chart's figure as text, decoded: plotly escapes non-ASCII (→ as \\u2192) unless orjson is installed."""
    return json.dumps(json.loads(at.get("plotly_chart")[index].proto.spec), ensure_ascii=False)


def test_the_page_ranks_suppliers_and_products_and_shows_the_level1_chart(run_app):
    at = run_app(page=PAGE)
    assert not at.exception
    assert at.title[0].value == "Supply chain"
    metrics = {m.label: m.value for m in at.metric}
    head = sc.exposure_headline(db.get_engine())
    assert metrics["Reaching suppliers"] == f"{head.reaching_current:,}"
    assert metrics["Suppliers reached"] == f"{head.suppliers_current:,}"
    suppliers = frame(at, "supplier", "past_open")
    assert list(suppliers["supplier"]) == list(sc.supplier_exposure(db.get_engine())["supplier"])
    products = frame(at, "product", "suppliers")
    assert products["open"].is_monotonic_decreasing or products["rank"].is_monotonic_decreasing
    assert "Suppliers carrying the most open Level 1 incidents" in chart_text(at)


@pytest.mark.parametrize("view, columns", [("Flows", None), ("Smelter register", ("smelter_id", "suppliers_current")),
                                            ("Suppliers", ("supplier", "superseded"))])
def test_each_view_opens_by_its_link(run_app, view, columns):
    at = run_app(page=PAGE, query={"view": view})
    assert not at.exception
    assert at.segmented_control(key="view").value == view
    if columns is None:
        assert "smelter → supplier → product" in chart_text(at)
    else:
        assert len(frame(at, *columns)) > 0


def test_board_mode_shows_only_the_aggregated_views(run_app):
    at = run_app(page=PAGE, query={"board": "true", "view": "Smelter register"})
    assert not at.exception
    assert not at.get("button_group")  # a slide: the view of the link (Exposure unless Flows), no control
    assert not [d for d in at.dataframe if "smelter_id" in d.value.columns or "suggested" in d.value.columns]
    assert not at.get("form") and not at.button  # no edit controls


def test_a_chosen_declaration_shows_its_smelters_and_products(run_app):
    at = run_app(page=PAGE, query={"view": "Suppliers"})
    table = at.dataframe(key="declarations_table")
    assert len(table.value) == len(read_declarations_fixture())


def test_accepting_suggestions_links_incidents_with_an_audit_entry(run_app):
    at = run_app(page=PAGE, query={"view": "Smelter register"})
    choices = at.multiselect(key="accept_codes")
    assert choices.options, "the demo has unlinked incidents with a suggestion"
    code = choices.options[0].split(" → ")[0]
    choices.set_value([code])
    at = submit(at, "accept_suggestions")
    assert not at.exception
    assert any(code in s.value for s in at.success)
    with db.get_engine().connect() as conn:
        assert conn.execute(select(t.incidents.c.smelter_id).where(t.incidents.c.code == code)).scalar_one()
        action = conn.execute(select(t.audit_log.c.action).where(t.audit_log.c.incident_code == code)
                              .order_by(t.audit_log.c.id.desc()).limit(1)).scalar_one()
    assert action == "linked the smelter/refiner to the register"


def test_an_incident_shows_its_suppliers_products_and_whether_the_link_is_current_or_past(run_app):
    run_app()  # the demo portfolio, loaded
    code = linked_open_code()
    at = run_app(page=INCIDENT, query={"incident": code})
    assert not at.exception
    suppliers = frame(at, "supplier", "link", "products")
    expected = sc.incident_exposure(db.get_engine(), code).suppliers
    assert list(suppliers["supplier"]) == list(expected["supplier"])
    assert set(suppliers["link"]) == {"Current", "Past"}
    assert any("supplier" in m.value and "current declaration" in m.value for m in at.markdown)


def test_step_1_shows_the_exposure_as_evidence_for_actionability_and_then_for_the_trading_link(run_app):
    """#14 Build 3: while actionability is open the suppliers reached are evidence that the allegation is
    actionable; once the audit programme investigates, evidence for the trading link (current or past)."""
    run_app()  # the demo portfolio, loaded
    engine = db.get_engine()

    def open_with_exposure(awaiting):
        for rec in read_fixture():
            v, state = rec.verification, evaluate(rec)
            if state.is_open and state.step == 1 and rec.incident.smelter_id and awaiting(v):
                ex = sc.incident_exposure(engine, rec.incident.code)
                if ex.current or ex.past:
                    return rec.incident.code, ex
        raise AssertionError("the demo has such an incident")

    code, ex = open_with_exposure(lambda v: v.credibility is not None and v.actionability is None)
    at = run_app(page=INCIDENT, query={"incident": code})
    assert not at.exception
    evidence = [i.value for i in at.info if "Evidence for actionability" in i.value]
    assert len(evidence) == 1 and f"{ex.current} supplier" in evidence[0], [i.value for i in at.info]
    assert not any("Evidence for the trading link" in i.value for i in at.info)

    code, ex = open_with_exposure(lambda v: v.notice is not None and v.substantiation is None)
    at = run_app(page=INCIDENT, query={"incident": code})
    assert not at.exception
    evidence = [i.value for i in at.info if "Evidence for the trading link" in i.value]
    link = "current: suppliers still declare the smelter" if ex.current else "past: only superseded declarations"
    assert len(evidence) == 1 and link in evidence[0], [i.value for i in at.info]
    assert not any("Evidence for actionability" in i.value for i in at.info)


def test_linking_an_unlinked_incident_from_its_page(run_app):
    at = run_app()
    code = next(r.incident.code for r in read_fixture() if r.incident.smelter_id is None
                and r.incident.smelter_refiner != "Greyfield Alloys")
    at = run_app(page=INCIDENT, query={"incident": code})
    assert not at.exception
    open_form(at, "smelter_link")  # "Link to the smelter register" (open already where a suggestion was found)
    chosen = at.selectbox(key="smelter_link.smelter_id").value
    assert chosen is not None  # the best suggestion, chosen already
    link = next(b for b in at.button if b.proto.form_id == "smelter_link" and b.label == "Link")
    at = link.click().run()
    assert not at.exception
    with db.get_engine().connect() as conn:
        assert conn.execute(select(t.incidents.c.smelter_id).where(t.incidents.c.code == code)).scalar_one() == chosen
    assert "Change the link to the smelter register" in [e.label for e in at.expander]


def test_a_new_allegation_picks_its_smelter_from_the_register(run_app):
    at = run_app(page=INCIDENT)
    register = sc.register_options(db.get_engine())
    cid = next(iter(register))
    at.selectbox(key="intake_smelter").set_value(cid).run()
    entry = sc.smelter(db.get_engine(), cid)
    assert at.text_input(key="intake.smelter_refiner").value == entry["name"]
    for key, value in {"intake.title": "Forced overtime at the washing site", "intake.country": "Rwanda",
                       "intake.allegation_source": "Worker hotline report"}.items():
        at.text_input(key=key).set_value(value)
    at.selectbox(key="intake.audit_programme").set_value("rmi_rmap")
    at.multiselect(key="intake.violation_types").set_value(["forced_labour"])
    at.date_input(key="intake.date_received").set_value(date(2026, 2, 1))
    at.date_input(key="intake.incident_date").set_value(date(2026, 1, 10))
    at.number_input(key="intake.affected_persons").set_value(3)
    code = at.text_input(key="intake.code").value
    at = submit(at, "intake")
    assert not at.exception, at.exception
    with db.get_engine().connect() as conn:
        row = conn.execute(select(t.incidents.c.smelter_id, t.incidents.c.smelter_refiner)
                           .where(t.incidents.c.code == code)).one()
    assert tuple(row) == (cid, entry["name"])


def test_the_import_page_imports_many_declarations_and_names_each_problem(run_app):
    at = run_app().switch_page(str(REPO / "pages/imports.py")).run()
    files = [(name, data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
             for name, data in mw.supplier_workbooks(3, rows=5, filler_to=30)]
    broken = mw.build(mw.typical("CMRT", "6.5", seed=5, blank={"company"}, filler_to=30))
    files.append(("broken.xlsx", broken, "application/octet-stream"))
    at.file_uploader[1].set_value(files)
    at = at.run()
    at = at.button(key="declarations_import").click().run()
    assert not at.exception
    result = frame(at, "File", "Result")
    assert list(result["Result"]) == ["Refused", "Imported", "Imported", "Imported"]  # what needs the user first
    assert "Declaration!D8: the company name is missing" in result.iloc[0]["Problems or notes"]
    assert any("3 imported" in w.value and "1 refused" in w.value for w in at.warning)


def test_filtering_the_portfolio_to_one_product_line(run_app):
    at = run_app()
    product = "Halo camera"
    at = run_app(query={"product": product, "status": "All"})
    assert not at.exception
    assert at.multiselect(key="product").value == [product]
    shown = set(at.dataframe(key="table").value["code"])
    from remediation.storage.queries import PortfolioFilter, portfolio

    expected, _ = portfolio(db.get_engine(), PortfolioFilter(product=(product,)))
    assert shown == set(expected["code"]) and 0 < len(shown) < len(read_fixture())
