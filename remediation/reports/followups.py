"""Follow-ups as documents: a party's chase list (XLSX, and e-mail-ready text to copy) and the chart of how often
and how hard the company had to push, by quarter and escalation tier (the board's view; counts only)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go

from remediation.domain.followups import ESCALATION_TIERS, GUIDELINE_BASIS
from remediation.reports.charts import empty
from remediation.reports.theme import count_axis, figure, layout, plain, title
from remediation.services.spreadsheets import tables_to_xlsx

__all__ = ["CHASE_LIST_COLUMNS", "PUSH_COLOURS", "chase_list_frame", "chase_list_text", "chase_list_xlsx", "push_chart"]

CHASE_LIST_COLUMNS = {
    "code": "Incident", "item": "What is owed", "since": "Owed since", "days": "Days", "chases": "Chased",
    "last_chased_on": "Last chased", "last_escalation": "Last escalation", "next_due_on": "Answer due",
    "overdue": "Answer overdue",
}
PUSH_COLOURS = {"reminder": "#c6dbef", "senior_contact": "#6baed6", "leverage": "#ef8a62", "disengagement": "#b2182b"}


def chase_list_frame(owed: pd.DataFrame) -> pd.DataFrame:
    """The chase list as a table with readable headers (overdue first, as :func:`owed_items` orders it)."""
    out = owed[list(CHASE_LIST_COLUMNS)].rename(columns=CHASE_LIST_COLUMNS).copy()
    out["Answer overdue"] = out["Answer overdue"].map({True: "yes", False: ""})
    return out


def chase_list_xlsx(owed: pd.DataFrame, party_label: str) -> bytes:
    return tables_to_xlsx({f"Owed by {party_label}"[:31]: chase_list_frame(owed)})


def chase_list_text(owed: pd.DataFrame, party_label: str, today: date, sender: str = "") -> str:
    """An e-mail to the party, ready to paste: every item it owes, since when, and what was asked before."""
    lines = [f"Subject: Outstanding remediation items, as of {today.isoformat()}", "",
             f"Dear colleagues at the {party_label.lower()},", "",
             (f"As of {today.isoformat()}, our records show the following {len(owed)} item(s) outstanding from you. "
              "Please let us know by return when each will be provided."), ""]
    for n, r in enumerate(owed.itertuples(), 1):
        chased = (f"; chased {r.chases} time{'s' if r.chases != 1 else ''}, last on {r.last_chased_on}"
                  if r.chases else "")
        due = f"; your answer was due {r.next_due_on}" if r.overdue else (
            f"; answer due {r.next_due_on}" if r.next_due_on is not None and not pd.isna(r.next_due_on) else "")
        lines.append(f"{n}. {r.code}: {r.item} (outstanding since {r.since}, {r.days} days{chased}{due}).")
    lines += ["", GUIDELINE_BASIS.replace(" (guideline", " (IOM Remediation Guidelines 2018,"), "",
              "Kind regards,", sender or "[your name]"]
    return "\n".join(lines) + "\n"


def push_chart(df: pd.DataFrame, as_of: date, scope: str) -> go.Figure:
    """Chases per quarter, stacked by escalation tier (reminder → disengagement): how often and how hard."""
    heading = title("How often and how hard the company had to push: chases per quarter", as_of, scope)
    if df.empty:
        return empty(heading, "No follow-ups recorded")
    by_quarter: dict[str, list[int]] = {}  # chases per tier, summed in Python: a few rows per quarter
    for quarter, *chases in zip(df["quarter"].tolist(), *(df[key].tolist() for key in ESCALATION_TIERS)):
        summed = by_quarter.setdefault(quarter, [0] * len(ESCALATION_TIERS))
        for k, n in enumerate(chases):
            summed[k] += n
    quarters = sorted(by_quarter)
    bars = [{"type": "bar", "x": [plain(q) for q in quarters], "y": [by_quarter[q][k] for q in quarters], "name": label,
             "marker": {"color": PUSH_COLOURS[key]}, "hovertemplate": f"{label}: %{{y}} in %{{x}}<extra></extra>"}
            for k, (key, label) in enumerate(ESCALATION_TIERS.items())]
    return figure(bars, layout(
        heading, 420, barmode="stack", showlegend=True, margin={"l": 70, "r": 30, "t": 110, "b": 60},
        legend={"orientation": "h", "yref": "container", "y": 0.99, "yanchor": "top", "x": 1, "xanchor": "right",
                "traceorder": "normal"},
        xaxis={"type": "category", "title": {"text": "Quarter of the chase"}},
        yaxis={"title": {"text": "Chases"}, **count_axis(max(sum(summed) for summed in by_quarter.values()))}))
