"""Map :class:`~remediation.domain.models.IncidentRecord` to rows and back.

Writes go through :func:`insert_records` (many incidents at once: the demo loader, imports) and
:func:`replace_record` (one incident: every service). Both rewrite the workflow state derived by
:func:`remediation.domain.workflow.evaluate` on the ``incidents`` row. Reads go through :func:`load_records`,
which fetches any number of incidents with one query per table, never one per incident.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import JSON, Connection, bindparam, delete, false, func, insert, select, text, update

from remediation.domain.models import (
    Actionability,
    AssessmentRecord,
    AuditProgrammeNotice,
    BudgetLine,
    CasePlan,
    Closure,
    Consultation,
    CorrectiveAction,
    Credibility,
    Expenditure,
    FeedbackRound,
    Funding,
    IncidentIn,
    IncidentRecord,
    Indicator,
    Initiative,
    LessonAction,
    Lessons,
    Measurement,
    Milestone,
    MonitoringReport,
    Plan,
    PlanApproval,
    PlanClosure,
    RelationshipDecision,
    Response,
    SmelterNotice,
    Substantiation,
    Verification,
)
from remediation.domain.monitoring import band_of
from remediation.domain.record_rules import figures_flag
from remediation.domain.vocab import FUNDING_SOURCES, REVIEW_QUESTIONS, VIOLATION_TYPES, in_vocab_order
from remediation.domain.workflow import DEFAULT_REPORTING_CADENCE, WorkflowState, evaluate, state_changes_on
from remediation.storage import schema as t
from remediation.storage import versions

BATCH = 2000  # rows per INSERT batch, and ids per IN (...) when loading


class ConflictError(Exception):
    """Someone else saved this incident since it was read: nothing was written."""


def _chunks(seq: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


# --- record → rows -------------------------------------------------------------------------------

INCIDENT_FIELDS = tuple(f for f in IncidentIn.model_fields if f != "violation_types")


def derived_columns(record: IncidentRecord, state: WorkflowState) -> dict:
    latest = record.latest_assessment
    return {
        "step": state.step, "status": state.status, "step_entered_on": state.step_entered_on,
        "waiting_for": state.waiting_for, "owed_by": state.owed_by, "warnings": len(state.warnings),
        "scenario": latest.scenario if latest else None,
        "level1": latest.level1 if latest else None,
        "level2": latest.level2 if latest else None,
        "closure_flag": figures_flag(record),
    }


def dated_columns(record: IncidentRecord, state: WorkflowState, as_of: date, cadence: str) -> dict:
    """The day the state was evaluated for, and the first day it may change by the date alone."""
    return {"state_as_of": as_of, "state_until": state_changes_on(record, state, as_of, cadence)}


def lesson_summary(record: IncidentRecord) -> dict:
    """What lessons learned reads of an incident (issue #15), kept on its row and written with the record in the
    write's transaction: the closing date, the whole days from the audit programme's substantiation to it (None
    unless both are recorded), the levels of plan it has, and the day of its lessons review and its four answers
    (None: no review)."""
    closed = record.closure.closed_on
    finding = record.verification.substantiation
    decided = finding.decided_on if finding is not None else None
    levels = {p.level for p in record.plans}
    return {"closed_on": closed,
            "closure_days": (closed - decided).days if closed is not None and decided is not None else None,
            "has_level1_plan": 1 in levels, "has_level2_plan": 2 in levels,
            "reviewed_on": record.lessons.reviewed_on if record.lessons is not None else None,
            **{f"review_{item}": getattr(record.lessons, item) if record.lessons is not None else None
               for item in REVIEW_QUESTIONS}}


def incident_row(record: IncidentRecord, state: WorkflowState, as_of: date, cadence: str) -> dict:
    row = record.incident.model_dump(include=set(INCIDENT_FIELDS))
    row.update(derived_columns(record, state), **dated_columns(record, state, as_of, cadence), **lesson_summary(record))
    return row


def _verification_row(v: Verification) -> dict | None:
    if v == Verification():
        return None
    c, a, n, s = v.credibility, v.actionability, v.notice, v.substantiation
    return {
        "credible": c.credible if c else None, "credibility_decided_on": c.decided_on if c else None,
        "credibility_notes": c.notes if c else "",
        "actionable": a.actionable if a else None, "actionability_decided_on": a.decided_on if a else None,
        "actionability_notes": a.notes if a else "",
        "audit_programme_notified_on": n.notified_on if n else None,
        "substantiated": s.substantiated if s else None,
        "substantiation_decided_on": s.decided_on if s else None,
        "substantiation_notes": s.notes if s else "",
    }


def _response_row(r: Response) -> dict | None:
    if r.corrective_action is None and r.smelter_notice is None:
        return None
    ca = r.corrective_action
    return {
        "corrective_action": ca.description if ca else None,
        "relationship_terminated": ca.relationship_terminated if ca else None,
        "corrective_decided_on": ca.decided_on if ca else None,
        "corrective_status": ca.status if ca else None,
        "corrective_completed_on": ca.completed_on if ca else None,
        "corrective_verified_on": ca.verified_on if ca else None,
        "smelter_notified_on": r.smelter_notice.notified_on if r.smelter_notice else None,
    }


def reporting_cadence(conn: Connection) -> str:
    """The company's reporting cadence setting (:class:`remediation.domain.settings.Settings`), read where a write
    re-derives the workflow state; the default where none is stored."""
    stored = conn.execute(select(t.settings.c.value).where(t.settings.c.key == "reporting_cadence")
                          ).scalar_one_or_none()
    return stored if isinstance(stored, str) else DEFAULT_REPORTING_CADENCE


def _plan_row(p: Plan) -> dict:
    row = p.model_dump(include={"level", "facilitator", "facilitator_type", "victim_service_coordinator",
                                "currency", "estimated_cost", "designed_on", "implementation_started_on",
                                "remedy_types"})
    row.update(p.approval.model_dump())
    row.update(p.closure.model_dump())
    row.update(plan_summary(p))
    return row


def plan_summary(p: Plan) -> dict:
    """The plan's summary columns (issue #15): what the plans and lessons pages aggregate, kept on the plan's row
    and written with it, in the write's transaction (every write rewrites the record's plans)."""
    row = {"budget": p.budget, "pledged": p.pledged, "received": sum((f.received for f in p.funding), Decimal(0)),
           "spent": p.spent, "planned_end": max((i.due_date for i in p.initiatives), default=None),
           "reports": len(p.monitoring_reports), "variance_band": band_of(p.budget, p.spent)}
    for source in FUNDING_SOURCES:
        row[f"pledged_{source}"] = sum((f.pledged for f in p.funding if f.source == source), Decimal(0))
        row[f"received_{source}"] = sum((f.received for f in p.funding if f.source == source), Decimal(0))
    return row


def _allocate_ids(conn: Connection, table, n: int) -> list[int]:
    """``n`` fresh ids for ``table``, safe against concurrent writers, so that children can be inserted
    with plain executemany (several times faster than INSERT … RETURNING row by row)."""
    if n == 0:
        return []
    if conn.dialect.name == "postgresql":
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar_one()
        return list(conn.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": seq, "n": n})
                    .scalars())
    # SQLite: a write (even of no row) takes the database's single write lock for this transaction,
    # so no other writer can take the same ids between reading max(id) and inserting.
    conn.execute(update(table).where(false()).values(id=table.c.id))
    start = (conn.execute(select(func.max(table.c.id))).scalar_one() or 0) + 1
    return list(range(start, start + n))


def _insert_with_ids(conn: Connection, table, rows: list[dict]) -> list[int]:
    ids = _allocate_ids(conn, table, len(rows))
    for row, new_id in zip(rows, ids):
        row["id"] = new_id
    _insert(conn, table, rows)
    return ids


COPY_THRESHOLD = 500  # rows from which PostgreSQL gets COPY instead of INSERT


def _insert(conn: Connection, table, rows: list[dict]) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_THRESHOLD:
        _copy(conn, table, rows)
        return
    for chunk in _chunks(rows):
        conn.execute(insert(table), list(chunk))


def _copy(conn: Connection, table, rows: list[dict]) -> None:
    """PostgreSQL's COPY, in the current transaction: an order of magnitude fewer round trips and
    far less per-row work than INSERT for bulk loads."""
    columns = list(rows[0])
    json_columns = {c.name for c in table.c if isinstance(c.type, JSON)}
    cursor = conn.connection.driver_connection.cursor()
    names = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{table.name}: rows of one batch must have the same columns")
            copy.write_row([json.dumps(row[c]) if c in json_columns and row[c] is not None else row[c]
                            for c in columns])


# The tables below ``incidents`` that hang on the incident directly (the plans' tables hang on ``plans``).
FLAT_CHILDREN = (t.incident_violations, t.verifications, t.assessments, t.responses, t.closures, t.lessons,
                 t.lesson_tags, t.corrective_milestones, t.relationship_decisions, t.lesson_actions)


def _flat_rows(incident_id: int, rec: IncidentRecord) -> dict:
    """The rows of :data:`FLAT_CHILDREN` that hold ``rec`` (table → rows, in order)."""
    rows: dict = {table: [] for table in FLAT_CHILDREN}
    rows[t.incident_violations].extend(
        {"incident_id": incident_id, "violation_type": v} for v in rec.incident.violation_types)
    if (v := _verification_row(rec.verification)) is not None:
        rows[t.verifications].append({"incident_id": incident_id, **v})
    rows[t.assessments].extend({"incident_id": incident_id, **a.model_dump()} for a in rec.assessments)
    if (r := _response_row(rec.response)) is not None:
        rows[t.responses].append({"incident_id": incident_id, **r})
    if rec.response.corrective_action is not None:
        rows[t.corrective_milestones].extend({"incident_id": incident_id, **ms.model_dump()}
                                             for ms in rec.response.corrective_action.milestones)
    rows[t.relationship_decisions].extend({"incident_id": incident_id, **d.model_dump()}
                                          for d in rec.response.relationship_decisions)
    if rec.closure != Closure():
        rows[t.closures].append({"incident_id": incident_id, **rec.closure.model_dump()})
    if rec.lessons is not None:
        rows[t.lessons].append({"incident_id": incident_id,
                                **rec.lessons.model_dump(exclude={"tags", "actions"})})
        rows[t.lesson_actions].extend({"incident_id": incident_id, **a.model_dump()} for a in rec.lessons.actions)
        rows[t.lesson_tags].extend({"incident_id": incident_id, "tag": tag} for tag in rec.lessons.tags)
    return rows


def _insert_children(conn: Connection, pairs: Sequence[tuple[int, IncidentRecord]],
                     tables: Sequence = FLAT_CHILDREN, plans: bool = True) -> None:
    """Insert everything below the ``incidents`` row for each (incident id, record), in bulk: the rows of
    ``tables`` (of :data:`FLAT_CHILDREN`) and, with ``plans``, the plans with everything below them."""
    rows: dict = defaultdict(list)
    plan_rows, plan_objs = [], []
    for incident_id, rec in pairs:
        for table, flat in _flat_rows(incident_id, rec).items():
            rows[table].extend(flat)
        for plan in rec.plans if plans else ():
            plan_rows.append({"incident_id": incident_id, **_plan_row(plan)})
            plan_objs.append(plan)
    for table in tables:
        _insert(conn, table, rows[table])

    plan_ids = _insert_with_ids(conn, t.plans, plan_rows)
    case_rows, init_rows, init_objs = [], [], []
    for plan_id, plan in zip(plan_ids, plan_objs):
        for c in plan.case_plans:
            case_rows.append({"plan_id": plan_id, **c.model_dump()})
        for i in plan.initiatives:
            init_rows.append({"plan_id": plan_id, **i.model_dump(exclude={"indicators"})})
            init_objs.append(i)
        rows[t.budget_lines].extend({"plan_id": plan_id, **b.model_dump()} for b in plan.budget_lines)
        rows[t.funding].extend({"plan_id": plan_id, **f.model_dump()} for f in plan.funding)
        rows[t.expenditures].extend({"plan_id": plan_id, **e.model_dump()} for e in plan.expenditures)
        rows[t.monitoring_reports].extend({"plan_id": plan_id, **m.model_dump()} for m in plan.monitoring_reports)
        rows[t.plan_consultations].extend({"plan_id": plan_id, **c.model_dump()} for c in plan.consultations)
        rows[t.plan_feedback].extend({"plan_id": plan_id, **f.model_dump()} for f in plan.feedback)
    for table in (t.budget_lines, t.funding, t.expenditures, t.monitoring_reports, t.plan_consultations,
                  t.plan_feedback):
        _insert(conn, table, rows[table])

    _insert(conn, t.case_plans, case_rows)

    init_ids = _insert_with_ids(conn, t.initiatives, init_rows)
    ind_rows, ind_objs = [], []
    for init_id, init in zip(init_ids, init_objs):
        for ind in init.indicators:
            ind_rows.append({"initiative_id": init_id, **ind.model_dump(exclude={"measurements"})})
            ind_objs.append(ind)
    ind_ids = _insert_with_ids(conn, t.indicators, ind_rows)
    _insert(conn, t.measurements, [
        {"indicator_id": ind_id, **m.model_dump()} for ind_id, ind in zip(ind_ids, ind_objs)
        for m in ind.measurements])


def insert_records(conn: Connection, records: Sequence[IncidentRecord], today: date | None = None) -> list[int]:
    """Insert new incidents with everything recorded about them; returns their ids in order."""
    cadence = reporting_cadence(conn)
    today = today or date.today()
    incident_rows = [incident_row(rec, evaluate(rec, today, cadence), today, cadence) for rec in records]
    ids = _insert_with_ids(conn, t.incidents, incident_rows)
    _insert_children(conn, list(zip(ids, records)))
    return ids


def replace_record(conn: Connection, incident_id: int, expected_version: int, record: IncidentRecord,
                   today: date | None = None, stored: IncidentRecord | None = None,
                   changed: set[str] | None = None) -> tuple[WorkflowState, int]:
    """Rewrite one incident as ``record`` if nobody saved it since ``expected_version`` was read.

    ``stored``: the record as read at ``expected_version`` (``load_records``). With it, only the tables whose rows
    differ are rewritten (a fact recorded touches one or two of the twenty: every delete and insert is a round
    trip on PostgreSQL); without it, all of them.

    ``changed``: a set this adds the facets of the records the write changed to
    (:data:`remediation.storage.versions.FACETS`, for the audit entry): the stored row's columns compared with the
    new ones, and the plans compared with ``stored``'s (without ``stored``, the plans count as changed).

    Returns the new workflow state and the new version. Raises :class:`ConflictError` (and writes
    nothing) when the stored version moved on.
    """
    today = today or date.today()
    cadence = reporting_cadence(conn)
    state = evaluate(record, today, cadence)
    values = incident_row(record, state, today, cadence)
    values.update(version=expected_version + 1, updated_at=func.now())
    watched = [column for columns in versions.FACET_COLUMNS.values() for column in columns]
    before_row = conn.execute(select(*(t.incidents.c[column] for column in watched))
                              .where(t.incidents.c.id == incident_id)).first() if changed is not None else None
    result = conn.execute(
        update(t.incidents)
        .where(t.incidents.c.id == incident_id, t.incidents.c.version == expected_version)
        .values(**values)
    )
    if result.rowcount != 1:
        raise ConflictError(
            f"{record.incident.code} was changed by someone else since you opened it; reload to see the "
            "changes, then record yours again. Nothing was saved."
        )
    tables, plans = FLAT_CHILDREN, True
    if stored is not None:
        before, after = _flat_rows(incident_id, stored), _flat_rows(incident_id, record)
        tables = [table for table in FLAT_CHILDREN if before[table] != after[table]]
        plans = [p.model_dump() for p in stored.plans] != [p.model_dump() for p in record.plans]
    for table in [*tables, *([t.plans] if plans else [])]:  # a plan's own tables go with it (ON DELETE CASCADE)
        conn.execute(delete(table).where(table.c.incident_id == incident_id))
    _insert_children(conn, [(incident_id, record)], tables, plans)
    if changed is not None:
        old = dict(zip(watched, before_row))
        changed.update(facet for facet, columns in versions.FACET_COLUMNS.items()
                       if any(column not in values or old[column] != values[column] for column in columns))
        if plans:
            changed.add(versions.PLANS)
    return state, expected_version + 1


# --- rows → record -------------------------------------------------------------------------------

@functools.cache
def _rows_of(table, key_col):
    """``SELECT * FROM table WHERE key_col IN (:keys) ORDER BY id``, built once per table: a load runs one per table,
    and building the statement (and its cache key) each time cost about as much Python as running it."""
    order = [table.c.id] if "id" in table.c else []
    return select(table).where(key_col.in_(bindparam("keys", expanding=True))).order_by(*order)


def _by(conn: Connection, table, key_col, keys: Sequence[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    query = _rows_of(table, key_col)
    for chunk in _chunks(list(keys)):
        for row in conn.execute(query, {"keys": list(chunk)}).mappings():
            out[row[key_col.name]].append(dict(row))
    return out


ONE_TO_ONE = (t.verifications, t.responses, t.closures, t.lessons)  # keyed by the incident's id: at most one row


@functools.cache
def _with_one_to_one_query():
    i = t.incidents
    joined, columns = i, list(i.c)
    for table in ONE_TO_ONE:
        joined = joined.outerjoin(table, table.c.incident_id == i.c.id)
        columns += [c.label(f"{table.name}__{c.name}") for c in table.c]
    return select(*columns).select_from(joined).where(i.c.id.in_(bindparam("keys", expanding=True))).order_by(i.c.id)


def _with_one_to_one(conn: Connection, ids: Sequence[int]) -> tuple[dict[int, list[dict]], ...]:
    """The ``incidents`` rows of ``ids`` and the rows of the :data:`ONE_TO_ONE` tables, in one query (outer joins
    on their primary key): as :func:`_by` reads each table (a dict of one-row lists per incident), with four round
    trips fewer, which is most of a table's cost on PostgreSQL for one incident."""
    i = t.incidents
    incidents: dict[int, list[dict]] = {}
    others: list[dict[int, list[dict]]] = [{} for _ in ONE_TO_ONE]
    for chunk in _chunks(list(ids)):
        for row in conn.execute(_with_one_to_one_query(), {"keys": list(chunk)}).mappings():
            iid = row["id"]
            incidents[iid] = [{c.name: row[c.name] for c in i.c}]
            for table, out in zip(ONE_TO_ONE, others):
                if row[f"{table.name}__incident_id"] is not None:
                    out[iid] = [{c.name: row[f"{table.name}__{c.name}"] for c in table.c}]
    return (incidents, *others)


