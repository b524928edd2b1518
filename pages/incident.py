"""Incident workspace: what happened, where the incident stands, what it needs next, and the forms
to record each step in the guideline's terms."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy.exc import DBAPIError

from pages import _company_work, _evidence, _exposure
from pages._auth import can_edit, current_actor, read_only_notice
from pages._data import (
    after_write,
    get_engine,
    incident_audit,
    load_incident,
    policy_in_force,
    read,
    settings,
    supply,
)
from pages._filters import board_mode
from pages._forms import for_plan, guard_stale_submissions, model_form, service_form, show_conflict, show_errors
from pages._lazy import form_expander
from pages._nav import PAGES, TAB_OF, ensure_entry_script
from pages._text import (
    EMPTY,
    as_text,
    cite,
    cited_lines,
    data_table,
    link_code_problem,
    md,
    md_unbroken,
    unbroken,
)
from remediation.domain import models as m
from remediation.domain.involvement import meaning
from remediation.domain.record_rules import closure_figures, coverage, step1_closure_document
from remediation.domain.rules import assess
from remediation.domain.vocab import (
    AUDIT_PROGRAMMES,
    CORRECTIVE_STATUSES,
    INITIATIVE_KINDS,
    MINERALS,
    REQUIREMENTS,
    ROLES,
    SCENARIOS,
    SHORTFALL_REASONS,
    STEPS,
    VIOLATION_TYPES,
)
from remediation.domain.workflow import events, tracker
from remediation.services import incidents as services

ensure_entry_script()

TRACKER_ICONS = {
    "done": ":green[:material/check_circle:]", "current": ":blue[:material/radio_button_checked:]",
    "pending": ":gray[:material/radio_button_unchecked:]", "closed_here": ":red[:material/cancel:]",
    "skipped": ":gray[:material/remove:]",
}


STEP_TABS = {1: "Verify", 2: "Level", 3: "Plan", 4: "Implement", 5: "Close", 6: "Lessons"}


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 child', '2 children', '1 affected person', '5 affected persons'."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


# --- choose an incident -------------------------------------------------------------------------------

if "open_incident" in st.session_state:  # set by intake: a drawn widget's state can only change before it is drawn
    st.session_state["incident"] = st.session_state.pop("open_incident")
top = st.container()  # the title reads first; the code box, which the title depends on, sits under it
if board_mode():  # a slide: the incident of the link, no code box
    st.session_state["incident"] = st.query_params.get("incident", "")
else:
    st.text_input("Incident code", key="incident", bind="query-params", placeholder="INC-2025-014",
                  help="Type a code, or open an incident from the Portfolio page.")
code = (st.session_state.get("incident") or "").strip()
code = code.upper() if code.isascii() else code  # "ı".upper() is "I": a look-alike is checked as typed, below

if not code:
    top.title("Incidents")
    st.caption("Open an incident by its code, or record a new allegation: it starts at Step 1, "
               "*Verify the allegation*.")
    st.page_link(PAGES["portfolio"], label="Back to the portfolio", icon=":material/arrow_back:")
    if not can_edit():
        st.info(read_only_notice("record a new allegation"))
        st.stop()
    st.subheader("Record a new allegation", anchor=False)
    st.caption(m.NO_NAMES_REMINDER)
    register = supply("register_options")

    def _from_register() -> None:
        """Picking a smelter fills the form's name (and mineral), which the user may still edit."""
        picked = st.session_state.get("intake_smelter")
        try:
            entry = supply("smelter", picked) if picked else None
        except DBAPIError:  # a callback's error would be a traceback: the page's own run says it in words
            return
        if entry:
            st.session_state["intake.smelter_refiner"] = entry["name"]
            if entry["metal"] in MINERALS:
                st.session_state["intake.mineral"] = entry["metal"]

    picked = st.selectbox("Smelter/refiner from the register", options=list(register), index=None,
                          format_func=register.get, key="intake_smelter", on_change=_from_register,
                          placeholder="Type a name or a smelter ID… (or leave empty and type the name below)",
                          help="Choosing a smelter links the incident to the register, so the suppliers and products "
                               "it reaches show at once. An allegation naming a smelter the register does not know: "
                               "type its name below and link it later.")
    intake = model_form(m.IncidentIn, "intake", submit_label="Record allegation",
                        defaults={"code": services.next_incident_code(get_engine())},
                        exclude={"trading_link", "stopped_trading_date", "smelter_id"},
                        fixed={"smelter_id": picked},
                        labels={"smelter_refiner": "Smelter/refiner named in the allegation",
                                "repeated": "Repeated over a period (not an isolated event)",
                                "children_affected": "Of whom children"})
    if intake is not None:
        try:
            services.create_incident(get_engine(), intake, current_actor("downstream_company"))
        except Exception as exc:
            show_errors("intake", exc)
        else:
            after_write()
            st.session_state["open_incident"] = intake.code
            st.rerun()
    st.stop()

