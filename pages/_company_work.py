"""The company's own work on the incident page (issue #13, items 3-7): involvement, corrective action status and
milestones, relationship decisions, the reporting chain, consultations, feedback, remedy types, the victim's voice
and lessons actions. Each part draws what is recorded and, for an editor, a form that records it through
:mod:`remediation.services.company_work` (validation, roles, versions, audit). ``form`` is the incident page's
``step_form`` (a :func:`pages._forms.service_form` bound to the incident and its version)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from pages._data import settings_as_drawn
from pages._evidence import save_settings
from pages._forms import for_plan
from pages._lazy import form_expander
from pages._text import cite, data_table, md, unbroken
from remediation.domain import models as m
from remediation.domain.involvement import meaning
from remediation.domain.settings import Settings
from remediation.domain.vocab import (
    ACTION_STATUSES,
    CORRECTIVE_STATUSES,
    FEEDBACK_FROM,
    INVOLVEMENTS,
    RELATIONSHIP_DECISIONS,
    REMEDY_TYPES,
    REPORTING_CADENCES,
    REPORTING_CHAIN,
    ROLES,
    STAKEHOLDERS,
)
from remediation.services import company_work as work

DC, AP, SR, RF, VSC = ("downstream_company", "audit_programme", "smelter_refiner", "remediation_facilitator",
                       "victim_service_coordinator")
Form = Callable[..., None]


def involvement(rec: m.IncidentRecord, form: Form, editable: bool) -> None:
    """The company's involvement and what it means: remediate directly, or use leverage."""
    found = meaning(rec.incident.involvement)
    if found is None:
        st.caption("The company's involvement in the harm is not recorded yet: caused, contributed, or directly "
                   f"linked ({cite('company_role_in_harm')}).")
    else:
        st.markdown(f"**Company involvement: {found.label}** — {found.action}. {found.summary} ({unbroken(found.citation)})")
    if editable:
        label = "Record the company's involvement" if found is None else "Change the company's involvement"
        with form_expander(label, "involvement_decision") as drawn:
            if drawn:
                form(m.InvolvementDecision, "involvement_decision", DC, work.record_involvement, "Involvement recorded",
                     submit_label="Record involvement", choices={"involvement": INVOLVEMENTS})


