"""The plan's spending chart covers its whole life with a planned-spend line; overspent budget lines are flagged."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from remediation.reports import plan_charts

TODAY = date(2026, 6, 1)


def _plan(spent_on_medical: int):
    return SimpleNamespace(
        currency="USD", facilitator="Facilitator", budget=Decimal(1000),
        budget_lines=[SimpleNamespace(category="Medical", amount=Decimal(300)),
                      SimpleNamespace(category="Schooling", amount=Decimal(700))],
        expenditures=[SimpleNamespace(category="Medical", amount=Decimal(spent_on_medical), spent_on=date(2026, 3, 1)),
                      SimpleNamespace(category="Schooling", amount=Decimal(100), spent_on=date(2026, 4, 1))])


def test_spending_runs_from_the_start_to_the_planned_end_with_a_planned_line():
    fig = plan_charts.spending_over_time(_plan(200), TODAY, date(2026, 1, 1), date(2026, 12, 31))
    names = [t.name for t in fig.data]
    assert "Planned spend" in names and "Spent to date" in names
    planned = next(t for t in fig.data if t.name == "Planned spend")
    assert list(planned.x) == [date(2026, 1, 1), date(2026, 12, 31)] and list(planned.y) == [0, 1000.0]
    assert list(fig.layout.xaxis.range) == [date(2026, 1, 1), date(2026, 12, 31)]
    spent = next(t for t in fig.data if t.name == "Spent to date")
    assert spent.x[0] == date(2026, 1, 1) and spent.x[-1] == TODAY  # from the start, up to today


def test_an_overspent_budget_line_is_flagged():
    fig = plan_charts.budget_lines(_plan(450), TODAY)
    labels = list(fig.data[0].y)
    assert labels[0].endswith("over budget") and not labels[1].endswith("over budget")
    assert list(fig.data[1].marker.color) == [plan_charts.OVERSPENT, plan_charts.SPENT]
    assert not any(label.endswith("over budget") for label in plan_charts.budget_lines(_plan(200), TODAY).data[0].y)
