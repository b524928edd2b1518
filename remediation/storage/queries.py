"""The read side: what pages show, as DataFrames or models, computed in SQL where it aggregates.

Pages never build SQL; they call these. Each function takes the engine explicitly so it can be
cached by the page layer and tested on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import Connection, Engine, Text, and_, case, cast, false, func, or_, select, true
from sqlalchemy.exc import OperationalError, ProgrammingError

from remediation.domain.evidence import FROM_STEP, documents_flag, lacking
from remediation.domain.models import IncidentRecord
from remediation.domain.monitoring import BURN_LABELS, MONITORING_MONTHS, burn_rate
from remediation.domain.policy import DEFAULT_POLICY, Policy
from remediation.domain.settings import DEFAULT_TIME_FRAMES, Settings
from remediation.domain.vocab import (
    AUDIT_PROGRAMMES,
    FUNDING_SOURCES,
    INVOLVEMENTS,
    MINERALS,
    REMEDY_TYPES,
    REQUIREMENTS,
    ROLES,
    STATUSES,
    STEPS,
)
from remediation.domain.workflow import WorkflowState, evaluate
from remediation.storage import schema as t
from remediation.storage.records import find_incident, load_records, reporting_cadence

PORTFOLIO_LIMIT = 5000  # rows sent to a browser table at most; counts are always exact


def data_version(engine: Engine) -> int:
    """A number that changes with every write: the newest audit entry's id (every write records one)."""
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(t.audit_log.c.id), 0))).scalar_one()


def latest_policy(engine: Engine) -> Policy | None:
    """The newest adopted policy version, or None where none is stored (or no schema yet)."""
    try:
        with engine.connect() as conn:
            body = conn.execute(
                select(t.policy_versions.c.body).order_by(t.policy_versions.c.version.desc()).limit(1)
            ).scalar_one_or_none()
    except (OperationalError, ProgrammingError):  # no table yet: the database was never migrated
        return None
    return Policy.model_validate(body) if body is not None else None


def policy_in_force(engine: Engine) -> Policy:
    """The policy in force: the newest adopted version, else the shipped default (a database never
    migrated, or with no policy stored yet)."""
    return latest_policy(engine) or DEFAULT_POLICY


def policy_versions(engine: Engine) -> list[Policy]:
    with engine.connect() as conn:
        bodies = conn.execute(select(t.policy_versions.c.body).order_by(t.policy_versions.c.version)).scalars()
        return [Policy.model_validate(b) for b in bodies]


LEVEL_FILTERS: dict[str, str] = {
    "level1_mandatory": "Level 1 mandatory",
    "level1_recommended": "Level 1 recommended",
    "level2_mandatory": "Level 2 mandatory",
    "level2_recommended": "Level 2 recommended",
    "not_assessed": "Not assessed yet",
}


@dataclass(frozen=True)
class PortfolioFilter:
    """The sidebar's filters, shared by every page. Hashable, so cached reads can key on it."""
    status: str = "all"  # "all" | "open" | "closed"
    stage: str | None = None  # one key of PIPELINE_STAGES (the pipeline chart's selection)
    mineral: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    audit_programme: tuple[str, ...] = ()
    smelter_refiner: tuple[str, ...] = ()
    level: tuple[str, ...] = ()  # keys of LEVEL_FILTERS, any of them
    received_from: date | None = None
    received_to: date | None = None
    supplier: tuple[str, ...] = ()  # suppliers' names: incidents at a smelter any of their declarations lists
    product: tuple[str, ...] = ()  # declared products: incidents at a smelter a declaration covering one lists
    involvement: tuple[str, ...] = ()  # keys of INVOLVEMENT_FILTERS: the company's involvement, or not determined
    remedy_type: tuple[str, ...] = ()  # keys of vocab.REMEDY_TYPES: incidents with a plan providing any of them

    def where(self, *, with_status: bool = True):
        c = t.incidents.c
        clauses = []
        if with_status and self.stage is not None:  # a chosen stage says open or closed by itself
            clauses.append(stage_clause(self.stage))
        elif with_status and self.status == "open":
            clauses.append(c.status == "open")
        elif with_status and self.status == "closed":
            clauses.append(c.status != "open")
        for column, values in ((c.mineral, self.mineral), (c.country, self.country),
                               (c.audit_programme, self.audit_programme),
                               (c.smelter_refiner, self.smelter_refiner)):
            if values:
                clauses.append(column.in_(values))
        levels = {
            "level1_mandatory": c.level1 == "mandatory", "level1_recommended": c.level1 == "recommended",
            "level2_mandatory": c.level2 == "mandatory", "level2_recommended": c.level2 == "recommended",
            "not_assessed": c.level1.is_(None),
        }
        if self.level:
            clauses.append(or_(*(levels[k] for k in self.level if k in levels)))
        if self.received_from:
            clauses.append(c.date_received >= self.received_from)
        if self.received_to:
            clauses.append(c.date_received <= self.received_to)
        if self.supplier or self.product:
            clauses.append(exposure_clause(self.supplier, self.product))
        if self.involvement:
            known = [v for v in self.involvement if v in INVOLVEMENTS]
            clauses.append(or_(c.involvement.in_(known), *([c.involvement.is_(None)]
                                                          if "not_determined" in self.involvement else [])))
        if self.remedy_type:
            clauses.append(remedy_clause(self.remedy_type))
        return and_(true(), *clauses)

    @property
    def whole(self) -> bool:
        """No filter narrows the portfolio beyond the open/closed choice and the stage: figures over every plan can
        read the plans alone (their incident's status and involvement are on their rows, migration 0016)."""
        return not any((self.mineral, self.country, self.audit_programme, self.smelter_refiner, self.level,
                        self.received_from, self.received_to, self.supplier, self.product, self.involvement,
                        self.remedy_type))

    def describe(self, *, with_status: bool = True) -> str:
        """The filters in words, for titles: "all incidents", "open incidents; filters: Gold, Ghana".
        ``with_status=False`` for figures that ignore the open/closed choice (as ``where(with_status=False)``):
        "filters: Gold, Ghana"."""
        status = {"open": "open incidents", "closed": "closed incidents"}.get(self.status) if with_status else None
        parts = [", ".join(MINERALS.get(m, m) for m in self.mineral), ", ".join(self.country),
                 ", ".join(AUDIT_PROGRAMMES.get(a, a) for a in self.audit_programme), ", ".join(self.smelter_refiner),
                 ", ".join(LEVEL_FILTERS.get(x, x) for x in self.level),
                 "supplier " + ", ".join(self.supplier) if self.supplier else "",
                 "product " + ", ".join(self.product) if self.product else "",
                 "involvement " + ", ".join(INVOLVEMENT_FILTERS.get(v, v).lower() for v in self.involvement)
                 if self.involvement else "",
                 "remedy " + ", ".join(REMEDY_TYPES.get(v, v).lower() for v in self.remedy_type)
                 if self.remedy_type else ""]
        if self.received_from or self.received_to:
            parts.append(f"received {self.received_from or '…'} to {self.received_to or '…'}")
        parts = [p for p in parts if p]
        filters = "filters: " + "; ".join(parts) if parts else None
        return "; ".join(p for p in (status, filters) if p) or "all incidents"