if problem := link_code_problem(code):  # a NUL byte or a look-alike digit never reaches the database
    top.title("Incident not found")
    st.error(problem, icon=":material/link_off:")
    st.page_link(PAGES["portfolio"], label="Back to the portfolio", icon=":material/arrow_back:")
    st.stop()
found = load_incident(code)
if found is None:
    top.title("Incident not found")
    st.error(f"There is no incident with the code **{md(code)}**. Check the code, or find it on the Portfolio page.",
             icon=":material/search_off:")
    st.page_link(PAGES["portfolio"], label="Back to the portfolio", icon=":material/arrow_back:")
    st.stop()

rec, state, version = found
inc = rec.incident
guard_stale_submissions(code, version, rec)
show_conflict()
conf = settings()

# --- header -------------------------------------------------------------------------------------------
top.title(f"{inc.code}: {md_unbroken(inc.title)}")  # "Sanjo-31" never split over two lines on a slide
top.caption(" · ".join([MINERALS[inc.mineral], md(inc.country), md_unbroken(inc.site) or "site not recorded",
                       f"smelter/refiner {md_unbroken(inc.smelter_refiner)}"
                       + (f" ({inc.smelter_id})" if inc.smelter_id else " (not linked to the register)"),
                       AUDIT_PROGRAMMES[inc.audit_programme],
                       f"received {inc.date_received}"]))

# The tracker: one equal column per step, the step's name on one row and its state on the next, so the states
# line up however many lines a name wraps to.
steps = tracker(state)
for col, (n, name, mark) in zip(st.columns(6, gap="small"), steps):
    col.markdown(f"{TRACKER_ICONS[mark]} **{n}. {name}**")
for col, (n, name, mark) in zip(st.columns(6, gap="small"), steps):
    col.caption({"done": "Done", "current": "Current step", "pending": "Not reached", "closed_here": "Closed here",
                 "skipped": "Not reached: closed"}[mark])

if not state.is_open:
    (st.success if state.status == "closed_remediated" else st.warning)(unbroken(state.closed_reason),
                                                                         icon=":material/flag:")
days = (date.today() - state.step_entered_on).days
frame = conf.time_frames[state.step]
if state.missing:
    over = days > frame
    st.subheader(f"Needed to move on from Step {state.step}", anchor=False)
    st.caption(f"{days} days in this step since {state.step_entered_on}; indicative time frame {frame} days"
               + (" — **overdue**" if over else "") + ".")
    if board_mode():  # a slide: the items wrap (a table cell clips a long one, e.g. a report owed up the chain)
        st.markdown("\n".join(f"- {md_unbroken(gap.text)} — **{md(gap.role_label)}**" for gap in state.missing))
    else:
        data_table(pd.DataFrame([{"What is missing": gap.text, "Owed by": gap.role_label} for gap in state.missing]),
                   hide_index=True, width="stretch")
for warning in state.warnings:
    st.warning(unbroken(warning), icon=":material/info:")
# e.g. imported, or recorded before the setting
if lacking := read("documents_missing", [code], required=tuple(conf.documents_required)).get(code):
    st.warning(f"{lacking}. The company setting requires them for facts already recorded: attach them in the Evidence "
               "section below (or with the step's form).", icon=":material/attach_file:")

exposure = _exposure.panel(inc, version)

