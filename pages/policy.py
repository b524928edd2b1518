"""Level policy: the matrix and its numbers in force, their versions, and a draft's impact on the
portfolio before it is adopted."""

from __future__ import annotations

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from pages._auth import can_administer, current_actor
from pages._data import after_write, get_engine, policy_in_force, policy_versions
from pages._nav import ensure_entry_script
from pages._text import as_text, cite, data_table, md
from remediation.domain.policy import MatrixCell, Policy
from remediation.domain.vocab import REQUIREMENTS, SCENARIOS, VIOLATION_TYPES
from remediation.services import admin
from remediation.services.impact import policy_impact
from remediation.storage.records import ConflictError

ensure_entry_script()

policy = policy_in_force()
st.title("Level policy")
st.caption("The guideline is not prescriptive: the company adopts the matrix and its open numbers as its own "
           "policy. Every recorded assessment keeps the version it was made under.")


def _years(n: int) -> str:
    return f"{n} year{'s' if n != 1 else ''}"


def matrix_table(p: Policy) -> pd.DataFrame:
    return pd.DataFrame([{
        "Scenario": SCENARIOS[s],
        "Level 1": REQUIREMENTS[c.level1] + (" (inferred)" if c.inferred else ""),
        "Level 2": REQUIREMENTS[c.level2] + (" (inferred)" if c.inferred else ""),
        "Source": c.source,
    } for s, c in p.matrix.items()])


st.subheader(f"In force: version {policy.version}", anchor=False)
st.markdown(f"**{md(policy.name)}** — adopted {as_text(policy.adopted_on)} by {md(as_text(policy.adopted_by or None))}")
if policy.notes:
    st.caption(md(policy.notes))
data_table(matrix_table(policy), hide_index=True, width="stretch")
if any(c.inferred for c in policy.matrix.values()):  # said once here, not in every cell of every page
    st.caption("*Inferred*: our copy of the guideline lost the printed symbols of the past-trading rows; these "
               "cells are our reading, adopted by the company as its policy until it decides its own.")
cols = st.columns(4)
cols[0].metric("Severe from this many affected persons", policy.severe_affected_persons,
               help=f"Severity by the number of affected persons ({cite('footnote22_occurrence_and_persons')}); "
                    "the guideline gives no number.")
cols[1].metric("'Well before it became public' margin", f"{policy.public_margin_days} days",
               help="Ties cut less than this before it became public count as current trading "
                    f"({cite('footnote23_cut_ties')}).")
cols[2].metric("Repeated incidents are severe", "Yes" if policy.repeated_is_severe else "No")
cols[3].metric("Earlier incidents suggest 'Repeated' within", _years(policy.occurrence_window_years),
               help="Earlier incidents at the same smelter/refiner or site within this many years before an incident "
                    "are shown on its assessment and in what-if triage as a suggestion that it is repeated, not "
                    f"isolated (high occurrence, {cite('footnote22_occurrence_and_persons')}). A suggestion only: the "
                    "audit programme decides. The guideline gives no period.")
st.markdown("Severe types: " + ", ".join(VIOLATION_TYPES[t] for t in policy.severe_types))

with st.expander("Earlier versions"):
    data_table(pd.DataFrame([{"Version": p.version, "Name": p.name, "Adopted on": p.adopted_on,
                              "Adopted by": p.adopted_by, "Severe from": p.severe_affected_persons,
                              "Margin (days)": p.public_margin_days,
                              "Occurrence window": _years(p.occurrence_window_years)} for p in reversed(policy_versions())]),
               hide_index=True, width="stretch")

if not can_administer():
    st.stop()  # drafting and adopting: admins, and never in board mode

st.subheader("Draft a new version", anchor=False)
st.caption("Change any cell or number, then preview which open incidents would change their Level 1 or Level 2 "
           "requirement. Nothing changes until the draft is adopted.")
