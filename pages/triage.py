"""What-if triage: the guideline's level matrix, live. Change one fact and the answer, its reasons
and the nearest changes that would flip it follow in the same rerun. Every input is in the URL, defaults and
dates included (pages._url), so a copied link shows the same scenario whichever day it is opened."""

from __future__ import annotations

import re
from datetime import date, timedelta

import streamlit as st
from pydantic import ValidationError

from pages import _url
from pages._auth import can_edit, current_actor
from pages._board import facts_sentence
from pages._data import after_write, get_engine, load_incident, policy_in_force
from pages._exposure import occurrence_suggestion
from pages._filters import board_mode
from pages._nav import PAGES, ensure_entry_script
from pages._text import cite, cited_lines, link_code_problem, link_number_problem, md, plain_error, unbroken
from remediation.domain.involvement import meaning
from remediation.domain.models import field_of_error
from remediation.domain.rules import TriageInput, assess
from remediation.domain.vocab import INVOLVEMENTS, REQUIREMENTS, SCENARIOS, TRADING_LINKS, VIOLATION_TYPES
from remediation.domain.whatif import counterfactuals
from remediation.services import incidents as services

ensure_entry_script()

today = date.today()
FIELDS = {  # TriageInput field → widget key (the URL query parameter)
    "trading_link": "link", "incident_date": "occurred", "stopped_trading_date": "stopped",
    "became_public_date": "public", "violation_types": "types", "repeated": "repeated",
    "affected_persons": "affected", "children_affected": "children",
}
MARKS = {"mandatory": "●", "recommended": "○", "not_required": "–"}  # neutral symbols, as the guideline's matrix
VERDICT_WORDS = {"mandatory": "MANDATORY", "recommended": "recommended", "not_required": "not required"}
FIELD_LABELS = {"trading_link": "Trading link", "incident_date": "Incident date",
                "stopped_trading_date": "Date trading stopped", "became_public_date": "Date it became public",
                "violation_types": "Violation types", "repeated": "Repeated", "affected_persons": "Affected persons",
                "children_affected": "Of whom children"}
CITED = re.compile(r"\s*\(([^()]*\blines? \d[^()]*)\)")  # "(footnote 22, guideline lines 1082-1084)"
# Read from a projector at 1024×768: words wrap whole (never "Recomm/ended"), labels are not cut.
PROJECTOR_CSS = """<style>
[class*="st-key-verdict"] p, [class*="st-key-verdict"] h3, [class*="st-key-answer_"] p,
[class*="st-key-matrix_"] p, [class*="st-key-triage_inputs"] label p {
  overflow-wrap: normal; word-break: normal; hyphens: none; white-space: normal; }
[class*="st-key-triage_inputs"] label, [class*="st-key-triage_inputs"] label div {
  white-space: normal; overflow: visible; text-overflow: clip; max-width: none; }
</style>"""


def plain(reason: str) -> str:
    """A reason without its guideline line numbers (those are under "Sources")."""
    return CITED.sub("", reason)


def because(result) -> str:
    """One plain-language sentence: why these levels."""
    if result.treated_as_current:
        return ("because trading stopped too close to the incident becoming public, so it counts as current "
                "trading.")
    if result.scenario == "current_trading":
        return "because the smelter/refiner is linked to the incident through current trading."
    if result.scenario == "past_recent_severe":
        return "because trading stopped less than a year after a severe incident."
    if result.recent is False:
        return "because trading stopped a year or more after the incident, so it is not recent."
    return ("because, although trading stopped within a year, the incident is not severe under the company's "
            "policy.")


def verdict(result) -> str:
    return (f"Level 1 {VERDICT_WORDS[result.level1]} · Level 2 {VERDICT_WORDS[result.level2]}")


def load_facts(code: str) -> None:
    """Put an incident's recorded facts into the inputs (before they are drawn)."""
    if problem := link_code_problem(code, "from"):
        st.session_state["triage_notice"] = problem
        return
    found = load_incident(code)
    if found is None:
        st.session_state["triage_notice"] = f"There is no incident with the code {md(code)}."
        return
    inc = found[0].incident
    if inc.trading_link not in ("current", "past"):
        st.session_state["triage_notice"] = (f"{md(code)} has no trading link recorded yet: the level rules apply once the "
                                             "audit programme has substantiated it and found the link.")
        return
    for name, key in FIELDS.items():
        st.session_state[key] = getattr(inc, name)
    st.session_state["role_in_harm"] = inc.involvement
    st.session_state["triage_incident"] = code


