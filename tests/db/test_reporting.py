"""Reporting periods on SQLite and PostgreSQL: figures reconstructed from the facts' own dates (Q3 taken again
after Q4's facts are recorded gives the same figures), the open stock as it stood, locking (admins only, audited,
once) and a correction inside a locked period shown as a restatement with who made it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from remediation.domain.models import (
    Actionability,
    AuditProgrammeNotice,
    CorrectiveAction,
    Credibility,
    IncidentIn,
    Substantiation,
)
from remediation.domain.periods import quarter, year
from remediation.domain.settings import Settings
from remediation.services import access
from remediation.services import incidents as services
from remediation.services.access import Forbidden
from remediation.services.base import Actor, ConflictError, Refused
from remediation.services.reporting import lock_period
from remediation.storage import reporting
from remediation.storage import schema as t

ADMIN = Actor("ada@brand.example", access="admin")
EDITOR = Actor("eddie@brand.example", "downstream_company", access="editor")
Q3, Q4 = quarter(2025, 3), quarter(2025, 4)


@pytest.fixture(autouse=True)
def local_mode(monkeypatch):
    monkeypatch.setattr(access, "_signed_in_mode", False)


def intake(code: str, received: date) -> IncidentIn:
    return IncidentIn(
        code=code, title="Forced overtime at a washing site", mineral="tin", country="Rwanda",
        smelter_refiner="Kestrel Tin Smelting", audit_programme="rmi_rmap", violation_types=["forced_labour"],
        allegation_source="Worker hotline report", date_received=received, incident_date=date(2025, 6, 1),
        affected_persons=4)


def record_q3(engine) -> None:
    """Three allegations received in Q3 2025: one substantiated, one found not credible, one still at Step 1."""
    services.create_incident(engine, intake("INC-2025-101", date(2025, 7, 3)), EDITOR)
    services.record_credibility(engine, "INC-2025-101", Credibility(credible=True, decided_on=date(2025, 7, 10)),
                                EDITOR)
    services.record_actionability(engine, "INC-2025-101", Actionability(actionable=True,
                                                                        decided_on=date(2025, 7, 12)), EDITOR)
    services.notify_audit_programme(engine, "INC-2025-101", AuditProgrammeNotice(notified_on=date(2025, 7, 14)),
                                    EDITOR)
    services.record_substantiation(engine, "INC-2025-101", Substantiation(
        substantiated=True, decided_on=date(2025, 8, 20), trading_link="current"), EDITOR)
    services.create_incident(engine, intake("INC-2025-102", date(2025, 8, 1)), EDITOR)
    services.record_credibility(engine, "INC-2025-102", Credibility(
        credible=False, decided_on=date(2025, 8, 15), notes="The source withdrew the account"), EDITOR)
    services.create_incident(engine, intake("INC-2025-103", date(2025, 9, 5)), EDITOR)


def record_q4(engine) -> None:
    services.record_assessment(engine, "INC-2025-101", date(2025, 10, 6), actor=EDITOR)
    services.record_corrective_action(engine, "INC-2025-101", CorrectiveAction(
        description="Enhanced due diligence on the washing site", decided_on=date(2025, 10, 8)), EDITOR)
    services.record_credibility(engine, "INC-2025-103", Credibility(credible=True, decided_on=date(2025, 10, 2)),
                                EDITOR)
    services.create_incident(engine, intake("INC-2025-104", date(2025, 11, 3)), EDITOR)


def test_q3_taken_again_after_q4_facts_are_recorded_gives_the_same_figures(engine):
    record_q3(engine)
    first = reporting.figures(engine, Q3)
    assert (first["received"], first["credible"], first["not_credible"], first["substantiated"]) == (3, 1, 1, 1)
    assert first["closed_not_credible"] == 1 and first["open_start"] == 0 and first["open_end"] == 2
    assert first["ap_notified"] == 1 and first["assessments"] == 0
    assert first["median_days_step_1"] == 31.0  # 08-01 -> 08-15 (closed): 14 days; 07-03 -> 08-20: 48 days
    assert first["steps_left_1"] == 2
    record_q4(engine)
    assert reporting.figures(engine, Q3) == first
    q4 = reporting.figures(engine, Q4)
    assert (q4["received"], q4["assessments"], q4["credible"], q4["open_start"], q4["open_end"]) == (1, 1, 1, 2, 3)
    assert q4["median_days_step_1"] is None and q4["steps_left_1"] == 0


def test_the_pipeline_stands_as_it_did_on_a_date(engine):
    record_q3(engine)
    record_q4(engine)
    pipeline, money = reporting.stock_on(engine, date(2025, 9, 30))
    assert pipeline["step_1"] == 1 and pipeline["step_2"] == 1 and pipeline["level1_not_assessed"] == 2
    pipeline, _ = reporting.stock_on(engine, date(2025, 12, 31))
    assert pipeline["step_1"] == 2 and pipeline["step_2"] == 1 and pipeline["level1_mandatory"] == 1
    assert money == {}
    table = reporting.stock_table(engine, Q4)
    total = table[table["Open incidents"] == "Total"].iloc[0]
    assert list(total)[1:] == [2, 3]


def test_only_an_admin_locks_a_period_once_it_is_over_and_the_lock_is_audited(engine):
    record_q3(engine)
    with pytest.raises(Forbidden):
        lock_period(engine, Q3, EDITOR)
    with pytest.raises(Refused, match=r"^period: Q4 2025 ends on 2025-12-31"):
        lock_period(engine, Q4, ADMIN, today=date(2025, 12, 1))
    lock = lock_period(engine, Q3, ADMIN)
    assert lock.locked_by == ADMIN.user and lock.figures == reporting.figures(engine, Q3)
    assert set(lock.contributions) == {"INC-2025-101", "INC-2025-102", "INC-2025-103"}
    with pytest.raises(ConflictError, match="already locked by ada@brand.example"):
        lock_period(engine, Q3, ADMIN)
    with engine.connect() as conn:
        actions = conn.execute(select(t.audit_log.c.actor, t.audit_log.c.action)
                               .where(t.audit_log.c.id == lock.audit_log_id)).one()
    assert actions == (ADMIN.user, "locked reporting period Q3 2025")
    assert [x.period for x in reporting.locks(engine)] == [Q3]


def test_a_correction_inside_a_locked_period_is_a_restatement_not_a_changed_number(engine):
    record_q3(engine)
    lock = lock_period(engine, Q3, ADMIN)
    assert not reporting.restatement(engine, lock).restated
    record_q4(engine)  # later facts do not restate
    assert not reporting.restatement(engine, reporting.locked(engine, Q3)).restated
    # The not-credible decision was in fact taken in October: Q3 loses a closure and keeps one more open incident.
    services.correct_date(engine, "INC-2025-102", "credibility", date(2025, 10, 3), EDITOR)
    again = reporting.locked(engine, Q3)
    assert again.figures == lock.figures  # the published figures stay
    r = reporting.restatement(engine, again)
    assert r.restated and r.incidents == ["INC-2025-102"]
    changed = dict(zip(r.changed["Figure"], zip(r.changed["Stored (published)"], r.changed["Recomputed"],
                                                 r.changed["Difference"])))
    assert changed["Incidents closed: not credible"] == ("1", "0", "-1")
    assert changed["Open incidents at the end"] == ("2", "3", "+1")
    assert list(r.changes["Who"]) == [EDITOR.user]
    assert "2025-08-15 → 2025-10-03" in r.changes["Changed"].iloc[0]


def test_a_correction_keeps_the_guidelines_order_and_names_the_fact(engine):
    record_q3(engine)
    with pytest.raises(Refused):
        services.correct_date(engine, "INC-2025-101", "credibility", date(2025, 7, 20), EDITOR)  # after actionability
    with pytest.raises(Refused, match="^fact: the corrective action is not recorded"):
        services.correct_date(engine, "INC-2025-101", "corrective_action", date(2025, 9, 1), EDITOR)
    with pytest.raises(Refused, match="^level: there is no Level 1 plan"):
        services.correct_date(engine, "INC-2025-101", "plan_approved", date(2025, 9, 1), EDITOR, level=1)


def test_victims_small_counts_are_suppressed_and_quarters_add_up_to_the_year(demo_engine):
    settings = Settings()
    assert reporting.shown("victims_assisted", 3, settings) == "<5"
    assert reporting.shown("victims_assisted", 0, settings) == "0"
    assert reporting.shown("received", 3, settings) == "3"
    y = year(date.today().year - 1)
    with demo_engine.connect() as conn:
        records = reporting.scoped_records(conn)
    parts = [reporting.combine(list(reporting.contributions(records, q, settings.time_frames).values()))
             for q in y.quarters()]
    whole = reporting.combine(list(reporting.contributions(records, y, settings.time_frames).values()))
    for key in ("received", "substantiated", "assessments", "plans_approved", "lessons_captured"):
        assert sum(p[key] for p in parts) == whole[key]
    assert parts[0]["open_start"] == whole["open_start"] and parts[-1]["open_end"] == whole["open_end"]
    assert whole["received"] > 0
    table = reporting.quarter_by_quarter(demo_engine, y)
    assert list(table.columns) == ["Figure", *(q.label for q in y.quarters()), y.label]


def test_locking_a_year_publishes_its_quarters_and_reports_read_the_stored_figures(engine):
    record_q3(engine)
    lock_period(engine, year(2025), ADMIN)
    locked = {x.period for x in reporting.locks(engine)}
    assert locked == {year(2025), *(quarter(2025, n) for n in range(1, 5))}
    with pytest.raises(ConflictError):
        lock_period(engine, Q3, ADMIN)  # locked with its year
    stored = reporting.locked(engine, Q3).figures
    services.correct_date(engine, "INC-2025-102", "credibility", date(2025, 10, 3), EDITOR)
    pub = reporting.published(engine, Q4)
    assert pub.report.before == stored  # the previous period, as published
    assert pub.report.current == reporting.locked(engine, Q4).figures
    restated = {r.lock.period: r for r in reporting.restatements_within(engine, year(2025))}
    assert set(restated) == {year(2025), Q3, Q4}  # the year: the median days in Step 1 moved
    assert "Incidents closed: not credible" not in list(restated[year(2025)].changed["Figure"])
    table = reporting.quarter_by_quarter(engine, year(2025))
    row = table.set_index("Figure").loc["Incidents closed: not credible"]
    assert (row["Q3 2025"], row["Q4 2025"]) == ("1", "0")  # the quarters as published, not as recomputed
