"""The Reporting page as Streamlit runs it: the last complete quarter by default, every figure beside the previous
period's, the open stock, a year quarter by quarter, the disclosure tables; locking (admins) and correcting a date
that a locked period then shows as a restatement; board mode draws no control."""

from __future__ import annotations

from datetime import date

import pytest

from remediation.domain.periods import last_complete_quarter, year
from remediation.services.demo import read_fixture

PAGE = "pages/reporting.py"
TODAY = date.today()
LAST_YEAR = year(TODAY.year - 1)


def _subheaders(at) -> list[str]:
    return [s.value for s in at.subheader]


def test_the_default_is_the_last_complete_quarter_beside_the_one_before(run_app):
    at = run_app(page=PAGE)
    assert not at.exception
    q = last_complete_quarter(TODAY)
    assert f"{q.label} · {q.dates}" in _subheaders(at)
    figures = next(df.value for df in at.dataframe if "Figure" in df.value.columns and "Change" in df.value.columns)
    assert list(figures.columns) == ["Figure", q.label, f"Previous ({q.previous().label})", "Change"]
    assert "Allegations received" in list(figures["Figure"])
    assert {"Every figure, beside the previous period", "Open stock at the start and the end",
            "Disclosure tables"} <= set(_subheaders(at))
    assert {m.label for m in at.metric} >= {"Allegations received", "Victims assisted", "Overdue at the end"}
    victims = next(m for m in at.metric if m.label == "Victims assisted")
    assert victims.value.startswith("<") or victims.value.replace(",", "").isdigit()


def test_a_year_shows_quarter_by_quarter_and_an_admin_locks_it(run_app):
    at = run_app(page=PAGE, query={"period_kind": "Year", "period_year": str(LAST_YEAR.start.year)})
    assert not at.exception
    assert f"{LAST_YEAR.label} quarter by quarter" in _subheaders(at)
    quarters = next(df.value for df in at.dataframe if f"Q4 {LAST_YEAR.label}" in df.value.columns)
    assert list(quarters.columns) == ["Figure", *(f"Q{n} {LAST_YEAR.label}" for n in range(1, 5)), LAST_YEAR.label]
    at.checkbox[0].check()
    button = next(b for b in at.button if b.proto.form_id == "lock_period")
    button.click()
    at.run()
    assert not at.exception and not at.error
    locked = [s.value for s in at.success]
    assert len(locked) == 1 and "Locked on" in locked[0] and "local user" in locked[0], locked
    assert "as published" in locked[0] and not any(b.proto.form_id == "lock_period" for b in at.button)


def test_locking_needs_the_confirmation_and_a_correction_names_its_field(run_app):
    at = run_app(page=PAGE, query={"period_kind": "Year", "period_year": str(LAST_YEAR.start.year)})
    next(b for b in at.button if b.proto.form_id == "lock_period").click()
    at.run()
    assert [e.value.replace("\\", "") for e in at.error] == [
        "period: tick the box to confirm the period has been reported"]
    next(b for b in at.button if b.proto.form_id == "correct_date").click()
    at.run()
    assert "code: enter the incident code" in [e.value.replace("\\", "") for e in at.error]


def test_board_mode_draws_no_control(run_app):
    at = run_app(page=PAGE, query={"board": "true", "period_kind": "Year", "period_year": str(LAST_YEAR.start.year)})
    assert not at.exception
    assert not at.button and not at.checkbox and not at.selectbox and not at.date_input and not at.text_input
    assert f"{LAST_YEAR.label} quarter by quarter" in _subheaders(at)
    assert "Disclosure tables" in _subheaders(at)


def test_a_june_correction_after_locking_the_year_shows_as_a_restatement(run_app):
    june = [r for r in read_fixture() if r.plan(1) and r.plan(1).approval.approved_by_audit_programme_on
            and r.plan(1).approval.approved_by_audit_programme_on.strftime("%Y-%m") == f"{LAST_YEAR.start.year}-06"]
    if not june:
        pytest.skip("the demo portfolio has no Level 1 plan approved last June")
    code = june[0].incident.code
    at = run_app(page=PAGE, query={"period_kind": "Year", "period_year": str(LAST_YEAR.start.year)})
    published = next(df.value for df in at.dataframe if "Change" in df.value.columns)
    at.checkbox[0].check()
    next(b for b in at.button if b.proto.form_id == "lock_period").click()
    at.run()
    at.text_input[0].input(code)
    fact = next(s for s in at.selectbox if s.label == "Date of")
    fact.select("plan_approved")
    next(s for s in at.selectbox if s.label == "Plan level").select(1)
    next(d for d in at.date_input if d.label == "Correct date").set_value(date(LAST_YEAR.start.year, 7, 1))
    next(b for b in at.button if b.proto.form_id == "correct_date").click()
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Restated" in w.value for w in at.warning)
    assert "Restatement" in _subheaders(at)
    again = next(df.value for df in at.dataframe if "Change" in df.value.columns)
    assert again.equals(published)  # the published figures of the year stand
    restated = [df.value for df in at.dataframe if "Stored (published)" in df.value.columns]
    q2 = next(df for df in restated if "Plans approved by the audit programme" in list(df["Figure"]))
    assert q2.set_index("Figure").loc["Plans approved by the audit programme", "Difference"] in ("-1", "+1")
    who = [df.value for df in at.dataframe if "Who" in df.value.columns]
    assert who and all(code in list(df["Incident"]) and "local user" in list(df["Who"]) for df in who)


def test_an_empty_database_shows_zeros_and_a_custom_range(run_app):
    at = run_app(page=PAGE, demo="0", query={"period_kind": "Custom range",
                                             "period_range": ["2025-02-01", "2025-03-15"]})
    assert not at.exception
    assert "2025-02-01 to 2025-03-15 · 2025-02-01 to 2025-03-15" in _subheaders(at)
    assert {m.label: m.value for m in at.metric}["Allegations received"] == "0"
    assert "Disclosure tables" in _subheaders(at)


def test_the_default_period_is_written_to_the_link_so_it_does_not_move_with_the_day(run_app):
    """#18: a link copied without touching the picker names its period (kind, year, quarter), so a colleague
    opening it next quarter sees the same period, not that day's last complete quarter."""
    at = run_app(page=PAGE)
    assert not at.exception
    default = last_complete_quarter(date.today())
    q = at.query_params
    assert (q["period_kind"], q["period_year"], q["period_quarter"]) == (
        "Quarter", str(default.start.year), f"Q{(default.start.month - 1) // 3 + 1}")
    assert "period_half" not in q and "period_range" not in q
    colleague = run_app(page=PAGE, query={"period_kind": "Quarter", "period_year": "2024", "period_quarter": "Q2"})
    assert not colleague.exception
    assert (colleague.selectbox(key="period_year").value, colleague.selectbox(key="period_quarter").value) == (2024, 2)
    assert "Q2 2024" in " ".join(str(h.value) for h in [*colleague.title, *colleague.header, *colleague.subheader,
                                                         *colleague.markdown, *colleague.caption])
    wrong = run_app(page=PAGE, query={"period_kind": "Custom range", "period_range": ["2025-01-01", "2999-01-01"]})
    assert not wrong.exception  # a range past today: the default range, not a crash
