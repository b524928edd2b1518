"""Lessons learned: Step 6 read across incidents (guideline lines 1431-1441).

Were the plans' objectives met, the victims satisfied, the communities better off, the budget enough;
which challenges, risks and recommendations recur, and since when; what closed plans cost against their
budget; how long remediation takes from substantiation to closure. Read-only: nothing here writes.
"""

from datetime import date

import streamlit as st
from sqlalchemy.exc import DBAPIError

from pages._data import (
    LESSONS_AREAS,
    PAGE_ROWS,
    WORK_AREAS,
    company_figure,
    lessons_chart,
    lessons_read,
    settings,
    together,
    view,
    work,
)
from pages._filters import board_mode, current_filter
from pages._nav import PAGES, ensure_entry_script
from pages._text import cite, cited_lines, data_table, database_error, link_text_problem, md, on_slide
from remediation.domain.vocab import ACTION_STATUSES, REVIEW_ANSWERS, REVIEW_QUESTIONS
from remediation.storage import lessons
from remediation.storage.lessons import BREAKDOWNS, PERIODS, REVIEW_ITEMS, SEARCH_LIMIT, VARIANCE_BANDS

ensure_entry_script()


def read(query: str, flt, *args):
    return lessons_read(query, flt, *args)


def _from_url(key: str, labels: dict[str, str], default: str) -> str:
    """A segmented control's value as its bound query parameter holds it (by label or value): in board mode
    the control is not drawn."""
    value = st.query_params.get(key)
    back = {v: k for k, v in labels.items()}
    return back.get(value, value) if back.get(value, value) in labels else default


def _review_metrics(overall) -> list[dict]:
    """The four review items' headline metrics (``st.metric`` arguments), from the answers over every review."""
    out = []
    for item, label in REVIEW_ITEMS.items():
        answers = overall[overall["item"] == item].set_index("answer")["count"]
        n = int(overall[overall["item"] == item]["total"].iloc[0]) if not answers.empty else 0
        if not n:
            out.append({"label": label, "value": "—", "help": f"{REVIEW_QUESTIONS[item]} No review recorded yet."})
            continue
        yes, partly = int(answers.get("yes", 0)), int(answers.get("partly", 0))
        out.append({"label": label, "value": f"{yes / n:.0%}",
                    "delta": f"n = {n:,}" + (f" · {partly / n:.0%} partly" if partly else ""),
                    "delta_color": "off", "delta_arrow": "off",
                    "help": f"{REVIEW_QUESTIONS[item]} Share of the {n:,} reviewed incidents answering yes; 'partly' "
                            "is counted apart, never as yes. " + "; ".join(
                                f"{REVIEW_ANSWERS[a]}: {int(answers.get(a, 0)):,}" for a in REVIEW_ANSWERS) + "."})
    return out


def _breakdown_numbers(breakdown):
    """The numbers behind the breakdown chart: one row per group and review item, a column per answer and n."""
    if breakdown.empty:
        return None
    numbers = breakdown.pivot_table(index=["group", "item"], columns="answer", values="count",
                                    sort=False).reset_index()
    numbers["item"] = numbers["item"].map(REVIEW_ITEMS)
    numbers["n"] = numbers[list(REVIEW_ANSWERS)].sum(axis=1)
    return numbers