# --- the level assessment -------------------------------------------------------------------------
latest = rec.latest_assessment
with st.container(border=True):
    st.subheader("Level of response", anchor=False)
    if latest is None:
        st.caption("Not assessed yet: the audit programme assesses once the allegation is substantiated (Step 2).")
    else:
        a, b, c = st.columns([2, 1, 1])
        # The scenario's name is a sentence: as a metric it was cut off ("Past trading: recent a…") on a slide,
        # as text it wraps.
        a.caption("Scenario")
        a.markdown(f"**{md_unbroken(SCENARIOS[latest.scenario])}**")
        b.metric("Level 1", REQUIREMENTS[latest.level1])
        c.metric("Level 2", REQUIREMENTS[latest.level2])
        st.caption(f"Assessed on {latest.assessed_on} under policy version {latest.policy_version}.")
        for reason in latest.reasons:
            st.markdown(f"- {md_unbroken(reason)}")
    if (involved := meaning(inc.involvement)) is not None:  # beside the levels: what the company itself must do
        st.caption(f"Company involvement: **{involved.label}** — {involved.action} ({unbroken(involved.citation)}).")
    if inc.trading_link in ("current", "past") and not board_mode():
        if st.button("Open these facts in what-if triage", icon=":material/rule:", key="to_triage"):
            st.switch_page(PAGES["triage"], query_params={"from": code})

# --- plans --------------------------------------------------------------------------------------------
for plan in rec.plans:
    with st.expander(f"Level {plan.level} plan: {md(plan.facilitator)} · budget {plan.currency} {plan.budget:,.0f}, "
                     f"pledged {plan.pledged:,.0f}, spent {plan.spent:,.0f}", expanded=False):
        ap = plan.approval
        st.markdown(f"Designed {plan.designed_on} · submitted by the facilitator "
                    f"{as_text(ap.submitted_by_facilitator_on)} · by the smelter/refiner {as_text(ap.submitted_by_smelter_on)}"
                    f" · approved {as_text(ap.approved_by_audit_programme_on)} · implementation started "
                    f"{as_text(plan.implementation_started_on)}")
        if plan.level == 1 and (cover := coverage(rec)) is not None:
            st.markdown(f"Coverage: {cover.describe()}"
                        + (" — **shortfall without a recorded reason**" if not cover.explained else ""))
        if plan.case_plans:
            st.caption(f"{conf.suppress(len(plan.case_plans))} case-management plans (victims appear only as codes).")
            data_table(pd.DataFrame([{"Victim code": c.victim_code, "Age group": c.age_group,
                                      "Assistance": ", ".join(c.assistance_types), "Provider": c.provider,
                                      "Referred": c.referral_date,
                                      "Guardian's consent": {True: "yes", False: "no", None: EMPTY}[c.guardian_consent],
                                      "Best interest determined": (f"{c.best_interest_determined_on} by "
                                                                   f"{c.best_interest_determined_by}"
                                                                   if c.best_interest_determined_on else ""),
                                      "Child-protection organisation": c.child_protection_organisation}
                                     for c in plan.case_plans]),
                       hide_index=True, width="stretch")
        if figures := closure_figures(plan):
            st.markdown(f"**Closure answers: declared and the figures** ({cite('level2_closure_evidence')})")
            data_table(pd.DataFrame([{"Answer": f.label,
                                      "Declared": {True: "yes", False: "no", None: EMPTY}[f.declared],
                                      "The figures": {True: "yes", False: "no", None: EMPTY}[f.computed],
                                      "What the figures say": f.detail,
                                      "Agree": "no" if f.disagrees else ("yes" if f.declared is not None else EMPTY)}
                                     for f in figures]), hide_index=True, width="stretch")
            if plan.closure.figures_explanation:
                st.caption("Explanation recorded: " + md(plan.closure.figures_explanation))
        for i, init in enumerate(plan.initiatives):
            st.markdown(f"**{md(init.title)}** ({INITIATIVE_KINDS[init.kind].lower()}, due {init.due_date}): "
                        f"{md(init.expected_result)}")
            for ind in init.indicators:
                last = ind.measurements[-1] if ind.measurements else None
                now = (f"{last.value:g} {md(ind.unit)} on {last.measured_on}" if last and last.value is not None
                       else (f"{last.status} on {last.measured_on}" if last else "not measured yet"))
                target = f"{ind.baseline_value:g} → {ind.target_value:g} {md(ind.unit)}" \
                    if ind.kind == "quantitative" else "qualitative"
                st.markdown(f"- {md(ind.name)}: {target} by {ind.target_date}; latest: {now}")