def corrective(rec: m.IncidentRecord, form: Form, editable: bool) -> None:
    """Corrective action: status, milestones, and the relationship decisions (guideline lines 988-996)."""
    ca = rec.response.corrective_action
    if ca is not None:
        st.markdown(f"**Corrective action: {CORRECTIVE_STATUSES[ca.status]}**"
                    + (f" · completed {ca.completed_on}" if ca.completed_on else "")
                    + (f" · verified {ca.verified_on}" if ca.verified_on else "")
                    + f" ({cite('corrective_action_enhanced_dd')})")
        if ca.milestones:
            data_table(pd.DataFrame([{"Milestone": ms.title, "Due": ms.due_on, "Done": ms.done_on,
                                      "Overdue": "yes" if ms.done_on is None and ms.due_on < date.today() else ""}
                                     for ms in ca.milestones]), hide_index=True, width="stretch")
        if editable:
            with form_expander("Update the corrective action's status", "corrective_progress") as drawn:
                if drawn:
                    form(m.CorrectiveProgress, "corrective_progress", AP, work.update_corrective_action,
                         "Corrective action updated", submit_label="Update status",
                         defaults={"status": ca.status, "completed_on": ca.completed_on, "verified_on": ca.verified_on},
                         choices={"status": CORRECTIVE_STATUSES})
            if ca.status not in ("completed", "verified"):
                with form_expander("Add a milestone", "milestone") as drawn:
                    if drawn:
                        form(m.Milestone, "milestone", AP, work.add_milestone, "Milestone added",
                             submit_label="Add milestone", exclude={"done_on"}, labels={"due_on": "Due on"})
            open_ = [i for i, ms in enumerate(ca.milestones) if ms.done_on is None]
            if open_:
                with form_expander("Mark a milestone done", "milestone_done") as drawn:
                    if drawn:
                        pick = st.selectbox(
                            "Milestone", options=open_, key="milestone_pick",
                            format_func=lambda i: f"{ca.milestones[i].title} (due {ca.milestones[i].due_on})")
                        form(m.MilestoneDone, "milestone_done", SR,
                             lambda e, c, payload, a, **kw: work.complete_milestone(e, c, pick, payload, a, **kw),
                             "Milestone done", submit_label="Mark done")
    decisions = rec.response.relationship_decisions
    if decisions:
        # Short columns that fit the page (1440 px and narrower); the prose (why, what the do-no-harm check found)
        # wraps under the table: as two more columns it ran past the right edge, the last one cut off.
        st.markdown("**Relationship decisions**")
        parties = {"mine_operator": "Mine operator", "smelter_refiner": "Smelter/refiner"}
        data_table(pd.DataFrame([{"Relationship": parties[d.party],
                                  "Decision": RELATIONSHIP_DECISIONS[d.party][d.decision], "On": d.decided_on,
                                  "Do-no-harm check": d.do_no_harm_checked_on} for d in decisions]),
                   hide_index=True, width="stretch",
                   column_config={"Relationship": st.column_config.TextColumn(width="medium"),
                                  "Decision": st.column_config.TextColumn(width="medium"),
                                  "On": st.column_config.DateColumn(width="small"),
                                  "Do-no-harm check": st.column_config.DateColumn(width="medium")})
        st.markdown("\n".join(
            f"- **{parties[d.party]}, {RELATIONSHIP_DECISIONS[d.party][d.decision].lower()}:** {md(d.reasons)}"
            + (f" Do-no-harm check: {md(d.do_no_harm_findings)}" if d.do_no_harm_findings else "")
            for d in decisions))
    if not editable:
        return
    labels = {"do_no_harm_checked_on": "Do-no-harm check made on (needed to terminate or disengage)",
              "do_no_harm_findings": "What the do-no-harm check found"}
    with form_expander("Decide on the relationship with the mine operator", "decision_mine") as drawn:
        if drawn:
            st.caption(f"Corrective action may require terminating the relationship with the mine operator "
                       f"({cite('terminate_mine_operator')}); cutting ties can harm the victims and communities, so a "
                       f"do-no-harm check comes first ({cite('do_no_harm')}).")
            form(m.RelationshipDecision, "decision_mine", AP, work.record_relationship_decision, "Decision recorded",
                 submit_label="Record decision", fixed={"party": "mine_operator"},
                 choices={"decision": RELATIONSHIP_DECISIONS["mine_operator"]}, labels=labels)
    with form_expander("The company's decision on the smelter/refiner", "decision_smelter") as drawn:
        if drawn:
            st.caption(f"The company uses its leverage over the smelter/refiner ({cite('dc_leverage')}); disengaging "
                       "is the last resort, after a do-no-harm check.")
            form(m.RelationshipDecision, "decision_smelter", DC, work.record_relationship_decision, "Decision recorded",
                 submit_label="Record decision", fixed={"party": "smelter_refiner"},
                 choices={"decision": RELATIONSHIP_DECISIONS["smelter_refiner"]}, labels=labels)


