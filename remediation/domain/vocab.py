"""Every controlled vocabulary of the product, in one place.

Each vocabulary is an ordered mapping from a stable identifier (stored in the database, used in
URLs and code) to the label a user reads.  Everything else — models, forms, charts, fixtures —
reads these; nothing repeats them.

Sources are the IOM *Remediation Guidelines* (2018), ``shared/reference/iom-remediation-guidelines-2018.txt``
(cited below as "guideline line N").
"""

from __future__ import annotations

from typing import Literal

# --- The six steps (guideline lines 841-854) ------------------------------------------------------

STEPS: dict[int, str] = {
    1: "Verify the allegation",
    2: "Determine the type and level of response",
    3: "Design the remediation action plan",
    4: "Implement and monitor the plan",
    5: "Close the incident",
    6: "Capture lessons learned",
}

# Status of an incident: open, or one of the terminal outcomes (guideline lines 942-944, 957-959, 1424-1428).
STATUSES: dict[str, str] = {
    "open": "Open",
    "closed_not_credible": "Closed: not credible",
    "closed_not_actionable": "Closed: credible but not actionable",
    "closed_unsubstantiated": "Closed: unsubstantiated",
    "closed_remediated": "Closed after remediation",
}
Status = Literal[
    "open", "closed_not_credible", "closed_not_actionable", "closed_unsubstantiated", "closed_remediated"
]
CLOSED_STATUSES = tuple(s for s in STATUSES if s != "open")

# --- Actors (guideline lines 858-908) -------------------------------------------------------------

ROLES: dict[str, str] = {
    "downstream_company": "Downstream company",
    "audit_programme": "Audit programme",
    "smelter_refiner": "Smelter/refiner",
    "remediation_facilitator": "Remediation facilitator",
    "victim_service_coordinator": "Victim service coordinator",
}
Role = Literal[
    "downstream_company", "audit_programme", "smelter_refiner", "remediation_facilitator",
    "victim_service_coordinator",
]

# --- Violation types (DOMAIN.md vocabularies; severe types from footnote 22, lines 1082-1084) -----

VIOLATION_TYPES: dict[str, str] = {
    "human_trafficking_sexual": "Human trafficking for sexual exploitation",
    "human_trafficking_forced_labour": "Human trafficking for forced labour",
    "debt_bondage": "Debt bondage",
    "forced_labour": "Forced labour",
    "worst_forms_child_labour": "Worst forms of child labour",
    "commercial_sexual_exploitation": "Commercial sexual exploitation",
    "forced_marriage": "Forced marriage",
    "other_labour_violation": "Other labour-rights violation",
}
ViolationType = Literal[
    "human_trafficking_sexual", "human_trafficking_forced_labour", "debt_bondage", "forced_labour",
    "worst_forms_child_labour", "commercial_sexual_exploitation", "forced_marriage",
    "other_labour_violation",
]

MINERALS: dict[str, str] = {
    "tin": "Tin",
    "tantalum": "Tantalum",
    "tungsten": "Tungsten",
    "gold": "Gold",
    "cobalt": "Cobalt",
    "mica": "Mica",
    "other": "Other",
}
Mineral = Literal["tin", "tantalum", "tungsten", "gold", "cobalt", "mica", "other"]

AUDIT_PROGRAMMES: dict[str, str] = {
    "rmi_rmap": "RMI RMAP",
    "lbma": "LBMA",
    "rjc": "RJC",
    "itsci": "iTSCi",
    "other": "Other",
}
AuditProgramme = Literal["rmi_rmap", "lbma", "rjc", "itsci", "other"]

TRADING_LINKS: dict[str, str] = {
    "current": "Current trading",
    "past": "Past trading",
}
TradingLink = Literal["current", "past"]

# --- Step 2: the level matrix's vocabulary (guideline lines 1064-1076; the levels: lines 1005-1018, 1020-1037) ---

SCENARIOS: dict[str, str] = {
    "current_trading": "Current trading",
    "past_recent_severe": "Past trading: recent and severe incident",
    "past_other": "Past trading: all other scenarios",
}
Scenario = Literal["current_trading", "past_recent_severe", "past_other"]

REQUIREMENTS: dict[str, str] = {
    "mandatory": "Mandatory",
    "recommended": "Recommended",
    "not_required": "Not required",
}
Requirement = Literal["mandatory", "recommended", "not_required"]

LEVELS: dict[int, str] = {
    1: "Level 1: address active cases of exploitation",
    2: "Level 2: strengthen support services and address contextual factors",
}

# --- Step 3 (guideline lines 1126-1128, 1187-1203, 1219-1225, 1290-1295, 1381-1383) ---------------

FACILITATOR_TYPES: dict[str, str] = {
    "local_ngo": "Local NGO",
    "international_ngo": "International NGO",
    "international_organisation": "International organisation",
}
FacilitatorType = Literal["local_ngo", "international_ngo", "international_organisation"]