# --- record -------------------------------------------------------------------------------------------

def step_form(model, key: str, role: str, call, success: str, **form) -> None:
    service_form(model, key, call, code=code, role=role, success=success, version=version, seen=rec, **form)


st.subheader("Record" if can_edit() else "Step by step", anchor=False)
if not can_edit():
    st.caption(md(read_only_notice("record steps, plans and lessons")))
v, r = rec.verification, rec.response
editable = state.is_open and can_edit()  # board mode or a viewer: no (empty) "Add …" expanders, no pickers
DC, AP, SR, RF, VSC = ("downstream_company", "audit_programme", "smelter_refiner", "remediation_facilitator",
                       "victim_service_coordinator")

def verify_tab() -> None:
    st.markdown(f"Violation types: {', '.join(VIOLATION_TYPES[t] for t in inc.violation_types)} · "
                f"{plural(inc.affected_persons, 'affected person')}, "
                f"of whom {plural(inc.children_affected, 'child', 'children')} · "
                f"{'repeated' if inc.repeated else 'isolated'} · incident on {inc.incident_date}"
                + (f", public since {inc.became_public_date}" if inc.became_public_date else ", not public"))
    if state.step > 1 or not editable:
        st.caption("Step 1 is complete." if state.step > 1 else "Closed at Step 1.")
    elif v.credibility is None:
        st.caption(f"The downstream company reviews the allegation ({cite('allegation_review_procedures')}; "
                   f"credible: {cited_lines('credible_definition')}).")
        step_form(m.Credibility, "credibility", DC, services.record_credibility, "Credibility recorded",
                  submit_label="Record credibility", document=(step1_closure_document("credibility"), None),
                  labels={"credible": "Credible? A trustworthy source and reasonable grounds to believe a violation "
                                      "may have taken place"})
    elif v.actionability is None:
        if exposure is not None:
            _exposure.actionability_evidence(exposure)
        step_form(m.Actionability, "actionability", DC, services.record_actionability, "Actionability recorded",
                  submit_label="Record actionability", document=(step1_closure_document("actionability"), None),
                  labels={"actionable": "Actionable? Does it explicitly link to a current or past supply-chain "
                                        "partner?"})
    elif v.notice is None:
        step_form(m.AuditProgrammeNotice, "notice", DC, services.notify_audit_programme, "Notification recorded",
                  submit_label="Record notification",
                  labels={"notified_on": f"{AUDIT_PROGRAMMES[inc.audit_programme]} notified on"})
    else:
        st.caption("The audit programme investigates under its grievance mechanism and, if substantiated, "
                   f"assesses the link to the smelter/refiner ({cite('investigation_and_trading_link')}).")
        if exposure is not None:
            _exposure.trading_evidence(exposure)
        step_form(m.Substantiation, "substantiation", AP, services.record_substantiation, "Finding recorded",
                  submit_label="Record the investigation's finding",
                  document=(step1_closure_document("substantiation"), None),
                  labels={"stopped_trading_date": "Date the smelter/refiner stopped trading (past trading)"})
    if state.is_open or inc.involvement:
        _company_work.involvement(rec, step_form, editable)

