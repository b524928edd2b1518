"""The Level 2 plans page as Streamlit runs it, in normal and board mode."""

from __future__ import annotations

from datetime import date

from conftest import submit

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

PLANS = "pages/plans.py"


def _open_plan():
    return next(r for r in read_fixture() if evaluate(r).is_open and r.plan(2) and r.plan(2).implementation_started_on)


def test_portfolio_of_plans_with_totals_in_their_currency(run_app):
    at = run_app(page=PLANS, query={"status": "All"})
    assert not at.exception
    plans = [r.plan(2) for r in read_fixture() if r.plan(2)]
    assert at.subheader[0].value == f"{len(plans)} plans in USD"
    labels = [m.label for m in at.metric]
    assert {"Budget (USD)", "Pledged (USD)", "Spent (USD)", "Funding gap (USD)"} <= set(labels)
    table = at.dataframe[0].value
    assert len(table) == len(plans)
    assert set(table["burn"]) <= {"Not started", "In line with time", "Spending ahead of time", "Spending behind time",
                                  "Over budget"}


def test_a_plan_in_depth_shows_indicators_with_computed_status(run_app):
    rec = _open_plan()
    at = run_app(page=PLANS, query={"status": "All", "plan": rec.incident.code})
    assert not at.exception
    assert any(s.value.startswith(rec.incident.code) for s in at.subheader)
    indicators = next(d.value for d in at.dataframe if "Indicator" in d.value.columns)
    assert set(indicators["Status"]) <= {"Achieved", "On track", "At risk", "Off track", "Not measured yet"}
    assert len(indicators) == sum(len(i.indicators) for i in rec.plan(2).initiatives)
    cells = {str(v) for v in indicators.to_numpy().ravel()}
    assert not cells & {"None", "nan", "NaT", "in_progress", "not_started", "not_achieved", "quantitative",
                        "qualitative"}, "the indicator table is in words"
    # a link to a plan opens on the plan: its heading comes before the portfolio of plans
    headings = [s.value for s in at.subheader]
    first_plan = next(i for i, h in enumerate(headings) if h.startswith(rec.incident.code))
    assert first_plan < next(i for i, h in enumerate(headings) if " plans in " in h)


def test_adding_funding_validates_and_records(run_app):
    rec = _open_plan()
    at = run_app(page=PLANS, query={"status": "All", "plan": rec.incident.code})
    before = rec.plan(2).pledged
    fill = {"plan_funding.source": "government", "plan_funding.funder": "Ministry of Labour",
            "plan_funding.pledged": 1000.0, "plan_funding.received": 1500.0, "plan_funding.pledged_on": date.today()}
    for key, value in fill.items():
        next(w for kind in ("selectbox", "text_input", "number_input", "date_input")
             for w in getattr(at, kind) if w.key == key).set_value(value)
    submit(at, "plan_funding")
    assert any("more than the 1000.00 pledged" in e.value for e in at.error)
    at.number_input(key="plan_funding.received").set_value(500.0)
    submit(at, "plan_funding")
    assert not at.exception
    stored, _, _ = queries.incident(db.get_engine(), rec.incident.code)
    assert stored.plan(2).pledged == before + 1000


def test_board_mode_shows_no_edit_controls(run_app):
    rec = _open_plan()
    at = run_app(page=PLANS, query={"status": "All", "plan": rec.incident.code, "board": "true"})
    assert not at.exception
    assert not [b for b in at.button if b.proto.form_id]  # no form, no submit button


def test_no_plans_says_so(run_app):
    at = run_app(page=PLANS, demo="0")
    assert not at.exception
    assert "No Level 2 plan matches these filters" in at.info[0].value


def test_the_scope_line_says_open_incidents_when_only_open_ones_are_counted(run_app):
    """The plans page applies the open/closed choice: its caption (and so a board screenshot) says so."""
    open_plans = [r.plan(2) for r in read_fixture() if r.plan(2) and evaluate(r).is_open]
    at = run_app(page=PLANS)  # the default choice: open incidents
    assert not at.exception and at.subheader[0].value == f"{len(open_plans)} plans in USD"
    assert at.caption[0].value.endswith("; open incidents.")
    at = run_app(page=PLANS, query={"status": "All", "mineral": "Gold"})
    assert at.caption[0].value.endswith("; filters\\: Gold.")  # escaped: markdown shows it as typed


def test_shares_show_as_whole_percents_and_time_burn_window_come_before_the_wide_columns(run_app):
    """#18: "21.25%" became "21%"; time elapsed, burn rate and monitoring window sat off-screen."""
    import json

    at = run_app(page=PLANS, query={"status": "All"})
    assert not at.exception
    grid = at.dataframe[0]
    order = list(grid.proto.column_order)
    assert order[:8] == ["code", "currency", "budget", "spent", "spent_share", "time_share", "burn", "window"]
    config = json.loads(grid.proto.columns)
    for column in ("spent_share", "time_share"):
        params = config[column]["type_config"]
        assert (params["format"], params["max_value"]) == ("%.0f%%", 100), params
    shares = grid.value["spent_share"].dropna()
    assert shares.max() > 1  # in percent, not fractions of 1


def test_level1_plans_past_the_monitoring_window_are_flagged_as_level2_ones(run_app):
    at = run_app(page="pages/plans.py")
    assert not at.exception
    assert "Level 1 plans: the monitoring window" in [s.value for s in at.subheader]
    table = next(d.value for d in at.dataframe if "started_on" in d.value.columns and "burn" not in d.value.columns)
    past = sorted(table[table["window"] == queries.PAST_WINDOW]["code"])
    assert "INC-2025-001" in past  # the demo's Level 1 plan started 2025-09-01 with no final report
    warning = next(w.value for w in at.warning if "Level 1 plan" in w.value)
    assert "past the 12-month monitoring window with no final report" in warning
    assert all(code in warning for code in past)