INVOLVEMENT_FILTERS: dict[str, str] = {**INVOLVEMENTS, "not_determined": "Not determined"}


def remedy_clause(remedy_types: tuple[str, ...]):
    """Incidents with a plan that provides any of ``remedy_types``. The plan's list is JSON; its text holds each
    identifier in quotes on SQLite and PostgreSQL alike (identifiers are plain ASCII words)."""
    p = t.plans.c
    wanted = [r for r in remedy_types if r in REMEDY_TYPES]
    return t.incidents.c.id.in_(select(p.incident_id).where(
        or_(false(), *(cast(p.remedy_types, Text).like(f'%"{r}"%') for r in wanted))))


def exposure_clause(suppliers: tuple[str, ...], products: tuple[str, ...]):
    """Incidents linked to a smelter that a declaration (current or earlier) of one of ``suppliers`` lists, and
    that a declaration covering one of ``products`` lists: the sidebar's supplier and product filters."""
    c, ds = t.incidents.c, t.declaration_smelters.c
    clauses = []
    if suppliers:
        clauses.append(c.smelter_id.in_(
            select(ds.smelter_id).select_from(t.declaration_smelters.join(t.declarations).join(t.suppliers))
            .where(t.suppliers.c.name.in_(suppliers), ds.smelter_id.is_not(None))))
    if products:
        dp = t.declaration_products.c
        clauses.append(c.smelter_id.in_(
            select(ds.smelter_id).select_from(
                t.declaration_smelters.join(t.declaration_products, dp.declaration_id == ds.declaration_id))
            .where(dp.product.in_(products), ds.smelter_id.is_not(None))))
    return and_(*clauses)


def overdue_clause(today: date, time_frames: dict[int, int]):
    """Incidents in a step for longer than its time frame (steps 1-5 open; step 6 = lessons pending)."""
    c = t.incidents.c
    return or_(*(and_(c.step == n, c.step_entered_on < today - timedelta(days=days), c.owed_by.is_not(None))
                 for n, days in time_frames.items()))


# The portfolio table's columns a lead can sort by (server-side, over every matching incident), by label.
PORTFOLIO_SORTS: dict[str, str] = {
    "date_received": "Received", "code": "Code", "step_name": "Step or outcome", "overdue": "Overdue",
    "days_in_step": "Days in step", "level1": "Level 1", "level2": "Level 2", "owed_by": "Owed by", "title": "Title",
    "waiting_for": "Waiting for", "closure_flag": "Closure vs figures", "mineral": "Mineral", "country": "Country",
    "smelter_refiner": "Smelter/refiner", "audit_programme": "Audit programme", "status": "Status",
}
_SORT_LABELS: dict[str, tuple[dict[str, str], str | None]] = {  # columns shown by label: sorted by label
    "mineral": (MINERALS, None), "audit_programme": (AUDIT_PROGRAMMES, None), "status": (STATUSES, None),
    "level1": (REQUIREMENTS, "Not assessed"), "level2": (REQUIREMENTS, "Not assessed"), "owed_by": (ROLES, ""),
}