CODECS = {  # widget key (the URL query parameter) → how it reads from and writes to the link
    "link": _url.one_of(TRADING_LINKS, TRADING_LINKS), "occurred": _url.one_date(latest=today),
    "stopped": _url.one_date(latest=today, empty_allowed=True), "public": _url.one_date(latest=today, empty_allowed=True),
    "types": _url.choices(VIOLATION_TYPES, VIOLATION_TYPES), "repeated": _url.flag(),
    "affected": _url.whole_number(1, 1_000_000), "children": _url.whole_number(0, 1_000_000),
}
DEFAULTS = {"link": "past", "occurred": today - timedelta(days=300), "stopped": today - timedelta(days=120),
            "public": None, "types": ["forced_labour"], "repeated": False, "affected": 5, "children": 0}

# A number the inputs cannot read (?affected=inf, 1e309, abc…) is dropped from the link, and the page opened again on
# the rest of it, saying which field and why.
if link_problems := [p for p in (link_number_problem("affected", "Affected persons", 1, 1_000_000),
                                 link_number_problem("children", "Of whom children", 0, 1_000_000)) if p]:
    st.session_state["triage_link_problems"] = link_problems
    st.switch_page(PAGES["triage"], query_params=[(k, v) for k in st.query_params for v in st.query_params.get_all(k)])
link_problems = st.session_state.pop("triage_link_problems", [])

for key, codec in CODECS.items():  # the link's inputs, else this session's, else the defaults: before any widget
    _url.seed(key, codec, DEFAULTS[key])

# ?from=INC-… (from an incident's "Open in what-if triage", or the form below) with no inputs in the link loads that
# incident's recorded facts; the inputs are then written to the link with it, so a copied link holds the whole
# scenario and, opened elsewhere, shows those inputs (compared with the incident), not the recorded facts again.
source = (st.query_params.get("from") or "").strip()
source = source.upper() if source.isascii() else source  # "ı".upper() is "I": check a look-alike before upper-casing
if source and not any(key in st.query_params for key in CODECS):
    st.session_state["triage_checked"] = source
    load_facts(source)
elif source and st.session_state.get("triage_checked") != source:  # a whole scenario's link: compare, keep its inputs
    st.session_state["triage_checked"] = source
    if not link_code_problem(source, "from") and load_incident(source) is not None:
        st.session_state["triage_incident"] = source
    else:
        load_facts(source)  # says, once, why it cannot compare (no such incident, an unusable code)
elif not source:
    for key in ("triage_checked", "triage_incident"):
        st.session_state.pop(key, None)

st.title("What-if triage")
for problem in link_problems:
    st.warning(problem, icon=":material/link_off:")
if notice := st.session_state.pop("triage_notice", None):  # visible, not inside the collapsed expander below
    st.warning(notice, icon=":material/search_off:")
st.html(PROJECTOR_CSS)
st.caption("The guideline's level matrix: type the facts of an allegation and see which level of remediation is "
           "mandatory or recommended, why, and what would change it. The address bar holds every input: copy it to "
           "share the scenario.")

policy = policy_in_force()
band = st.container()  # the verdict, drawn once the facts are read: first thing a room sees
inputs, answer = st.columns(2, gap="large")  # wide enough for "Current trading" at 1024 px
slots: dict[str, st.delta_generator.DeltaGenerator] = {}
if board := board_mode():  # the inputs read the link, then a sentence of the facts takes their place
    facts_holder = inputs.empty()
    inputs = facts_holder.container()