def _figures(flt, by: str, period: str, today: date, scope: str, few: int) -> dict:
    """Everything of the page drawn from lessons learned's reads (:data:`LESSONS_AREAS`): the headline, the review
    and themes charts, the budget and closure-time charts and the budget totals. Built once per data version and
    view (:func:`pages._data.view`); its seven reads run at once."""
    def chart(name: str, query: str, args: tuple, *chart_args, **chart_kwargs):
        return lessons_chart(name, query, flt, args, *chart_args, **chart_kwargs)

    def themes() -> tuple:  # one read of the tags for both charts: the themes' totals are their trend added up
        trend = read("tag_trend", flt, period)
        tags = lessons.tag_totals(trend)
        reviewed = read("coverage", flt).reviewed
        return tags, (chart("lesson_themes", "tag_trend", (period,), max(reviewed, 1), today, scope),
                      chart("lesson_theme_trend", "tag_trend", (period,), list(tags["tag"].head(12)), PERIODS[period],
                            today, scope, few=few))

    # Each task reads and then draws: one draws (Python) while another's query runs (the database's time).
    cover, overall, breakdown, (tags, theme_charts), totals, *money_charts = together(
        lambda: read("coverage", flt),
        lambda: (read("review_outcomes", flt, None), chart("review_overall", "review_outcomes", (None,), today, scope)),
        lambda: (read("review_outcomes", flt, by),
                 chart("review_breakdown", "review_outcomes", (by,), BREAKDOWNS[by], today, scope, few=few)),
        themes, lambda: read("budget_totals", flt),
        lambda: chart("budget_variance", "budget_bands", (), [b[0] for b in VARIANCE_BANDS], today, scope),
        lambda: chart("days_to_closure", "days_to_closure", (), today, scope))
    if not totals.empty:  # whole currency units: board totals; the exact amounts are on each plan's page
        totals = totals.assign(level=totals["level"].map(lessons.LEVEL_GROUPS), planned=totals["planned"].round(0),
                               actual=totals["actual"].round(0))
    return {
        "cover": cover, "metrics": _review_metrics(overall[0]), "numbers": _breakdown_numbers(breakdown[0]),
        "tag_options": list(tags["tag"].sort_values()), "totals": None if totals.empty else totals,
        "review_overall": overall[1], "review_breakdown": breakdown[1],
        "themes": theme_charts[0], "theme_trend": theme_charts[1],
        "budget_variance": money_charts[0], "days_to_closure": money_charts[1],
    }


def _company_work(flt, today: date, scope: str, board: bool) -> dict:
    """Lessons into action and the remedy chart (:data:`WORK_AREAS`): the actions' counts, a page of open actions and
    of what actions led to, shaped for their tables; built once per data version and view, its four reads at once."""
    counts, remedy, open_actions, led = together(
        lambda: work("lesson_action_counts", flt, today), lambda: work("remedy_by_involvement", flt, True),
        lambda: work("lesson_actions", flt, today, only="open", limit=PAGE_ROWS),
        lambda: None if board else work("lesson_actions", flt, today, only="led", limit=PAGE_ROWS))
    out = {"counts": counts, "open": None, "led": led if counts.led else None,
           "remedy": company_figure("remedy_by_involvement", remedy, today, scope)}
    if counts.open:
        out["open"] = open_actions.assign(status=open_actions["status"].map(ACTION_STATUSES),
                                          overdue=open_actions["overdue"].map({True: "Overdue", False: ""}))
    return out


today = date.today()
board = board_mode()  # a slide: no control, no row selection; every caveat a figure needs stays
flt = current_filter()
scope = lessons.scope_line(flt)
few = settings().small_count_threshold
SHORT = {"objectives_met": "Objectives", "victims_satisfied": "Victims", "communities_benefited": "Communities",
         "budget_sufficient": "Budget"}  # narrow table headers; the full question is the column's help
plot = {"theme": None, "config": {"displayModeBar": False}}

st.title("Lessons learned")
st.caption(f"Step 6 of the IOM guideline, read across incidents: what worked, what did not, and what to do "
           f"differently next time. As of {today.isoformat()}"
           # in board mode the scope line says the filters: the page says only what it counts, never a second scope
           + ("" if board else f"; {md(flt.describe(with_status=False))}") + ". Everything here concerns incidents "
           f"closed after remediation, whatever the {'scope line' if board else 'sidebar'}'s open/closed choice.")

# --- headline figures ---------------------------------------------------------------------------------
# The page's controls are drawn first, each in its place, so its figures can be read as one part (pages._data.view).
headline = st.container()
st.subheader("Did remediation work?", anchor=False)
if not board:
    st.caption(f"The guideline's review at closure ({cited_lines('lessons_review_four_items')}): were the plan's "
               "objectives met, the victims satisfied, the communities benefited, the budget sufficient? Each bar "
               "shows the share of reviewed incidents giving each answer, with the number of incidents behind it.")
overall_chart = st.container()
if board:
    by = _from_url("lessons_by", BREAKDOWNS, "mineral")
