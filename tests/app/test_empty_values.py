"""The incident page says "—" for what is not recorded yet, in its tables and its text, never "None"; the
relationship decisions are four short columns, the prose under them."""

from __future__ import annotations

import re

from conftest import STEP_TABS, open_tab

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

INCIDENT_PAGE = "pages/incident.py"


def test_no_none_on_the_incident_page_and_every_table_shows_a_dash_for_a_missing_value(run_app):
    rec = next(r for r in read_fixture() if evaluate(r).step == 4 and any(
        d.do_no_harm_checked_on is None for d in r.response.relationship_decisions) and any(
        ms.done_on is None for ms in (r.response.corrective_action.milestones if r.response.corrective_action else [])))
    at = run_app(query={"incident": rec.incident.code}, page=INCIDENT_PAGE)
    assert not at.exception
    frames, text = [], []
    for label in STEP_TABS:  # only the open step tab is drawn: each in turn
        open_tab(at, label)
        assert not at.exception
        frames += list(at.dataframe)
        text += [e.value for kind in ("markdown", "caption", "warning", "info", "success", "error")
                 for e in getattr(at, kind)]
    assert frames, "the incident page draws tables"
    assert [d.proto.placeholder for d in frames] == ["—"] * len(frames)
    nulls = [d for d in frames if d.value.isna().any().any()]
    assert nulls, "a milestone not done and a decision without a do-no-harm check are missing values"
    assert not [t for t in text if re.search(r"\bNone\b", t)]

    decisions = next(d.value for d in frames if "Relationship" in d.value.columns)
    assert list(decisions.columns) == ["Relationship", "Decision", "On", "Do-no-harm check"]
    why = next(t for t in text if t.startswith("- **Mine operator, "))
    mine = next(d for d in rec.response.relationship_decisions if d.party == "mine_operator")
    assert mine.reasons.split()[0] in why
