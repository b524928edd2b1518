"""The database schema (SQLAlchemy 2 Core): everything stored, one table per kind of record.

The domain objects are the pydantic models of :mod:`remediation.domain.models`; :mod:`remediation.storage.records`
maps an :class:`~remediation.domain.models.IncidentRecord` to these rows and back. Alembic migrations
(``remediation/migrations``) create this schema; a test checks that they match it.

There is no column for a victim's name or identifying detail: a victim is a pseudonymous
``victim_code`` with an ``age_group``.

The ``incidents`` row also keeps the workflow state that :func:`remediation.domain.workflow.evaluate` derives
(``step``, ``status``, ``step_entered_on``, ``waiting_for``, ``owed_by``) and the latest assessment's
levels, rewritten by every write, so the portfolio can filter and aggregate in SQL. They are never
typed in; a test checks they equal a fresh evaluation.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from remediation.domain.vocab import FUNDING_SOURCES

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = BigInteger().with_variant(Integer, "sqlite")  # INTEGER PRIMARY KEY is SQLite's rowid alias
Money = Numeric(14, 2, asdecimal=True)


def _id() -> Column:
    return Column("id", Id, primary_key=True, autoincrement=True)


def _incident_fk(primary_key: bool = False) -> Column:
    return Column("incident_id", Id, ForeignKey("incidents.id", ondelete="CASCADE"),
                  primary_key=primary_key, nullable=False, index=not primary_key)


def _plan_fk() -> Column:
    return Column("plan_id", Id, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False, index=True)


policy_versions = Table(
    "policy_versions", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("adopted_on", Date),
    Column("adopted_by", String(200), nullable=False, server_default=""),
    Column("body", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

incidents = Table(
    "incidents", metadata,
    _id(),
    Column("code", String(20), nullable=False, unique=True),
    Column("title", String(200), nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    Column("mineral", String(20), nullable=False, index=True),
    Column("country", String(200), nullable=False, index=True),
    Column("site", String(200), nullable=False, server_default=""),
    Column("smelter_refiner", String(200), nullable=False, index=True),
    # The smelter register's ID (CID and six digits) the smelter/refiner is linked to, if a lead linked it:
    # the key to suppliers' declarations (remediation.domain.supply_chain). Not a foreign key: an imported
    # grievance log may name an ID before any declaration lists it.
    Column("smelter_id", String(9), index=True),
    Column("audit_programme", String(20), nullable=False, index=True),
    Column("allegation_source", String(200), nullable=False),
    Column("date_received", Date, nullable=False, index=True),
    Column("incident_date", Date, nullable=False),
    Column("became_public_date", Date),
    Column("affected_persons", Integer, nullable=False),
    Column("children_affected", Integer, nullable=False, server_default="0"),
    Column("repeated", Boolean, nullable=False, server_default="0"),
    Column("trading_link", String(10), nullable=False, server_default="none"),
    Column("stopped_trading_date", Date),
    Column("involvement", String(20), index=True),  # vocab.INVOLVEMENTS; None: not yet determined
    # Derived by remediation.domain.workflow.evaluate on every write; never typed in.
    Column("step", Integer, nullable=False, index=True),
    Column("status", String(30), nullable=False, index=True),
    Column("step_entered_on", Date, nullable=False),
    Column("waiting_for", Text, nullable=False, server_default=""),
    Column("owed_by", String(40)),
    # The day the derived state was evaluated for: Step 4's overdue reports and warnings depend on it, so
    # remediation.services.waiting re-evaluates open Step 4 incidents whose state is older than today.
    Column("state_as_of", Date),
    # The first day after state_as_of on which the state may change by the date alone (a report falling overdue;
    # remediation.domain.workflow.state_changes_on); None: not by the date (open outside Step 4, or closed).
    Column("state_until", Date, index=True),
    Column("warnings", Integer, nullable=False, server_default="0"),
    # Level 2 closure answers the figures contradict: "Within budget: declared yes; the figures: …" (issue #12)
    Column("closure_flag", Text, nullable=False, server_default=""),
    # What lessons learned reads of each incident (issue #15; records.lesson_summary, written with the record):
    # the closing date, the days from substantiation to closing, the levels of plan it has, the day of its lessons
    # review (None: none recorded) and the review's four answers, so its figures read one narrow index instead of
    # joining four tables.
    Column("closed_on", Date),
    Column("closure_days", Integer),
    Column("has_level1_plan", Boolean, nullable=False, server_default="0"),
    Column("has_level2_plan", Boolean, nullable=False, server_default="0"),
    Column("reviewed_on", Date),
    Column("review_objectives_met", String(10)),
    Column("review_victims_satisfied", String(10)),
    Column("review_communities_benefited", String(10)),
    Column("review_budget_sufficient", String(10)),
    Column("scenario", String(30)),
    Column("level1", String(20), index=True),
    Column("level2", String(20)),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("children_affected <= affected_persons", name="children_within_affected"),
    CheckConstraint("affected_persons >= 1", name="affected_positive"),
    CheckConstraint("step BETWEEN 1 AND 6", name="step_range"),
    Index("ix_incidents_status_step", "status", "step"),
    # the portfolio's counts and its table's default order, read from the index alone (migration 0012)
    Index("ix_incidents_stage", "status", "step", "owed_by", "step_entered_on", "level1"),
    Index("ix_incidents_received", "status", "date_received", "code"),
    # lessons learned's figures from the index alone (migration 0015), and its newest reviews first
    Index("ix_incidents_lessons", "status", "reviewed_on", "closed_on", "closure_days", "has_level1_plan",
          "has_level2_plan", "review_objectives_met", "review_victims_satisfied", "review_communities_benefited",
          "review_budget_sufficient", "involvement", "mineral", "id"),
    Index("ix_incidents_reviewed", "status", "reviewed_on", "code"),
    Index("ix_incidents_received_code", "date_received", "code"),  # the table's default order, every status (0016)
    # lessons learned's groups in their order, so SQLite need not sort the closed incidents to group them (0017)
    Index("ix_incidents_review_answers", "status", "review_objectives_met", "review_victims_satisfied",
          "review_communities_benefited", "review_budget_sufficient", "reviewed_on"),
    Index("ix_incidents_review_mineral", "status", "mineral", "review_objectives_met", "review_victims_satisfied",
          "review_communities_benefited", "review_budget_sufficient", "reviewed_on"),
    Index("ix_incidents_closure_days", "status", "closure_days", "has_level1_plan", "has_level2_plan"),
)

incident_violations = Table(
    "incident_violations", metadata,
    _incident_fk(primary_key=True),
    Column("violation_type", String(40), primary_key=True),
)

verifications = Table(
    "verifications", metadata,
    _incident_fk(primary_key=True),
    Column("credible", Boolean),
    Column("credibility_decided_on", Date),
    Column("credibility_notes", Text, nullable=False, server_default=""),
    Column("actionable", Boolean),
    Column("actionability_decided_on", Date),
    Column("actionability_notes", Text, nullable=False, server_default=""),
    Column("audit_programme_notified_on", Date),
    Column("substantiated", Boolean),
    Column("substantiation_decided_on", Date),
    Column("substantiation_notes", Text, nullable=False, server_default=""),
)

assessments = Table(
    "assessments", metadata,
    _id(),
    _incident_fk(),
    Column("assessed_on", Date, nullable=False),
    Column("scenario", String(30), nullable=False),
    Column("level1", String(20), nullable=False),
    Column("level2", String(20), nullable=False),
    Column("severe", Boolean, nullable=False),
    Column("recent", Boolean),
    Column("treated_as_current", Boolean, nullable=False),
    Column("policy_version", Integer, ForeignKey("policy_versions.version"), nullable=False),
    Column("reasons", JSON, nullable=False),
)

responses = Table(
    "responses", metadata,
    _incident_fk(primary_key=True),
    Column("corrective_action", Text),
    Column("relationship_terminated", Boolean),
    Column("corrective_decided_on", Date),
    Column("smelter_notified_on", Date),
    Column("corrective_status", String(20)),  # vocab.CORRECTIVE_STATUSES
    Column("corrective_completed_on", Date),
    Column("corrective_verified_on", Date),
)

corrective_milestones = Table(
    "corrective_milestones", metadata,
    _id(),
    _incident_fk(),
    Column("title", String(200), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("done_on", Date),
)

relationship_decisions = Table(
    # The mine operator's relationship (continue / suspend / terminate) and the company's own with the
    # smelter/refiner (continue / suspend / disengage), in the order decided; ending one needs a do-no-harm check.
    "relationship_decisions", metadata,
    _id(),
    _incident_fk(),
    Column("party", String(20), nullable=False),
    Column("decision", String(20), nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("reasons", Text, nullable=False),
    Column("do_no_harm_checked_on", Date),
    Column("do_no_harm_findings", Text, nullable=False, server_default=""),
    CheckConstraint("party IN ('mine_operator', 'smelter_refiner')", name="party_known"),
)

plans = Table(
    "plans", metadata,
    _id(),
    _incident_fk(),
    Column("level", Integer, nullable=False),
    Column("facilitator", String(200), nullable=False),
    Column("facilitator_type", String(40), nullable=False),
    Column("victim_service_coordinator", String(200), nullable=False, server_default=""),
    Column("currency", String(3), nullable=False),
    Column("estimated_cost", Money, nullable=False),
    Column("designed_on", Date, nullable=False),
    Column("submitted_by_facilitator_on", Date),
    Column("submitted_by_smelter_on", Date),
    Column("approved_by_audit_programme_on", Date),
    Column("implementation_started_on", Date),
    Column("final_report_on", Date),
    Column("financial_report_on", Date),
    Column("referral_confirmed_on", Date),
    Column("assistance_summary", Text, nullable=False, server_default=""),
    Column("monitoring_summary", Text, nullable=False, server_default=""),
    Column("outcomes_verified", Boolean),
    Column("completed_on_time", Boolean),
    Column("within_budget", Boolean),
    Column("objectives_met", Boolean),
    Column("monitoring_documented", Boolean),
    Column("coverage_shortfall_reason", String(40)),
    Column("coverage_shortfall_note", Text, nullable=False, server_default=""),
    Column("figures_explanation", Text, nullable=False, server_default=""),
    Column("remedy_types", JSON),  # identifiers of vocab.REMEDY_TYPES; None as []
    # The plan's summary (issue #15), derived from its children whenever the record is written (records._plan_row),
    # so the plans and lessons pages read one row per plan instead of aggregating every child row
    Column("budget", Money, nullable=False, server_default="0"),  # Plan.budget: max(estimate, sum of budget lines)
    Column("pledged", Money, nullable=False, server_default="0"),
    Column("received", Money, nullable=False, server_default="0"),
    *(Column(f"{kind}_{source}", Money, nullable=False, server_default="0")
      for kind in ("pledged", "received") for source in FUNDING_SOURCES),
    Column("spent", Money, nullable=False, server_default="0"),
    Column("planned_end", Date),  # the latest initiative due date
    Column("reports", Integer, nullable=False, server_default="0"),  # monitoring reports received
    # monitoring.band_of(budget, spent): lessons learned's budget outcome, counted without numeric arithmetic (0015)
    Column("variance_band", String(30), nullable=False, server_default=""),
    # Kept by the database's own triggers (migration 0016_plan_scope), never written by the application: the
    # incident's status and involvement, and the number of case plans, so the portfolio's plan figures read the
    # plans alone (issue #15).
    Column("incident_status", String(30)),
    Column("incident_involvement", String(20)),
    Column("case_plan_count", Integer, nullable=False, server_default="0"),
    Column("remedy_key", Text),  # remedy_types as text: a JSON column has no b-tree order on PostgreSQL
    Index("ix_plans_scope_victims", "level", "incident_status", "implementation_started_on", "final_report_on",
          "case_plan_count"),
    Index("ix_plans_scope_money", "level", "incident_status", "currency", "budget", "pledged", "received", "spent"),
    Index("ix_plans_scope_remedy", "remedy_key", "incident_involvement", "incident_status"),
    Index("ix_plans_scope_closed", "incident_status", "level", "currency", "budget", "spent", "variance_band",
          "remedy_key", "incident_involvement"),
    # the closed plans' remedy chart and budget bands in their groups' order (0017)
    Index("ix_plans_closed_remedy", "incident_status", "remedy_key", "incident_involvement"),
    Index("ix_plans_closed_bands", "incident_status", "level", "variance_band"),
    UniqueConstraint("incident_id", "level", name="uq_plans_incident_level"),
    # lessons learned's budget outcome (closed plans by level, currency, budget and spent) from the index alone (0015)
    Index("ix_plans_money", "incident_id", "level", "currency", "budget", "spent", "variance_band"),
    CheckConstraint("level IN (1, 2)", name="level_1_or_2"),
    CheckConstraint("estimated_cost >= 0", name="cost_not_negative"),
)

case_plans = Table(
    "case_plans", metadata,
    _id(),
    _plan_fk(),
    Column("victim_code", String(12), nullable=False),
    Column("age_group", String(10), nullable=False),
    Column("provider", String(200), nullable=False),
    Column("referral_date", Date),
    Column("guardian_consent", Boolean),
    Column("best_interest_determined_on", Date),
    Column("best_interest_determined_by", String(200), nullable=False, server_default=""),
    Column("child_protection_organisation", String(200), nullable=False, server_default=""),
    Column("assistance_types", JSON, nullable=False),  # identifiers of vocab.ASSISTANCE_TYPES
    Column("notes", Text, nullable=False, server_default=""),
    Column("informed_consent", Boolean),
    Column("wishes_shaped_plan", Boolean),
    UniqueConstraint("plan_id", "victim_code", name="uq_case_plans_plan_victim"),
)

plan_consultations = Table(
    "plan_consultations", metadata,
    _id(),
    _plan_fk(),
    Column("stakeholder", String(30), nullable=False),  # vocab.STAKEHOLDERS
    Column("consulted_on", Date, nullable=False),
    Column("notes", Text, nullable=False, server_default=""),
)

plan_feedback = Table(
    # Aggregate feedback of victims or beneficiaries: counts only, never who said what.
    "plan_feedback", metadata,
    _id(),
    _plan_fk(),
    Column("collected_on", Date, nullable=False),
    Column("source", String(20), nullable=False),  # vocab.FEEDBACK_FROM
    Column("respondents", Integer, nullable=False),
    Column("satisfied", Integer, nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    CheckConstraint("satisfied >= 0 AND satisfied <= respondents", name="satisfied_within_respondents"),
)

initiatives = Table(
    "initiatives", metadata,
    _id(),
    _plan_fk(),
    Column("title", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("expected_result", Text, nullable=False),
    Column("due_date", Date, nullable=False),
)

indicators = Table(
    "indicators", metadata,
    _id(),
    Column("initiative_id", Id, ForeignKey("initiatives.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("unit", String(60), nullable=False, server_default=""),
    Column("baseline_value", Float),
    Column("baseline_date", Date, nullable=False),
    Column("target_value", Float),
    Column("target_date", Date, nullable=False),
)

measurements = Table(
    "measurements", metadata,
    _id(),
    Column("indicator_id", Id, ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("measured_on", Date, nullable=False),
    Column("value", Float),
    Column("status", String(20)),
    Column("narrative", Text, nullable=False, server_default=""),
)

budget_lines = Table(
    "budget_lines", metadata,
    _id(),
    _plan_fk(),
    Column("category", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("amount", Money, nullable=False),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    Index("ix_budget_lines_plan_amount", "plan_id", "amount"),  # a plan's sum from the index alone (0012)
)

funding = Table(
    "funding", metadata,
    _id(),
    _plan_fk(),
    Column("source", String(40), nullable=False),
    Column("funder", String(200), nullable=False),
    Column("pledged", Money, nullable=False),
    Column("received", Money, nullable=False),
    Column("pledged_on", Date, nullable=False),
    CheckConstraint("pledged >= 0 AND received >= 0", name="money_not_negative"),
    Index("ix_funding_plan_money", "plan_id", "pledged", "received"),  # a plan's sums from the index alone (0012)
)

expenditures = Table(
    "expenditures", metadata,
    _id(),
    _plan_fk(),
    Column("spent_on", Date, nullable=False),
    Column("amount", Money, nullable=False),
    Column("category", String(200), nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    CheckConstraint("amount >= 0", name="amount_not_negative"),
    Index("ix_expenditures_plan_amount", "plan_id", "amount"),  # a plan's sum from the index alone (0012)
)

monitoring_reports = Table(
    "monitoring_reports", metadata,
    _id(),
    _plan_fk(),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("received_on", Date, nullable=False),
    Column("summary", Text, nullable=False, server_default=""),
    Column("sent_to_smelter_on", Date),
    Column("sent_to_audit_programme_on", Date),
    Column("sent_to_company_on", Date),
)

closures = Table(
    "closures", metadata,
    _incident_fk(primary_key=True),
    Column("verified_by_audit_programme_on", Date),
    Column("closure_report_on", Date),
    Column("recommend_close", Boolean),
    Column("closed_on", Date),
)

lessons = Table(
    "lessons", metadata,
    _incident_fk(primary_key=True),
    Column("reviewed_on", Date, nullable=False),
    Column("objectives_met", String(10), nullable=False),
    Column("victims_satisfied", String(10), nullable=False),
    Column("communities_benefited", String(10), nullable=False),
    Column("budget_sufficient", String(10), nullable=False),
    Column("challenges", Text, nullable=False, server_default=""),
    Column("risks_and_mitigations", Text, nullable=False, server_default=""),
    Column("monitoring_tools", Text, nullable=False, server_default=""),
    Column("communication_channels", Text, nullable=False, server_default=""),
    Column("recommendations", Text, nullable=False, server_default=""),
)

lesson_actions = Table(
    "lesson_actions", metadata,
    _id(),
    _incident_fk(),
    Column("title", String(200), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(20), nullable=False),  # vocab.ACTION_STATUSES
    Column("closed_on", Date),
    Column("policy_version", Integer),
    Column("due_diligence_change", Text, nullable=False, server_default=""),
    Index("ix_lesson_actions_due", "due_on", "status"),  # the open actions in their due dates' order (0017)
)

lesson_tags = Table(
    "lesson_tags", metadata,
    _incident_fk(primary_key=True),
    Column("tag", String(60), primary_key=True),
)

documents = Table(
    # Evidence documents (remediation.services.evidence): the file itself is stored here, so a database backup is
    # a backup of the evidence and every app server sees the same files. Removal is soft (removed_*), never a
    # DELETE: the audit trail keeps pointing at what was attached. Lists never select ``content``.
    "documents", metadata,
    _id(),
    _incident_fk(),
    Column("kind", String(30), nullable=False),         # vocab.EVIDENCE_KINDS
    Column("level", Integer),                           # the plan's level for vocab.PLAN_EVIDENCE_KINDS
    Column("file_name", String(255), nullable=False),
    Column("file_type", String(10), nullable=False),    # vocab.DOCUMENT_TYPES, detected from the content
    Column("media_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("uploaded_by", String(200), nullable=False),
    Column("removed_at", DateTime(timezone=True)),
    Column("removed_by", String(200)),
    Column("removal_reason", Text),
    CheckConstraint("level IS NULL OR level IN (1, 2)", name="level_1_or_2"),
    CheckConstraint("size >= 0", name="size_not_negative"),
    Index("ix_documents_incident_sha256", "incident_id", "sha256"),
)

followups = Table(
    # The company chasing the party that owes what an incident waits for (remediation.domain.followups): one row
    # per chase or escalation, with the answer when it comes. ``item`` is the workflow's text of what was owed.
    "followups", metadata,
    _id(),
    _incident_fk(),
    Column("item", String(200), nullable=False),
    Column("party", String(40), nullable=False, index=True),       # followups.CHASED_PARTIES
    Column("asked_on", Date, nullable=False),
    Column("channel", String(20), nullable=False),                 # followups.CHANNELS
    Column("escalation", String(40), nullable=False),              # followups.ESCALATION_LEVELS
    Column("asked", Text, nullable=False, server_default=""),
    Column("due_on", Date),
    Column("answered_on", Date),
    Column("answer", Text, nullable=False, server_default=""),
    Column("recorded_by", String(200), nullable=False, server_default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("version", Integer, nullable=False, server_default="1"),  # optimistic check, as incidents
    CheckConstraint("due_on IS NULL OR due_on >= asked_on", name="due_after_asked"),
    CheckConstraint("answered_on IS NULL OR answered_on >= asked_on", name="answer_after_asked"),
)

digests_sent = Table(
    # One row per digest e-mail delivered (python -m remediation digest): a run that failed half-way is run again
    # and sends only to those not yet served for that digest key (the date and the filters), never twice.
    "digests_sent", metadata,
    _id(),
    Column("digest_key", String(200), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("items", Integer, nullable=False, server_default="0"),
    UniqueConstraint("digest_key", "recipient", name="uq_digests_sent_key_recipient"),
)

settings = Table(
    "settings", metadata,
    Column("key", String(60), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", String(200), nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),  # optimistic check, as incidents
)

audit_log = Table(
    "audit_log", metadata,
    _id(),
    Column("at", DateTime(timezone=True), nullable=False, server_default=func.now(), index=True),
    Column("actor", String(200), nullable=False),
    Column("role", String(40)),
    Column("incident_id", Id, ForeignKey("incidents.id", ondelete="SET NULL"), index=True),
    Column("incident_code", String(20), index=True),
    Column("action", String(80), nullable=False),
    Column("changes", JSON, nullable=False),
    # the facets of the records the write changed (remediation.storage.versions.FACETS; NULL: every one; 0018)
    Column("facets", String(60)),
)

users = Table(
    # Who may sign in, and with which permission role (remediation.services.access). Keyed by the e-mail the
    # identity provider vouches for, lower-cased so "Ana@X.org" and "ana@x.org" are one person; at most
    # 200 characters, so it fits audit_log.actor.
    "users", metadata,
    Column("email", String(200), primary_key=True),
    Column("role", String(10), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("created_by", String(200), nullable=False, server_default=""),
    CheckConstraint("role IN ('viewer', 'editor', 'admin')", name="role_known"),
    CheckConstraint("email = lower(email)", name="email_lower_case"),
)


# --- the supply chain as suppliers declare it (CMRT / EMRT workbooks; remediation.services.declarations) ---------

smelters = Table(
    # The smelter register: smelters and refiners by RMI smelter ID, each with one metal (RMI gives a facility
    # one ID per metal). Filled from suppliers' declarations, or entered by a lead.
    "smelters", metadata,
    Column("smelter_id", String(9), primary_key=True),
    Column("metal", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False, index=True),  # normalise_name(name): suggestions match on it
    Column("country", String(200), nullable=False, server_default=""),
    Column("source", String(20), nullable=False),  # "declarations" | "entered"
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_by", String(200), nullable=False, server_default=""),
    CheckConstraint("source IN ('declarations', 'entered')", name="source_known"),
)

suppliers = Table(
    # A supplier is who signs a declaration: matched across files by the normalised company name.
    "suppliers", metadata,
    _id(),
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False, unique=True),
    Column("unique_id", String(200), nullable=False, server_default=""),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

declarations = Table(
    # One imported workbook. The newest by effective date (then by import) of a supplier's declarations of one
    # template is current (is_current); older ones are kept: they are the past supply chain.
    "declarations", metadata,
    _id(),
    Column("supplier_id", Id, ForeignKey("suppliers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("template", String(4), nullable=False),
    Column("version", String(10), nullable=False),
    Column("scope", String(20), nullable=False),
    Column("scope_description", Text, nullable=False, server_default=""),
    Column("effective_date", Date, nullable=False),
    Column("company_name", String(200), nullable=False),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("is_current", Boolean, nullable=False, server_default="0"),
    Column("smelter_rows", Integer, nullable=False, server_default="0"),
    Column("product_rows", Integer, nullable=False, server_default="0"),
    Column("warnings", JSON, nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("imported_by", String(200), nullable=False),
    CheckConstraint("template IN ('CMRT', 'EMRT')", name="template_known"),
    CheckConstraint("scope IN ('company', 'product', 'user_defined')", name="scope_known"),
    Index("ix_declarations_supplier_template", "supplier_id", "template", "effective_date"),
)

declaration_smelters = Table(
    "declaration_smelters", metadata,
    _id(),
    Column("declaration_id", Id, ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("row", Integer, nullable=False),
    Column("metal", String(20), nullable=False),
    Column("smelter_id", String(9), index=True),  # None: "Smelter not listed" / "not yet identified", or no ID given
    Column("name", String(200), nullable=False),
    Column("name_key", String(200), nullable=False, index=True),
    Column("country", String(200), nullable=False, server_default=""),
    Column("listing", String(20), nullable=False),
    Column("id_source", String(200), nullable=False, server_default=""),
    Column("mine_names", Text, nullable=False, server_default=""),
    Column("mine_countries", Text, nullable=False, server_default=""),
    Column("recycled", String(40), nullable=False, server_default=""),
    CheckConstraint("listing IN ('listed', 'not_listed', 'not_yet_identified')", name="listing_known"),
)

declaration_products = Table(
    "declaration_products", metadata,
    _id(),
    Column("declaration_id", Id, ForeignKey("declarations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("row", Integer, nullable=False),
    Column("number", String(200), nullable=False),
    Column("name", String(200), nullable=False, server_default=""),
    Column("requester_number", String(200), nullable=False, server_default=""),
    Column("requester_name", String(200), nullable=False, server_default=""),
    Column("product", String(200), nullable=False, index=True),  # what filters and views call it: name, else number
)


# --- reporting periods (remediation.storage.reporting) ---------------------------------------------------------

reporting_periods = Table(
    # A locked (published) period: its figures as they were reported, and each incident's contribution to them,
    # so a later correction of a dated fact inside it shows as a restatement (what changed, for which incidents,
    # by whom: the audit entries after ``audit_log_id``) rather than as a silently changed number.
    "reporting_periods", metadata,
    _id(),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("kind", String(10), nullable=False),
    Column("label", String(40), nullable=False),
    Column("figures", JSON, nullable=False),
    Column("contributions", JSON, nullable=False),   # incident code -> its contribution (domain.periods)
    Column("time_frames", JSON, nullable=False),     # the overdue time frames the figures used
    Column("locked_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("locked_by", String(200), nullable=False),
    Column("audit_log_id", Id, nullable=False),      # the lock's own audit entry: later entries are corrections
    UniqueConstraint("period_start", "period_end", name="uq_reporting_periods_start_end"),
    CheckConstraint("period_end >= period_start", name="end_not_before_start"),
)