def level_tab() -> None:
    if state.step < 2:
        st.caption("Reached once the allegation is substantiated.")
    else:
        if exposure is not None and state.step == 2:
            _exposure.trading_evidence(exposure)
        if editable and state.step <= 3:
            policy = policy_in_force()  # a database fault: app.py's plain words, never in the sentence below
            try:
                preview = assess(inc.triage_input(), policy)
                st.info(f"The level rules on the recorded facts: **{SCENARIOS[preview.scenario]}** — Level 1 "
                        f"{preview.level1.replace('_', ' ')}, Level 2 {preview.level2.replace('_', ' ')} "
                        f"(policy v{preview.policy_version}).", icon=":material/rule:")
            except Exception as exc:  # facts the rules cannot read: say which
                st.warning(f"The level rules cannot read the recorded facts: {md(str(exc))}")
            _exposure.occurrence_suggestion(code, inc.incident_date, inc.repeated, policy_in_force(),
                                            how_to_change="open these facts in what-if triage, change 'Repeated over a "
                                                          "period' and record the assessment there")
            step_form(m.AssessmentRequest, "assessment", AP,
                      lambda e, c, payload, a, **kw: services.record_assessment(e, c, payload.assessed_on, actor=a, **kw),
                      "Assessment recorded", submit_label="Record this assessment",
                      document=("level_assessment", None))
        if r.corrective_action:
            st.markdown(f"Corrective action ({r.corrective_action.decided_on}): {md(r.corrective_action.description)}")
        elif editable:
            step_form(m.CorrectiveAction, "corrective", AP, services.record_corrective_action,
                      "Corrective action recorded", submit_label="Record corrective action",
                      document=("corrective_action", None),
                      exclude={"milestones"}, choices={"status": CORRECTIVE_STATUSES},
                      labels={"relationship_terminated": "Relationship with the mine operator or entity terminated"})
        _company_work.corrective(rec, step_form, editable)
        if r.smelter_notice:
            st.markdown(f"Smelter/refiner notified on {r.smelter_notice.notified_on}.")
        elif editable and latest:
            step_form(m.SmelterNotice, "smelter_notice", AP, services.notify_smelter, "Notice recorded",
                      submit_label="Record notice to the smelter/refiner")

def add_indicator(plan: m.Plan) -> None:
    which = st.selectbox("Initiative", options=range(len(plan.initiatives)), key="indicator_for",
                         format_func=lambda i: plan.initiatives[i].title)
    step_form(m.Indicator, "indicator", RF,
              lambda e, c, payload, a, **kw: services.add_indicator(e, c, which, payload, a, **kw),
              "Indicator added", submit_label="Add indicator", exclude={"measurements"})

def add_measurement(plan: m.Plan) -> None:
    indicators = [(i, j, ind) for i, init in enumerate(plan.initiatives) for j, ind in enumerate(init.indicators)]
    pick = st.selectbox("Indicator", options=range(len(indicators)), key=f"measure_for{plan.level}",
                        format_func=lambda k: f"{indicators[k][2].name} ({indicators[k][2].kind})")
    i, j, _ = indicators[pick]
    step_form(m.Measurement, f"measure{plan.level}", RF,
              lambda e, c, payload, a, **kw: services.add_measurement(e, c, i, j, payload, a, **kw),
              "Measurement recorded", submit_label="Add measurement")

def plan_tab() -> None:
    if state.step < 3:
        st.caption("Reached once the level of response is determined and the smelter/refiner notified.")
    elif editable:
        free_levels = [lvl for lvl in (1, 2) if rec.plan(lvl) is None]
        if free_levels:
            with form_expander("Open a plan", "plan_header", expanded=not rec.plans) as drawn:
                if drawn:
                    step_form(m.PlanHeader, "plan_header", RF, services.open_plan, "Plan opened",
                              submit_label="Open plan", document=("plan", lambda header: header.level),
                              choices={"level": {lvl: f"Level {lvl}" for lvl in free_levels}},
                              labels={"estimated_cost": "Estimated cost"})
        for plan in rec.plans:
            if plan.approval.approved_by_audit_programme_on is not None:
                continue
            lvl = plan.level
            st.markdown(f"**Level {lvl} plan**")
            if lvl == 1:
                with form_expander("Add a case-management plan", "case_plan") as drawn:
                    if drawn:
                        step_form(m.CasePlan, "case_plan", VSC, services.add_case_plan, "Case plan added",
                                  submit_label="Add case plan")
            else:
                with form_expander("Add an initiative", "initiative") as drawn:
                    if drawn:
                        step_form(m.Initiative, "initiative", RF, services.add_initiative, "Initiative added",
                                  submit_label="Add initiative", exclude={"indicators"})
                if plan.initiatives:
                    with form_expander("Add a performance indicator", "indicator") as drawn:
                        if drawn:
                            add_indicator(plan)
            with form_expander(f"Add a budget line to the Level {lvl} plan", f"budget{lvl}") as drawn:
                if drawn:
                    step_form(m.BudgetLine, f"budget{lvl}", RF, for_plan(services.add_budget_line, lvl),
                              "Budget line added", submit_label="Add budget line")
            chain = [("submitted_by_facilitator_on", RF, "Submitted by the facilitator on"),
                     ("submitted_by_smelter_on", SR, "Submitted by the smelter/refiner to the audit programme on"),
                     ("approved_by_audit_programme_on", AP, "Approved by the audit programme on")]
            field, role, label = next(x for x in chain if getattr(plan.approval, x[0]) is None)
            step_form(m.PlanApproval, f"approval{lvl}", role, for_plan(services.record_plan_approval, lvl),
                      "Approval chain updated", submit_label="Record", fields=[field], labels={field: label},
                      document=("plan_approval", lvl))
    if state.step >= 3:
        for plan in rec.plans:
            st.markdown(f"**Level {plan.level} plan: remedy, engagement and the victims' voice**")
            _company_work.plan_engagement(plan, step_form, editable, conf)

