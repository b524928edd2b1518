"""Lessons learned's action figures counted in SQL, and its bounded action lists, equal a count over every action
read whole (issue #15: the page no longer reads every action), on both backends."""

from __future__ import annotations

from datetime import date

from remediation.services.demo import read_fixture
from remediation.storage import company_work
from remediation.storage.queries import PortfolioFilter


def test_action_counts_and_lists_equal_the_whole_list(demo_engine):
    assert any(r.lessons and r.lessons.actions for r in read_fixture()), "the demo raises lesson actions"
    for flt in (PortfolioFilter(), PortfolioFilter(status="all"), PortfolioFilter(status="closed")):
        for today in (date(2020, 1, 1), date(2026, 6, 1), date(2040, 1, 1)):
            every = company_work.lesson_actions(demo_engine, flt, today)
            counts = company_work.lesson_action_counts(demo_engine, flt, today)
            led = every[every["policy_version"].notna() | (every["due_diligence_change"].fillna("") != "")]
            assert (counts.raised, counts.open, counts.overdue, counts.led, counts.closed) == (
                len(every), int(every["open"].sum()), int(every["overdue"].sum()), len(led),
                int((~every["open"]).sum())), (flt, today)
            assert list(every["overdue"]) == sorted(every["overdue"], reverse=True)  # overdue first
            opened = company_work.lesson_actions(demo_engine, flt, today, only="open", limit=3)
            assert opened.equals(every[every["open"]].head(3).reset_index(drop=True)), (flt, today)
            first_led = company_work.lesson_actions(demo_engine, flt, today, only="led", limit=2)
            assert first_led.equals(led.head(2).reset_index(drop=True)), (flt, today)