else:
    by = st.segmented_control("Break down by", options=list(BREAKDOWNS), format_func=BREAKDOWNS.get,
                              default="mineral", required=True, key="lessons_by", bind="query-params") or "mineral"
breakdown_part = st.container()
st.subheader("Challenges, risks and recommendations", anchor=False)
left, right = st.container(), st.container()  # one under the other: side by side, each is cut at 1024 px
with right:
    trend_chart = st.container()  # drawn above its control, so the two charts' titles line up
    if board:
        period = _from_url("lessons_period", PERIODS, "closure_year")
    else:
        period = st.segmented_control("Themes over time by", options=list(PERIODS), format_func=PERIODS.get,
                                      default="closure_year", required=True, key="lessons_period",
                                      bind="query-params") or "closure_year"
# The page's two parts, built (when cold) side by side: their reads are of different tables.
figures, done = together(lambda: view("lessons.figures", LESSONS_AREAS, _figures, flt, by, period, today, scope, few),
                         lambda: view("lessons.company_work", WORK_AREAS, _company_work, flt, today, scope, board))

# --- headline figures ---------------------------------------------------------------------------------
cover = figures["cover"]
with headline:
    cols = st.columns(len(REVIEW_ITEMS) + 1)
    cols[0].metric("Lessons captured", f"{cover.reviewed / cover.closed:.0%}" if cover.closed else "—",
                   delta=f"{cover.reviewed:,} of {cover.closed:,} closed", delta_color="off", delta_arrow="off",
                   help=f"Incidents closed after remediation whose Step 6 review is recorded: {cover.reviewed:,} of "
                        f"{cover.closed:,} matching the filters; {cover.pending:,} still owe their lessons.")
    for col, metric in zip(cols[1:], figures["metrics"]):
        col.metric(**metric)
    if cover.closed == 0:
        st.info("No incident closed after remediation matches these filters yet. Lessons are captured at Step 6, "
                "once the downstream company has closed an incident; the charts below fill in as they are recorded.",
                icon=":material/school:")
    elif cover.reviewed == 0:
        st.info(f"None of the {cover.closed:,} incidents closed after remediation has its lessons recorded yet.",
                icon=":material/school:")

# --- the four review items ----------------------------------------------------------------------------
overall_chart.plotly_chart(figures["review_overall"], key="review_overall", **plot)
with breakdown_part:
    st.plotly_chart(figures["review_breakdown"], key="review_breakdown", **plot)
    st.caption(f"n is the number of reviewed incidents in the group; groups of fewer than {few} are marked "
               "*(few)*: read their shares with care. By level, an incident with a Level 1 and a Level 2 plan "
               "counts in both groups.")  # the caveat the "(few)" bars need: in board mode too
    if not board and figures["numbers"] is not None:
        with st.expander("The numbers behind the breakdown"):
            data_table(figures["numbers"], hide_index=True, width="stretch",
                       column_order=["group", "item", *REVIEW_ANSWERS, "n"],
                       column_config={"group": BREAKDOWNS[by], "item": "Review item",
                                      **{a: st.column_config.NumberColumn(REVIEW_ANSWERS[a], format="%d")
                                         for a in REVIEW_ANSWERS},
                                      "n": st.column_config.NumberColumn("Incidents", format="%d")})

# --- challenges, risks and recommendations ---------------------------------------------------------------
left.plotly_chart(figures["themes"], key="themes", **plot)
trend_chart.plotly_chart(figures["theme_trend"], key="theme_trend", **plot)


@st.fragment
def review_list() -> None:
    """The reviews themselves, searchable; a fragment, so typing reruns only the list. A fragment's rerun runs
    outside app.py's handler, so it says a database failure in words itself."""
    try:
        _review_list()
    except DBAPIError as exc:
        database_error(exc)


def _review_list() -> None:
    if board:  # the search of the link, no search box
        text = st.query_params.get("lessons_q", "")
        chosen = [t for t in st.query_params.get_all("lessons_tags") if t]
    else:
        text, chosen = _review_controls()
    if problem := link_text_problem(text, "Search the lessons"):  # e.g. a NUL from ?lessons_q=%00
        st.warning(problem, icon=":material/search_off:")
        return
    _review_table(text, chosen)