def implement_tab() -> None:
    if state.step < 4:
        st.caption("Reached once the plans are approved by the audit programme.")
    elif editable:
        for plan in rec.plans:
            lvl = plan.level
            st.markdown(f"**Level {lvl} plan** — budget {plan.currency} {plan.budget:,.0f}, pledged "
                        f"{plan.pledged:,.0f}, spent {plan.spent:,.0f}")
            with form_expander("Add funding", f"funding{lvl}") as drawn:
                if drawn:
                    step_form(m.Funding, f"funding{lvl}", SR, for_plan(services.add_funding, lvl), "Funding recorded",
                              submit_label="Add funding", labels={"pledged": f"Pledged ({plan.currency})",
                                                                  "received": f"Received ({plan.currency})"})
            if plan.implementation_started_on is None:
                step_form(m.ImplementationStart, f"start{lvl}", RF,
                          lambda e, c, payload, a, lvl=lvl, **kw: services.start_implementation(
                              e, c, lvl, payload.started_on, a, **kw),
                          "Implementation started", submit_label="Record the start")
                continue
            with form_expander("Add an expenditure", f"spend{lvl}") as drawn:
                if drawn:
                    categories = {b.category: b.category for b in plan.budget_lines} or None
                    step_form(m.Expenditure, f"spend{lvl}", RF, for_plan(services.add_expenditure, lvl),
                              "Expenditure recorded", submit_label="Add expenditure",
                              choices={"category": categories} if categories else None,
                              labels={"amount": f"Amount ({plan.currency})"})
            with form_expander("Add a monitoring report", f"monitoring{lvl}") as drawn:
                if drawn:
                    step_form(m.MonitoringReport, f"monitoring{lvl}", RF,
                              for_plan(services.add_monitoring_report, lvl), "Monitoring report recorded",
                              submit_label="Add report", document=("monitoring_report", lvl))
            if any(init.indicators for init in plan.initiatives):
                with form_expander("Add an indicator measurement", f"measure{lvl}") as drawn:
                    if drawn:
                        add_measurement(plan)
            if plan.closure.final_report_on is None:
                step_form(m.PlanClosure, f"final{lvl}", RF, for_plan(services.record_plan_closure, lvl),
                          "Final report recorded", submit_label="Record the final report", fields=["final_report_on"],
                          document=("final_report", lvl),
                          labels={"final_report_on": "Facilitator's final report received on"})
    if state.step >= 4:
        for plan in rec.plans:
            _company_work.plan_reporting(plan, step_form, editable)