def plan_engagement(plan: m.Plan, form: Form, editable: bool, conf: Settings) -> None:
    """Remedy types, stakeholders consulted, the victims' voice and feedback of one plan, as recorded."""
    lvl = plan.level
    st.markdown("Remedy provided: " + (", ".join(REMEDY_TYPES[r] for r in plan.remedy_types) or "not recorded")
                + f" ({cite('remedy_types')})")
    if plan.consultations:
        st.markdown("Consulted in the design: " + "; ".join(
            f"{STAKEHOLDERS[c.stakeholder]} ({c.consulted_on})" for c in plan.consultations))
    else:
        st.markdown(f"Consulted in the design: none recorded ({cite('plan_design_consultation')})")
    if lvl == 1 and plan.case_plans:
        consent = sum(1 for c in plan.case_plans if c.informed_consent)
        wishes = sum(1 for c in plan.case_plans if c.wishes_shaped_plan)
        st.markdown(f"Victims' voice: informed consent in {conf.suppress(consent)} of "
                    f"{conf.suppress(len(plan.case_plans))} case plans; the victim's wishes shaped "
                    f"{conf.suppress(wishes)} ({cite('informed_consent')}; {cite('victim_wishes')}).")
    if plan.feedback:
        data_table(pd.DataFrame([{"Collected": f.collected_on, "From": FEEDBACK_FROM[f.source],
                                  "Respondents": conf.suppress(f.respondents),
                                  "Satisfied": f"{f.satisfied / f.respondents:.0%}", "Summary": f.summary}
                                 for f in plan.feedback]), hide_index=True, width="stretch")
    if not editable:
        return
    with form_expander(f"Level {lvl} plan: remedy types", f"remedy{lvl}") as drawn:
        if drawn:
            form(m.RemedyTypes, f"remedy{lvl}", RF, for_plan(work.record_remedy_types, lvl), "Remedy types recorded",
                 submit_label="Record remedy types", defaults={"remedy_types": plan.remedy_types},
                 choices={"remedy_types": REMEDY_TYPES})
    with form_expander(f"Level {lvl} plan: record a stakeholder consulted", f"consultation{lvl}") as drawn:
        if drawn:
            form(m.Consultation, f"consultation{lvl}", RF, for_plan(work.add_consultation, lvl),
                 "Consultation recorded", submit_label="Record consultation", choices={"stakeholder": STAKEHOLDERS})
    if lvl == 1 and plan.case_plans:
        with form_expander("Informed consent and the victim's wishes", "case_voice") as drawn:
            if drawn:
                codes = [c.victim_code for c in plan.case_plans]
                pick = st.selectbox("Case plan (victim code)", options=codes, key="voice_pick")
                form(m.CaseVoice, "case_voice", VSC,
                     lambda e, c, payload, a, **kw: work.record_case_voice(e, c, pick, payload, a, **kw),
                     "Recorded", submit_label="Record",
                     labels={"informed_consent": "The victim gave informed consent",
                             "wishes_shaped_plan": "The plan follows the victim's wishes"})


def plan_reporting(plan: m.Plan, form: Form, editable: bool) -> None:
    """The reporting chain of each monitoring report, and the forms for it and for feedback."""
    lvl = plan.level
    if plan.monitoring_reports:
        st.markdown(f"**Reporting chain** ({cite('reporting_facilitator_to_smelter')}; "
                    f"{cite('reporting_smelter_to_audit_programme')}; {cite('reporting_audit_programme_to_dc')})")
        data_table(pd.DataFrame([{"Period": f"{r.period_start} to {r.period_end}", "Received": r.received_on,
                                  **{f"{ROLES[s]} → {ROLES[to]}": getattr(r, f) for f, s, to in REPORTING_CHAIN}}
                                 for r in plan.monitoring_reports]), hide_index=True, width="stretch")
    if not editable:
        return
    if plan.monitoring_reports:
        with form_expander(f"Level {lvl} plan: record who passed a report on", f"forward{lvl}") as drawn:
            if drawn:
                reports = plan.monitoring_reports
                pick = st.selectbox("Monitoring report", options=range(len(reports)), key=f"forward_pick{lvl}",
                                    format_func=lambda i: f"{reports[i].period_start} to {reports[i].period_end}")
                form(m.ReportForwarding, f"forward{lvl}", SR,
                     lambda e, c, payload, a, **kw: work.record_report_forwarding(e, c, lvl, pick, payload, a, **kw),
                     "Reporting chain recorded", submit_label="Record",
                     labels={"sent_to_smelter_on": "Facilitator → smelter/refiner on",
                             "sent_to_audit_programme_on": "Smelter/refiner → audit programme on",
                             "sent_to_company_on": "Audit programme → downstream company on"})
    if plan.implementation_started_on is not None:
        label = f"Level {lvl} plan: record feedback from victims or beneficiaries"
        with form_expander(label, f"feedback{lvl}") as drawn:
            if drawn:
                st.caption("Counts only: how many answered and how many were satisfied; never who said what "
                           f"({cite('victim_feedback_documented')}).")
                form(m.FeedbackRound, f"feedback{lvl}", RF, for_plan(work.add_feedback, lvl), "Feedback recorded",
                     submit_label="Record feedback", choices={"source": FEEDBACK_FROM})