with inputs.container(key="triage_inputs"):
    with st.expander("Start from a recorded incident", expanded="triage_incident" in st.session_state), \
            st.form("load_incident", border=False):
        typed = st.text_input("Incident code", placeholder="INC-2025-014")
        if st.form_submit_button("Load its recorded facts"):
            _url.drop(CODECS)  # a "from" link with no inputs: the recorded facts are loaded
            st.query_params["from"] = typed.strip().upper()
            st.rerun()
    # No default= / value= on the inputs: the seeding above put every value in the session (and a value set
    # both ways is what Streamlit warns about).
    link = st.segmented_control("Trading link with the smelter/refiner", options=list(TRADING_LINKS),
                                format_func=TRADING_LINKS.get, key="link", required=True,
                                help="Whether the incident is linked to the smelter/refiner through current or past "
                                     f"trading ({cite('trading_link_assessment')}).")
    slots["trading_link"] = st.empty()
    st.date_input("Incident date", max_value=today, key="occurred", format="YYYY-MM-DD")
    slots["incident_date"] = st.empty()
    st.date_input("Date the smelter/refiner stopped trading", max_value=today,
                  key="stopped", format="YYYY-MM-DD", disabled=link == "current",
                  help="Past trading only: recency is the time from the incident to this date "
                       f"({cite('footnote23_recency')}).")
    slots["stopped_trading_date"] = st.empty()
    st.date_input("Date it became public (empty: not public)", max_value=today, key="public",
                  format="YYYY-MM-DD",
                  help="Ties must be cut well before this date, or trading counts as current "
                       f"({cite('footnote23_cut_ties')}).")
    slots["became_public_date"] = st.empty()
    st.multiselect("Violation types", options=list(VIOLATION_TYPES), format_func=VIOLATION_TYPES.get,
                   key="types")
    slots["violation_types"] = st.empty()
    st.toggle("Repeated (not an isolated event)", key="repeated")
    slots["repeated"] = st.empty()
    started_from = st.session_state.get("triage_incident")
    recorded = load_incident(started_from) if started_from else None
    if recorded is not None:  # its earlier incidents at the same smelter or site: a suggestion, never set here
        occurrence_suggestion(started_from, recorded[0].incident.incident_date, bool(st.session_state.get("repeated")),
                              policy)
    left, right = st.columns(2)
    left.number_input("Affected persons", min_value=1, max_value=1_000_000, step=1, key="affected")
    right.number_input("Of whom children", min_value=0, max_value=1_000_000, step=1, key="children")
    slots["affected_persons"] = st.empty()
    slots["children_affected"] = st.empty()
    st.segmented_control("The company's involvement in the harm", options=list(INVOLVEMENTS),
                         format_func=INVOLVEMENTS.get, key="role_in_harm", bind="query-params",
                         help="Caused, contributed, or directly linked through a business relationship "
                              f"({cite('company_role_in_harm')}): what the company remediates itself and what it "
                              "presses others to remediate. Not a fact the level rules read.")
_url.publish(CODECS)  # every input, defaults and dates included, whether changed or loaded from an incident

values = {name: st.session_state.get(key) for name, key in FIELDS.items()}
if values["trading_link"] == "current":
    values["stopped_trading_date"] = None  # the field is disabled: its value is not a fact of this scenario
try:
    facts = TriageInput(**values)
    if board:
        facts_holder.markdown(facts_sentence(values))
except ValidationError as exc:
    problems = []
    for error in exc.errors():
        message = error["msg"].removeprefix("Value error, ")
        field = error["loc"][0] if error["loc"] else field_of_error(message)
        message = message[:1].upper() + message[1:]
        slot = slots.get(field) or slots["trading_link"]
        slot.error(message, icon=":material/error:")
        problems.append(f"**{FIELD_LABELS.get(field, 'Facts')}**: {message}")
    facts = st.session_state.get("triage_last_valid")
    with band:
        st.error("Correct the facts marked in red: the level rules cannot read them as they are.  \n"
                 + "  \n".join(problems), icon=":material/rule:")
        if facts is not None:
            st.caption("The answer below is for the last valid facts, until these are corrected.")
    if facts is None:
        st.stop()
else:
    st.session_state["triage_last_valid"] = facts

result = assess(facts, policy)
with band:
    with st.container(border=True, key="verdict"):
        st.markdown(f"### {verdict(result)}")
        st.markdown(f"**{SCENARIOS[result.scenario]}**, {because(result)}")
        tiles = st.columns(2)
        for tile, level, requirement in ((tiles[0], 1, result.level1), (tiles[1], 2, result.level2)):
            with tile.container(key=f"answer_level{level}"):
                st.markdown(f"Level {level}: {MARKS[requirement]} {REQUIREMENTS[requirement]}")
        involved = meaning(st.session_state.get("role_in_harm"))
        with st.container(key="involvement_note"):
            if involved is None:
                st.caption("Company involvement not chosen: choose caused, contributed or directly linked to see "
                           "whether the company remediates directly or uses its leverage.")
            else:
                st.markdown(f"**Company involvement: {involved.label} → {involved.action}.** {involved.summary} "
                            f"({unbroken(involved.citation)})")
    code = st.session_state.get("triage_incident")
    found = load_incident(code) if code else None
    latest = found[0].latest_assessment if found is not None else None
    if latest is not None and (latest.scenario, latest.level1, latest.level2) != (result.scenario, result.level1,
                                                                                    result.level2):
        st.warning(f"This answer differs from {code}'s recorded assessment of {latest.assessed_on}: "
                   f"{SCENARIOS[latest.scenario]}, Level 1 {REQUIREMENTS[latest.level1].lower()}, "
                   f"Level 2 {REQUIREMENTS[latest.level2].lower()}.", icon=":material/compare_arrows:")