def ordered(expr, descending: bool):
    """``expr`` in a table's sort direction, empty values last. NULLS LAST only where a NULL can be: on a NOT NULL
    column it keeps PostgreSQL from reading the order from an index (a top-N sort of every incident instead: 37-60
    ms at 100,000, issue #15)."""
    key = expr.desc() if descending else expr.asc()
    return key if getattr(expr, "nullable", True) is False else key.nulls_last()


def portfolio_order(sort: str, descending: bool, today: date, time_frames: dict[int, int]) -> list:
    """ORDER BY of the portfolio table sorted by ``sort`` (a key of :data:`PORTFOLIO_SORTS`) as the page shows
    it: coded columns by their label, days in step by the date the step began, empty values last, then by
    code; unknown keys sort by date received."""
    c = t.incidents.c
    sort = sort if sort in PORTFOLIO_SORTS else "date_received"
    def direction(expr):
        return ordered(expr, descending)

    if sort in _SORT_LABELS:
        labels, missing = _SORT_LABELS[sort]
        expr = case(labels, value=c[sort], else_=c[sort])
        keys = [direction(func.coalesce(expr, missing) if missing is not None else expr)]
    elif sort == "overdue":
        keys = [direction(case((overdue_clause(today, time_frames), 1), else_=0))]
    elif sort == "days_in_step":  # more days = an earlier date; closed with nothing owed: no days, last
        shown = or_(c.status == "open", c.owed_by.is_not(None))
        keys = [case((shown, 0), else_=1),
                (c.step_entered_on.asc() if descending else c.step_entered_on.desc()).nulls_last()]
    elif sort == "step_name":  # open incidents by step, then the closed outcomes
        keys = [direction(case((c.status == "open", 0), else_=1)), direction(c.step), direction(c.status)]
    else:
        keys = [direction(c[sort])]
    return [*keys, direction(c.code)]


def portfolio(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), limit: int | None = PORTFOLIO_LIMIT,
              today: date | None = None, time_frames: dict[int, int] | None = None, offset: int = 0,
              sort: str = "date_received", descending: bool = True) -> tuple[pd.DataFrame, int]:
    """One page of the incident list (``limit`` rows from ``offset``; ``limit=None``: every row), sorted on the
    server by ``sort`` (:data:`PORTFOLIO_SORTS`; newest first by default), and the exact number matching."""
    today = today or date.today()
    time_frames = time_frames or DEFAULT_TIME_FRAMES
    c = t.incidents.c
    columns = ["code", "title", "mineral", "country", "smelter_refiner", "audit_programme", "step", "status",
               "level1", "level2", "step_entered_on", "waiting_for", "owed_by", "date_received", "overdue",
               "closure_flag"]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(t.incidents).where(flt.where())).scalar_one()
        rows = conn.execute(
            select(c.code, c.title, c.mineral, c.country, c.smelter_refiner, c.audit_programme, c.step,
                   c.status, c.level1, c.level2, c.step_entered_on, c.waiting_for, c.owed_by, c.date_received,
                   overdue_clause(today, time_frames).label("overdue"), c.closure_flag,
                   t.lessons.c.reviewed_on)
            .select_from(t.incidents.outerjoin(t.lessons, t.lessons.c.incident_id == c.id))
            .where(flt.where()).order_by(*portfolio_order(sort, descending, today, time_frames))
            .limit(limit).offset(offset or None)
        ).all()
    df = pd.DataFrame(rows, columns=[*columns, "lessons_on"])
    df["overdue"] = df["overdue"].astype(bool)
    # Days in step: only where something is still owed (an open incident, or lessons pending after closure);
    # a closed incident is not "in" a step, it has an outcome (step_label).
    df["days_in_step"] = pd.array([(today - d).days if st == "open" or not pd.isna(owed) else None
                                   for d, st, owed in zip(df["step_entered_on"], df["status"], df["owed_by"])],
                                  dtype="Int64")
    df["time_frame"] = [time_frames[s] for s in df["step"]]
    df["step_name"] = [step_label(s, st, pd.isna(owed), None if pd.isna(on) else on)
                       for s, st, owed, on in zip(df["step"], df["status"], df["owed_by"], df["lessons_on"])]
    df = df.drop(columns="lessons_on")
    df["status"] = df["status"].map(STATUSES)
    df["mineral"] = df["mineral"].map(MINERALS)
    df["audit_programme"] = df["audit_programme"].map(AUDIT_PROGRAMMES)
    df["level1"] = df["level1"].map(REQUIREMENTS).fillna("Not assessed")
    df["level2"] = df["level2"].map(REQUIREMENTS).fillna("Not assessed")
    df["owed_by"] = df["owed_by"].map(ROLES).fillna("")
    return df, total


