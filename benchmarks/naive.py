"""The two references the benchmark measures the portfolio page against, on the same data.

* :func:`naive_portfolio` is the **naive page**: the usual Streamlit approach of reading whole tables
  with ``pd.read_sql`` and computing every figure the portfolio page shows in pandas (headline figures,
  the six-step pipeline with its closed outcomes, ageing, the incident table). It caches nothing, as a
  naive app recomputes all of it on every rerun. It draws nothing either: its time is the data part only,
  which makes the page's ratio to it a conservative one.
* :func:`floor` is the **floor**: the SQL aggregate queries of :mod:`remediation.storage.queries` the portfolio
  page calls, with the page's default filter (open incidents), and nothing else.

:func:`differences` compares the two; the benchmark and ``tests/db/test_benchmark_naive.py`` require it
to find none, or the comparison would be between two different pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine, text

from remediation.domain.settings import DEFAULT_TIME_FRAMES
from remediation.domain.vocab import AUDIT_PROGRAMMES, MINERALS, REQUIREMENTS, ROLES, STATUSES, STEPS
from remediation.storage import queries
from remediation.storage.queries import AGE_BUCKETS, PIPELINE_STAGES, PORTFOLIO_LIMIT, PortfolioFilter

#: The portfolio page's filter when it opens: open incidents, every stage, no sidebar choice.
DEFAULT_FILTER = PortfolioFilter(status="open")

TABLE_COLUMNS = ["code", "title", "mineral", "country", "smelter_refiner", "audit_programme", "step", "status",
                 "level1", "level2", "step_entered_on", "waiting_for", "owed_by", "date_received", "overdue",
                 "days_in_step", "time_frame", "step_name"]
#: The columns compared between the naive table and the page's (what a reader of the table sees).
COMPARED_COLUMNS = ["code", "title", "step_name", "status", "days_in_step", "overdue", "waiting_for", "owed_by",
                    "level1", "level2", "mineral", "country", "audit_programme", "time_frame"]


@dataclass
class PortfolioFigures:
    """What the portfolio page shows, whichever way it was computed."""
    open_incidents: int
    level1_mandatory: int
    victims_level1: int
    overdue: int
    level2_money: list[dict]  # per currency: currency, plans, budget, pledged, received, spent (floats)
    pipeline: dict[str, int]  # stage key → count
    ageing: pd.DataFrame  # step, bucket, count, overdue; sorted by step and bucket order
    table: pd.DataFrame  # the newest PORTFOLIO_LIMIT matching incidents
    matching: int  # how many incidents match (the table's "N of M")


# --- the naive page --------------------------------------------------------------------------------

def _whole(conn, table: str) -> pd.DataFrame:
    return pd.read_sql(text(f"SELECT * FROM {table}"), conn)


def _dates(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series).dt.normalize()


def naive_portfolio(engine: Engine, today: date | None = None,
                    time_frames: dict[int, int] | None = None) -> PortfolioFigures:
    """Every figure of the portfolio page, the naive way: whole tables into pandas, then pandas."""
    today = today or date.today()
    time_frames = time_frames or DEFAULT_TIME_FRAMES
    with engine.connect() as conn:
        incidents = _whole(conn, "incidents")
        plans = _whole(conn, "plans")
        case_plans = _whole(conn, "case_plans")
        budget_lines = _whole(conn, "budget_lines")
        funding = _whole(conn, "funding")
        expenditures = _whole(conn, "expenditures")

    now = pd.Timestamp(today)
    incidents["step_entered_on"] = _dates(incidents["step_entered_on"])
    incidents["date_received"] = _dates(incidents["date_received"])
    frame = incidents["step"].map(time_frames)
    waiting = incidents["owed_by"].notna()
    incidents["overdue"] = waiting & (incidents["step_entered_on"] < now - pd.to_timedelta(frame, unit="D"))
    is_open = incidents["status"] == "open"
    open_ = incidents[is_open]

    # Headline figures (open incidents).
    open_ids = set(open_["id"])
    l1_started = plans[(plans["level"] == 1) & plans["implementation_started_on"].notna()
                       & plans["incident_id"].isin(open_ids)]
    victims = int(case_plans["plan_id"].isin(set(l1_started["id"])).sum())
    l2 = plans[(plans["level"] == 2) & plans["incident_id"].isin(open_ids)].copy()
    lines = budget_lines.assign(amount=budget_lines["amount"].astype(float)).groupby("plan_id")["amount"].sum()
    pledged = funding.assign(pledged=funding["pledged"].astype(float)).groupby("plan_id")["pledged"].sum()
    received = funding.assign(received=funding["received"].astype(float)).groupby("plan_id")["received"].sum()
    spent = expenditures.assign(amount=expenditures["amount"].astype(float)).groupby("plan_id")["amount"].sum()
    l2["estimated_cost"] = l2["estimated_cost"].astype(float)
    l2["lines"] = l2["id"].map(lines).fillna(0.0)
    l2["budget"] = l2["lines"].where(l2["lines"] > l2["estimated_cost"], l2["estimated_cost"])
    l2["pledged"] = l2["id"].map(pledged).fillna(0.0)
    l2["received"] = l2["id"].map(received).fillna(0.0)
    l2["spent"] = l2["id"].map(spent).fillna(0.0)
    money = (l2.groupby("currency").agg(plans=("id", "size"), budget=("budget", "sum"), pledged=("pledged", "sum"),
                                        received=("received", "sum"), spent=("spent", "sum"))
             .reset_index().sort_values("currency"))

    # The pipeline: open incidents by step, closed ones by outcome (every status, whatever the filter).
    stage = incidents["status"].copy()
    stage[is_open] = "step" + incidents.loc[is_open, "step"].astype(str)
    remediated = incidents["status"] == "closed_remediated"
    stage[remediated & waiting] = "closed_lessons_pending"
    counts = stage.value_counts()
    pipeline = {key: int(counts.get(key, 0)) for key, _ in PIPELINE_STAGES}

    # Ageing: open incidents owing something (a closed incident has an outcome, not an age in a step; #18).
    owing = incidents[waiting & is_open].copy()
    age = (now - owing["step_entered_on"]).dt.days
    labels = [label for _, _, label in AGE_BUCKETS]
    edges = [-10**9] + [hi for _, hi, _ in AGE_BUCKETS if hi is not None] + [10**9]
    owing["bucket"] = pd.cut(age, bins=edges, labels=labels).astype(str)
    ageing = (owing.groupby(["step", "bucket"]).agg(count=("id", "size"), overdue=("overdue", "sum"))
              .reset_index())
    ageing["order"] = ageing["bucket"].map({label: i for i, label in enumerate(labels)})
    ageing = ageing.sort_values(["step", "order"]).drop(columns="order").reset_index(drop=True)

    # The table: newest first, the page's derived columns.
    table = open_.sort_values(["date_received", "code"], ascending=False).head(PORTFOLIO_LIMIT).copy()
    table["days_in_step"] = (now - table["step_entered_on"]).dt.days
    table["time_frame"] = table["step"].map(time_frames)
    closed_at_step1 = ("closed_not_credible", "closed_not_actionable", "closed_unsubstantiated")
    table["step_name"] = [STATUSES[s] if s in closed_at_step1 else f"{n}. {STEPS[n]}"
                          for n, s in zip(table["step"], table["status"])]
    table["status"] = table["status"].map(STATUSES)
    table["mineral"] = table["mineral"].map(MINERALS)
    table["audit_programme"] = table["audit_programme"].map(AUDIT_PROGRAMMES)
    table["level1"] = table["level1"].map(REQUIREMENTS).fillna("Not assessed")
    table["level2"] = table["level2"].map(REQUIREMENTS).fillna("Not assessed")
    table["owed_by"] = table["owed_by"].map(ROLES).fillna("")
    table["step_entered_on"] = table["step_entered_on"].dt.date
    table["date_received"] = table["date_received"].dt.date

    return PortfolioFigures(
        open_incidents=len(open_), level1_mandatory=int((open_["level1"] == "mandatory").sum()),
        victims_level1=victims, overdue=int(open_["overdue"].sum()),
        level2_money=[{"currency": r.currency, "plans": int(r.plans), "budget": float(r.budget),
                       "pledged": float(r.pledged), "received": float(r.received), "spent": float(r.spent)}
                      for r in money.itertuples()],
        pipeline=pipeline, ageing=ageing.astype({"step": int, "count": int, "overdue": int}),
        table=table[TABLE_COLUMNS].reset_index(drop=True), matching=len(open_))


# --- the floor: the page's own queries ---------------------------------------------------------------

def floor(engine: Engine, today: date | None = None, time_frames: dict[int, int] | None = None,
          flt: PortfolioFilter = DEFAULT_FILTER) -> PortfolioFigures:
    """The SQL aggregate queries the portfolio page calls (headline, pipeline, ageing, table), no Streamlit."""
    today = today or date.today()
    time_frames = time_frames or DEFAULT_TIME_FRAMES
    h = queries.headline(engine, flt, today, time_frames)
    pipe = queries.pipeline(engine, flt)
    ageing = queries.ageing(engine, flt, today, time_frames)
    table, matching = queries.portfolio(engine, flt, today=today, time_frames=time_frames)
    return PortfolioFigures(
        open_incidents=h.open_incidents, level1_mandatory=h.level1_mandatory, victims_level1=h.victims_level1,
        overdue=h.overdue,
        level2_money=[{**m, **{k: float(m[k]) for k in ("budget", "pledged", "received", "spent")}}
                      for m in h.level2_money],
        pipeline=dict(zip(pipe["stage"], (int(n) for n in pipe["count"]))),
        ageing=ageing.astype({"step": int, "count": int, "overdue": int}), table=table, matching=matching)


def differences(naive: PortfolioFigures, page: PortfolioFigures) -> list[str]:
    """Every figure where the naive page and the page's queries disagree (money to the cent)."""
    found = []
    for name in ("open_incidents", "level1_mandatory", "victims_level1", "overdue", "matching", "pipeline"):
        if getattr(naive, name) != getattr(page, name):
            found.append(f"{name}: naive {getattr(naive, name)} != page {getattr(page, name)}")
    if [m["currency"] for m in naive.level2_money] != [m["currency"] for m in page.level2_money]:
        found.append(f"level2_money currencies: naive {naive.level2_money} != page {page.level2_money}")
    else:
        for a, b in zip(naive.level2_money, page.level2_money):
            for key in ("plans", "budget", "pledged", "received", "spent"):
                if abs(a[key] - b[key]) >= 0.01:
                    found.append(f"level2_money {a['currency']} {key}: naive {a[key]} != page {b[key]}")
    a = naive.ageing[["step", "bucket", "count", "overdue"]].reset_index(drop=True)
    b = page.ageing[["step", "bucket", "count", "overdue"]].reset_index(drop=True)
    if not a.equals(b):
        found.append(f"ageing:\nnaive\n{a}\npage\n{b}")
    if len(naive.table) != len(page.table):
        found.append(f"table rows: naive {len(naive.table)} != page {len(page.table)}")
    else:
        for column in COMPARED_COLUMNS:
            x = naive.table[column].reset_index(drop=True)
            y = page.table[column].reset_index(drop=True)
            if column in ("days_in_step", "time_frame", "step"):
                x, y = x.astype(int), y.astype(int)
            elif column == "overdue":
                x, y = x.astype(bool), y.astype(bool)
            else:
                x, y = x.astype(str), y.astype(str)
            if not x.equals(y):
                first = int((x != y).to_numpy().argmax())
                found.append(f"table column {column}, row {first}: naive {x.iloc[first]!r} != page {y.iloc[first]!r}")
    return found


__all__ = ["DEFAULT_FILTER", "PortfolioFigures", "differences", "floor", "naive_portfolio"]