with st.container(key="triage_matrix"):
    st.markdown("##### The matrix")
    header = st.columns([3, 2, 2])
    header[1].markdown("**Level 1**")
    header[2].markdown("**Level 2**")
    for scenario, label in SCENARIOS.items():
        cell = policy.cell(scenario)
        active = scenario == result.scenario
        with st.container(border=active, key=f"matrix_{scenario}"):
            row = st.columns([3, 2, 2])
            row[0].markdown(f":blue-background[**{label}** ◀ this case]" if active else label)
            for col, requirement in ((row[1], cell.level1), (row[2], cell.level2)):
                text = f"{MARKS[requirement]} {REQUIREMENTS[requirement]}"
                col.markdown(f":blue-background[{text}]" if active else text)
    st.caption(f"● mandatory · ○ recommended · – not required. The matrix is the company's adopted policy "
               f"(v{policy.version}, {md(policy.name)}); see Level policy for how each cell was decided.")

with answer:
    st.markdown("##### Why")
    for reason in result.reasons:
        st.markdown(f"- {plain(reason)}")
    with st.expander("Sources"):
        sources = [f"- Guideline {cited_lines('level_matrix')}: the level matrix"]
        sources += [f"- {m.group(1)}: {plain(r).split(':')[0]}" for r in result.reasons for m in CITED.finditer(r)]
        st.markdown("\n".join(dict.fromkeys(sources)))

    st.markdown("##### What would change it")
    suggestions = counterfactuals(facts, policy)
    if suggestions:
        for s in suggestions:
            st.markdown(f"- {s.text}")
    else:
        st.caption("No single change to these facts changes either level.")

    if code := st.session_state.get("triage_incident"):
        found = load_incident(code)
        if found is not None:
            rec, state, version = found
            st.markdown(f"##### Compared with {code}: {md(rec.incident.title)}")
            recorded, whatif = st.columns(2)
            latest = rec.latest_assessment
            with recorded.container(border=True):
                st.markdown("**Recorded**")
                if latest is None:
                    st.caption("No assessment recorded yet.")
                else:
                    st.markdown(f"{SCENARIOS[latest.scenario]}  \nLevel 1 {REQUIREMENTS[latest.level1].lower()}, "
                                f"Level 2 {REQUIREMENTS[latest.level2].lower()}  \n"
                                f"on {latest.assessed_on}, policy v{latest.policy_version}")
            with whatif.container(border=True):
                st.markdown("**What-if**")
                st.markdown(f"{SCENARIOS[result.scenario]}  \nLevel 1 {REQUIREMENTS[result.level1].lower()}, "
                            f"Level 2 {REQUIREMENTS[result.level2].lower()}  \npolicy v{result.policy_version}")
            if not can_edit():
                pass  # no edit controls in board mode or for a viewer
            elif state.is_open and state.step >= 2:
                if st.button(f"Record this assessment on {code}", type="primary", key="record_whatif",
                             help="Records these facts on the incident and the assessment they give, with an audit "
                                  "entry (the incident's previous assessments are kept)."):
                    try:
                        services.record_assessment(get_engine(), code, today, policy=policy, facts=facts,
                                                   actor=current_actor("audit_programme"),
                                                   expected_version=version)
                    except Exception as exc:  # Refused, a conflict, a database fault: plainly, nothing was written
                        st.error(plain_error(exc), icon=":material/error:")
                    else:
                        after_write()
                        st.toast(f"Assessment recorded on {code}", icon=":material/check:")
                        st.rerun()
            else:
                st.caption("An assessment is recorded on an open, substantiated incident (Step 2 onwards).")
            links = st.columns(2)
            links[0].page_link(PAGES["incident"], label=f"Open {code}", icon=":material/folder_open:",
                               query_params={"incident": code})
            if not board and links[1].button("Stop comparing", key="stop_comparing"):
                del st.query_params["from"]
                st.rerun()