def documents_missing(engine: Engine, codes: list[str] | None = None, batch: int = 2000,
                      required: Sequence[str] | None = None) -> dict[str, str]:
    """Incidents (of ``codes``, default all) with a recorded fact that lacks the document the company setting
    requires (:func:`remediation.domain.evidence.lacking`), by code: "Documents missing: …". Imported and loaded
    records carry no documents, and a setting can name a document after the step it precedes was recorded: the
    flag stays until the documents are attached. Only incidents far enough along to have such a fact are loaded.
    ``required``: the setting's documents, when the caller has read the settings already (else read here)."""
    with engine.connect() as conn:
        required = settings_in(conn).documents_required if required is None else list(required)
        if not required:
            return {}
        first = min((FROM_STEP[k] for k in required if k in FROM_STEP), default=None)
        if first is None:
            return {}
        c, d = t.incidents.c, t.documents.c
        query = select(t.incidents.c.id).where(c.step >= first)
        ids = [i for chunk in ([None] if codes is None else [codes[k:k + batch] for k in range(0, len(codes), batch)])
               for i in conn.execute(query if chunk is None else query.where(c.code.in_(chunk))).scalars()]
        out: dict[str, str] = {}
        for start in range(0, len(ids), batch):
            chunk = ids[start:start + batch]
            records = load_records(conn, chunk)
            attached: dict[int, set] = {}
            for incident_id, kind, level in conn.execute(
                    select(d.incident_id, d.kind, d.level).distinct()
                    .where(d.incident_id.in_(chunk), d.removed_at.is_(None))):
                attached.setdefault(incident_id, set()).add((kind, level))
            for incident_id in chunk:
                record = records[incident_id]
                if flag := documents_flag(lacking(record, required, attached.get(incident_id, set()))):
                    out[record.incident.code] = flag
    return out


def step_label(step: int, status: str, complete: bool = False, lessons_on: date | None = None) -> str:
    """'3. Design the remediation action plan' for an open incident; a closed one by its outcome, e.g.
    'Closed: remediation complete; lessons captured 2025-11-29'."""
    if status in ("closed_not_credible", "closed_not_actionable", "closed_unsubstantiated"):
        return STATUSES[status]
    if status == "closed_remediated":
        if not complete:
            return "Closed: remediation complete; lessons pending"
        return "Closed: remediation complete" + (f"; lessons captured {lessons_on}" if lessons_on else "")
    return f"{step}. {STEPS[step]}"


# The pipeline: open incidents per step, then each closed outcome, in the guideline's order.
PIPELINE_STAGES: list[tuple[str, str]] = [
    *((f"step{n}", f"{n}. {STEPS[n]}") for n in range(1, 6)),
    ("closed_lessons_pending", "Closed after remediation: lessons pending (step 6)"),
    ("closed_remediated", "Closed after remediation"),
    ("closed_unsubstantiated", STATUSES["closed_unsubstantiated"]),
    ("closed_not_actionable", STATUSES["closed_not_actionable"]),
    ("closed_not_credible", STATUSES["closed_not_credible"]),
]


def pipeline(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """How many incidents sit in each stage: ``stage``, ``label``, ``kind`` (open/closed), ``count``.

    The open/closed and step filters are not applied: the pipeline is where one chooses them."""
    c = t.incidents.c
    # Grouped on the columns themselves, in the order of the stage index (status, step, owed_by): grouped on whether
    # anything is owed, SQLite sorted every incident in a temporary b-tree first (34 → 8 ms at 100,000, issue #15).
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.status, c.step, c.owed_by, func.count())
            .where(flt.where(with_status=False)).group_by(c.status, c.step, c.owed_by)
        ).all()
    counts: dict[str, int] = {key: 0 for key, _ in PIPELINE_STAGES}
    for status, step, owed_by, n in rows:
        if status == "open":
            counts[f"step{step}"] += n
        elif status == "closed_remediated":
            counts["closed_remediated" if owed_by is None else "closed_lessons_pending"] += n
        else:
            counts[status] += n
    return pd.DataFrame([
        {"stage": key, "label": label, "kind": "open" if key.startswith("step") else "closed", "count": counts[key],
         "step": int(key[4:]) if key.startswith("step") else None}
        for key, label in PIPELINE_STAGES])


def stage_clause(stage: str):
    """The incidents in one pipeline stage."""
    c = t.incidents.c
    if stage.startswith("step"):
        return and_(c.status == "open", c.step == int(stage[4:]))
    if stage == "closed_lessons_pending":
        return and_(c.status == "closed_remediated", c.owed_by.is_not(None))
    if stage == "closed_remediated":
        return and_(c.status == "closed_remediated", c.owed_by.is_(None))
    return c.status == stage


@dataclass(frozen=True)
class Headline:
    open_incidents: int
    level1_mandatory: int
    victims_level1: int
    overdue: int
    level2_money: list[dict]  # one row per currency: currency, budget, pledged, received, spent


