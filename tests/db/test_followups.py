"""Follow-ups and escalation (issue 13 item 1) on SQLite and PostgreSQL: a chase of the party that owes what an
incident waits for, its checks (dates in order, the item and party the workflow names, field-named errors), roles,
version conflicts, the audit log, and the read side: what each party owes, how often it was chased, the follow-ups
due, and the push by party and quarter."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from test_services import CODE, run_until

from remediation.domain.followups import FollowUpAnswer, FollowUpIn
from remediation.services import access
from remediation.services import followups as services
from remediation.services.access import Forbidden
from remediation.services.base import Actor, ConflictError, Refused
from remediation.storage import followups as store
from remediation.storage import schema as t
from remediation.storage.records import find_incident

VIEWER = Actor("vera@board.example", access="viewer")
EDITOR = Actor("eddie@brand.example", "downstream_company", access="editor")
ITEM = ("Investigate and decide whether the allegation is substantiated, and whether the link is through current "
        "or past trading")
TODAY = date.today()


@pytest.fixture(autouse=True)
def local_mode(monkeypatch):
    monkeypatch.setattr(access, "_signed_in_mode", False)


@pytest.fixture
def waiting(engine):
    """INC-2024-007 notified to the audit programme: it waits for the substantiation, owed by the audit programme."""
    run_until(engine, "ap_notice")
    return engine


def chase(on: date, level: str = "reminder", due: date | None = None, **kw) -> FollowUpIn:
    return FollowUpIn(item=ITEM, party="audit_programme", asked_on=on, channel="email", escalation=level,
                      asked="When will the investigation report be ready?", due_on=due, **kw)


def test_open_items_name_what_the_incident_waits_for_and_who_owes_it(waiting):
    assert services.open_items(waiting, CODE) == [(ITEM, "audit_programme")]


def test_a_chase_and_an_escalation_are_recorded_audited_and_counted(waiting):
    first = services.record_followup(waiting, CODE, chase(date(2024, 3, 1), due=date(2024, 3, 15)), EDITOR)
    services.record_followup(waiting, CODE, chase(date(2024, 3, 20), "leverage_business_review",
                                                  due=TODAY + timedelta(days=3)), EDITOR)
    with waiting.connect() as conn:
        rows = store.list_followups(conn)
        audit = conn.execute(select(t.audit_log.c.action, t.audit_log.c.changes)
                             .where(t.audit_log.c.action == "recorded follow-up")).all()
    assert [r["escalation"] for r in rows] == ["reminder", "leverage_business_review"]
    assert rows[0]["id"] == first and rows[0]["recorded_by"] == EDITOR.user
    assert len(audit) == 2 and "Leverage action: raised in a business review" in audit[1].changes[0]["after"]

    owed = store.owed_items(waiting, today=TODAY)
    assert list(owed["code"]) == [CODE]
    row = owed.iloc[0]
    assert row["party"] == "audit_programme" and row["chases"] == 2
    assert row["since"] == date(2024, 2, 1) and row["days"] == (TODAY - date(2024, 2, 1)).days
    assert row["next_due_on"] == date(2024, 3, 15) and bool(row["overdue"])  # the first chase's answer never came
    assert row["pushing"] == (f"owed by Audit programme for {row['days']} days, chased 2 times, last: leverage "
                              "action: raised in a business review")
    assert store.pushing_by_code(waiting, today=TODAY) == {CODE: row["pushing"]}


def test_the_answer_is_recorded_once_and_a_stale_answer_is_a_conflict(waiting):
    fid = services.record_followup(waiting, CODE, chase(date(2024, 3, 1), due=date(2024, 3, 15)), EDITOR)
    answered = services.record_answer(waiting, fid, FollowUpAnswer(answered_on=date(2024, 3, 10),
                                                                   answer="Report due end of March"),
                                      EDITOR, expected_version=1)
    assert answered["answer"] == "Report due end of March" and answered["version"] == 2
    with pytest.raises(ConflictError, match="changed by someone else"):
        services.record_answer(waiting, fid, FollowUpAnswer(answered_on=date(2024, 3, 11), answer="Other"),
                               EDITOR, expected_version=1)
    owed = store.owed_items(waiting, today=TODAY).iloc[0]
    assert owed["chases"] == 1 and owed["next_due_on"] is None and not owed["overdue"]
    assert pd_na(owed["followup_id"])


def pd_na(value) -> bool:
    return value is None or str(value) == "<NA>"


def test_a_stale_incident_version_is_a_conflict_and_writes_nothing(waiting):
    with waiting.connect() as conn:
        _, version = find_incident(conn, CODE)
    with pytest.raises(ConflictError):
        services.record_followup(waiting, CODE, chase(date(2024, 3, 1)), EDITOR, expected_version=version - 1)
    with waiting.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.followups)).scalar_one() == 0


@pytest.mark.parametrize("make, field, words", [
    (lambda: chase(date(2024, 1, 5)), "asked_on", "before INC-2024-007 was received (2024-02-01)"),
    (lambda: FollowUpIn(item="Something else entirely", party="audit_programme", asked_on=date(2024, 3, 1),
                        channel="email"), "item", "does not wait for"),
    (lambda: FollowUpIn(item=ITEM, party="smelter_refiner", asked_on=date(2024, 3, 1), channel="email"),
     "party", "Audit programme owes"),
])
def test_refusals_name_their_field_and_write_nothing(waiting, make, field, words):
    with pytest.raises(Refused) as caught:
        services.record_followup(waiting, CODE, make(), EDITOR)
    assert str(caught.value).startswith(f"{field}: ") and words in str(caught.value)
    with waiting.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.followups)).scalar_one() == 0


@pytest.mark.parametrize("data, field", [
    ({"asked_on": TODAY + timedelta(days=1)}, "asked_on"),                       # the future
    ({"due_on": date(2024, 2, 20)}, "due_on"),                                   # due before the chase
    ({"answered_on": date(2024, 2, 28), "answer": "x"}, "answered_on"),          # answer before the chase
    ({"answered_on": date(2024, 3, 5)}, "answer"),                               # a date without an answer
    ({"answer": "Coming"}, "answered_on"),                                       # an answer without a date
    ({"escalation": "threaten"}, "escalation"),
    ({"party": "downstream_company"}, "party"),                                  # the company does not chase itself
])
def test_bad_values_are_refused_with_the_field_named(data, field):
    base = {"item": ITEM, "party": "audit_programme", "asked_on": date(2024, 3, 1), "channel": "email"}
    with pytest.raises(ValidationError) as caught:
        FollowUpIn.model_validate(base | data)
    text = str(caught.value)
    assert field in text


def test_a_due_date_in_the_future_is_allowed(waiting):
    services.record_followup(waiting, CODE, chase(TODAY, due=TODAY + timedelta(days=14)), EDITOR)
    due = store.due_followups(waiting, today=TODAY, within_days=30)
    assert list(due["code"]) == [CODE] and not due.iloc[0]["overdue"]
    assert store.due_followups(waiting, today=TODAY, within_days=7).empty


def test_viewers_cannot_record_a_follow_up_or_an_answer(waiting):
    with pytest.raises(Forbidden):
        services.record_followup(waiting, CODE, chase(date(2024, 3, 1)), VIEWER)
    fid = services.record_followup(waiting, CODE, chase(date(2024, 3, 1)), EDITOR)
    with pytest.raises(Forbidden):
        services.record_answer(waiting, fid, FollowUpAnswer(answered_on=date(2024, 3, 2), answer="ok"), VIEWER)


def test_the_push_by_party_and_quarter_counts_tiers(waiting):
    for on, level in [(date(2024, 3, 1), "reminder"), (date(2024, 3, 20), "senior_contact"),
                      (date(2024, 4, 2), "leverage_suspended_orders"), (date(2024, 4, 9), "leverage_audit_programme")]:
        services.record_followup(waiting, CODE, chase(on, level), EDITOR)
    push = store.push_by_quarter(waiting)
    assert list(push["quarter"]) == ["2024-Q1", "2024-Q2"]
    assert list(push["party"]) == ["Audit programme", "Audit programme"]
    assert push.iloc[0][["reminder", "senior_contact", "leverage", "disengagement", "chases"]].tolist() == [1, 1, 0, 0, 2]
    assert push.iloc[1][["leverage", "chases"]].tolist() == [2, 2]


def test_the_demo_portfolio_has_follow_ups_in_realistic_proportions(demo_engine):
    """Generated from each open incident's state as it loads: about what it waits for, to the party that owes it,
    dated between the day it entered its step and today, in the guideline's order of escalation."""
    owed = store.owed_items(demo_engine, today=TODAY)
    chased = owed[owed["chases"] > 0]
    assert 0.4 <= len(chased) / len(owed) <= 0.95  # most long-owed items chased, some not yet
    assert owed["overdue"].any() and (~owed["overdue"]).any()
    assert (owed["chases"] <= 7).all() and owed["last_level"].dropna().str.startswith("leverage").any()
    with demo_engine.connect() as conn:
        rows = store.list_followups(conn)
    by_code = owed.set_index("code")
    for r in rows:
        o = by_code.loc[r["code"]]
        assert (r["item"], r["party"]) == (o["item"], o["party"])
        assert o["since"] <= r["asked_on"] <= TODAY and r["due_on"] >= r["asked_on"]
        assert r["answered_on"] is None or r["asked_on"] <= r["answered_on"] <= TODAY
    assert not store.push_by_quarter(demo_engine).empty
