"""Facts recorded without the document the company setting requires are flagged on the incident page and in the
portfolio until the document is attached (issue #12: imported or loaded records carry no documents)."""

from __future__ import annotations

from conftest import open_form, submit

from remediation.domain.settings import Settings
from remediation.services import admin
from remediation.services.base import Actor
from remediation.storage import engine as db
from remediation.storage import queries

CODE = "INC-2025-006"  # demo: verified by the audit programme, its final and financial reports attached


def test_an_incident_lacking_a_required_document_is_flagged_until_it_is_attached(run_app, tmp_path):
    at = run_app(page="pages/portfolio.py")
    table = next(d.value for d in at.dataframe if "documents" in d.value.columns)
    assert table["documents"].eq("").all()  # the demo attaches the documents behind its reports
    engine = db.get_engine(f"sqlite:///{tmp_path / 'app.db'}")
    conf = queries.settings(engine)  # the admin now also requires each plan's approval document
    admin.update_settings(engine, Settings(**{**conf.model_dump(), "documents_required": [
        *conf.documents_required, "plan_approval"]}), Actor("local user"))
    at = run_app(page="pages/portfolio.py")
    table = next(d.value for d in at.dataframe if "documents" in d.value.columns)
    flagged = dict(zip(table["code"], table["documents"]))
    assert flagged[CODE] == ""  # the demo attached its plan approvals too

    # Remove its Level 1 final report: the verification is recorded, so the document is now missing.
    at = run_app(page="pages/incident.py", query={"incident": CODE})
    open_form(at, f"evidence.remove.{CODE}")  # "Remove a document (admins)", opened
    pick = next(o for o in at.selectbox(key="evidence.remove_pick").options if "level1-final-report" in o)
    at.selectbox(key="evidence.remove_pick").set_value(pick)
    at.text_input(key="evidence.remove_reason").set_value("Not the redacted version")
    submit(at, f"evidence.remove.{CODE}")
    assert not at.exception
    warning = next(w.value for w in at.warning if "Documents missing" in w.value)
    assert "Documents missing: Level 1 plan: Final report (remediation facilitator)" in warning
    at = run_app(page="pages/portfolio.py")
    table = next(d.value for d in at.dataframe if "documents" in d.value.columns)
    assert dict(zip(table["code"], table["documents"]))[CODE] == \
        "Documents missing: Level 1 plan: Final report (remediation facilitator)"