def headline(engine: Engine, flt: PortfolioFilter, today: date, time_frames: dict[int, int]) -> Headline:
    """The portfolio's headline figures, for open incidents matching ``flt`` (status filter ignored)."""
    c = t.incidents.c
    where = and_(flt.where(with_status=False), c.status == "open")
    p = t.plans.c
    with engine.connect() as conn:
        open_n, l1 = conn.execute(select(func.count(), func.count().filter(c.level1 == "mandatory"))
                                  .where(where)).one()
        overdue = conn.execute(select(func.count()).where(where, overdue_clause(today, time_frames))).scalar_one()
        # each plan's number of case plans and its incident's status are on its row (kept by the database's
        # triggers, migration 0016): the whole portfolio's figure reads the plans' index alone
        victims_query = select(func.coalesce(func.sum(p.case_plan_count), 0)).where(
            p.level == 1, p.implementation_started_on.is_not(None), p.incident_status == "open")
        victims = conn.execute(victims_query if flt.whole else victims_query.select_from(t.plans.join(t.incidents))
                               .where(where)).scalar_one()
        money = _level2_money(conn, None if flt.whole else where)
    return Headline(open_n, l1, int(victims), overdue, money)


def _level2_money(conn, where) -> list[dict]:
    """Level 2 budget, funding and spending per currency, summed in SQL (never across currencies), over each plan's
    summary columns (``records.plan_summary``, written with the plan: its budget is the larger of its estimate and
    its lines): one row per plan in scope, no subquery per plan into its lines, funding and spending (those took
    1.3-1.5 s on PostgreSQL at 100,000 incidents, issue #15). Open incidents' plans; ``where``: only those whose
    incident also matches it (None: every open incident, read from the plans' index alone)."""
    p = t.plans.c
    query = select(p.currency, func.count(), func.sum(p.budget), func.sum(p.pledged), func.sum(p.received),
                   func.sum(p.spent)).where(p.level == 2, p.incident_status == "open")
    if where is not None:
        query = query.select_from(t.plans.join(t.incidents)).where(where)
    rows = conn.execute(query.group_by(p.currency).order_by(p.currency)).all()
    return [{"currency": cur, "plans": n, "budget": Decimal(b or 0), "pledged": Decimal(pl or 0),
             "received": Decimal(r or 0), "spent": Decimal(s or 0)} for cur, n, b, pl, r, s in rows]


AGE_BUCKETS: list[tuple[int, int | None, str]] = [
    (0, 30, "0-30 days"), (31, 90, "31-90 days"), (91, 180, "91-180 days"), (181, 365, "181-365 days"),
    (366, None, "over a year"),
]


def ageing(engine: Engine, flt: PortfolioFilter, today: date, time_frames: dict[int, int]) -> pd.DataFrame:
    """Days in the current step, bucketed in SQL: ``step``, ``bucket``, ``count``, and per step the number
    over its time frame. Open incidents only (steps 1-5): a closed incident has an outcome, not an age."""
    c = t.incidents.c
    bucket = case(*((c.step_entered_on >= today - timedelta(days=hi), label)
                    for lo, hi, label in AGE_BUCKETS if hi is not None), else_=AGE_BUCKETS[-1][2])
    waiting = and_(flt.where(with_status=False), c.owed_by.is_not(None), c.status == "open")  # closed: not waiting
    with engine.connect() as conn:
        rows = conn.execute(select(c.step, bucket.label("bucket"), func.count(),
                                   func.count().filter(overdue_clause(today, time_frames)))
                            .where(waiting).group_by(c.step, bucket)).all()
    df = pd.DataFrame(rows, columns=["step", "bucket", "count", "overdue"])
    order = {label: i for i, (_, _, label) in enumerate(AGE_BUCKETS)}
    return df.assign(order=df["bucket"].map(order)).sort_values(["step", "order"]).drop(columns="order") \
        .reset_index(drop=True)


def settings(engine: Engine) -> Settings:
    """The company's settings; defaults for anything not stored."""
    with engine.connect() as conn:
        return settings_in(conn)


def settings_in(conn: Connection) -> Settings:
    """:func:`settings`, read inside a transaction (a write that obeys a setting reads it there)."""
    stored = dict(conn.execute(select(t.settings.c.key, t.settings.c.value)).all())
    return Settings(**{k: ({int(n): d for n, d in v.items()} if k == "time_frames" else v)
                       for k, v in stored.items() if k in Settings.model_fields})


def settings_versions(engine: Engine) -> dict[str, int]:
    """The version of each stored setting (absent: never saved, the default applies). A form remembers
    these when drawn and hands them to :func:`remediation.services.incidents.update_settings`."""
    with engine.connect() as conn:
        return dict(conn.execute(select(t.settings.c.key, t.settings.c.version)).all())


def status_counts(engine: Engine) -> dict[str, int]:
    """Number of incidents per derived status."""
    with engine.connect() as conn:
        rows = conn.execute(select(t.incidents.c.status, func.count()).group_by(t.incidents.c.status)).all()
    return {status: n for status, n in rows}


def _leads_an_index(col) -> bool:
    return bool(col.index) or any(next(iter(ix.columns), None) is col for ix in col.table.indexes)