def close_tab() -> None:
    if state.step < 5:
        st.caption("Reached once every plan's final report is in.")
    elif editable:
        for plan in rec.plans:
            lvl = plan.level
            fields = (["financial_report_on", "referral_confirmed_on", "assistance_summary", "monitoring_summary",
                       "coverage_shortfall_reason", "coverage_shortfall_note"]
                      if lvl == 1 else ["financial_report_on", "outcomes_verified", "completed_on_time",
                                        "within_budget", "objectives_met", "monitoring_documented",
                                        "figures_explanation"])
            st.markdown(f"**Level {lvl} plan: closure evidence** "
                        f"({cite('level1_closure_evidence' if lvl == 1 else 'level2_closure_evidence')})")
            step_form(m.PlanClosure, f"evidence{lvl}", SR if lvl == 1 else RF,
                      for_plan(services.record_plan_closure, lvl), "Closure evidence recorded",
                      submit_label="Record closure evidence", fields=fields, defaults=plan.closure.model_dump(),
                      document=("financial_report", lvl),
                      choices={"coverage_shortfall_reason": SHORTFALL_REASONS} if lvl == 1 else None,
                      labels={"coverage_shortfall_reason": "Why fewer case plans than identified victims (or "
                                                           "children)?",
                              "coverage_shortfall_note": "About the shortfall",
                              "figures_explanation": "Where the declared answers disagree with the figures: "
                                                     "why"})
        c = rec.closure
        st.markdown("**Closing**")
        closing = [("verified_by_audit_programme_on", ["verified_by_audit_programme_on"], AP),
                   ("closure_report_on", ["closure_report_on", "recommend_close"], AP),
                   ("closed_on", ["closed_on"], DC)]
        field, fields, role = next((x for x in closing if getattr(c, x[0]) is None), closing[-1])
        step_form(m.Closure, "closure", role, services.record_closure, "Closure recorded", submit_label="Record",
                  fields=fields, document=("closure_report", None) if field != "verified_by_audit_programme_on" else None, labels={"recommend_close": "The audit programme recommends closing the incident",
                                         "closed_on": "Closed by the downstream company on"})

def lessons_tab() -> None:
    if state.step < 3:
        st.caption("Lessons are captured throughout remediation and formally at closure.")
    else:
        if rec.lessons:
            st.markdown("Recorded on " + str(rec.lessons.reviewed_on) + ": " +
                        "; ".join(f"{q.replace('_', ' ')}: {getattr(rec.lessons, q)}" for q in
                                  ("objectives_met", "victims_satisfied", "communities_benefited", "budget_sufficient")))
        step_form(m.Lessons, "lessons", DC, services.record_lessons, "Lessons recorded",
                  submit_label="Record lessons learned", defaults=rec.lessons.model_dump() if rec.lessons else None,
                  document=("lessons_review", None), exclude={"actions"})
        _company_work.lesson_actions(rec, step_form, can_edit())

# The six steps' tabs. Only the open one runs: drawing every tab's forms (some 23 forms, 89 fields) on each rerun
# was most of the page's time. The tab is in the link (``?tab=3. Plan``); without one, the incident's current step.
tab_names = [f"{n}. {name}" for n, name in STEP_TABS.items()]  # short, so all six fit with the active one in view
current_tab = tab_names[state.step - 1]
last = st.session_state.get(TAB_OF)  # the incident and step the tab was chosen for (None: just arrived on the page)
if last != (code, state.step):  # a link's tab; or, for another code typed or a step just recorded, the current step
    asked = st.query_params.get("tab") if last is None else None
    st.session_state["tab"] = asked if asked in tab_names else current_tab
st.session_state[TAB_OF] = (code, state.step)
tabs = st.tabs(tab_names, default=current_tab, key="tab", bind="query-params")
for n, tab, draw in zip(STEPS, tabs, (verify_tab, level_tab, plan_tab, implement_tab, close_tab, lessons_tab)):
    if tab.open:
        with tab:
            st.markdown(f"**Step {n}: {STEPS[n]}**")
            draw()

_evidence.section(code, rec, state)

# --- timeline -----------------------------------------------------------------------------------------
st.subheader("Timeline", anchor=False)
# The audit trail runs only when its tab is open: it grows with every write to the incident (hundreds of entries for
# a busy one), and each write makes it read, converted and sent again on the rerun that follows.
what, who = st.tabs(["What happened", "Who recorded what"], key="timeline", on_change="rerun")
with what:
    data_table(pd.DataFrame([{"Date": d, "Role": ROLES.get(role, ""), "Event": text}
                             for d, role, text in events(rec)]), hide_index=True, width="stretch")
if who.open:
    with who:
        trail = incident_audit(code)
        data_table(trail, hide_index=True, width="stretch",
                   column_config={"at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                                  "actor": "Who", "role": "For role", "action": "What",
                                  "changes": st.column_config.TextColumn("Changes", width="large")})
