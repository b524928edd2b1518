"""Follow-ups: per party, everything it owes across the portfolio — since when, last chased, next answer due,
overdue first — and, for editors, a chase, an escalation or the answer recorded from there. A party's chase list
downloads as XLSX or copies as an e-mail. In board mode: how often and how hard the company had to push."""

from datetime import date, timedelta

import streamlit as st

from pages import _url
from pages._auth import can_edit, current_actor_name
from pages._board import counted
from pages._data import follow
from pages._filters import board_mode, current_filter
from pages._forms import service_form
from pages._nav import PAGES, ensure_entry_script
from pages._text import data_table, md
from remediation.domain.followups import (
    CHANNELS,
    CHASED_PARTIES,
    ESCALATION_LEVELS,
    ESCALATION_TIERS,
    GUIDELINE_BASIS,
    FollowUpAnswer,
    FollowUpIn,
)
from remediation.reports import followups as report
from remediation.services import followups as services

ensure_entry_script()

today = date.today()
board = board_mode()
flt = current_filter()
plot = {"theme": None, "config": {"displayModeBar": False}}

st.title("Follow-ups")
st.caption(md(GUIDELINE_BASIS) + f" As of {today.isoformat()}"
           + ("" if board else f"; {md(flt.describe(with_status=False))}, whatever the status chosen: what is "
              "owed is always open incidents', and the chases count open and closed ones") + ".")


def push_section() -> None:
    push = follow("push_by_quarter", flt)
    st.plotly_chart(report.push_chart(push, today, counted(flt, "chases about open and closed incidents")),
                    key="push_chart", **plot)
    if push.empty:
        return
    by_party = push.groupby("party")[[*ESCALATION_TIERS, "chases"]].sum().reset_index()
    data_table(by_party, hide_index=True, width="stretch", key="push_by_party", column_config={
        "party": st.column_config.TextColumn("Party chased"),
        **{k: st.column_config.NumberColumn(v, format="%d") for k, v in ESCALATION_TIERS.items()},
        "chases": st.column_config.NumberColumn("All chases", format="%d")})
    st.caption("Chases recorded, by the party chased and the hardest tier of each chase. Counts of the company's "
               "own actions only: nothing about victims.")


if board:  # a slide: the push aggregate, no list to act on
    push_section()
    st.stop()

owed = follow("owed_items", flt, today)
if owed.empty:
    st.info("Nothing is owed by the audit programme, the smelter/refiner, the facilitator or the victim service "
            "coordinator in the incidents the filters select.", icon=":material/task_alt:")
    st.subheader("How often and how hard the company had to push", anchor=False)
    push_section()
    st.stop()

counts = owed.groupby("party").agg(items=("code", "size"), overdue=("overdue", "sum"))
parties = [p for p in CHASED_PARTIES if p in counts.index]


def party_label(p: str) -> str:
    n, late = counts.loc[p, "items"], counts.loc[p, "overdue"]
    return f"{CHASED_PARTIES[p]} ({n}" + (f", {late} overdue)" if late else ")")


if st.session_state.get("party") not in parties:
    st.session_state.pop("party", None)
PARTY_LINK = {"party": _url.one_of(parties)}  # in the link even when it is the first party (pages._url)
_url.seed("party", PARTY_LINK["party"], parties[0])
party = st.segmented_control("Party", parties, format_func=party_label, key="party") or parties[0]
_url.publish(PARTY_LINK)
mine = owed[owed["party"] == party].reset_index(drop=True)
label = CHASED_PARTIES[party]

late = int(mine["overdue"].sum())
chased = int((mine["chases"] > 0).sum())
st.subheader(f"{label} owes {len(mine)} item{'s' if len(mine) != 1 else ''}", anchor=False)
st.caption(f"{late} with an answer overdue · {chased} chased · {len(mine) - chased} not chased yet. "
           "Overdue first, then the longest owed. Select a row to act on it.")
