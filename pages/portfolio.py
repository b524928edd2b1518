"""Portfolio: where every incident stands in the six steps, what it waits for and who owes it."""

from datetime import date

import streamlit as st

from pages import _paging
from pages._auth import can_administer, current_actor
from pages._board import counted
from pages._data import (
    after_write,
    ageing,
    company_figure,
    export_csv,
    figure,
    follow,
    get_engine,
    headline,
    pipeline,
    portfolio,
    read,
    settings,
    settings_as_drawn,
    work,
)
from pages._filters import board_mode, current_filter
from pages._lazy import form_expander
from pages._nav import PAGES, ensure_entry_script
from pages._text import cite, data_table, md, on_slide
from remediation.domain.settings import DEFAULT_TIME_FRAMES, Settings
from remediation.domain.vocab import STEPS
from remediation.reports.charts import compact
from remediation.services import admin
from remediation.storage.queries import PIPELINE_STAGES, PORTFOLIO_SORTS
from remediation.storage.queries import settings as stored_settings  # uncached: what is stored this moment
from remediation.storage.records import ConflictError

ensure_entry_script()

if code := st.query_params.get("incident"):  # an incident link opened on the home page
    st.switch_page(PAGES["incident"], query_params={"incident": code})

today = date.today()
STAGE_LABELS = dict(PIPELINE_STAGES)


def _stage_from_chart() -> None:
    """A click on a pipeline bar selects that stage in the table (cross-filtering)."""
    points = st.session_state["pipeline_chart"]["selection"]["points"]
    if points:
        st.session_state["stage"] = points[0]["customdata"]


board = board_mode()  # a slide: no stage selector, no chart or row selection
st.session_state.setdefault("stage", None)
if board:
    st.session_state["stage"] = st.query_params.get("stage") if st.query_params.get("stage") in STAGE_LABELS else None
flt = current_filter(stage=st.session_state["stage"])
conf = settings()
# The pipeline counts open and closed incidents, the ageing open ones, whatever the open/closed choice: each
# figure says what it counts, so that neither reads as a second scope beside the board's scope line.
pipeline_scope = counted(flt, "open and closed incidents")
ageing_scope = counted(flt, "open incidents")

st.title("Portfolio")
st.caption(f"Where each incident stands in the IOM six-step remediation process, as of {today.isoformat()}"
           + ("." if board else f"; {md(flt.describe(with_status=False))}."))

# --- headline figures ---------------------------------------------------------------------------
h = headline(flt, today)
cols = st.columns(5)  # short labels, the long ones in their help: five fit side by side at 1024 px
cols[0].metric("Open incidents", f"{h.open_incidents:,}")
cols[1].metric("Need Level 1", f"{h.level1_mandatory:,}",
               help="Level 1 mandatory: open incidents whose latest assessment makes Level 1 remediation mandatory.")
cols[2].metric("Victims (L1)", conf.suppress(h.victims_level1),
               help=f"Victims assisted: victims with a case-management plan in a Level 1 plan under implementation. Counts below "
                    f"{conf.small_count_threshold} are shown as '<{conf.small_count_threshold}' to protect victims.")
if len(h.level2_money) == 1:
    money = h.level2_money[0]
    share = money["spent"] / money["budget"] if money["budget"] else 0
    cols[3].metric("L2 budget spent", f"{share:.0%}",
                   delta=f"{money['currency']} {compact(money['spent'])} of {compact(money['budget'])}",
                   delta_color="off", delta_arrow="off",
                   help=f"Spent to date against the budget of {money['plans']} Level 2 plans of open incidents "
                        f"({money['currency']} {money['spent']:,.0f} of {money['budget']:,.0f}); pledged "
                        f"{money['pledged']:,.0f}, received {money['received']:,.0f}.")
elif h.level2_money:
    cols[3].metric("Level 2 plans", f"{sum(x['plans'] for x in h.level2_money)}",
                   help="In several currencies, never summed across them: " + "; ".join(
                       f"{x['currency']}: budget {x['budget']:,.0f}, spent {x['spent']:,.0f}" for x in h.level2_money))
else:
    cols[3].metric("Level 2 spent", "No plans")
cols[4].metric("Overdue", f"{h.overdue:,}",
               help="Overdue incidents: open incidents in their step for longer than the step's indicative time frame.")

if h.open_incidents == 0 and pipeline(flt)["count"].sum() == 0:
    st.info("No incidents match these filters. When an allegation comes in it appears here at Step 1, "
            "*Verify the allegation*; clear the filters in the sidebar to see everything.", icon=":material/inbox:")
    st.stop()