ASSISTANCE_TYPES: dict[str, str] = {
    "shelter_accommodation": "Shelter and accommodation",
    "medical_health_counselling": "Medical and health-care services and counselling",
    "mental_health_psychosocial": "Mental health and psychosocial support",
    "legal": "Legal assistance",
    "financial": "Financial assistance",
    "return": "Return assistance",
    "reintegration": "Reintegration services",
}
AssistanceType = Literal[
    "shelter_accommodation", "medical_health_counselling", "mental_health_psychosocial", "legal",
    "financial", "return", "reintegration",
]

AGE_GROUPS: dict[str, str] = {"adult": "Adult", "child": "Child"}
AgeGroup = Literal["adult", "child"]

INITIATIVE_KINDS: dict[str, str] = {
    "strengthen_services": "Strengthen support services",
    "contextual_factors": "Address contextual factors",
}
InitiativeKind = Literal["strengthen_services", "contextual_factors"]

INDICATOR_KINDS: dict[str, str] = {"quantitative": "Quantitative", "qualitative": "Qualitative"}
IndicatorKind = Literal["quantitative", "qualitative"]

QUALITATIVE_STATUSES: dict[str, str] = {
    "not_started": "Not started",
    "in_progress": "In progress",
    "achieved": "Achieved",
    "not_achieved": "Not achieved",
}
QualitativeStatus = Literal["not_started", "in_progress", "achieved", "not_achieved"]

# --- Step 4 (guideline lines 1347-1351) -----------------------------------------------------------

FUNDING_SOURCES: dict[str, str] = {
    "smelter_refiner": "Smelter/refiner",
    "downstream_company": "Downstream company",
    "audit_programme_partners": "Audit-programme partners",
    "government": "Government",
    "development_partners": "Development partners",
}
FundingSource = Literal[
    "smelter_refiner", "downstream_company", "audit_programme_partners", "government",
    "development_partners",
]

# --- Step 5: Level 1 coverage (guideline lines 1174-1176) ----------------------------------------------

# Why fewer case-management plans than identified victims (or child plans than children affected): recorded
# before closure.
SHORTFALL_REASONS: dict[str, str] = {
    "declined_assistance": "Declined assistance",
    "could_not_be_located": "Could not be located",
    "assisted_through_another_programme": "Assisted through another programme",
}
ShortfallReason = Literal["declined_assistance", "could_not_be_located", "assisted_through_another_programme"]

# --- Step 6 (guideline lines 1443-1446) -----------------------------------------------------------

REVIEW_ANSWERS: dict[str, str] = {"yes": "Yes", "partly": "Partly", "no": "No", "unknown": "Unknown"}
ReviewAnswer = Literal["yes", "partly", "no", "unknown"]

# The guideline's yes/no review questions, by the field that records each answer.
REVIEW_QUESTIONS: dict[str, str] = {
    "objectives_met": "Were the remediation action plan's objectives met?",
    "victims_satisfied": "Were the victims satisfied?",
    "communities_benefited": "Did the communities benefit?",
    "budget_sufficient": "Was the budget sufficient?",
}

# --- Evidence documents: the reports the guideline names, attached to the fact they support -----
# (the monitoring reports, the final and financial reports, the closure report and the lessons review: see
# citations "monitoring_reports_privacy", "level1_closure_evidence", "level2_closure_evidence",
# "closure_report_recommendation", "lessons_review_items".)

EVIDENCE_KINDS: dict[str, str] = {
    "allegation_review": "Review of the allegation (credibility, actionability)",
    "investigation_report": "Investigation report (audit programme)",
    "level_assessment": "Level assessment",
    "corrective_action": "Corrective action",
    "plan": "Remediation action plan",
    "plan_approval": "Plan approvals",
    "monitoring_report": "Monitoring report",
    "final_report": "Final report (remediation facilitator)",
    "financial_report": "Financial report",
    "closure_report": "Closure report (audit programme)",
    "lessons_review": "Lessons-learned review",
    "other": "Other",
}
EvidenceKind = Literal[
    "allegation_review", "investigation_report", "level_assessment", "corrective_action", "plan", "plan_approval",
    "monitoring_report", "final_report", "financial_report", "closure_report", "lessons_review", "other",
]
# Kinds that belong to one plan: attached with the plan's level (1 or 2).
PLAN_EVIDENCE_KINDS: tuple[str, ...] = ("plan", "plan_approval", "monitoring_report", "final_report",
                                        "financial_report")

