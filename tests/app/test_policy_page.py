"""The level policy page as Streamlit runs it: the policy in force, a draft's impact, adoption."""

from __future__ import annotations

from remediation.domain.policy import DEFAULT_POLICY
from remediation.domain.rules import assess
from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

POLICY = "pages/policy.py"


def test_the_policy_in_force_shows_its_inferred_cells(run_app):
    at = run_app(page=POLICY)
    assert not at.exception
    assert at.subheader[0].value == "In force: version 1"
    matrix = at.dataframe[0].value
    assert list(matrix["Level 1"]) == ["Mandatory", "Mandatory (inferred)", "Recommended (inferred)"]
    assert {m.label: m.value for m in at.metric}["Severe from this many affected persons"] == "10"


def test_a_draft_shows_its_impact_and_adoption_keeps_earlier_assessments_versions(run_app):
    at = run_app(page=POLICY)
    at.selectbox(key="draft_past_other_1").set_value("mandatory")
    next(b for b in at.button if b.proto.form_id == "draft").click()
    at.run()
    assert not at.exception
    expected = sorted(r.incident.code for r in read_fixture()
                      if evaluate(r).is_open and r.incident.trading_link in ("current", "past")
                      and assess(r.incident.triage_input(), DEFAULT_POLICY).scenario == "past_other")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Level 1 requirement changes"] == str(len(expected)) and metrics["Level 2 requirement changes"] == "0"
    if expected:
        assert sorted(at.dataframe[-1].value["code"]) == expected

    engine = db.get_engine()
    versions_before = {r.incident.code: [a.policy_version for a in r.assessments] for r in read_fixture()}
    at.button(key="adopt").click().run()
    assert not at.exception
    assert at.subheader[0].value == "In force: version 2"
    assert queries.latest_policy(engine).matrix["past_other"].level1 == "mandatory"
    assert not queries.latest_policy(engine).matrix["past_other"].inferred
    for code, versions in versions_before.items():  # earlier assessments keep the version they were made under
        stored, _, _ = queries.incident(engine, code)
        assert [a.policy_version for a in stored.assessments] == versions