def distinct_sorted(conn: Connection, col) -> list:
    """``SELECT DISTINCT col ORDER BY col``. For a NOT NULL column that leads an index, by walking the index from
    one value to the next (a recursive query: one index look-up per distinct value), since PostgreSQL answers a
    plain DISTINCT by reading every row of the table (a sequential scan of 100,000 incidents for 15 countries);
    the same values, in the same order."""
    if col.nullable or not _leads_an_index(col):
        return list(conn.execute(select(col).distinct().order_by(col)).scalars())
    walk = select(func.min(col).label("value")).cte("walk", recursive=True)
    walk = walk.union_all(select(select(func.min(col)).where(col > walk.c.value).scalar_subquery())
                          .where(walk.c.value.is_not(None)))
    return list(conn.execute(select(walk.c.value).where(walk.c.value.is_not(None)).order_by(walk.c.value)).scalars())


def distinct_values(engine: Engine, column: str) -> list[str]:
    """The values a sidebar filter offers: an incident column's, or ``supplier`` / ``product`` (declared)."""
    if column in ("supplier", "product"):
        col = t.suppliers.c.name if column == "supplier" else t.declaration_products.c.product
        with engine.connect() as conn:
            return [v for v in conn.execute(select(col).distinct().order_by(col)).scalars()]
    with engine.connect() as conn:
        return distinct_sorted(conn, t.incidents.c[column])


def incident(engine: Engine, code: str, today: date | None = None, cadence: str | None = None
             ) -> tuple[IncidentRecord, WorkflowState, int] | None:
    """The record of one incident, its workflow state and its version; None for an unknown code. ``cadence``: the
    reporting cadence setting, when the caller has read the settings already (else read here)."""
    with engine.connect() as conn:
        found = find_incident(conn, code)
        if found is None:
            return None
        incident_id, version = found
        record = load_records(conn, [incident_id])[incident_id]
        cadence = reporting_cadence(conn) if cadence is None else cadence
    return record, evaluate(record, today, cadence), version


def audit_trail(engine: Engine, code: str) -> pd.DataFrame:
    """Everything recorded about one incident, oldest first: who, role, when, what."""
    a = t.audit_log.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.at, a.actor, a.role, a.action, a.changes).where(a.incident_code == code.strip().upper())
            .order_by(a.at, a.id)
        ).mappings().all()
    return pd.DataFrame(rows, columns=["at", "actor", "role", "action", "changes"])


# --- Level 2 plans ---------------------------------------------------------------------------------

PLAN_SORTS: dict[str, str] = {
    "date_received": "Date received", "code": "Incident", "currency": "Currency", "budget": "Budget",
    "spent": "Spent", "spent_share": "Budget spent", "window": "Monitoring window", "gap": "Gap",
    "pledged": "Pledged", "received": "Received", "started_on": "Implementation started", "reports": "Reports",
}
"""What the plans tables sort by on the server (key: label); months monitored sort as the start date does."""


def past_window_cutoff(today: date) -> date:
    """The latest implementation start whose plan is past the 12-month monitoring window on ``today``: whole months
    since the start (as :func:`_window_columns` counts them) exceed 12 exactly when the start is on or before this
    date (13 months back, the day clamped to that month's length), so SQL can compare one date."""
    year, month0 = divmod(today.year * 12 + today.month - 1 - (MONITORING_MONTHS[1] + 1), 12)
    return date(year, month0 + 1, min(today.day, calendar.monthrange(year, month0 + 1)[1]))


def _past_window(today: date):
    p = t.plans.c
    return and_(p.implementation_started_on.is_not(None), p.implementation_started_on <= past_window_cutoff(today),
                p.final_report_on.is_(None))


def plans_order(sort: str, descending: bool, today: date) -> list:
    """ORDER BY of a plans table sorted by ``sort`` (a key of :data:`PLAN_SORTS`; unknown keys: date received) as
    the page shows it, empty values last, then by date received and code."""
    p, c = t.plans.c, t.incidents.c
    sort = sort if sort in PLAN_SORTS else "date_received"

    def direction(expr):
        return ordered(expr, descending)

    if sort == "gap":
        keys = [direction(p.budget - p.pledged)]
    elif sort == "spent_share":  # as with_burn: 0 for a plan not started or without a budget
        started = and_(p.implementation_started_on.is_not(None), p.planned_end.is_not(None), p.budget != 0)
        keys = [direction(case((started, p.spent * 1.0 / p.budget), else_=0.0))]
    elif sort == "window":
        keys = [direction(case((_past_window(today), 1), else_=0))]
    elif sort == "started_on":
        keys = [direction(p.implementation_started_on)]
    elif sort in ("code", "date_received"):
        keys = [direction(c[sort])]
    else:
        keys = [direction(p[sort])]
    return [*keys, direction(c.date_received), direction(c.code)]