def _review_controls() -> tuple[str, list]:
    search_col, tag_col = st.columns([3, 2])
    text = search_col.text_input(
        "Search the lessons", key="lessons_q", bind="query-params", max_chars=200, live=True,
        placeholder="A word or two: funding, retaliation, child protection…",
        help="Searches challenges, risks and mitigations, recommendations, monitoring tools, communication "
             "channels and themes; every word must appear.") or ""
    chosen = tag_col.multiselect("Themes", options=figures["tag_options"], key="lessons_tags",
                                 bind="query-params", placeholder="Any theme",
                                 help="Reviews carrying at least one of the chosen themes.")
    return text, chosen


def _review_table(text: str, chosen: list) -> None:
    df, total = read("search", flt, text.strip(), tuple(chosen))
    if total == 0:
        st.info("No lesson matches this search." if (text.strip() or chosen) else "No lessons recorded yet.",
                icon=":material/search_off:")
        return
    shown = f"{len(df):,} of {total:,}" if total > len(df) else f"{total:,}"
    st.markdown(f"**{shown} {'review' if total == 1 else 'reviews'}**, newest first"
                + (f" — the newest {SEARCH_LIMIT:,} are listed; search to narrow them" if total > SEARCH_LIMIT else ""))
    event = data_table(
        df, hide_index=True, width="stretch", key="lessons_table",
        **({} if board else {"on_select": "rerun", "selection_mode": "single-row"}),
        column_order=["link", "reviewed_on", "title", *REVIEW_ITEMS, "closure_flag", "recommendations"] if board else [
                      "link", "reviewed_on", "title", *REVIEW_ITEMS, "closure_flag", "challenges", "risks_and_mitigations",
                      "recommendations", "tags", "monitoring_tools", "communication_channels", "mineral", "country",
                      "audit_programme", "closed_on"],
        column_config=on_slide(board, {"link": 100, "reviewed_on": 95, "title": 190, "objectives_met": 80,
                                       "victims_satisfied": 80, "communities_benefited": 90, "budget_sufficient": 80,
                                       "closure_flag": 150, "recommendations": 235}, {
            "link": st.column_config.LinkColumn("Incident", display_text=r"incident=(.*)$", pinned=True,
                                              help="Opens the incident in a new tab."),
            "reviewed_on": st.column_config.DateColumn("Reviewed"),
            "title": st.column_config.TextColumn("Title", width="medium"),
            **{item: st.column_config.TextColumn(SHORT[item], width="small", help=REVIEW_QUESTIONS[item])
               for item in REVIEW_ITEMS},
            "closure_flag": st.column_config.TextColumn(
                "Closure vs figures", width="medium",
                help="Level 2 closure answers the recorded figures contradict (declared, then what the figures say)."),
            "challenges": st.column_config.TextColumn("Challenges", width="large"),
            "risks_and_mitigations": st.column_config.TextColumn("Risks and mitigations", width="large"),
            "recommendations": st.column_config.TextColumn("Recommendations", width="large"),
            "tags": st.column_config.TextColumn("Themes", width="medium"),
            "monitoring_tools": st.column_config.TextColumn("Monitoring tools", width="medium"),
            "communication_channels": st.column_config.TextColumn("Communication channels", width="medium"),
            "mineral": "Mineral", "country": "Country", "audit_programme": "Audit programme",
            "closed_on": st.column_config.DateColumn("Closed"),
        }),
    )
    if not board:
        st.caption("Select a row to open its incident here, or follow the code's link to open it in a new tab.")
    if not board and event.selection.rows:
        st.switch_page(PAGES["incident"], query_params={"incident": df.iloc[event.selection.rows[0]]["code"]})


review_list()

