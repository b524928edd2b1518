"""The Level 2 plans table as a lead pages it (issue #15): one page of plans a view, sorted on the server, every
plan reachable page by page, and a linked plan opened in depth wherever it sits in the table."""

from __future__ import annotations

from remediation.services.demo import read_fixture


def _level2_codes() -> list[str]:
    return sorted(r.incident.code for r in read_fixture() if r.plan(2))


def test_the_plans_table_sends_one_page_sorted_on_the_server_and_reaches_every_plan(run_app, monkeypatch):
    monkeypatch.setattr("pages._data.PAGE_ROWS", 3)
    codes = _level2_codes()
    assert len(codes) > 3, "the demo needs more Level 2 plans than a page for this test"
    at = run_app(page="pages/plans.py", query={"status": "All"})
    assert not at.exception
    table = next(d for d in at.dataframe if "burn" in d.value.columns)
    assert len(table.value) == 3
    at.selectbox(key="plans_sort").set_value("code").run()
    at.segmented_control(key="plans_order").set_value("Ascending").run()
    seen = []
    for page in range(1, -(-len(codes) // 3) + 1):
        at.number_input(key="plans_page").set_value(page).run()
        assert not at.exception
        seen += list(next(d for d in at.dataframe if "burn" in d.value.columns).value["code"])
    assert seen == codes  # page by page: every plan once, in order
    assert f"of {len(codes)} Level 2 plans" in " ".join(s.value for s in at.subheader)
    at.selectbox(key="plans_sort").set_value("budget").run()  # a new order: its first page
    assert at.number_input(key="plans_page").value == 1
    at.segmented_control(key="plans_order").set_value("Descending").run()
    budgets = list(next(d for d in at.dataframe if "burn" in d.value.columns).value["budget"])
    every = sorted((float(r.plan(2).budget) for r in read_fixture() if r.plan(2)), reverse=True)
    assert budgets == every[:3]  # the largest budgets of every plan, not of a page
    assert at.query_params["plans_sort"] == "Budget" and at.query_params["plans_page"] == "1"


def test_a_linked_plan_off_the_first_page_opens_in_depth(run_app, monkeypatch):
    monkeypatch.setattr("pages._data.PAGE_ROWS", 3)
    at = run_app(page="pages/plans.py", query={"status": "All", "plans_sort": "Incident", "plans_order": "Ascending"})
    shown = list(next(d for d in at.dataframe if "burn" in d.value.columns).value["code"])
    last = _level2_codes()[-1]
    assert last not in shown
    at = run_app(page="pages/plans.py", query={"status": "All", "plans_sort": "Incident", "plans_order": "Ascending",
                                               "plan": last})
    assert not at.exception
    assert at.subheader[0].value.startswith(last)  # the plan in depth, before the portfolio of plans
    assert at.selectbox(key="plan").value == last


def test_a_hostile_plan_link_is_refused_in_words_not_looked_up(run_app):
    at = run_app(page="pages/plans.py", query={"status": "All", "plan": "INC-2025-001\x00"})
    assert not at.exception and not at.error
    assert any("This link is invalid" in w.value for w in at.warning)
    assert any(" Level 2 plans" in s.value for s in at.subheader)  # the page still draws its table


def test_the_page_reads_its_slowest_queries_once_each_with_the_arguments_it_draws(run_app, monkeypatch):
    """The plans page runs its three slowest reads side by side before drawing (pages/plans.py): each must be the
    read the page then draws from, so a cold page runs each query once, not a guess and then the real one."""
    from remediation.storage import queries

    monkeypatch.setattr("pages._data.PAGE_ROWS", 1)
    calls: list[tuple[str, object]] = []
    for name in ("level2_totals", "level1_window_counts", "level1_windows"):
        real = getattr(queries, name)

        def recorded(*args, _name=name, _real=real, **kwargs):
            calls.append((_name, kwargs.get("offset")))
            return _real(*args, **kwargs)
        monkeypatch.setattr(queries, name, recorded)
    at = run_app(page="pages/plans.py", query={"status": "All"})
    assert not at.exception
    assert sorted(calls, key=str) == sorted([("level1_window_counts", None), ("level1_windows", 0),
                                             ("level2_totals", None)], key=str)
    assert at.number_input(key="level1_page").value == 1, "the demo needs more than one Level 1 plan started"
    from pages import _data

    calls.clear()
    at.number_input(key="level1_page").set_value(2)
    _data.empty_caches()
    at.run()
    assert not at.exception
    assert [c for c in calls if c[0] == "level1_windows"] == [("level1_windows", 1)]  # page 2, read once