def _pick(row: dict, model) -> dict:
    return {k: row[k] for k in model.model_fields if k in row}


def load_records(conn: Connection, incident_ids: Sequence[int]) -> dict[int, IncidentRecord]:
    """The records of ``incident_ids``, with one query per table whatever their number."""
    ids = list(incident_ids)
    if not ids:
        return {}
    inc, ver, resp, clos, less = _with_one_to_one(conn, ids)
    viol = _by(conn, t.incident_violations, t.incident_violations.c.incident_id, ids)
    ass = _by(conn, t.assessments, t.assessments.c.incident_id, ids)
    tags = _by(conn, t.lesson_tags, t.lesson_tags.c.incident_id, ids)
    plans = _by(conn, t.plans, t.plans.c.incident_id, ids)
    plan_ids = [p["id"] for ps in plans.values() for p in ps]
    cases = _by(conn, t.case_plans, t.case_plans.c.plan_id, plan_ids)
    inits = _by(conn, t.initiatives, t.initiatives.c.plan_id, plan_ids)
    inds = _by(conn, t.indicators, t.indicators.c.initiative_id, [i["id"] for xs in inits.values() for i in xs])
    meas = _by(conn, t.measurements, t.measurements.c.indicator_id, [i["id"] for xs in inds.values() for i in xs])
    budget = _by(conn, t.budget_lines, t.budget_lines.c.plan_id, plan_ids)
    fund = _by(conn, t.funding, t.funding.c.plan_id, plan_ids)
    spend = _by(conn, t.expenditures, t.expenditures.c.plan_id, plan_ids)
    mon = _by(conn, t.monitoring_reports, t.monitoring_reports.c.plan_id, plan_ids)
    consulted = _by(conn, t.plan_consultations, t.plan_consultations.c.plan_id, plan_ids)
    feedback = _by(conn, t.plan_feedback, t.plan_feedback.c.plan_id, plan_ids)
    milestones = _by(conn, t.corrective_milestones, t.corrective_milestones.c.incident_id, ids)
    decisions = _by(conn, t.relationship_decisions, t.relationship_decisions.c.incident_id, ids)
    actions = _by(conn, t.lesson_actions, t.lesson_actions.c.incident_id, ids)

    def plan_of(p: dict) -> Plan:
        return Plan.model_construct(
            **_pick(p, Plan) | {"remedy_types": p["remedy_types"] or []},
            consultations=[Consultation.model_construct(**_pick(c, Consultation)) for c in consulted[p["id"]]],
            feedback=[FeedbackRound.model_construct(**_pick(f, FeedbackRound)) for f in feedback[p["id"]]],
            approval=PlanApproval.model_construct(**_pick(p, PlanApproval)),
            closure=PlanClosure.model_construct(**_pick(p, PlanClosure)),
            case_plans=[CasePlan.model_construct(**_pick(c, CasePlan)) for c in cases[p["id"]]],
            initiatives=[Initiative.model_construct(**_pick(i, Initiative), indicators=[
                Indicator.model_construct(**_pick(d, Indicator), measurements=sorted(
                    (Measurement.model_construct(**_pick(m, Measurement)) for m in meas[d["id"]]),
                    key=lambda m: m.measured_on)) for d in inds[i["id"]]]) for i in inits[p["id"]]],
            budget_lines=[BudgetLine.model_construct(**_pick(b, BudgetLine)) for b in budget[p["id"]]],
            funding=[Funding.model_construct(**_pick(f, Funding)) for f in fund[p["id"]]],
            expenditures=[Expenditure.model_construct(**_pick(e, Expenditure)) for e in spend[p["id"]]],
            monitoring_reports=[MonitoringReport.model_construct(**_pick(m, MonitoringReport)) for m in mon[p["id"]]],
        )

    out: dict[int, IncidentRecord] = {}
    for iid, (row,) in inc.items():
        v = (ver.get(iid) or [None])[0]
        r = (resp.get(iid) or [None])[0]
        c = (clos.get(iid) or [None])[0]
        le = (less.get(iid) or [None])[0]
        verification = Verification.model_construct(
            credibility=Credibility.model_construct(credible=v["credible"], decided_on=v["credibility_decided_on"],
                                                    notes=v["credibility_notes"])
            if v and v["credible"] is not None else None,
            actionability=Actionability.model_construct(actionable=v["actionable"],
                                                        decided_on=v["actionability_decided_on"],
                                                        notes=v["actionability_notes"])
            if v and v["actionable"] is not None else None,
            notice=AuditProgrammeNotice.model_construct(notified_on=v["audit_programme_notified_on"])
            if v and v["audit_programme_notified_on"] is not None else None,
            substantiation=Substantiation.model_construct(
                substantiated=v["substantiated"], decided_on=v["substantiation_decided_on"],
                notes=v["substantiation_notes"],
                trading_link=row["trading_link"] if v["substantiated"] else None,
                stopped_trading_date=row["stopped_trading_date"] if v["substantiated"] else None)
            if v and v["substantiated"] is not None else None,
        )
        response = Response.model_construct(
            corrective_action=CorrectiveAction.model_construct(
                description=r["corrective_action"], relationship_terminated=r["relationship_terminated"],
                decided_on=r["corrective_decided_on"], status=r["corrective_status"] or "planned",
                completed_on=r["corrective_completed_on"], verified_on=r["corrective_verified_on"],
                milestones=[Milestone.model_construct(**_pick(ms, Milestone)) for ms in milestones[iid]])
            if r and r["corrective_action"] is not None else None,
            smelter_notice=SmelterNotice.model_construct(notified_on=r["smelter_notified_on"])
            if r and r["smelter_notified_on"] is not None else None,
            relationship_decisions=[RelationshipDecision.model_construct(**_pick(d, RelationshipDecision))
                                    for d in decisions[iid]],
        )
        out[iid] = IncidentRecord.model_construct(
            incident=IncidentIn.model_construct(
                **_pick(row, IncidentIn),
                violation_types=in_vocab_order((x["violation_type"] for x in viol[iid]), VIOLATION_TYPES)),
            verification=verification,
            assessments=[AssessmentRecord.model_construct(**_pick(a, AssessmentRecord)) for a in ass[iid]],
            response=response,
            plans=sorted((plan_of(p) for p in plans[iid]), key=lambda p: p.level),
            closure=Closure.model_construct(**_pick(c, Closure)) if c else Closure(),
            lessons=Lessons.model_construct(**_pick(le, Lessons), tags=sorted(x["tag"] for x in tags[iid]),
                                            actions=[LessonAction.model_construct(**_pick(a, LessonAction))
                                                     for a in actions[iid]])
            if le else None,
        )
    return out


