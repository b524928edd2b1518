"""The demo's follow-ups: chases and escalations of the party that owes what each open incident waits for, made
from the incident's own state as it loads (like the demo's documents), so they never disagree with it.

Proportions, as a lead's log would show them: an item owed for under three weeks is not chased yet; three in four
of the older ones are, about once every six weeks, each chase a step harder than the one before (two reminders,
then a senior contact, then leverage: a business review or the audit programme asked to escalate, orders
suspended, disengagement considered). Earlier chases were mostly answered ("acknowledged"); the latest waits for an
answer due two weeks after it, so the long-owed items show overdue answers.
"""

from __future__ import annotations

import random
import zlib
from datetime import date, timedelta

from sqlalchemy import Connection, insert

from remediation.domain.followups import CHASED_PARTIES
from remediation.domain.models import IncidentRecord
from remediation.domain.workflow import evaluate
from remediation.storage import schema as t

__all__ = ["demo_followups", "store_demo_followups"]

_LADDER = ["reminder", "reminder", "senior_contact", "leverage_business_review", "leverage_audit_programme",
           "leverage_suspended_orders", "leverage_disengagement_considered"]
_CHANNEL = {"reminder": "email", "senior_contact": "phone", "leverage_business_review": "business_review",
            "leverage_audit_programme": "letter", "leverage_suspended_orders": "letter",
            "leverage_disengagement_considered": "meeting"}
_ASKED = {"reminder": "Asked when this will be provided.",
          "senior_contact": "Raised with the senior contact: asked for a date and the reason for the delay.",
          "leverage_business_review": "Raised in the quarterly business review as a condition of continued business.",
          "leverage_audit_programme": "Asked the audit programme to escalate with the smelter/refiner.",
          "leverage_suspended_orders": "New orders suspended until this is provided.",
          "leverage_disengagement_considered": "Told the party that disengagement is being considered."}
_ANSWERS = ["Acknowledged; expected within four weeks.", "Acknowledged; waiting for the facilitator's input.",
            "Promised by the end of the month."]
NOT_BEFORE_DAYS = 21
INTERVAL_DAYS = 42


def demo_followups(record: IncidentRecord, today: date) -> list[dict]:
    """The follow-ups of one incident (rows for the ``followups`` table, without ``incident_id``)."""
    state = evaluate(record, today)
    if not state.missing or state.missing[0].role not in CHASED_PARTIES:
        return []
    item, party, since = state.missing[0].text[:200], state.missing[0].role, state.step_entered_on
    owed_days = (today - since).days
    rng = random.Random(zlib.crc32(record.incident.code.encode()))
    if owed_days < NOT_BEFORE_DAYS or rng.random() >= 0.75:
        return []
    chases = min(len(_LADDER), max(1, owed_days // INTERVAL_DAYS + rng.choice((0, 0, 1))))
    first = since + timedelta(days=rng.randint(14, NOT_BEFORE_DAYS))
    step = max(1, (today - first).days // chases)
    rows = []
    for n in range(chases):
        asked_on = min(today, first + timedelta(days=n * step + rng.randint(0, 5)))
        level = _LADDER[n]
        latest = n == chases - 1
        answered = not latest and rng.random() < 0.6
        answered_on = min(today, asked_on + timedelta(days=rng.randint(2, 10))) if answered else None
        rows.append({"item": item, "party": party, "asked_on": asked_on, "channel": _CHANNEL[level],
                     "escalation": level, "asked": _ASKED[level], "due_on": asked_on + timedelta(days=14),
                     "answered_on": answered_on, "answer": rng.choice(_ANSWERS) if answered else "",
                     "recorded_by": "demo portfolio loader"})
    return rows


def store_demo_followups(conn: Connection, pairs, today: date | None = None) -> int:
    """Insert the demo follow-ups of ``(incident_id, record)`` pairs; returns how many."""
    today = today or date.today()
    rows = [{"incident_id": i, **row} for i, record in pairs for row in demo_followups(record, today)]
    if rows:
        conn.execute(insert(t.followups), rows)
    return len(rows)