def plans_where(flt: PortfolioFilter):
    """``(where, needs_join)``: the plans of the incidents matching ``flt``. With no filter but open/closed, by the
    plans' own copy of their incident's status (kept by the database's triggers, migration 0016): the plans are
    chosen, counted and summed without joining every plan to its incident (issue #15; 50-110 ms a query on
    PostgreSQL at 100,000); any other filter reads the incident's columns through the join."""
    p = t.plans.c
    if flt.whole and flt.stage is None:
        return {"open": p.incident_status == "open", "closed": p.incident_status != "open"}.get(flt.status, true()), False
    return flt.where(), True


def level2_plans(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), limit: int | None = PORTFOLIO_LIMIT,
                 level: int = 2, offset: int = 0, sort: str = "date_received", descending: bool = True,
                 today: date | None = None) -> tuple[pd.DataFrame, int]:
    """The Level 2 plans (``level=1``: Level 1) of the incidents matching ``flt``: ``limit`` rows from ``offset``
    (``None``: every row) sorted on the server by ``sort`` (:data:`PLAN_SORTS`; newest first by default), and the
    exact number matching. Budget, funding pledged and received (pledged by source), spent, gap, start, planned end,
    monitoring reports, read from each plan's summary columns (``records.plan_summary``): one row per plan."""
    p, c = t.plans.c, t.incidents.c
    joined = t.plans.join(t.incidents)
    scope, needs_join = plans_where(flt)
    where = and_(scope, p.level == level)
    money = ["budget", "pledged", "received", *(f"pledged_{s}" for s in FUNDING_SOURCES), "spent"]
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(joined if needs_join else t.plans)
                             .where(where)).scalar_one()
        rows = conn.execute(
            select(c.code, c.title, c.status, p.currency, *(p[m] for m in money),
                   p.implementation_started_on.label("started_on"), p.planned_end, p.reports, p.final_report_on)
            .select_from(joined).where(where)
            .order_by(*plans_order(sort, descending, today or date.today())).limit(limit).offset(offset or None)
        ).all()
    columns = ["code", "title", "status", "currency", *money, "started_on", "planned_end", "reports",
               "final_report_on"]
    df = pd.DataFrame([tuple(r) for r in rows], columns=columns)  # the money columns: Decimals, never NULL
    df["gap"] = df["budget"] - df["pledged"]
    return df, total


def with_burn(plans: pd.DataFrame, today: date) -> pd.DataFrame:
    """The plans table of :func:`level2_plans` with what the plans page and the board pack
    show beside the money: ``burn`` (label), ``spent_share``, ``time_share``, whole ``months`` monitored, and
    ``window`` (past the 12-month monitoring window with no final report; guideline lines 1393-1396)."""
    columns = (plans[c].tolist() for c in ("spent", "budget", "started_on", "planned_end"))  # plain lists: fast
    burns = [burn_rate(spent, budget, start, end, today) for spent, budget, start, end in zip(*columns)]
    return plans.assign(
        burn=[BURN_LABELS[b.status] for b in burns], spent_share=[b.spent_share for b in burns],
        time_share=[b.time_share for b in burns], **_window_columns(plans, today))


PAST_WINDOW = "Past 12 months, no final report"


def _window_columns(plans: pd.DataFrame, today: date) -> dict[str, list]:
    """Whole ``months`` monitored since implementation started, and the ``window`` flag: past the 12-month
    monitoring window with no final report (guideline lines 1393-1396), the same for Level 1 and Level 2 plans."""
    months = [(today.year - s.year) * 12 + today.month - s.month - (today.day < s.day) if s else None
              for s in plans["started_on"]]
    return {"months": months,
            "window": [PAST_WINDOW if (mo or 0) > MONITORING_MONTHS[1] and f is None else ""
                       for mo, f in zip(months, plans["final_report_on"])]}


def level1_windows(engine: Engine, flt: PortfolioFilter, today: date, limit: int | None = PORTFOLIO_LIMIT,
                   offset: int = 0) -> pd.DataFrame:
    """The Level 1 plans (of the incidents matching ``flt``) whose implementation has started, with their monitoring
    window computed as Level 2's (:func:`with_burn`): case-management plans are monitored for 6-12 months too, and
    one past 12 months with no final report is flagged the same way. Those past the window first, then newest
    first; ``limit`` rows from ``offset``. Columns: code, title, started_on, months, reports, final_report_on,
    window."""
    p, c = t.plans.c, t.incidents.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(c.code, c.title, p.implementation_started_on, p.reports, p.final_report_on)
            .select_from(t.plans.join(t.incidents)).where(_level1_started(flt)[0])
            .order_by(case((_past_window(today), 0), else_=1), c.date_received.desc(), c.code.desc())
            .limit(limit).offset(offset or None)).all()
    plans = pd.DataFrame([tuple(r) for r in rows], columns=["code", "title", "started_on", "reports", "final_report_on"])
    return plans.assign(**_window_columns(plans, today))[
        ["code", "title", "started_on", "months", "reports", "final_report_on", "window"]].reset_index(drop=True)


def _level1_started(flt: PortfolioFilter):
    """``(where, needs_join)`` of the Level 1 plans of ``flt`` whose implementation has started (:func:`plans_where`)."""
    p = t.plans.c
    scope, needs_join = plans_where(flt)
    return and_(scope, p.level == 1, p.implementation_started_on.is_not(None)), needs_join