# The file types an evidence document may have, by the identifier type detection gives them: label, the
# media type it is stored and downloaded with, and the file-name extension.
DOCUMENT_TYPES: dict[str, tuple[str, str, str]] = {
    "pdf": ("PDF document", "application/pdf", ".pdf"),
    "docx": ("Word document (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             ".docx"),
    "xlsx": ("Excel workbook (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
    "odt": ("OpenDocument text (ODT)", "application/vnd.oasis.opendocument.text", ".odt"),
    "ods": ("OpenDocument spreadsheet (ODS)", "application/vnd.oasis.opendocument.spreadsheet", ".ods"),
    "png": ("PNG image", "image/png", ".png"),
    "jpeg": ("JPEG image", "image/jpeg", ".jpg"),
    "text": ("Plain text", "text/plain", ".txt"),
    "csv": ("CSV table", "text/csv", ".csv"),
    "eml": ("E-mail message (.eml)", "message/rfc822", ".eml"),
}


CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP", "CHF", "CAD", "AUD", "CNY", "JPY")


def in_vocab_order(values, vocabulary: dict) -> list:
    """``values`` without repeats, in the vocabulary's order (unknown values last, as given)."""
    order = {key: i for i, key in enumerate(vocabulary)}
    return sorted(dict.fromkeys(values), key=lambda v: order.get(v, len(order)))


def label(vocabulary: dict, key) -> str:
    """The user-facing label of ``key``; the key itself when it is not in the vocabulary."""
    return vocabulary.get(key, str(key))


# --- The company's own work (issue #13, items 3-7) ------------------------------------------------

# Corrective action / enhanced due diligence under the audit programme's incident response process
# (guideline lines 988-996).
CORRECTIVE_STATUSES: dict[str, str] = {
    "planned": "Planned",
    "in_progress": "In progress",
    "completed": "Completed",
    "verified": "Verified",
}
CorrectiveStatus = Literal["planned", "in_progress", "completed", "verified"]

# The relationship decisions: the mine operator's (lines 994-996) and the company's own on the smelter/refiner.
RELATIONSHIP_PARTIES: dict[str, str] = {
    "mine_operator": "Mine operator",
    "smelter_refiner": "Smelter/refiner",
}
RelationshipParty = Literal["mine_operator", "smelter_refiner"]
RELATIONSHIP_DECISIONS: dict[str, dict[str, str]] = {
    "mine_operator": {"continue": "Continue", "suspend": "Suspend", "terminate": "Terminate"},
    "smelter_refiner": {"continue": "Continue", "suspend": "Suspend", "disengage": "Disengage"},
}
RelationshipDecisionKind = Literal["continue", "suspend", "terminate", "disengage"]
ENDING_DECISIONS: tuple[str, ...] = ("terminate", "disengage")  # need a do-no-harm check first (lines 644-647)

# Who passes a progress report to whom (lines 894-895, 883-884, 874-876): facilitator → smelter/refiner →
# audit programme → downstream company. Each hop: the date field on the report, its sender, its receiver.
REPORTING_CHAIN: tuple[tuple[str, str, str], ...] = (
    ("sent_to_smelter_on", "remediation_facilitator", "smelter_refiner"),
    ("sent_to_audit_programme_on", "smelter_refiner", "audit_programme"),
    ("sent_to_company_on", "audit_programme", "downstream_company"),
)
REPORTING_CADENCES: dict[str, str] = {"monthly": "Monthly", "quarterly": "Quarterly", "half_yearly": "Half-yearly"}
ReportingCadence = Literal["monthly", "quarterly", "half_yearly"]
CADENCE_MONTHS: dict[str, int] = {"monthly": 1, "quarterly": 3, "half_yearly": 6}

# Stakeholders consulted in a plan's design (lines 1107-1111, 1290-1294).
STAKEHOLDERS: dict[str, str] = {
    "mine_operator": "Mine operator",
    "victims": "Victims",
    "affected_communities": "Affected communities",
    "government": "Government",
    "ngos": "NGOs",
    "upstream_programmes": "Upstream programmes",
    "local_experts": "Local experts",
}
Stakeholder = Literal["mine_operator", "victims", "affected_communities", "government", "ngos",
                      "upstream_programmes", "local_experts"]

# Whose feedback an aggregate feedback round collected (lines 1373-1375, 1383-1388).
FEEDBACK_FROM: dict[str, str] = {"victims": "Victims", "beneficiaries": "Beneficiaries"}
FeedbackFrom = Literal["victims", "beneficiaries"]

# The types of remedy (lines 446-476).
REMEDY_TYPES: dict[str, str] = {
    "restitution": "Restitution",
    "compensation": "Compensation",
    "rehabilitation": "Rehabilitation and recovery",
    "satisfaction": "Satisfaction",
    "non_repetition": "Guarantees of non-repetition",
}
RemedyType = Literal["restitution", "compensation", "rehabilitation", "satisfaction", "non_repetition"]

# How the company relates to the harm (lines 346-376): what it must do itself and what it must press others to do.
INVOLVEMENTS: dict[str, str] = {
    "caused": "Caused",
    "contributed": "Contributed",
    "directly_linked": "Directly linked",
}
Involvement = Literal["caused", "contributed", "directly_linked"]

# Action items a lessons review raises (lines 1454-1459).
ACTION_STATUSES: dict[str, str] = {"open": "Open", "in_progress": "In progress", "done": "Done",
                                   "dropped": "Dropped"}
ActionStatus = Literal["open", "in_progress", "done", "dropped"]
CLOSED_ACTION_STATUSES: tuple[str, ...] = ("done", "dropped")