event = data_table(
    mine, hide_index=True, width="stretch", key="owed_table", on_select="rerun", selection_mode="single-row",
    column_order=["code", "item", "since", "days", "chases", "last_chased_on", "last_escalation", "next_due_on",
                  "overdue"],
    column_config={
        "code": st.column_config.TextColumn("Incident", pinned=True),
        "item": st.column_config.TextColumn("What is owed", width="large"),
        "since": st.column_config.DateColumn("Owed since"),
        "days": st.column_config.NumberColumn("Days", format="%d"),
        "chases": st.column_config.NumberColumn("Chased", format="%d", help="Chases of this party since the "
                                              "incident entered its step."),
        "last_chased_on": st.column_config.DateColumn("Last chased"),
        "last_escalation": st.column_config.TextColumn("Last escalation", width="medium"),
        "next_due_on": st.column_config.DateColumn("Answer due"),
        "overdue": st.column_config.CheckboxColumn("Overdue", help="An answer due date has passed."),
    })

down, copy = st.columns([1, 3])
down.download_button("Chase list (XLSX)", report.chase_list_xlsx(mine, label),
                     file_name=f"chase-list-{party}-{today.isoformat()}.xlsx", icon=":material/download:",
                     mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="chase_xlsx")
with copy.expander("Chase list as an e-mail (copy)"):
    st.code(report.chase_list_text(mine, label, today, current_actor_name()), language=None, wrap_lines=True)

if not can_edit():
    st.subheader("How often and how hard the company had to push", anchor=False)
    push_section()
    st.stop()

# --- act on one item ------------------------------------------------------------------------------------------
rows = event.selection.rows
index = rows[0] if rows else 0
row = mine.iloc[index]
st.subheader(f"{row['code']}: {row['item']}", anchor=False)
st.caption(md(f"{row['pushing'][0].upper()}{row['pushing'][1:]}."))
st.page_link(PAGES["incident"], label=f"Open {row['code']}", icon=":material/folder_open:",
             query_params={"incident": row["code"]})
common = {"code": row["code"], "role": "downstream_company",
          "fixed": {"item": row["item"], "party": party},
          "choices": {"channel": CHANNELS},
          "defaults": {"asked_on": today, "channel": "email", "due_on": today + timedelta(days=14)},
          "labels": {"asked_on": "Chased on", "asked": "What was asked", "due_on": "Answer due by"}}


def chase(engine, code, payload, actor, **_):
    return services.record_followup(engine, code, payload, actor)


chase_tab, escalate_tab, answer_tab = st.tabs(["Record a chase", "Escalate", "Record the answer"])
with chase_tab:
    service_form(FollowUpIn, "chase", chase, success=f"Chase of {label} recorded for {row['code']}.",
                 submit_label="Record the chase", fields=["asked_on", "channel", "asked", "due_on"],
                 **{**common, "fixed": {**common["fixed"], "escalation": "reminder"}})
with escalate_tab:
    st.caption("A chase at a higher level: a senior contact, a leverage action, or disengagement.")
    service_form(FollowUpIn, "escalate", chase, success=f"Escalation recorded for {row['code']}.",
                 submit_label="Record the escalation", fields=["escalation", "asked_on", "channel", "asked", "due_on"],
                 **{**common, "choices": {**common["choices"],
                                          "escalation": {k: v for k, v in ESCALATION_LEVELS.items()
                                                         if k != "reminder"}},
                    "defaults": {**common["defaults"], "escalation": "senior_contact"}})
with answer_tab:
    if row["followup_id"] is None or str(row["followup_id"]) == "<NA>":
        st.caption("No chase of this item is waiting for an answer.")
    else:
        fid, fversion = int(row["followup_id"]), int(row["followup_version"])

        def answer(engine, code, payload, actor, **_):
            return services.record_answer(engine, fid, payload, actor, expected_version=fversion)
        st.caption(f"The answer to the chase of {row['last_chased_on']} ({row['last_escalation'].lower()}).")
        service_form(FollowUpAnswer, "answer", answer, code=row["code"], role="downstream_company",
                     success="Answer recorded.", submit_label="Record the answer",
                     defaults={"answered_on": today}, labels={"answered_on": "Answered on"})

st.subheader("How often and how hard the company had to push", anchor=False)
push_section()