@dataclass(frozen=True)
class WindowCounts:
    started: int  # Level 1 plans whose implementation has started
    past: int  # of which past the 12-month window with no final report
    past_codes: tuple[str, ...]  # the newest of those (at most the limit asked), for the page's warning


def level1_window_counts(engine: Engine, flt: PortfolioFilter, today: date, codes: int = 50) -> WindowCounts:
    """How many Level 1 plans of ``flt`` have started and how many are past the monitoring window (counted in SQL),
    and the codes of the newest ``codes`` of those past it."""
    c = t.incidents.c
    joined = t.plans.join(t.incidents)
    past = _past_window(today)
    started_where, needs_join = _level1_started(flt)
    with engine.connect() as conn:
        started, past_n = conn.execute(select(func.count(), func.count().filter(past))
                                       .select_from(joined if needs_join else t.plans).where(started_where)).one()
        # the plans past the window first (a few hundred, from the plans' index), then their incidents' order: left
        # to itself PostgreSQL walked every incident newest first, probing each for such a plan (81 ms at 100,000)
        past_ids = select(t.plans.c.incident_id).select_from(joined if needs_join else t.plans) \
            .where(started_where, past).cte("past_window")
        if engine.dialect.name == "postgresql":
            past_ids = past_ids.prefix_with("MATERIALIZED")
        named = conn.execute(select(c.code).where(c.id.in_(select(past_ids.c.incident_id)))
                             .order_by(c.date_received.desc(), c.code.desc()).limit(codes)).scalars().all()
    return WindowCounts(int(started), int(past_n), tuple(named))


def level2_plans_table(engine: Engine, flt: PortfolioFilter, today: date, limit: int | None = PORTFOLIO_LIMIT,
                       for_display: bool = False, offset: int = 0, sort: str = "date_received",
                       descending: bool = True) -> tuple[pd.DataFrame, int]:
    """:func:`level2_plans` with each plan's burn rate and monitoring window as of ``today``
    (:func:`with_burn`): the plans page's table (one page of it), computed once per data version.
    ``for_display``: money as floats, which a browser table shows rounded anyway (Decimal columns cost a
    conversion on every rerun); exports keep the exact Decimals."""
    plans, matching = level2_plans(engine, flt, limit, offset=offset, sort=sort, descending=descending, today=today)
    plans = with_burn(plans, today)
    if for_display:
        money = ["budget", "pledged", "received", "spent", "gap", *(f"pledged_{s}" for s in FUNDING_SOURCES)]
        plans = plans.astype({col: "float64" for col in money if col in plans})
    return plans, matching


def level2_totals(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Per currency and funding source: Level 2 money summed in SQL (over each plan's summary columns), never
    across currencies."""
    p = t.plans.c
    per_source = [f"{kind}_{s}" for kind in ("pledged", "received") for s in FUNDING_SOURCES]
    scope, needs_join = plans_where(flt)
    with engine.connect() as conn:
        money = conn.execute(
            select(p.currency, func.count(), *(func.sum(p[m]) for m in ("budget", "spent", *per_source)))
            .select_from(t.plans.join(t.incidents) if needs_join else t.plans).where(scope, p.level == 2)
            .group_by(p.currency)
            .order_by(p.currency)).all()
    rows = []
    for currency, plans_n, budget_sum, spent_sum, *sums in money:
        by = {name: Decimal(v or 0) for name, v in zip(per_source, sums)}
        rows.append({"currency": currency, "plans": plans_n, "budget": Decimal(budget_sum or 0),
                     "spent": Decimal(spent_sum or 0),
                     "pledged": sum((by[f"pledged_{s}"] for s in FUNDING_SOURCES), Decimal(0)),
                     "received": sum((by[f"received_{s}"] for s in FUNDING_SOURCES), Decimal(0)),
                     **{f"pledged_{s}": by[f"pledged_{s}"] for s in FUNDING_SOURCES},
                     **{f"received_{s}": by[f"received_{s}"] for s in FUNDING_SOURCES}})
    return pd.DataFrame(rows).reset_index(drop=True) if rows else pd.DataFrame(
        columns=["currency", "plans", "budget", "spent", "pledged", "received"])


def missing_plans(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Open incidents whose latest assessment makes a level mandatory and that have no plan of that level:
    code, step, the level (1 or 2), days since received. For the board pack's "needs attention" page."""
    c, p = t.incidents.c, t.plans.c
    rows = []
    with engine.connect() as conn:
        for level, column in ((1, c.level1), (2, c.level2)):
            has_plan = select(p.incident_id).where(p.level == level).scalar_subquery()
            rows += [(code, step, level, received) for code, step, received in conn.execute(
                select(c.code, c.step, c.date_received)
                .where(flt.where(with_status=False), c.status == "open", column == "mandatory",
                       c.id.not_in(has_plan))
                .order_by(c.date_received, c.code)).all()]
    return pd.DataFrame(rows, columns=["code", "step", "level", "date_received"])