def lesson_actions(rec: m.IncidentRecord, form: Form, can_write: bool) -> None:
    """Action items the lessons review raised (guideline lines 1454-1459)."""
    if rec.lessons is None:
        return
    actions = rec.lessons.actions
    today = date.today()
    st.markdown(f"**Actions from the lessons review** ({cite('lessons_into_due_diligence')})")
    if actions:
        closed = sum(1 for a in actions if a.status in ("done", "dropped"))
        st.caption(f"{len(actions) - closed} open, {closed} closed.")
        # Overdue is said in the status, not a column of its own: eight columns clipped the last header at 1440 px.
        data_table(pd.DataFrame([{"Action": a.title, "Owner": a.owner, "Due": a.due_on,
                                  "Status": ACTION_STATUSES[a.status] + (" · overdue" if a.overdue(today) else ""),
                                  "Closed": a.closed_on, "Policy version": a.policy_version,
                                  "Due-diligence change": a.due_diligence_change} for a in actions]),
                   hide_index=True, width="stretch")
    else:
        st.caption("No action raised yet.")
    if not can_write:
        return
    with form_expander("Raise an action", "lesson_action") as drawn:
        if drawn:
            form(m.LessonAction, "lesson_action", DC, work.add_lesson_action, "Action raised",
                 submit_label="Raise action", fields=["title", "owner", "due_on"], labels={"due_on": "Due on"})
    if actions:
        with form_expander("Update an action", "action_update") as drawn:
            if drawn:
                pick = st.selectbox("Action", options=range(len(actions)), key="action_pick",
                                    format_func=lambda i: actions[i].title)
                form(m.ActionUpdate, "action_update", DC,
                     lambda e, c, payload, a, **kw: work.update_lesson_action(e, c, pick, payload, a, **kw),
                     "Action updated", submit_label="Update action", choices={"status": ACTION_STATUSES},
                     defaults={"status": actions[pick].status},
                     labels={"policy_version": "Policy version it led to",
                             "due_diligence_change": "Due-diligence change it led to"})


def cadence_editor() -> None:
    """The admin page's form for the reporting cadence: how often the reporting chain passes a monitoring report on.
    Saved against the version shown when the form was drawn (an admin who saved since is not overwritten)."""
    memo = "cadence_settings.__seen"
    seen_versions, seen = settings_as_drawn(memo)
    st.subheader("Reporting chain", anchor=False)
    with st.form("cadence_settings"):
        cadence = st.segmented_control(
            "Reporting cadence", options=list(REPORTING_CADENCES), format_func=REPORTING_CADENCES.get,
            default=seen.reporting_cadence, required=True, key="cadence_settings.cadence",
            help="While a plan is implemented, each monitoring report travels facilitator → smelter/refiner → audit "
                 f"programme → company ({cite('regular_monitoring_reports')}). A hop not made within this cadence is "
                 "an item the incident waits for, owed by whoever should have sent the report.")
        if st.form_submit_button("Save reporting cadence"):
            save_settings({"reporting_cadence": cadence}, seen, seen_versions, memo)
