"""Chart builders compose plain plotly specs (issue #15): what they return is valid plotly, as the validating
constructor would make it.

Every builder of ``remediation.reports`` returns ``go.Figure(spec, _validate=False)`` (about a tenth of a
millisecond) rather than walking plotly's validators through ``update_layout``/``add_annotation``/``add_hline``
(10-30 ms a chart). Skipping validation is only safe if the spec is exactly what validation would have produced:
each figure's JSON must equal that of ``go.Figure(fig.to_dict())`` (plotly validating every property, coercing
every array), so a misspelt property, a magic-underscore name left unexpanded or an array of the wrong kind fails
here. ``benchmarks/chart_build.py`` compares the same cases with the builders as they were before, for time and
JSON.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from remediation.domain.models import Indicator, Measurement
from remediation.reports import charts, company_charts, followups, plan_charts, supply_charts
from remediation.storage.queries import AGE_BUCKETS, PIPELINE_STAGES
from remediation.storage.supply_chain import Flows

TODAY = date(2026, 11, 1)
SCOPE = "filters: gold, DRC <b>& co</b>"


def _pipeline(counts=(12, 30, 7, 45, 3, 0, 8, 120, 15, 4)) -> pd.DataFrame:
    return pd.DataFrame([{"stage": key, "label": label, "kind": "open" if key.startswith("step") else "closed",
                          "count": n} for (key, label), n in zip(PIPELINE_STAGES, counts)])


def _ageing() -> pd.DataFrame:
    rows = []
    for step in (1, 2, 4, 5):
        for k, (_, _, bucket) in enumerate(AGE_BUCKETS):
            if (step + k) % 3:
                rows.append({"step": step, "bucket": bucket, "count": 3 * step + k, "overdue": k if k > 1 else 0})
    return pd.DataFrame(rows, columns=["step", "bucket", "count", "overdue"])


def _review(groups=(None,)) -> pd.DataFrame:
    rows = []
    for g, group in enumerate(groups):
        total = 7 + 3 * g
        for i, item in enumerate(("objectives_met", "victims_satisfied", "communities_benefited",
                                  "budget_sufficient")):
            counts = {"yes": (3 + i + g) % total, "partly": 1, "no": i, "unknown": 0}
            counts["unknown"] = total - sum(counts.values())
            for answer, n in counts.items():
                rows.append({"group": group, "item": item, "answer": answer, "count": n, "total": total,
                             "share": n / total})
    return pd.DataFrame(rows, columns=["group", "item", "answer", "count", "total", "share"])


def _tags(n=15) -> pd.DataFrame:
    return pd.DataFrame({"tag": [f"theme <{k}>" for k in range(n)], "incidents": [40 - 2 * k for k in range(n)]})


def _trend() -> pd.DataFrame:
    rows = []
    for p, period in enumerate(("2023", "2024", "2025")):
        reviews = [3, 12, 20][p]
        for t, tag in enumerate(("funding", "access", "trust")):
            if (p + t) % 3:
                rows.append({"period": period, "tag": tag, "count": p + t, "reviews": reviews})
    rows.append({"period": "2026", "tag": None, "count": 0, "reviews": 0})
    return pd.DataFrame(rows, columns=["period", "tag", "count", "reviews"])


def _bands() -> pd.DataFrame:
    return pd.DataFrame({"level": [1, 1, 2, 2, 2], "band": ["1-10% under", "On budget (within 1%)", "1-10% under",
                                                           "10-25% over", "Odd band"], "plans": [4, 9, 2, 1, 3]})


def _days() -> pd.DataFrame:
    return pd.DataFrame({"group": ["All closed incidents", "Level 1 plan", "Level 2 plan"], "n": [40, 25, 1200],
                         "min": [10, 12, 30], "q1": [40.0, 45.5, 80.0], "median": [90.0, 85.0, 140.5],
                         "q3": [150.0, 120.0, 200.25], "max": [400, 380, 410], "mean": [100.0, 90.0, 150.0]})


def _plan(lines=True, spent=True, budget=1000):
    spending = [SimpleNamespace(category="Medical", amount=Decimal(350), spent_on=TODAY - timedelta(days=90)),
                SimpleNamespace(category="Schooling <b>", amount=Decimal("100.50"), spent_on=TODAY - timedelta(days=30)),
                SimpleNamespace(category="Medical", amount=Decimal(20), spent_on=TODAY - timedelta(days=30))]
    return SimpleNamespace(currency="USD", facilitator="Facilitator & sons", budget=Decimal(budget),
                           budget_lines=[SimpleNamespace(category="Medical", amount=Decimal(300)),
                                         SimpleNamespace(category="Schooling <b>", amount=Decimal(700))] if lines else [],
                           expenditures=spending if spent else [])


def _indicator(measured=True):
    return Indicator(name="Children back in school", kind="quantitative", unit="children", baseline_value=0,
                     baseline_date=TODAY - timedelta(days=200), target_value=40, target_date=TODAY + timedelta(days=200),
                     measurements=[Measurement(measured_on=TODAY - timedelta(days=100), value=8),
                                   Measurement(measured_on=TODAY - timedelta(days=10), value=15.5)] if measured else [])


def _funding(pledged=True):
    sources = list(plan_charts.FUNDING_SOURCES)
    return {"currency": "USD", **{f"pledged_{s}": (1000 * (k + 1) if pledged and k != 2 else 0)
                                  for k, s in enumerate(sources)},
            **{f"received_{s}": Decimal(400 * k) for k, s in enumerate(sources)}}


def _suppliers(n=18) -> pd.DataFrame:
    return pd.DataFrame({"supplier": [f"Supplier {k} with a long trading name <ltd>" for k in range(n)],
                         "level1_mandatory": [k % 4 for k in range(n)], "open": [k % 4 + k % 5 for k in range(n)]})


def _flows() -> Flows:
    labels = [("Smelter A", "smelter"), ("3 other smelters", "smelter"), ("Supplier <x>", "supplier"),
              ("Supplier Y with a name longer than forty characters in all", "supplier"), ("Product 1", "product"),
              ("All products", "product")]
    return Flows(nodes=pd.DataFrame({"label": [lb for lb, _ in labels], "stage": [s for _, s in labels],
                                     "open": [5, 3, 4, 4, 6, 2]}),
                 links=pd.DataFrame({"source": [0, 1, 0, 2, 3, 3], "target": [2, 3, 3, 4, 4, 5],
                                     "value": [4, 3, 1, 4, 2, 2], "rank": [5, 4, 3, 5, 4, 1]}),
                 smelters=4, suppliers=2, products=2)


def _push() -> pd.DataFrame:
    return pd.DataFrame({"party": ["supplier", "smelter", "supplier"], "quarter": ["2026-Q1", "2026-Q1", "2026-Q3"],
                         "reminder": [2, 1, 4], "senior_contact": [1, 0, 2], "leverage": [0, 0, 1],
                         "disengagement": [0, 0, 1], "chases": [3, 1, 8]})


def _involvement(zero=False) -> pd.DataFrame:
    return pd.DataFrame({"involvement": ["caused", "contributed", "directly_linked", "not_determined"],
                         "label": ["Caused", "Contributed", "Directly linked", "Not determined"],
                         "incidents": [0, 0, 0, 0] if zero else [5, 12, 40, 3]})


def _remedy() -> pd.DataFrame:
    return pd.DataFrame({"remedy_type": ["compensation", "compensation", "restitution", "rehabilitation", "not_recorded"],
                         "involvement": ["caused", "directly_linked", "caused", "contributed", "not_determined"],
                         "plans": [4, 7, 2, 1, 3]})


# Representative inputs per builder (the shapes the storage reads return), empty states included.
CASES = {
    "charts.pipeline": lambda: charts.pipeline(_pipeline(), TODAY, SCOPE),
    "charts.pipeline[selected]": lambda: charts.pipeline(_pipeline(), TODAY, SCOPE, "step3"),
    "charts.pipeline[empty]": lambda: charts.pipeline(_pipeline((0,) * 10), TODAY, SCOPE),
    "charts.ageing": lambda: charts.ageing(_ageing(), {1: 30, 2: 60, 3: 90, 4: 180, 5: 30, 6: 90}, TODAY, SCOPE),
    "charts.ageing[one step]": lambda: charts.ageing(_ageing().query("step == 2"), {2: 60}, TODAY, SCOPE),
    "charts.ageing[empty]": lambda: charts.ageing(_ageing().iloc[:0], {}, TODAY, SCOPE),
    "charts.empty": lambda: charts.empty(charts.title("Nothing", TODAY, SCOPE), "Nothing to draw", height=300),
    "charts.review_overall": lambda: charts.review_overall(_review(), TODAY, SCOPE),
    "charts.review_overall[empty]": lambda: charts.review_overall(_review().iloc[:0], TODAY, SCOPE),
    "charts.review_breakdown": lambda: charts.review_breakdown(
        _review(("Gold", "Tin <Sn>", "Cobalt")), "Mineral", TODAY, SCOPE, few=9),
    "charts.review_breakdown[one item]": lambda: charts.review_breakdown(
        _review(("Gold",)).query("item == 'objectives_met'"), "Mineral", TODAY, SCOPE),
    "charts.lesson_themes": lambda: charts.lesson_themes(_tags(), 80, TODAY, SCOPE),
    "charts.lesson_themes[few]": lambda: charts.lesson_themes(_tags(3), 50, TODAY, SCOPE),
    "charts.lesson_theme_trend": lambda: charts.lesson_theme_trend(
        _trend(), ["funding", "access", "trust"], "Year of closure", TODAY, SCOPE),
    "charts.lesson_theme_trend[empty]": lambda: charts.lesson_theme_trend(_trend(), [], "Year", TODAY, SCOPE),
    "charts.budget_variance": lambda: charts.budget_variance(
        _bands(), ["More than 10% under", "1-10% under", "On budget (within 1%)", "10-25% over"], TODAY, SCOPE),
    "charts.budget_variance[empty]": lambda: charts.budget_variance(_bands().iloc[:0], [], TODAY, SCOPE),
    "charts.days_to_closure": lambda: charts.days_to_closure(_days(), TODAY, SCOPE),
    "charts.days_to_closure[empty]": lambda: charts.days_to_closure(_days().iloc[:0], TODAY, SCOPE),
    "company_charts.involvement": lambda: company_charts.involvement(_involvement(), TODAY, SCOPE),
    "company_charts.involvement[empty]": lambda: company_charts.involvement(_involvement(True), TODAY, SCOPE),
    "company_charts.remedy_by_involvement": lambda: company_charts.remedy_by_involvement(_remedy(), TODAY, SCOPE),
    "company_charts.remedy_by_involvement[empty]": lambda: company_charts.remedy_by_involvement(
        _remedy().iloc[:0], TODAY, SCOPE),
    "plan_charts.funding_by_source": lambda: plan_charts.funding_by_source(_funding(), TODAY, SCOPE),
    "plan_charts.funding_by_source[empty]": lambda: plan_charts.funding_by_source(_funding(False), TODAY, SCOPE),
    "plan_charts.spending_over_time": lambda: plan_charts.spending_over_time(_plan(), TODAY),
    "plan_charts.spending_over_time[life]": lambda: plan_charts.spending_over_time(
        _plan(), TODAY, TODAY - timedelta(days=120), TODAY + timedelta(days=200)),
    "plan_charts.spending_over_time[nothing spent]": lambda: plan_charts.spending_over_time(
        _plan(spent=False), TODAY, TODAY - timedelta(days=120), TODAY + timedelta(days=200)),
    "plan_charts.spending_over_time[empty]": lambda: plan_charts.spending_over_time(_plan(spent=False), TODAY),
    "plan_charts.budget_lines": lambda: plan_charts.budget_lines(_plan(), TODAY),
    "plan_charts.budget_lines[empty]": lambda: plan_charts.budget_lines(_plan(lines=False), TODAY),
    "plan_charts.indicator_progress": lambda: plan_charts.indicator_progress(_indicator(), TODAY),
    "plan_charts.indicator_progress[unmeasured]": lambda: plan_charts.indicator_progress(_indicator(False), TODAY),
    "supply_charts.suppliers_by_level1": lambda: supply_charts.suppliers_by_level1(_suppliers(), TODAY, SCOPE),
    "supply_charts.suppliers_by_level1[empty]": lambda: supply_charts.suppliers_by_level1(
        _suppliers().iloc[:0], TODAY, SCOPE),
    "supply_charts.flows": lambda: supply_charts.flows(_flows(), TODAY, SCOPE),
    "supply_charts.flows[empty]": lambda: supply_charts.flows(
        Flows(nodes=_flows().nodes.iloc[:0], links=_flows().links.iloc[:0], smelters=0, suppliers=0, products=0),
        TODAY, SCOPE),
    "followups.push_chart": lambda: followups.push_chart(_push(), TODAY, SCOPE),
    "followups.push_chart[empty]": lambda: followups.push_chart(_push().iloc[:0], TODAY, SCOPE),
}


def arrays(value):
    """Every numpy array anywhere in a figure's stored spec."""
    if isinstance(value, np.ndarray):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from arrays(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from arrays(v)


def figure_json(fig: go.Figure) -> dict:
    """The figure as the browser receives it (numpy arrays as plotly encodes them, dtype included)."""
    return json.loads(pio.to_json(fig))


def test_every_builder_has_a_case():
    builders = {name.split("[")[0] for name in CASES}
    modules = {"charts": charts, "company_charts": company_charts, "plan_charts": plan_charts,
               "supply_charts": supply_charts, "followups": followups}
    public = {f"{m}.{n}" for m, module in modules.items() for n, fn in vars(module).items()
              if callable(fn) and getattr(fn, "__module__", None) == module.__name__ and not n.startswith("_")
              and getattr(fn, "__annotations__", {}).get("return") in (go.Figure, "go.Figure")}
    assert public <= builders, f"builders without a case: {sorted(public - builders)}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_spec_is_what_plotly_validation_makes_of_it(case):
    fig = CASES[case]()
    assert isinstance(fig, go.Figure)
    assert figure_json(fig) == figure_json(go.Figure(fig.to_dict()))
    # numbers stay numeric arrays (sent base64-encoded), as plotly stores a Series: an object array of numbers
    # passes validation but reaches the browser as a JSON list
    for stored in arrays(fig.to_plotly_json()):
        assert stored.dtype != object or all(isinstance(v, str) or v is None for v in stored.flat), stored


def test_a_misspelt_property_fails_validation():
    """What the test above relies on: the validating constructor rejects what the fast path would let through."""
    fig = charts.pipeline(_pipeline(), TODAY, SCOPE)
    spec = fig.to_dict()
    spec["layout"]["xaxis"]["tickformt"] = ",d"
    with pytest.raises(ValueError):
        go.Figure(spec)


def test_key_fields_survive():
    """The figures still read as before: titles, heights, the open | closed rule, the annotations and legends."""
    pipe = charts.pipeline(_pipeline(), TODAY, SCOPE, "step3")
    assert pipe.layout.title.text.startswith("Incidents by step and closed outcome, as of 2026-11-01<br><sup>")
    assert pipe.layout.height == 90 + 34 * 10 and pipe.layout.xaxis.dtick == 15
    assert pipe.layout.xaxis.title.text == "Number of incidents" and pipe.layout.xaxis.title.font.color == charts.MUTED
    assert [s.type for s in pipe.layout.shapes] == ["line"] and pipe.layout.shapes[0].y0 == 10 - 5.5
    assert pipe.layout.shapes[0].xref == "x domain" and pipe.layout.shapes[0].line.dash == "dot"
    assert list(pipe.data[0].marker.opacity).count(1.0) == 1
    age = charts.ageing(_ageing(), {1: 30, 2: 60, 4: 180, 5: 30}, TODAY, SCOPE)
    assert [t.name for t in age.data] == [b for _, _, b in AGE_BUCKETS] and age.layout.barmode == "stack"
    assert age.layout.margin.r == 170 and age.layout.margin.l == 10 and age.layout.legend.title.text == "Waiting for "
    assert len(age.layout.annotations) == 4 and age.layout.yaxis.autorange == "reversed"
    breakdown = charts.review_breakdown(_review(("Gold", "Tin")), "Mineral", TODAY, SCOPE)
    assert [a.text for a in breakdown.layout.annotations] == list(charts.REVIEW_ITEM_LABELS.values())
    assert breakdown.layout.annotations[0].font.size == 14 and breakdown.layout.xaxis4.title.font.size == 13
    assert breakdown.layout.yaxis2.matches == "y" and len(breakdown.data) == 16
    trend = charts.lesson_theme_trend(_trend(), ["funding", "access", "trust"], "Year of closure", TODAY, SCOPE)
    assert trend.layout.xaxis.title.text == "Year of closure (n: number of reviews)"
    z = trend.data[0].z
    assert z.shape == (3, 4) and z[2][0] == 2 / 3 * 100 and trend.data[0].zmax == z.max()
    assert trend.data[0].x[0] == "2023<br>n = 3 (few)" and trend.data[0].text.tolist()[0] == [0, 1, 2, 0]
    remedy = company_charts.remedy_by_involvement(_remedy(), TODAY, SCOPE)
    assert [t.name for t in remedy.data] == ["Caused", "Contributed", "Directly linked", "Not determined"]
    assert list(remedy.data[0].text) == ["4", "2", "", ""] and remedy.layout.xaxis.dtick == 2
    push = followups.push_chart(_push(), TODAY, SCOPE)
    assert list(push.data[0].x) == ["2026-Q1", "2026-Q3"] and list(push.data[0].y) == [3, 4]
    assert push.layout.yaxis.dtick == 1 and push.layout.margin.l == 70
    spend = plan_charts.spending_over_time(_plan(), TODAY)
    assert spend.layout.annotations[0].text == "Budget 1,000" and spend.layout.shapes[0].y0 == 1000.0
    assert spend.layout.title.font.size == 16 and spend.layout.margin.b == 70
    empty = charts.empty("Heading", "Why")
    assert empty.layout.xaxis.visible is False and empty.layout.annotations[0].text == "Why"
    # plotly still validates what callers change afterwards (the board pack resizes the funding chart)
    funding = plan_charts.funding_by_source(_funding(), TODAY, SCOPE).update_layout(height=340)
    assert funding.layout.height == 340
    with pytest.raises(ValueError):
        funding.update_layout(heigth=340)