# --- budget outcome and time to closure -------------------------------------------------------------------
st.subheader("Budget outcome and time to closure", anchor=False)
left, right = st.container(), st.container()  # one under the other: side by side, each is cut at 1024 px
left.plotly_chart(figures["budget_variance"], key="budget_variance", **plot)
right.plotly_chart(figures["days_to_closure"], key="days_to_closure", **plot)
if (totals := figures["totals"]) is not None:  # whole currency units: the exact amounts are on each plan's page
    data_table(totals, hide_index=True, width="stretch",
               column_order=["currency", "level", "plans", "planned", "actual", "variance", "over_budget"],
               column_config={
                   "currency": "Currency", "level": "Level",
                   "plans": st.column_config.NumberColumn("Closed plans", format="localized"),
                   "planned": st.column_config.NumberColumn("Planned (budget)", format="localized"),
                   "actual": st.column_config.NumberColumn("Actual (spent)", format="localized"),
                   "variance": st.column_config.NumberColumn("Actual against planned", format="percent"),
                   "over_budget": st.column_config.NumberColumn(
                       "Plans over budget", format="localized",
                       help="More than 1% over their budget: the chart's \"over\" bands."),
               })
if not board:
    st.caption("Plans of incidents closed after remediation. Planned is the plan budget: the larger of its estimate "
               "and the sum of its budget lines; actual is the sum of its expenditures. Amounts are in each plan's "
               "currency and never added across currencies; the bands compare each plan with its own budget. Time "
               "to closure runs from the audit programme's substantiation to the downstream company's closing; by "
               "level, an incident with both plans counts in both.")

# --- lessons into action (guideline lines 1454-1459) ------------------------------------------------------------
st.subheader("Lessons into action", anchor=False)
counts = done["counts"]  # counted in SQL; the tables below list a page of actions
a, b, c = st.columns(3)
a.metric("Open actions", f"{counts.open:,}", help="Raised by a lessons review and not yet done or dropped.")
b.metric("Overdue", f"{counts.overdue:,}", help="Open past their due date.")
c.metric("Closed", f"{counts.closed:,}", delta=f"of {counts.raised:,} raised", delta_color="off",
         delta_arrow="off", help="Done or dropped.")
if not board:
    st.caption(f"A lessons review raises actions so the learning reaches due diligence and management systems "
               f"({cite('lessons_into_due_diligence')}): each with an owner, a due date and what it led to (a "
               "policy version, a due-diligence change). Record them on the incident's Lessons tab. Actions of every "
               "incident matching the filters, open or closed.")
if not counts.open:
    st.info("No open action." if counts.raised else "No lessons review has raised an action yet.",
            icon=":material/task_alt:")
else:
    open_actions = done["open"]
    if counts.open > len(open_actions):
        st.caption(f"The first {len(open_actions):,} of {counts.open:,} open actions, overdue first, then by due date; "
                   "an incident's Lessons tab lists all of its own.")
    data_table(open_actions, hide_index=True, width="stretch",
               column_order=["code", "title", "owner", "due_on", "overdue", "status", "incident"],
               column_config={"code": "Incident", "title": st.column_config.TextColumn("Action", width="large"),
                              "owner": "Owner", "due_on": st.column_config.DateColumn("Due"),
                              "overdue": "Overdue", "status": "Status",
                              "incident": st.column_config.TextColumn("Incident title", width="medium")})
if counts.led and not board:
    with st.expander(f"What the actions led to ({counts.led:,})"):
        led = done["led"]
        if counts.led > len(led):
            st.caption(f"The first {len(led):,} of {counts.led:,}, overdue first, then by due date.")
        data_table(led, hide_index=True, width="stretch",
                   column_order=["code", "title", "status", "closed_on", "policy_version", "due_diligence_change"],
                   column_config={"code": "Incident", "title": "Action", "status": "Status",
                                  "closed_on": st.column_config.DateColumn("Closed"),
                                  "policy_version": st.column_config.NumberColumn("Policy version", format="%d"),
                                  "due_diligence_change": "Due-diligence change"})

# --- remedy and involvement -------------------------------------------------------------------------------------
st.subheader("Remedy provided and the company's involvement", anchor=False)
st.plotly_chart(done["remedy"], key="remedy_by_involvement", **plot)
if not board:
    st.caption("Plans of the incidents closed after remediation, by the types of remedy they provide "
               f"({cite('remedy_types')}) and how the company relates to the harm ({cite('company_role_in_harm')}). "
               "Break the review items down by the company's involvement above; filter both in the sidebar.")
