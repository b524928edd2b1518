"""One registry of citations into IOM's *Remediation Guidelines for Victims of Human Trafficking in
Mineral Supply Chains* (2018), as stored in ``shared/reference/iom-remediation-guidelines-2018.txt``.

Every entry was checked by hand against the text: ``first``/``last`` are 1-based line numbers (the
numbering of ``sed -n``) and ``words`` are short phrases that really occur within those lines (after
joining the lines with spaces, collapsing whitespace and lowercasing). ``tests/unit/test_citations.py``
re-verifies every entry against the guideline text.

Code should cite through :func:`cite` (``cite("step1_closed_documented")`` →
``"guideline lines 942-944"``) rather than typing line numbers.

Notes on the text of our copy:

* The level matrix (lines 1064-1076) lost its mandatory/recommended symbols; only the current-trading
  row is stated in words (lines 1053-1055).
* The guideline says the audit programme sends the downstream company a closure report with a
  recommendation to close (lines 1424-1428); that the downstream company then closes the incident is
  implied there (and by Step 1's "documented and closed"), not stated in a sentence of its own.
* The text gives no number for "many affected persons" (footnote 22) or "well before it became public"
  (footnote 23); the only number in the process is 6-12 months of monitoring (lines 1393-1396).
"""

from __future__ import annotations

from dataclasses import dataclass

GUIDELINE = "iom-remediation-guidelines-2018.txt"


@dataclass(frozen=True)
class Citation:
    key: str  # stable identifier, snake_case
    first: int  # first line in iom-remediation-guidelines-2018.txt (1-based)
    last: int  # last line (== first for one line)
    says: str  # one sentence: what the guideline says there, in plain words
    words: tuple[str, ...]  # 1-3 exact phrases found within lines first..last (proof of the range)
    footnote: int | None = None  # 22 or 23 where the citation is a footnote

    @property
    def lines(self) -> str:
        """``"lines 942-944"`` or ``"line 998"``."""
        return f"line {self.first}" if self.first == self.last else f"lines {self.first}-{self.last}"

    def __str__(self) -> str:
        """``"guideline lines 942-944"`` or ``"footnote 22, guideline lines 1082-1088"``."""
        text = f"guideline {self.lines}"
        return f"footnote {self.footnote}, {text}" if self.footnote is not None else text


C = Citation