# --- the pipeline and ageing ------------------------------------------------------------------------
if board:
    st.plotly_chart(figure("pipeline", pipeline(flt), today, pipeline_scope, st.session_state["stage"]),
                    key="pipeline_chart", theme=None, config={"displayModeBar": False, "staticPlot": True})
else:
    st.plotly_chart(figure("pipeline", pipeline(flt), today, pipeline_scope, st.session_state["stage"]),
                    key="pipeline_chart", on_select=_stage_from_chart, selection_mode="points", theme=None,
                    config={"displayModeBar": False})
    st.caption("Click a bar to list its incidents below.")
st.plotly_chart(figure("ageing", ageing(flt, today), conf.time_frames, today, ageing_scope),
                key="ageing_chart", theme=None, config={"displayModeBar": False})
st.caption("Open incidents only: a closed incident has an outcome, not an age in a step.")

# --- the company's involvement and the remedy provided (issue #13) --------------------------------------------
involved, remedied = st.container(), st.container()  # one under the other: side by side, each is cut at 1024 px
involved.plotly_chart(company_figure("involvement", work("involvement_counts", flt), today, pipeline_scope),
                      key="involvement_chart", theme=None, config={"displayModeBar": False})
remedied.plotly_chart(company_figure("remedy_by_involvement", work("remedy_by_involvement", flt), today, pipeline_scope),
                      key="remedy_chart", theme=None, config={"displayModeBar": False})
if not board:
    st.caption(f"Caused: the company remediates directly; contributed: it contributes to remediation and uses its "
               f"leverage; directly linked: it uses its leverage over the audit programme and the smelter/refiner "
               f"({cite('company_role_in_harm')}). Remedy types as the plans record them ({cite('remedy_types')}). "
               "Filter both in the sidebar.")


def time_frames_editor() -> None:
    """Edit the indicative time frame of each step (a stored setting, with an audit entry). Saved against
    the versions shown when the form was drawn: an admin who saved in between is not overwritten."""
    seen_versions, seen = settings_as_drawn("time_frames.__seen")
    conflict = st.session_state.pop("time_frames_conflict", None)
    # ``expanded`` is never passed: after a refused save the expander is open already (the save came from it), and
    # a keyed expander whose ``expanded`` changed would be a new one, folded, and the next save's form not drawn.
    with form_expander("Indicative time frame per step", "time_frames") as drawn:
        if not drawn:  # its seven inputs only once opened (issue #15: every portfolio view drew them)
            return
        if conflict:
            st.error(md(conflict), icon=":material/sync_problem:")
        st.caption("UNGP principle 31 asks for a predictable procedure: an indicative time frame for each "
                   f"stage ({cite('ungp31_predictable')}). An incident longer than this in its step counts as overdue.")
        with st.form("time_frames"):
            frame_cols = st.columns(3)
            frames = {n: frame_cols[(n - 1) % 3].number_input(f"{n}. {STEPS[n]} (days)", min_value=1, max_value=3650,
                                                              step=1, value=conf.time_frames[n], key=f"frame{n}")
                      for n in STEPS}
            if st.form_submit_button("Save time frames"):
                try:
                    admin.update_settings(get_engine(), Settings(**{**seen.model_dump(), "time_frames": frames}),
                                             current_actor(), expected_versions=seen_versions)
                except ConflictError as exc:
                    after_write()
                    now = stored_settings(get_engine()).time_frames
                    changes = "; ".join(f"step {n}: {seen.time_frames[n]} → {now[n]} days" for n in STEPS
                                        if seen.time_frames[n] != now[n])
                    st.session_state["time_frames_conflict"] = str(exc) + (f" What changed: {changes}." if changes else "")
                    for n in STEPS:  # show the stored values, not the ones refused
                        st.session_state.pop(f"frame{n}", None)
                else:
                    after_write()
                st.rerun()
        st.caption("Defaults: " + ", ".join(f"step {n}: {d} days" for n, d in DEFAULT_TIME_FRAMES.items()))


if can_administer():
    time_frames_editor()

# --- the incident table ---------------------------------------------------------------------------
stage_options = [None, *STAGE_LABELS]
if not board:
    st.selectbox("Stage", options=stage_options, key="stage", bind="query-params",
                 placeholder="Every stage: the sidebar filters apply",
                 format_func=lambda s: "Every stage: the sidebar filters apply" if s is None else STAGE_LABELS[s])
flt = current_filter(stage=st.session_state["stage"])
# The table pages and sorts on the server: a view sends one page of rows, whatever the portfolio's size.
paging = _paging.controls("table", PORTFOLIO_SORTS, "date_received", board)
sort_by, descending = paging.sort, paging.descending
df, matching, page_no = _paging.read_page(
    lambda n: portfolio(flt, today, sort=sort_by, descending=descending, page=n), paging)
