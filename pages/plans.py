"""Level 2 plans: are they funded, on budget and on track? Budgets, funding by source, spending,
indicators against their targets, and the 6-12 month monitoring window."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from pages import _data, _paging
from pages._data import level1_windows, level2_plans, level2_totals, load_incident, read
from pages._filters import board_mode, current_filter
from pages._forms import for_plan, guard_stale_submissions, service_form, show_conflict
from pages._nav import ensure_entry_script
from pages._text import as_text, cite, cited_lines, data_table, link_code_problem, md, on_slide
from remediation.domain import models as m
from remediation.domain.monitoring import (
    BURN_LABELS,
    STATUS_LABELS,
    burn_rate,
    indicator_status,
    monitoring_window,
    planned_end,
)
from remediation.domain.vocab import FUNDING_SOURCES, INDICATOR_KINDS, INITIATIVE_KINDS, QUALITATIVE_STATUSES
from remediation.reports import plan_charts
from remediation.reports.charts import compact
from remediation.services import incidents as services
from remediation.storage.queries import PLAN_SORTS

ensure_entry_script()

today = date.today()
flt = current_filter()
board = board_mode()
# The page's three slowest reads, run side by side before anything is drawn: a cold page (the first view after any
# write) then waits for the slowest of them rather than their sum (issue #15). Each is the cached read the page
# draws from below, with the same arguments, so the page reads each once.
_data.together(lambda: level2_totals(flt), lambda: read("level1_window_counts", flt, today),
               lambda: level1_windows(flt, today, 1 if board else int(st.session_state.get("level1_page", 1))))

st.title("Level 2 plans")
st.caption("Initiatives that strengthen support services and address the contextual factors behind exploitation "
           f"({cite('level2_initiatives')}): money, results and monitoring, as of {today.isoformat()}; "
           f"{md(flt.describe())}.")


def level1_section() -> None:
    """Level 1 plans in the same 6-12-month monitoring window, flagged as Level 2's are (the incident page says it
    per incident; here every Level 1 plan of the filters is seen, a page at a time, those past the window first)."""
    counts = read("level1_window_counts", flt, today)
    st.subheader("Level 1 plans: the monitoring window", anchor=False)
    st.caption("Case-management plans are monitored for 6-12 months after implementation starts, as Level 2 plans "
               f"are ({cited_lines('monitoring_period')}); a plan past 12 months with no final report is flagged "
               "the same way.")
    if not counts.started:
        st.caption("No Level 1 plan of these filters has started implementation.")
        return
    if counts.past:
        named = ", ".join(counts.past_codes) + ("" if counts.past <= len(counts.past_codes) else
                                                f" and {counts.past - len(counts.past_codes):,} more (listed first below)")
        st.warning(f"{counts.past:,} Level 1 plan{'s' if counts.past != 1 else ''} past the 12-month monitoring "
                   f"window with no final report: {named}.", icon=":material/schedule:")
    else:
        st.caption("No Level 1 plan is past its monitoring window.")
    page_no = 1
    if counts.started > _data.PAGE_ROWS and not board:
        page_no = int(st.number_input(f"Page (of {_paging.pages(counts.started):,})", min_value=1,
                                      max_value=_paging.pages(counts.started), step=1, key="level1_page"))
    plans = level1_windows(flt, today, page_no)
    if counts.started > len(plans):
        st.caption(f"{_paging.shown(page_no, len(plans), counts.started)} Level 1 plans started: those past the "
                   "window first, then the newest.")
    data_table(plans, hide_index=True, width="stretch", key="level1_windows",
               column_order=["code", "started_on", "months", "reports", "window"]
               + ([] if board else ["final_report_on", "title"]),
               column_config={
                   "code": st.column_config.TextColumn("Incident", pinned=True),
                   "title": st.column_config.TextColumn("Title", width="medium"),
                   "started_on": st.column_config.DateColumn("Implementation started"),
                   "months": st.column_config.NumberColumn("Months monitored", format="%d"),
                   "reports": st.column_config.NumberColumn("Reports", format="%d",
                                                            help="Monitoring reports received."),
                   "final_report_on": st.column_config.DateColumn("Final report"),
                   "window": st.column_config.TextColumn("Monitoring window", help="The guideline recommends 6-12 "
                                                         "months of monitoring, then closure.")})


totals = level2_totals(flt)  # read beside the Level 1 section's reads, above
if totals.empty:
    st.info("No Level 2 plan matches these filters. A plan appears here once the remediation facilitator opens it "
            "at Step 3.", icon=":material/inbox:")
    level1_section()
    st.stop()

depth = st.container()  # one plan in depth comes first, so a link to a plan (?plan=INC-…) opens on it; drawn below,
# once the table's page is read (its rows are the choices)


def _words(value) -> str:
    """A table cell in words: no "None", no raw vocabulary keys; one type per column (Arrow-safe)."""
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    if isinstance(value, float):
        return f"{value:,g}"
    return QUALITATIVE_STATUSES.get(value, str(value)) if isinstance(value, str) else str(value)


def plan_in_depth() -> None:
    rec = found[0]
    guard_stale_submissions(code, found[2], rec)
    show_conflict()
    st.subheader(f"{code}: {md(rec.incident.title)}", anchor=False)
    window = monitoring_window(plan, today)
    end = planned_end(plan)
    burn = burn_rate(plan.spent, plan.budget, plan.implementation_started_on, end, today)
    cols = st.columns(4)
    cols[0].metric(f"Budget ({plan.currency})", f"{plan.budget:,.0f}")
    cols[1].metric(f"Spent ({plan.currency})", f"{plan.spent:,.0f}", delta=BURN_LABELS[burn.status], delta_color="off",
                   delta_arrow="off")
    cols[2].metric("Months monitored", f"{window.months}" if plan.implementation_started_on else "—",
                   delta=None if window.flagged else window.label, delta_color="off", delta_arrow="off",
                   help=window.label)  # flagged: the warning below says it in full
    cols[3].metric("Reports", f"{window.reports_received} of {window.reports_due}",
                   help="Monitoring reports received of those due: one every three months of implementation.")
    if window.flagged:
        st.warning(f"{window.label}: the guideline recommends 6-12 months of monitoring, then the final report and "
                   f"closure ({cited_lines('monitoring_period')}).", icon=":material/schedule:")
    st.caption(f"Facilitator: {md(plan.facilitator)} · implementation started {as_text(plan.implementation_started_on)} · "
               f"planned end {as_text(end)} · pledged {plan.pledged:,.0f} {plan.currency}")

    overspent = [b.category for b in plan.budget_lines
                 if sum((e.amount for e in plan.expenditures if e.category == b.category), 0) > b.amount]
    if overspent:
        st.warning(f"Over budget: {md(', '.join(overspent))} (spent more than the budget line).",
                   icon=":material/warning:")
    left, right = st.columns(2)
    left.plotly_chart(plan_charts.spending_over_time(plan, today, plan.implementation_started_on, end), theme=None, key="spending",
                      config={"displayModeBar": False})
    right.plotly_chart(plan_charts.budget_lines(plan, today), theme=None, key="lines", config={"displayModeBar": False})

    st.markdown("##### Initiatives, results and indicators")
    rows = []
    for init in plan.initiatives:
        st.markdown(f"**{md(init.title)}** ({INITIATIVE_KINDS[init.kind].lower()}, due {init.due_date}): "
                    f"{md(init.expected_result)}")
        for ind in init.indicators:
            last = ind.measurements[-1] if ind.measurements else None
            latest = (last.value if last.value is not None else last.status) if last else None
            rows.append({"Initiative": init.title, "Indicator": ind.name, "Kind": INDICATOR_KINDS[ind.kind],
                         "Unit": ind.unit, "Baseline": ind.baseline_value, "Target": ind.target_value,
                         "Due": ind.target_date, "Latest": "Not measured yet" if last is None else latest,
                         "Measured on": last.measured_on if last else None,
                         "Narrative": last.narrative if last else "",
                         "Status": STATUS_LABELS[indicator_status(ind, today)]})
    if rows:  # every cell in words and as text: Arrow refuses a column mixing numbers and words
        # on a slide: the narrative (a paragraph) stays on the page out of board mode
        data_table(pd.DataFrame(rows).map(_words), hide_index=True, width="stretch",
                   column_order=[c for c in rows[0] if c != "Narrative"] if board else None,
                   column_config=on_slide(board, {"Initiative": 192, "Indicator": 192, "Kind": 90, "Unit": 70,
                                                  "Baseline": 70, "Target": 65, "Due": 95, "Latest": 110,
                                                  "Measured on": 100, "Status": 115}, {}))
    quantitative = [ind for init in plan.initiatives for ind in init.indicators if ind.kind == "quantitative"]
    for i in range(0, len(quantitative), 2):
        pair = st.columns(2)
        for col, ind in zip(pair, quantitative[i:i + 2]):
            col.plotly_chart(plan_charts.indicator_progress(ind, today), theme=None, key=f"indicator_{i}_{ind.name}",
                             config={"displayModeBar": False})



# --- the portfolio of plans, per currency (never summed across currencies) ------------------------------
for _, row in totals.iterrows():
    cur = row["currency"]
    st.subheader(f"{row['plans']:,} plans in {cur}", anchor=False)
    cols = st.columns(4)
    cols[0].metric(f"Budget ({cur})", compact(row["budget"]), help=f"{cur} {row['budget']:,.2f}: the sum of the "
                   "plans' budgets (the larger of each plan's estimate and its budget lines).")
    cols[1].metric(f"Pledged ({cur})", compact(row["pledged"]), delta=f"received {compact(row['received'])}",
                   delta_color="off", delta_arrow="off")
    cols[2].metric(f"Spent ({cur})", compact(row["spent"]),
                   delta=f"{row['spent'] / row['budget']:.0%} of budget" if row["budget"] else None,
                   delta_color="off", delta_arrow="off")
    gap = row["budget"] - row["pledged"]
    cols[3].metric(f"Funding gap ({cur})", compact(max(gap, 0)),
                   help="Budget not yet covered by pledges; implementation starts once funding is secured.")
    st.plotly_chart(plan_charts.funding_by_source(row.to_dict(), today, flt.describe()), theme=None,
                    key=f"funding_{cur}", config={"displayModeBar": False})

# The table pages and sorts on the server, as the portfolio's does: a view sends one page of plans.
paging = _paging.controls("plans", PLAN_SORTS, "date_received", board)
df, matching, page_no = _paging.read_page(
    lambda n: level2_plans(flt, today, paging.sort, paging.descending, n), paging)  # with burn rate and window
st.subheader(f"{_paging.shown(page_no, len(df), matching)} Level 2 plans", anchor=False)
if matching > len(df):
    st.caption(_paging.caption(page_no, matching, "plans", PLAN_SORTS[paging.sort], paging.descending))
shares = df.assign(spent_share=df["spent_share"] * 100, time_share=df["time_share"] * 100)  # whole percents
data_table(
    shares, hide_index=True, width="stretch", key="plans_table",
    **({} if board else {"on_select": "rerun", "selection_mode": "single-row"}),
    column_order=(["code", "currency", "budget", "spent", "gap", "spent_share", "time_share", "burn", "window"]
                if board else ["code", "currency", "budget", "spent", "spent_share", "time_share", "burn", "window",
                               "gap", "pledged", "received", "months", "reports", "title"]),
    column_config={
        "code": st.column_config.TextColumn("Incident", pinned=True),
        "title": st.column_config.TextColumn("Title", width="medium"),
        "currency": "Currency",
        "budget": st.column_config.NumberColumn("Budget", format="%,.0f"),
        "pledged": st.column_config.NumberColumn("Pledged", format="%,.0f"),
        "received": st.column_config.NumberColumn("Received", format="%,.0f"),
        "spent": st.column_config.NumberColumn("Spent", format="%,.0f"),
        "gap": st.column_config.NumberColumn("Gap", format="%,.0f", help="Budget not covered by pledges."),
        "spent_share": st.column_config.ProgressColumn("Budget spent", format="%.0f%%", min_value=0, max_value=100),
        "time_share": st.column_config.ProgressColumn("Time elapsed", format="%.0f%%", min_value=0, max_value=100),
        "burn": st.column_config.TextColumn("Burn rate", help="Share of budget spent against share of time "
                                                           "elapsed (±15 points)."),
        "months": st.column_config.NumberColumn("Months monitored", format="%d"),
        "reports": st.column_config.NumberColumn("Reports", format="%d", help="Monitoring reports received."),
        "window": st.column_config.TextColumn("Monitoring window", help="The guideline recommends 6-12 months of "
                                                                     "monitoring, then closure."),
    },
)
st.caption("Amounts in each plan's own currency." + ("" if board else " Select a row to see the plan in depth."))

# --- one plan in depth (drawn at the top of the page) ----------------------------------------------------
event = st.session_state.get("plans_table")
if event and event["selection"]["rows"] and event["selection"]["rows"][0] < len(df):
    st.session_state["plan"] = df.iloc[event["selection"]["rows"][0]]["code"]
codes = list(df["code"])
wanted = st.session_state.get("plan") or st.query_params.get("plan")
if wanted and wanted not in codes:  # a link or a choice from another page of the table: any Level 2 plan opens
    if problem := link_code_problem(wanted, "plan"):  # a NUL or a look-alike never reaches the database
        st.warning(problem, icon=":material/link_off:")
    else:
        linked = load_incident(wanted)
        codes = ([wanted] if linked and linked[0].plan(2) else []) + codes
with depth:
    if not board:
        st.selectbox("Plan in depth", options=codes, key="plan", bind="query-params", index=None,
                     placeholder="Choose an incident's Level 2 plan (this page of the table, or a linked one)")
        code = st.session_state.get("plan")
    else:
        code = st.query_params.get("plan") if st.query_params.get("plan") in codes else None
    found = load_incident(code) if code else None
    plan = found[0].plan(2) if found else None
    if plan is not None:
        plan_in_depth()
        st.divider()

level1_section()

if plan is None:
    st.stop()
rec = found[0]

if not board and found[1].is_open:
    st.markdown("##### Record")
    tabs = st.tabs(["Budget line", "Funding", "Expenditure", "Indicator", "Measurement"])
    kw = {"code": code, "version": found[2], "seen": rec}
    with tabs[0]:
        service_form(m.BudgetLine, "plan_budget", for_plan(services.add_budget_line, 2), role="remediation_facilitator",
                     success="Budget line added", submit_label="Add budget line",
                     labels={"amount": f"Amount ({plan.currency})"}, **kw)
    with tabs[1]:
        service_form(m.Funding, "plan_funding", for_plan(services.add_funding, 2), role="smelter_refiner",
                     success="Funding recorded", submit_label="Add funding",
                     labels={"pledged": f"Pledged ({plan.currency})", "received": f"Received ({plan.currency})"},
                     choices={"source": FUNDING_SOURCES}, **kw)
    with tabs[2]:
        service_form(m.Expenditure, "plan_spend", for_plan(services.add_expenditure, 2), role="remediation_facilitator",
                     success="Expenditure recorded", submit_label="Add expenditure",
                     choices={"category": {b.category: b.category for b in plan.budget_lines}} if plan.budget_lines
                     else None, labels={"amount": f"Amount ({plan.currency})"}, **kw)
    with tabs[3]:
        if plan.initiatives:
            which = st.selectbox("Initiative", options=range(len(plan.initiatives)), key="plan_indicator_for",
                                 format_func=lambda k: plan.initiatives[k].title)
            service_form(m.Indicator, "plan_indicator",
                         lambda e, c, payload, a, **kw: services.add_indicator(e, c, which, payload, a, **kw),
                         role="remediation_facilitator", success="Indicator added", submit_label="Add indicator",
                         exclude={"measurements"}, **kw)
        else:
            st.caption("Add an initiative at Step 3 first.")
    with tabs[4]:
        indicators = [(i, j, ind) for i, init in enumerate(plan.initiatives) for j, ind in enumerate(init.indicators)]
        if indicators:
            pick = st.selectbox("Indicator", options=range(len(indicators)), key="plan_measure_for",
                                format_func=lambda k: f"{indicators[k][2].name} ({indicators[k][2].kind})")
            i, j, _ = indicators[pick]
            service_form(m.Measurement, "plan_measure",
                         lambda e, c, payload, a, **kw: services.add_measurement(e, c, i, j, payload, a, **kw),
                         role="remediation_facilitator", success="Measurement recorded",
                         submit_label="Add measurement", **kw)
        else:
            st.caption("No indicator to measure yet.")