_ENTRIES: tuple[Citation, ...] = (
    # --- Chapter 2: the business responsibility for remedy --------------------------------------------
    C("company_role_in_harm", 346, 376,
      "A company that caused harm should cease it and remediate; one that contributed should cease, use "
      "leverage and contribute to remediation; one merely linked should use leverage to mitigate the risk.",
      ("caused (or may cause)", "contributed to (or may", "identified linkage")),
    C("downstream_linkage_leverage", 378, 396,
      "A downstream company's relation to the harm is likely 'linkage', so it should use its leverage up the "
      "supply chain to obtain remediation from the partners that caused or contributed to the harm.",
      ("likely to be one of", "leverage to identify effective and sustainable", "practical steps")),
    C("smelter_proximity_leverage", 398, 412,
      "Mine operators usually cause the harm directly; smelters/refiners contribute or are linked and, being "
      "close to the mine, should cease the harmful action, contribute to remediation or use their leverage.",
      ("directly causing the harm", "use its leverage to mobilize the mine operators")),
    C("remedy_types", 446, 476,
      "Remedies for victims of trafficking may take the form of restitution, compensation, rehabilitation "
      "and recovery, satisfaction, and guarantees of non-repetition.",
      ("restitution, which is concerned", "satisfaction, which is a non-financial",
       "guarantees of non-repetition, which require")),
    C("remedies_adequate_proportional", 478, 481,
      "Remedies should be adequate and appropriate, proportional to the gravity of the violation and adapted "
      "to the circumstances of the case.",
      ("adequate and appropriate", "proportional to the gravity of the violation")),
    C("ungp31_effectiveness_criteria", 552, 583,
      "UNGP Principle 31's criteria for effective operational-level grievance mechanisms: legitimate, "
      "accessible, predictable, equitable and transparent.",
      ("principle 31 of the ungp", "legitimate: enabling trust", "transparent: keeping parties")),
    C("ungp31_predictable", 566, 570,
      "A predictable grievance mechanism has a clear, known procedure with an indicative time frame for each "
      "stage, clarity on the process and outcomes available, and means of monitoring implementation.",
      ("predictable: providing a clear and known", "indicative time frame", "for each stage")),
    C("case_management_approach", 624, 638,
      "IOM advocates a case management approach to direct assistance: multidisciplinary actors assess, plan, "
      "implement, coordinate and monitor to meet each victim's multiple needs.",
      ("case management approach", "assessment, planning, implementation")),
    C("assistance_principles", 644, 681,
      "The principles of assistance: do no harm; rights-based approach; non-discrimination; self-determination "
      "and participation; individualized, gender-sensitive and child-centred assistance; continuum of care; "
      "informed consent; confidentiality, privacy and data protection; accountability.",
      ("following principles of assistance", "do no harm", "accountability.")),
    C("do_no_harm", 644, 647,
      "The first principle of assistance is to do no harm.",
      ("following principles of assistance", "do no harm")),
    C("self_determination_participation", 666, 666,
      "Self-determination and participation of the victim is a principle of assistance.",
      ("self-determination and participation",)),
    C("informed_consent", 676, 676,
      "Informed consent is a principle of assistance.",
      ("informed consent",)),
    C("privacy_confidentiality", 678, 679,
      "Confidentiality, privacy and protection of data is a principle of assistance.",
      ("confidentiality, privacy and protection of data",)),
    C("oecd_child_practical_actions", 772, 810,
      "Remediation plans for child victims should follow the OECD Practical Actions: safely remove the child, "
      "clarify identity and age, talk to the child and guardian, report to the authorities, enrol in school or "
      "training, support the family, consult the guardian and obtain signed agreements.",
      ("practical actions for companies", "safely removing the child from the mine",
       "obtaining signed agreements from the parent or guardian")),

    # --- Chapter 3: the six steps and the actors --------------------------------------------------------
    C("six_steps", 841, 854,
      "The six steps: verify the allegation; determine the type and level of response; design the plan; "
      "implement and monitor it; close the incident; capture lessons learned.",
      ("step 1: verify the allegation", "step 6: capture lessons learned")),
    C("actors", 858, 908,
      "The stakeholders and their roles: downstream company, audit programme, smelter/refiner, remediation "
      "facilitator and victim service coordinator.",
      ("stakeholders and their respective roles", "victim service coordinator")),
    C("role_downstream_company", 860, 866,
      "The downstream company monitors reports of exploitation, follows up credible and actionable "
      "allegations with its audit programme, uses its leverage to ensure remediation and may fund the plan.",
      ("follows up on credible and actionable", "uses its leverage")),
    C("role_audit_programme", 868, 876,
      "The audit programme investigates allegations, identifies an external remediation facilitator if they "
      "are substantiated, and reports back to the downstream company on the plan's progress.",
      ("the programme investigates", "identifies an external remediation")),
    C("role_smelter_refiner", 878, 886,
      "The smelter/refiner initiates corrective remediation action on the audit programme's recommendation, "
      "working with the facilitator, reports progress to the audit programme and may fund the plan.",
      ("initiates the process for", "corrective remediation action")),
    C("role_remediation_facilitator", 888, 897,
      "The remediation facilitator, an expert with a presence in the country, designs the plan with local "
      "stakeholders, oversees its implementation and monitoring and keeps the smelter/refiner updated.",
      ("the facilitator advises and supports", "oversees the plan")),
    C("role_victim_service_coordinator", 899, 908,
      "The victim service coordinator (case manager) gives victims direct assistance and protection, "
      "coordinates service providers and reports to the facilitator.",
      ("victim service coordinator (or", "case manager) provides direct assistance")),
    C("dc_leverage", 863, 865,
      "Once the audit programme substantiates an allegation, the downstream company uses its leverage over the "
      "audit programme and the smelter/refiner to ensure that remediation takes place.",
      ("uses its leverage over the audit programme", "ensure that remediation takes place")),
    C("company_follows_up", 861, 865,
      "The downstream company follows up credible, actionable allegations with its audit programme and, once "
      "substantiated, uses its leverage over the audit programme and the smelter/refiner: follow-ups and escalation.",
      ("follows up on credible and actionable", "uses its leverage over the audit programme")),
    C("leverage_practical_steps", 387, 396,
      "Downstream companies use their leverage to secure buy-in up the supply chain: there are practical steps "
      "they can take to leverage remediation by the partners that caused or contributed to the harm.",
      ("secure buy-in up the supply chain", "practical steps", "leverage remediation by")),
    C("dc_financial_support", 865, 866,
      "The downstream company can provide financial support for implementing the remediation action plan.",
      ("it can also provide the financial",)),
    C("reporting_audit_programme_to_dc", 874, 876,
      "The audit programme reports back to the downstream company on the progress of the plan.",
      ("the audit programme reports back to the downstream company",)),
    C("reporting_smelter_to_audit_programme", 883, 884,
      "The smelter/refiner reports back to the audit programme on the progress of the plan.",
      ("the smelter/refiner reports back on the progress",)),
    C("reporting_facilitator_to_smelter", 894, 895,
      "The remediation facilitator keeps the smelter/refiner regularly updated on progress.",
      ("kept regularly updated on progress",)),
    C("reporting_coordinator_to_facilitator", 903, 905,
      "The victim service coordinator reports to the remediation facilitator on all actions taken to support "
      "the victim, including those of other service providers.",
      ("the coordinator reports to the remediation", "all actions taken to support the victim")),
    C("facilitator_types_role", 895, 897,
      "Depending on context and capacity, the facilitator could be a local NGO, an international NGO or a "
      "specialized international organization.",
      ("could be a local ngo", "specialized international organization")),

    # --- Step 1: verify the allegation ------------------------------------------------------------------
    C("step1_verify_allegation", 910, 915,
      "Step 1 is carried out by the downstream company and the audit programme to determine whether an "
      "allegation of exploitation is credible and actionable.",
      ("step 1 is carried out by", "credible and actionable")),
    C("allegation_review_procedures", 924, 927,
      "Downstream companies should have their own internal procedures to review allegations and decide the "
      "follow-up for credible and actionable ones.",
      ("own internal", "procedures to review allegations")),
    C("credible_definition", 929, 934,
      "An allegation is credible if reported by a trustworthy source with enough information for reasonable "
      "grounds to believe a violation may have taken place; credible does not mean true.",
      ("trustworthy source", "reasonable grounds to believe", "does not mean that the allegation is true")),
    C("actionable_definition", 936, 938,
      "An allegation is actionable if it explicitly links to one of the downstream company's current or past "
      "supply-chain partners.",
      ("deemed actionable if it explicitly links", "current or past supply")),
    C("notify_audit_programme", 940, 942,
      "If the downstream company finds an allegation credible and actionable, it notifies the relevant audit "
      "programme for review and investigation.",
      ("notifies the relevant audit programme",)),
    C("step1_closed_documented", 942, 944,
      "Allegations that are denied, or credible but not actionable, are fully documented and closed.",
      ("allegations that are denied", "credible but not actionable", "fully documented and closed")),
    C("audit_programme_investigates", 946, 949,
      "Under its grievance mechanism, the audit programme reviews and investigates the notified incident and "
      "may seek the smelter/refiner's cooperation.",
      ("based on its grievance mechanism", "reviews and investigates the incident")),
    C("trading_link_assessment", 951, 955,
      "If the allegation is substantiated, the audit programme assesses whether the incident is linked to the "
      "smelter/refiner through past or current trading, which determines the response in Step 2.",
      ("if the allegation is substantiated", "through past trading or current trading")),
    C("investigation_and_trading_link", 946, 955,
      "The audit programme investigates under its grievance mechanism and, if the allegation is substantiated, "
      "assesses whether the incident is linked to the smelter/refiner through past or current trading.",
      ("reviews and investigates the incident", "through past trading or current trading")),
    C("step1_unsubstantiated_closed", 957, 959,
      "If the allegation is unsubstantiated, the audit programme informs the downstream company so that the "
      "incident can be documented and closed.",
      ("if the allegation is unsubstantiated", "documented and closed")),

    # --- Step 2: determine the type and level of response -----------------------------------------------
    C("step2_level_of_response", 968, 982,
      "Step 2 is carried out by the audit programme with the smelter/refiner to determine the type and level "
      "of response: enhanced due diligence to prevent further harm and action to remediate the harm done.",
      ("step 2 is carried out by", "enhanced due", "remediate the")),
    C("corrective_action_enhanced_dd", 988, 996,
      "For every substantiated allegation, current or past trading, the audit programme works with the "
      "smelter/refiner on enhanced due diligence and corrective actions, which may require terminating the "
      "relationship with the mine operator or entity responsible.",
      ("ensure enhanced due diligence", "corrective actions", "terminating the relationship with the mine operator")),
    C("remediation_must_follow", 998, 999,
      "Where the allegation is substantiated, harm has occurred and remediation must follow.",
      ("where the allegation is substantiated", "remediation must follow")),
    C("level1_definition", 1005, 1018,
      "Level 1 addresses active cases of exploitation requiring immediate response: with a facilitator, "
      "identify the victims' individual needs and services, then implement and monitor the assistance "
      "(e.g. removal from the mine, shelter, health care, legal counselling, reintegration).",
      ("level 1: addressing active cases of exploitation", "individualized needs of the victim(s)")),
    C("level2_definition", 1020, 1037,
      "Level 2 strengthens support services and addresses the contextual factors that led to exploitation; "
      "it typically needs medium- to longer-term approaches.",
      ("level 2: strengthening support services", "contextual factors that led to exploitation",
       "medium- to longer-term")),
    C("level_factors", 1042, 1051,
      "Whether each level is mandatory or recommended depends on (i) current or past trading, (ii) the "
      "severity of the incident and (iii) the time lapse between the incident and the moment the "
      "smelter/refiner stopped trading with the supplier.",
      ("can be mandatory or", "the severity of the incident", "stopped trading with the supplier")),
    C("current_trading_row", 1053, 1055,
      "For substantiated incidents linked to the smelter/refiner through current trading, level 1 is "
      "mandatory and level 2 is recommended.",
      ("through current trading", "level 1 is mandatory and level 2", "is recommended")),
    C("past_trading_criteria", 1057, 1062,
      "For incidents linked through past trading, the required level depends on the incident's severity and "
      "the time lapse between the incident and the end of trading.",
      ("through past trading", "these two additional criteria")),
    C("level_matrix", 1064, 1076,
      "The matrix of required levels: current trading; past trading with a recent and severe incident; all "
      "other scenarios (our copy lost the mandatory/recommended symbols of the cells).",
      ("shown in the matrix below", "recent and severe incident", "all other scenarios")),
    C("audit_programme_notifies_smelter", 1078, 1080,
      "Once the type and level of response are determined, the audit programme notifies the smelter/refiner "
      "for follow-up remediation action.",
      ("the audit programme notifies the smelter/refiner",)),
    C("footnote22_severity", 1082, 1088,
      "Severity: human trafficking (for sexual exploitation and forced labour) and debt bondage are severe "
      "types; an incident is also severe by high occurrence (repeated, not isolated) or by the number of "
      "affected persons.",
      ("defines severity", "high occurrence of the incident", "number of affected persons"), footnote=22),
    C("footnote22_severe_types", 1082, 1084,
      "The type of violation defines severity: human trafficking (for sexual exploitation and forced labour) "
      "and debt bondage are severe types of incidents.",
      ("the type of incident/violation defines severity", "debt bondage", "are severe types of incidents"),
      footnote=22),
    C("footnote22_occurrence_and_persons", 1084, 1088,
      "Severity is also characterised by high occurrence (the incident happens repeatedly over a period, not "
      "as an isolated event) and by the number of affected persons (once, but affecting many people).",
      ("high occurrence of the incident", "not an isolated event", "number of affected persons"), footnote=22),
    C("footnote23", 1090, 1093,
      "Recent means less than one year before the smelter/refiner stopped trading; and the smelter/refiner "
      "should have cut ties well before the incident became public, otherwise trading counts as current.",
      ("less than one year before", "well before the incident became", "considered current and not past"),
      footnote=23),
    C("footnote23_recency", 1090, 1091,
      "Recent incidents happened less than one year before the smelter/refiner stopped trading with the "
      "supplier, as opposed to those at least one year prior.",
      ("recent incidents are those that happened less than one year before", "at least one year prior"),
      footnote=23),
    C("footnote23_cut_ties", 1091, 1093,
      "The smelter/refiner should have identified the issue and cut ties well before the incident became "
      "public; if not, trading is considered current and not past.",
      ("cut ties well before the incident became", "considered current and not past"), footnote=23),

    # --- Step 3: design the remediation action plan -----------------------------------------------------
    C("step3_design_plan", 1094, 1103,
      "Step 3 is carried out by the remediation facilitator at the smelter/refiner's request, consulting "
      "local stakeholders to design the plan for the level of response needed.",
      ("step 3 is carried out by", "consults local", "designing the appropriate")),
    C("plan_design_consultation", 1107, 1111,
      "Any level 1 or level 2 plan rests on an analysis on the ground done in consultation with the mine "
      "operator, victims, affected populations, government and non-governmental actors, upstream programmes "
      "and local experts.",
      ("sound analysis of the situation on the ground", "in consultation with the mine operator")),
    C("smelter_contacts_facilitator", 1113, 1118,
      "The smelter/refiner, usually neither present in the country nor expert in remediation, should contact "
      "a remediation facilitator to develop the plan with the concerned stakeholders.",
      ("should contact a remediation facilitator",)),
    C("facilitator_independent_neutral", 1120, 1124,
      "An independent and neutral facilitator helps ensure remediation is supported by stakeholders, "
      "appropriate, and takes into account risks of further harm and unintended negative consequences.",
      ("independent and neutral expert", "risks of further harm")),
    C("facilitator_types", 1126, 1128,
      "Depending on context and capacity, the remediation facilitator could be a local NGO, an international "
      "NGO or a specialized international organization such as IOM.",
      ("could be a local ngo, an international ngo", "international organization, such as iom")),
    C("level1_vsc_identification", 1133, 1141,
      "In level 1, the facilitator first identifies a victim service coordinator (case manager) on the ground, "
      "an organization already working with victims there: a government body, local NGO, community or "
      "faith-based organization, or international organization.",
      ("first identifies", "victim service coordinator (or case manager)", "already working with the victims")),
    C("level1_removal_from_exploitation", 1143, 1148,
      "Where exploitation is ongoing or there are more victims, the facilitator works with the coordinator, "
      "law enforcement and authorities so the victims are removed from exploitation and then assisted.",
      ("ongoing", "removed from their exploitative situation")),
    C("immediate_needs_initial_support", 1164, 1172,
      "The victim service coordinator identifies the victim's immediate concerns; initial support may include "
      "short-term accommodation, meals, clothes, medical care and counselling, avoiding dependency.",
      ("immediate needs and initial support", "short-term", "avoid creating a dependent situation")),
    C("victim_wishes", 1164, 1168,
      "Services and assistance are designed in accordance with the victim's wishes, interests and "
      "participation.",
      ("in accordance with the victim’s wishes", "interests and participation")),
    C("case_management_plan_per_victim", 1174, 1176,
      "For a level 1 response, the remediation action plan should include case management plans for any "
      "identified victims.",
      ("case management planning", "case management plans for any identified victims")),
    C("case_plan_realistic_goals", 1176, 1185,
      "Safe, dignified reintegration is at the heart of remediation: the coordinator helps victims set "
      "realistic goals, and the reintegration plan must rest on services actually available.",
      ("set realistic goals", "must be based on actual services")),
    C("assistance_types", 1187, 1203,
      "A case management plan generally includes shelter and accommodation; medical and health-care services "
      "and counselling; mental health and psychosocial support; legal, financial and return assistance; and "
      "reintegration services.",
      ("case management plan depends", "shelter and accommodation", "reintegration services")),
    C("service_delivery_coordination", 1205, 1216,
      "Case plans usually involve several service providers, so coordination is essential for continuity; "
      "monitoring must be handled by an organization the victim can easily reach.",
      ("coordination is essential", "multidisciplinary services")),
    C("child_victims", 1219, 1225,
      "For child victims: the best interest of the child, the legal guardian's consent, information and "
      "counselling, and a coordinator that is, or works closely with, an organization specialized in "
      "protecting child victims.",
      ("best interest of the child", "consent of the legal guardian", "specialized in the protection")),
    C("child_guardian_consent", 1219, 1222,
      "Reintegration assistance for a child is based on the best interest of the child, ensuring the consent "
      "of the legal guardian and sufficient information and counselling of the child and/or guardian.",
      ("best interest of the child", "ensuring the consent of the legal guardian")),
    C("child_specialised_organisation", 1222, 1225,
      "For child victims the victim service coordinator should be a specialized organization or government "
      "entity, or work closely with an organization specialized in child protection.",
      ("should either be a specialized organization", "protection of child victims")),
    C("informed_decision", 1235, 1236,
      "As with all assistance, medical treatment is given only on the basis of an informed decision taken by "
      "the victim.",
      ("informed decision taken by the victim",)),
    C("level2_initiatives", 1290, 1295,
      "At the smelter/refiner's request, the facilitator consults local stakeholders (affected communities, "
      "government, NGOs, international organizations) to identify initiatives that strengthen support "
      "services and/or address the contextual factors behind the exploitation.",
      ("consults with local stakeholders", "strengthen support services", "address contextual factors")),
    C("level2_results_realistic", 1295, 1296,
      "Level 2 plans identify clear results to be achieved that are realistic, time-bound and measurable.",
      ("identify clear results", "realistic, time-bound, and measurable")),
    C("plan_costs_estimated", 1339, 1341,
      "The costs of level 1 and level 2 plans need to be estimated; the facilitator determines the budget "
      "with the relevant stakeholders.",
      ("need to be estimated", "determine the budget required")),
    C("plan_approval_chain", 1342, 1344,
      "The facilitator submits the final plan to the smelter/refiner, which submits it to the audit programme "
      "for review and approval.",
      ("submits the final remediation action plan", "for review and approval")),

    # --- Step 4: implement and monitor ------------------------------------------------------------------
    C("step4_implement_monitor", 1345, 1354,
      "Step 4: once the plan is designed and approved, funding is mobilised and, once secured, the facilitator "
      "implements the plan with local stakeholders.",
      ("step 4: implement and monitor", "designed and approved", "once funding is secured")),
    C("funding_sources", 1347, 1351,
      "After approval, the facilitator and the smelter/refiner mobilise funding, which could come from the "
      "smelter/refiner, the downstream company, other audit-programme partners, government and development "
      "partners.",
      ("mobilize", "other partners affiliated to the audit programme", "government and development partners")),
    C("implementation_after_funding", 1353, 1354,
      "Once funding is secured, the facilitator works with local stakeholders to implement the plan.",
      ("once funding is secured", "to implement the remediation action plan")),
    C("level1_follow_up_monitoring", 1356, 1366,
      "Level 1 implementation covers victim safety, reintegration support, medical and psychological care and "
      "legal counselling; referral alone is not enough: the case must be followed up and monitored.",
      ("victim safety and ongoing reintegration support", "it is not enough to simply refer the case")),
    C("level1_documentation", 1368, 1375,
      "The coordinator's support is documented in a timely, accurate and secure manner, including assessments, "
      "the assistance plan, monitoring of the case plan and feedback from the victim.",
      ("timely, accurate and secure manner", "feedback from the victim")),
    C("victim_feedback_documented", 1373, 1375,
      "The case documentation includes outcomes of communications with the victims and feedback from the "
      "victim.",
      ("outcomes of communications with the victims", "feedback from the victim")),
    C("level2_documented_monitored", 1377, 1381,
      "Level 2 initiatives addressing vulnerability or strengthening protection should be well documented and "
      "monitored.",
      ("well documented", "and monitored")),
    C("level2_indicators", 1381, 1383,
      "Level 2 plans define clear expected results that can be monitored and measured over time with "
      "quantitative or qualitative performance indicators.",
      ("define clear", "measured over time", "quantitative or qualitative performance indicators")),
    C("level2_monitoring_methods", 1383, 1388,
      "Monitoring of the indicators may include site visits, independent assessments or evaluations, and "
      "interviews with beneficiaries, community leaders and local government.",
      ("site visits", "independent assessments or evaluations", "interviews with beneficiaries")),
    C("monitoring_reports_privacy", 1390, 1393,
      "The smelter/refiner keeps the audit programme updated through regular monitoring reports prepared by "
      "the facilitator, respecting privacy and data protection principles.",
      ("regular monitoring reports", "privacy and data protection principles")),
    C("evidence_respects_privacy", 1392, 1392,
      "Reports are prepared taking privacy into account: evidence documents can identify victims, so only "
      "editors and admins open them; others see that they exist.",
      ("taking into account privacy",)),
    C("monitoring_period", 1393, 1396,
      "Monitoring and reporting are recommended for 6-12 months after the start of the plan's implementation, "
      "after which closure of the incident can move forward.",
      ("6–12 months post the start", "closure of the incident can move forward")),

    # --- Step 5: close the incident ---------------------------------------------------------------------
    C("step5_close_incident", 1397, 1400,
      "Step 5: once the plan is implemented, the facilitator sends a final report to the smelter/refiner, "
      "which shares it with the audit programme to ensure appropriate closure of the incident.",
      ("sends a final report to the smelter/", "appropriate closure of the incident")),
    C("level1_closure_evidence", 1402, 1413,
      "Level 1 closure: the smelter/refiner documents the referral to the victim service coordinator and "
      "shares the referral date, a brief summary of the assistance (with monitoring of integration and "
      "satisfaction) and a financial report, respecting privacy and confidentiality.",
      ("date of the referral", "brief summary of", "financial report that respects privacy")),
    C("level2_closure_evidence", 1415, 1422,
      "Level 2 closure: the main outcomes are documented and verified (completed on time, within budget, "
      "objectives met), with the monitoring documented and a financial report of the expenditure of every "
      "contribution.",
      ("in a timely manner and as per the budget", "objectives were met", "expenditures of any contribution")),
    C("closure_report_recommendation", 1424, 1428,
      "Once it has verified that the plan was satisfactorily completed, the audit programme submits a "
      "closure report to the downstream company recommending that the incident be closed.",
      ("verified that the remediation", "submits a closure report to the downstream",
       "recommendation that the incident be")),

    # --- Step 6: capture lessons learned ----------------------------------------------------------------
    C("step6_lessons_learned", 1431, 1441,
      "Step 6: lessons learned are captured throughout and, at closure, identified, documented, analysed and "
      "shared, so that future remediation is more relevant and effective.",
      ("step 6: capture lessons learned", "ongoing effort", "as part of the closure of an incident")),
    C("lessons_ongoing_and_at_closure", 1433, 1436,
      "Capturing lessons learned is an ongoing effort and, at the closure of an incident, lessons and good "
      "practices should be identified, documented, analysed and shared.",
      ("ongoing effort", "as part of the closure of an incident", "share lessons learned")),
    C("lessons_review_items", 1443, 1452,
      "The review covers: objectives met; victims satisfied; communities benefited; budget sufficient; "
      "challenges and how to address them; risks and mitigation; effective monitoring tools; useful "
      "communication channels; recommendations for future plans and processes.",
      ("lessons learned should include reviewing", "whether the victims were satisfied",
       "useful communication channels")),
    C("lessons_review_four_items", 1443, 1446,
      "The review's first four questions: were the plan's objectives met, were the victims satisfied, did the "
      "communities benefit, was the budget sufficient.",
      ("objectives were met", "whether the communities benefited", "budget was sufficient")),
    C("lessons_into_due_diligence", 1454, 1459,
      "Lessons are fed into overall compliance systems so companies and partners revise due diligence and "
      "management policies, systems and preventive actions, preventing similar incidents.",
      ("captured within overall compliance systems", "revise due diligence and management policies")),
    C("lessons_shared_openly", 1461, 1467,
      "Capturing, documenting and discussing lessons transparently benefits future programming and, "
      "ultimately, victims.",
      ("transparent and open way", "benefit future programming")),
    # --- Chapter 2: the OECD framework the guideline builds on (disclosure tables, issue #17) ----------------------
    C("oecd_account_for_impacts", 282, 286,
      "The OECD Due Diligence Guidance calls on businesses to identify, prevent and mitigate adverse impacts in "
      "their supply chains and to account for how adverse impacts are addressed.",
      ("identify, prevent, and mitigate", "account for how adverse impacts are addressed")),
    C("oecd_step5_report", 292, 304,
      "The OECD's five-step framework for risk-based due diligence in mineral supply chains ends with Step 5: "
      "report on supply chain due diligence.",
      ("five-step framework for risk-based due diligence", "report on supply chain due diligence")),
    # --- The company's own work (issue #13) -------------------------------------------------------------
    C("terminate_mine_operator", 994, 996,
      "Corrective action may require terminating the relationship with the mine operator or the entity "
      "directly responsible for the harmful practices.",
      ("terminating the relationship with the mine operator", "directly responsible for the harmful")),
    C("involvement_caused", 348, 353,
      "A company that caused the harm should cease or prevent the action causing it and remediate the harm.",
      ("caused (or may cause)", "remediate the harm")),
    C("involvement_contributed", 355, 364,
      "A company that contributed to the harm should cease its contribution, use leverage to mitigate what "
      "remains, and contribute to the remediation.",
      ("contributed to (or may", "contribute to the remediation")),
    C("involvement_linked", 366, 376,
      "A company linked to the harm through its operations, products or services, with no cause or "
      "contribution, should use leverage to mitigate the risk of the impact continuing or recurring.",
      ("identified linkage", "use leverage to mitigate")),
    C("remedy_restitution", 449, 451,
      "Restitution restores the victims to their situation before the violation.",
      ("restitution, which is concerned with restoring",)),
    C("remedy_compensation", 453, 459,
      "Compensation is money paid to a trafficked person to remedy the damage suffered.",
      ("compensation, which is money paid",)),
    C("remedy_rehabilitation", 461, 466,
      "Rehabilitation and recovery: medical and psychological care, legal and social services, return and "
      "reintegration.",
      ("rehabilitation and recovery, which can",)),
    C("remedy_satisfaction", 468, 471,
      "Satisfaction is a non-financial measure: verifying and acknowledging the violation and ensuring it stops.",
      ("satisfaction, which is a non-financial measure",)),
    C("remedy_non_repetition", 473, 476,
      "Guarantees of non-repetition: measures against traffickers, protection from retrafficking, prevention.",
      ("guarantees of non-repetition, which require",)),
    C("level2_consult_stakeholders", 1290, 1294,
      "For a Level 2 plan the facilitator consults local stakeholders: affected communities, government "
      "agencies, NGOs and international organizations.",
      ("consults with local stakeholders", "affected communities, government agencies")),
    C("regular_monitoring_reports", 1390, 1391,
      "The smelter/refiner keeps the audit programme updated through regular monitoring reports prepared by "
      "the facilitator.",
      ("through regular monitoring reports",)),
)

CITATIONS: dict[str, Citation] = {c.key: c for c in _ENTRIES}
if len(CITATIONS) != len(_ENTRIES):  # pragma: no cover - guards against a duplicated key
    raise ValueError("duplicate citation keys")

del C


def cite(key: str) -> str:
    """The citation text for ``key``, e.g. 'guideline lines 942-944'. KeyError for unknown keys."""
    return str(CITATIONS[key])
