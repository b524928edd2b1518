"""Follow-ups and escalation, the write side: record a chase (or an escalation: a chase at a higher level) of the
party that owes what an incident waits for, and record its answer. One transaction, one audit entry each; editors
and admins only; a stale page (the incident or the follow-up changed since it was read) is refused with
:class:`~remediation.storage.records.ConflictError`, nothing written.

Rules (messages start with the field they are about, so a form shows each under its field): the item must be one the
incident waits for now and the party the one that owes it; the chase not before the allegation was received nor in
the future; the due date not before the chase (it may be in the future); an answer not before its chase.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Engine

from remediation.domain.followups import (
    CHASED_PARTIES,
    ESCALATION_LEVELS,
    FollowUpAnswer,
    FollowUpIn,
    check_against_incident,
    check_answer,
)
from remediation.domain.vocab import ROLES
from remediation.domain.workflow import evaluate
from remediation.services.access import require
from remediation.services.base import Actor, ConflictError, Refused, write_audit
from remediation.storage import followups as store
from remediation.storage.records import find_incident, load_records

__all__ = ["open_items", "record_answer", "record_followup"]


def _load(conn: Connection, code: str):
    found = find_incident(conn, code)
    if found is None:
        raise Refused(f"No incident with code {code!r}.")
    incident_id, version = found
    return incident_id, version, load_records(conn, [incident_id])[incident_id]


def open_items(engine: Engine, code: str, today: date | None = None) -> list[tuple[str, str]]:
    """``(item, party)`` for everything incident ``code`` waits for from a party the company chases."""
    with engine.connect() as conn:
        _, _, record = _load(conn, code)
    state = evaluate(record, today)
    return [(m.text, m.role) for m in state.missing if m.role in CHASED_PARTIES]


def record_followup(engine: Engine, code: str, followup: FollowUpIn, actor: Actor,
                    expected_version: int | None = None, today: date | None = None) -> int:
    """Record a chase of ``followup.party`` about ``followup.item`` of incident ``code``; returns its id."""
    with engine.begin() as conn:
        require(actor, "edit", f"recording a follow-up on {code}", conn)
        incident_id, version, record = _load(conn, code)
        if expected_version is not None and expected_version != version:
            raise ConflictError(f"{code} was changed by someone else since you opened it; reload to see what it "
                                "waits for now. Nothing was recorded.")
        try:
            check_against_incident(followup, record.incident.date_received, code)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        missing = {m.text: m.role for m in evaluate(record, today).missing}
        if followup.item not in missing:
            raise Refused(f"item: {code} does not wait for {followup.item!r} (any more); choose one of what it waits "
                          "for now.")
        if missing[followup.item] != followup.party:
            raise Refused(f"party: {ROLES[missing[followup.item]]} owes {followup.item!r}, not "
                          f"{ROLES[followup.party]}.")
        values = followup.model_dump()
        followup_id = store.insert_followup(conn, incident_id, actor.user, **values)
        write_audit(conn, actor, "recorded follow-up", [
            {"field": f"followups[{followup_id}]", "before": None,
             "after": f"{followup.asked_on} · {ROLES[followup.party]} · {ESCALATION_LEVELS[followup.escalation]} · "
                      f"{followup.item}" + (f" · due {followup.due_on}" if followup.due_on else "")}],
            incident_id, code)
        return followup_id


def record_answer(engine: Engine, followup_id: int, answer: FollowUpAnswer, actor: Actor,
                  expected_version: int | None = None) -> dict:
    """Record the party's answer to follow-up ``followup_id``; returns the stored row."""
    with engine.begin() as conn:
        require(actor, "edit", "recording the answer to a follow-up", conn)
        row = store.followup_row(conn, followup_id)
        if row is None:
            raise Refused(f"No follow-up with id {followup_id}.")
        version = row["version"] if expected_version is None else expected_version
        if row["version"] != version:
            raise ConflictError(f"The follow-up of {row['code']} was changed by someone else since you opened it; "
                                "reload to see it. Nothing was recorded.")
        try:
            check_answer(row["asked_on"], answer.answered_on, answer.answer)
        except ValueError as exc:
            raise Refused(str(exc)) from None
        if store.set_answer(conn, followup_id, version, answer.answered_on, answer.answer) != 1:
            raise ConflictError(f"The follow-up of {row['code']} was changed by someone else since you opened it.")
        write_audit(conn, actor, "recorded follow-up answer", [
            {"field": f"followups[{followup_id}].answer",
             "before": f"{row['answered_on']}: {row['answer']}" if row["answered_on"] else None,
             "after": f"{answer.answered_on}: {answer.answer[:200]}"}], row["incident_id"], row["code"])
        return store.followup_row(conn, followup_id)

