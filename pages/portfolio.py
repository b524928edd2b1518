"""Portfolio: every incident, where it sits in the six steps, and what it is waiting for."""

from datetime import date

import streamlit as st

from pages._ui import portfolio, status_counts
from remediation.queries import PORTFOLIO_LIMIT, PortfolioFilter
from remediation.vocab import STATUSES, STEPS

today = date.today()
st.title("Portfolio")
st.caption(f"Incidents in the company's supply chain and where each stands in the IOM six-step process, "
           f"as of {today.isoformat()}.")

counts = status_counts(today)
total = sum(counts.values())
if total == 0:
    st.info("No incidents are recorded yet. When an allegation comes in, it appears here at Step 1, "
            "*Verify the allegation*.", icon=":material/inbox:")
    st.stop()

open_n = counts.get("open", 0)
cols = st.columns(5)
cols[0].metric("Open incidents", f"{open_n:,}")
cols[1].metric("Closed after remediation", f"{counts.get('closed_remediated', 0):,}")
cols[2].metric("Closed: unsubstantiated", f"{counts.get('closed_unsubstantiated', 0):,}")
cols[3].metric("Closed: not credible", f"{counts.get('closed_not_credible', 0):,}")
cols[4].metric("Closed: not actionable", f"{counts.get('closed_not_actionable', 0):,}")

left, right = st.columns([1, 2])
status = left.segmented_control("Show", options=["open", "closed", "all"], default="open",
                                format_func={"open": "Open", "closed": "Closed", "all": "All"}.get,
                                key="status") or "all"
step = right.selectbox("Step", options=[None, *STEPS], key="step",
                       format_func=lambda s: "Every step" if s is None else f"{s}. {STEPS[s]}")

df, matching = portfolio(PortfolioFilter(status=status, step=step), today)
if df.empty:
    st.info("No incident matches this view. Choose *All* or another step.", icon=":material/filter_alt_off:")
    st.stop()

shown = f"{len(df):,} of {matching:,}" if matching > len(df) else f"{matching:,}"
st.subheader(f"{shown} incidents", anchor=False)
if matching > PORTFOLIO_LIMIT:
    st.caption(f"The newest {PORTFOLIO_LIMIT:,} are listed; narrow the view to see others.")
st.dataframe(
    df,
    hide_index=True,
    width="stretch",
    column_order=["code", "title", "step_name", "status", "waiting_for", "owed_by", "days_in_step", "level1",
                  "level2", "mineral", "country", "smelter_refiner", "audit_programme", "date_received"],
    column_config={
        "code": st.column_config.TextColumn("Code", pinned=True),
        "title": st.column_config.TextColumn("Title", width="medium"),
        "step_name": st.column_config.TextColumn("Current step", width="medium"),
        "status": st.column_config.TextColumn("Status", help="; ".join(STATUSES.values())),
        "waiting_for": st.column_config.TextColumn("Waiting for", width="large"),
        "owed_by": st.column_config.TextColumn("Owed by"),
        "days_in_step": st.column_config.NumberColumn("Days in step", format="%d"),
        "level1": st.column_config.TextColumn("Level 1"),
        "level2": st.column_config.TextColumn("Level 2"),
        "mineral": st.column_config.TextColumn("Mineral"),
        "country": st.column_config.TextColumn("Country"),
        "smelter_refiner": st.column_config.TextColumn("Smelter/refiner"),
        "audit_programme": st.column_config.TextColumn("Audit programme"),
        "date_received": st.column_config.DateColumn("Received"),
    },
)