options = list(REQUIREMENTS)
with st.form("draft"):
    name = st.text_input("Name", value=f"{policy.name}, revised", max_chars=200)
    notes = st.text_area("Notes: why the change", max_chars=2000)
    cells: dict[str, dict[str, str]] = {}
    for scenario, label in SCENARIOS.items():
        current = policy.cell(scenario)
        left, middle, right = st.columns([2, 1, 1])
        left.markdown(f"**{label}**" + (" *(inferred in v" + str(policy.version) + ")*" if current.inferred else ""))
        cells[scenario] = {
            "level1": middle.selectbox("Level 1", options, index=options.index(current.level1),
                                       format_func=REQUIREMENTS.get, key=f"draft_{scenario}_1"),
            "level2": right.selectbox("Level 2", options, index=options.index(current.level2),
                                      format_func=REQUIREMENTS.get, key=f"draft_{scenario}_2"),
        }
    a, b, c, d = st.columns(4)
    threshold = a.number_input("Severe from this many affected persons", min_value=1, max_value=100_000,
                               value=policy.severe_affected_persons, step=1, key="draft_threshold")
    margin = b.number_input("'Well before' margin (days)", min_value=0, max_value=3650,
                            value=policy.public_margin_days, step=1)
    repeated = c.toggle("Repeated incidents are severe", value=policy.repeated_is_severe)
    window = d.number_input("Occurrence window (years)", min_value=1, max_value=50,
                            value=policy.occurrence_window_years, step=1, key="draft_window",
                            help="Earlier incidents at the same smelter/refiner or site within this many years are "
                                 "suggested as evidence that an incident is repeated "
                                 f"({cite('footnote22_occurrence_and_persons')}).")
    severe_types = st.multiselect("Severe violation types", options=list(VIOLATION_TYPES),
                                  format_func=VIOLATION_TYPES.get, default=list(policy.severe_types))
    if st.form_submit_button("Preview the impact on the portfolio", type="primary"):
        matrix = {}
        for scenario, chosen in cells.items():
            current = policy.cell(scenario)
            unchanged = (chosen["level1"], chosen["level2"]) == (current.level1, current.level2)
            matrix[scenario] = current if unchanged else MatrixCell(
                **chosen, inferred=False, source=f"company decision: {name}")
        try:
            st.session_state["policy_draft"] = Policy(
                version=policy.version + 1, name=name or policy.name, notes=notes, matrix=matrix,
                severe_types=tuple(severe_types), repeated_is_severe=repeated,
                severe_affected_persons=int(threshold), public_margin_days=int(margin),
                occurrence_window_years=int(window))
        except ValidationError as exc:
            st.error("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()))

draft: Policy | None = st.session_state.get("policy_draft")
if conflict := st.session_state.pop("policy_conflict", None):
    st.error(md(conflict), icon=":material/sync_problem:")
elif draft is not None and draft.version != policy.version + 1:  # someone adopted a version meanwhile
    st.warning(f"Your draft was made from version {draft.version - 1}, but version {policy.version} was adopted "
               f"since (by {md(policy.adopted_by or 'someone else')}). Its impact was measured against a policy no "
               f"longer in force, so it was set aside: preview it again from version {policy.version}.",
               icon=":material/sync_problem:")
    st.session_state.pop("policy_draft", None)
if draft is not None and draft.version == policy.version + 1:
    impact = policy_impact(get_engine(), draft, current=policy)
    st.subheader("Impact of the draft on open incidents", anchor=False)
    m = st.columns(3)
    m[0].metric("Open incidents assessed", f"{impact.assessed:,}",
                help="Open incidents with a trading link: the ones the level rules apply to.")
    m[1].metric("Level 1 requirement changes", f"{impact.level1_changes:,}")
    m[2].metric("Level 2 requirement changes", f"{impact.level2_changes:,}")
    if impact.changed.empty:
        st.info("No open incident would change its Level 1 or Level 2 requirement under this draft.")
    else:
        data_table(impact.changed, hide_index=True, width="stretch")
    if st.button(f"Adopt as version {draft.version}", type="primary", key="adopt"):
        st.session_state.pop("policy_draft", None)
        try:
            adopted = admin.adopt_policy(get_engine(), draft, current_actor(), based_on=draft.version - 1)
        except ConflictError as exc:  # adopted by someone else between this preview and the click
            st.session_state["policy_conflict"] = str(exc)
        else:
            st.toast(f"Policy version {adopted.version} adopted", icon=":material/check:")
        after_write()
        st.rerun()