def find_incident(conn: Connection, code: str) -> tuple[int, int] | None:
    """(id, version) of the incident with ``code``, or None."""
    row = conn.execute(
        select(t.incidents.c.id, t.incidents.c.version).where(t.incidents.c.code == code.strip().upper())
    ).first()
    return (row.id, row.version) if row else None


# --- the intake of stored incidents, by code (import and export) ----------------------------------

_INTAKE_COLUMNS = [f for f in IncidentIn.model_fields if f != "violation_types"]
_IN_BATCH = 1000


def stored_codes(conn, codes: Sequence[str]) -> set[str]:
    out: set[str] = set()
    codes = list(codes)
    for i in range(0, len(codes), _IN_BATCH):
        out.update(conn.execute(select(t.incidents.c.code).where(t.incidents.c.code.in_(codes[i:i + _IN_BATCH])))
                   .scalars())
    return out


def stored_intake(conn, codes: Sequence[str] | None = None, where=None) -> dict[str, IncidentIn]:
    """The intake of stored incidents, by code: those with ``codes``, else those matching ``where``
    (every incident without either), ordered by code."""
    c = t.incidents.c
    query = select(c.id, *(c[f] for f in _INTAKE_COLUMNS)).order_by(c.code)
    rows: list = []
    if codes is not None:
        codes = list(codes)
        for i in range(0, len(codes), _IN_BATCH):
            rows += conn.execute(query.where(c.code.in_(codes[i:i + _IN_BATCH]))).mappings().all()
        rows.sort(key=lambda r: r["code"])
    else:
        rows = conn.execute(query.where(where) if where is not None else query).mappings().all()
    ids = [r["id"] for r in rows]
    violations: dict[int, list[str]] = {}
    v = t.incident_violations.c
    for i in range(0, len(ids), _IN_BATCH):
        for incident_id, kind in conn.execute(select(v.incident_id, v.violation_type)
                                              .where(v.incident_id.in_(ids[i:i + _IN_BATCH]))):
            violations.setdefault(incident_id, []).append(kind)
    return {r["code"]: IncidentIn.model_construct(
        **{f: r[f] for f in _INTAKE_COLUMNS},
        violation_types=in_vocab_order(violations.get(r["id"], []), VIOLATION_TYPES)) for r in rows}


# --- export ------------------------------------------------------------------------------------