if df.empty:
    st.info("No incident in this stage matches the filters.", icon=":material/filter_alt_off:")
    st.stop()

scope = STAGE_LABELS[flt.stage] if flt.stage else {"open": "open", "closed": "closed", "all": "all"}[flt.status]
st.subheader(f"{_paging.shown(page_no, len(df), matching)} incidents · {scope}", anchor=False)
if matching > len(df):
    st.caption(_paging.caption(page_no, matching, "incidents", PORTFOLIO_SORTS[sort_by], descending))
df["flag"] = df["overdue"].map({True: "Overdue", False: ""})
missing_documents = read("documents_missing", list(df["code"]))
df["documents"] = [missing_documents.get(code, "") for code in df["code"]]
# what was done about each item owed, for this page's incidents only (not every open item's sentence)
pushing = follow("pushing_by_code", flt, today, codes=tuple(df["code"]))
df["pushing"] = [pushing.get(code, "") for code in df["code"]]
# In board mode: the columns that matter on a slide (step, levels, who owes what, days), no row selection.
TABLE_ROWS = 30
BOARD_COLUMNS = ["code", "step_name", "flag", "days_in_step", "level1", "level2", "owed_by", "waiting_for", "pushing"]
BOARD_WIDTHS = {"code": 95, "step_name": 180, "flag": 70, "days_in_step": 95, "level1": 100, "level2": 100,
                "owed_by": 150, "waiting_for": 190, "pushing": 120}
event = data_table(
    df, hide_index=True, width="stretch", key="table",
    **({} if board else {"on_select": "rerun", "selection_mode": "single-row"}),
    # ~all rows of a small portfolio (at least TABLE_ROWS) without scrolling the table: rows are 35 px high
    height=35 * (min(len(df), TABLE_ROWS) + 1) + 3,
    # step, days, levels and who owes what first: visible at 1440 px without scrolling sideways
    column_order=BOARD_COLUMNS if board else [
        "code", "step_name", "flag", "days_in_step", "level1", "level2", "owed_by", "title", "waiting_for",
        "pushing", "closure_flag", "documents", "mineral", "country", "smelter_refiner", "audit_programme", "status",
        "date_received"],
    column_config=on_slide(board, BOARD_WIDTHS, {
        "code": st.column_config.TextColumn("Code", pinned=True),
        "title": st.column_config.TextColumn("Title", width="medium"),
        "step_name": st.column_config.TextColumn("Step or outcome", width="medium"),
        "flag": st.column_config.TextColumn("Overdue", help="In its step longer than the step's time frame."),
        "days_in_step": st.column_config.NumberColumn(
            "Days in step", format="%d", help="Open incidents, and closed ones whose lessons are still owed; "
                                            "empty for an incident closed with nothing owed."),
        "waiting_for": st.column_config.TextColumn("Waiting for", width="large"),
        "owed_by": st.column_config.TextColumn("Owed by"),
        "pushing": st.column_config.TextColumn(
            "Follow-ups", width="large",
            help="What the company did about it: owed by whom for how many days, chased how often, the last "
                 "escalation (the Follow-ups page records them)."),
        "level1": st.column_config.TextColumn("Level 1"),
        "level2": st.column_config.TextColumn("Level 2"),
        "closure_flag": st.column_config.TextColumn(
            "Closure vs figures", width="medium",
            help="Level 2 closure answers the recorded figures contradict, e.g. \"Within budget: declared yes; the "
                 "figures: spent 50,000 of a 5,000 USD budget, 10× the budget\"."),
        "documents": st.column_config.TextColumn(
            "Documents", width="medium",
            help="Facts recorded without the document the company setting requires (imported incidents carry none): "
                 "flagged until it is attached."),
        "mineral": st.column_config.TextColumn("Mineral"),
        "country": st.column_config.TextColumn("Country"),
        "smelter_refiner": st.column_config.TextColumn("Smelter/refiner"),
        "audit_programme": st.column_config.TextColumn("Audit programme"),
        "status": st.column_config.TextColumn("Status"),
        "date_received": st.column_config.DateColumn("Received"),
    }),
)
if board:
    st.stop()
st.caption("Select a row to open the incident. Sort every incident with *Sort by* above (a column header sorts "
           "this page only).")
export_engine, export_frames = get_engine(), conf.time_frames
st.download_button(
    f"Export all {matching:,} incidents (CSV)", file_name=f"portfolio-{today.isoformat()}.csv", mime="text/csv",
    on_click="ignore", icon=":material/download:",
    # built only when clicked: every matching incident, in the order shown
    data=lambda: export_csv(export_engine, flt, today, export_frames, sort_by, descending))
if event.selection.rows:
    st.switch_page(PAGES["incident"], query_params={"incident": df.iloc[event.selection.rows[0]]["code"]})
