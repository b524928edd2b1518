"""Sign-in and roles as Streamlit runs the app: local mode's label; with ``[auth]`` configured, the sign-in
gate, and what a viewer, an editor and an admin each see.

The identity provider itself cannot run here: these tests configure ``[auth]`` through ``AppTest.secrets``
and play the provider's part through ``AppTest.user`` (what ``st.user`` returns after a real ``st.login``),
so the gate's logic runs exactly as in production; only the redirect to the provider is not exercised.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import STEP_TABS, app_test, open_form, open_tab
from streamlit.testing.v1 import AppTest

from pages import _auth, _text
from remediation.domain.models import Credibility
from remediation.domain.workflow import evaluate
from remediation.services import access, bootstrap
from remediation.services import incidents as services
from remediation.services.access import COMMAND_LINE
from remediation.services.base import Actor
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import queries

APP = Path(__file__).resolve().parents[2] / "app.py"
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "not-a-real-secret",
                 "client_id": "dashboard", "client_secret": "not-a-real-secret",
                 "server_metadata_url": "https://id.example.org/.well-known/openid-configuration"}}
ADMIN, EDITOR, VIEWER = "ada@brand.example", "eddie@brand.example", "vera@board.example"
LOCAL_LABEL = "Local mode: single user, no sign-in."


def open_incident_at(step: int) -> str:
    return next(r.incident.code for r in read_fixture() if evaluate(r).is_open and evaluate(r).step == step)


@pytest.fixture
def app(monkeypatch, tmp_path):
    """``app(user=None, page=None, query=None)`` → a run AppTest of app.py with ``[auth]`` configured and the
    demo portfolio; ``user`` is the dict ``st.user`` returns (an e-mail alone: signed in with that e-mail).
    Ada is an admin, Eddie an editor, Vera a viewer."""
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(access, "_signed_in_mode", False)  # the app turns it on; put back afterwards
    monkeypatch.setattr(_auth, "_authlib_installed", lambda: True)
    engine = bootstrap.bootstrap(db.get_engine(url))
    for email, role in ((ADMIN, "admin"), (EDITOR, "editor"), (VIEWER, "viewer")):
        access.set_role(engine, email, role, COMMAND_LINE)

    def run(user: str | dict | None = None, page: str | None = None, query: dict | None = None) -> AppTest:
        signed_in = {"is_logged_in": False} if user is None else (
            {"is_logged_in": True, "email": user} if isinstance(user, str) else user)
        return app_test(tmp_path, page, query, secrets={key: dict(value) for key, value in AUTH.items()},
                        user=signed_in).run()

    yield run
    db.dispose_engines()


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(getattr(e, "value", "")) for e in at.sidebar)


def form_buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.proto.form_id]


# --- local mode ---------------------------------------------------------------------------------------

def test_local_mode_is_labelled_and_its_single_user_may_do_everything(run_app):
    at = run_app()
    assert not at.exception
    assert LOCAL_LABEL in sidebar_text(at)
    assert "Sign out" not in [b.label for b in at.button]
    assert at.session_state[_auth.SESSION_USER] == access.LOCAL_ADMIN
    at.switch_page(str(APP.parent / "pages/admin.py")).run()
    assert not at.exception and at.title[0].value == "Administration"
    assert [s.value for s in at.main.subheader] == ["Users and roles", "Evidence documents", "Reporting chain", "Audit log"]


# --- the gate -----------------------------------------------------------------------------------------

def test_before_signing_in_there_is_only_a_sign_in_button(app):
    at = app(query={"incident": open_incident_at(2)})  # a deep link gets no further
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert at.title[0].value == "Remediation oversight"
    assert not at.dataframe and not at.metric and not at.text_input and not at.sidebar.children
    assert _auth.SESSION_USER not in at.session_state
    assert access.signed_in_mode()


def test_without_authlib_the_sign_in_screen_says_what_to_install(app, monkeypatch):
    monkeypatch.setattr(_auth, "_authlib_installed", lambda: False)
    at = app()
    assert not at.exception and not at.button
    assert "pip install 'streamlit[auth]'" in at.error[0].value


def test_a_signed_in_email_without_a_role_gets_nothing_but_a_sign_out_button(app):
    at = app("stranger@example.org")
    assert not at.exception
    assert "stranger\\@\u2060example\\.org**, but this address has no role here" in at.warning[0].value  # md()
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.dataframe and not at.sidebar.children


@pytest.mark.parametrize("user", [{"is_logged_in": True}, {"is_logged_in": True, "email": VIEWER,
                                                           "email_verified": False}])
def test_without_a_verified_email_there_is_no_access(app, user):
    at = app(user)
    assert not at.exception and "verified e-mail" in at.error[0].value
    assert [b.label for b in at.button] == ["Sign out"] and not at.dataframe


def test_the_role_comes_from_the_database_whatever_the_case_of_the_email(app):
    at = app("Vera@Board.example")
    assert not at.exception
    assert at.session_state[_auth.SESSION_USER] == access.User(VIEWER, "viewer")
    assert f"Signed in as {_text.md(VIEWER)} (viewer)" in sidebar_text(at).replace("**", "")
    assert LOCAL_LABEL not in sidebar_text(at)


def test_signing_out_leads_back_to_the_sign_in_screen(app):
    at = app(EDITOR)
    at.button(key="sign_out").click().run()
    at.run()
    assert not at.exception and [b.label for b in at.button] == ["Sign in"]


# --- a viewer -----------------------------------------------------------------------------------------

def every_step_tab(at: AppTest):
    """``at`` with each of the incident page's step tabs open in turn (only the open one is drawn)."""
    for label in STEP_TABS:
        open_tab(at, label)
        assert not at.exception, label
        yield at


def test_a_viewer_sees_an_incident_with_no_forms(app):
    at = app(VIEWER, page="pages/incident.py", query={"incident": open_incident_at(1)})
    assert not at.exception and at.title[0].value.startswith(open_incident_at(1))
    for tab in every_step_tab(at):
        assert form_buttons(tab) == [] and not tab.text_area
    editor = app(EDITOR, page="pages/incident.py", query={"incident": open_incident_at(1)})
    assert form_buttons(editor)  # the same page, for an editor: the step's form


FORM_EXPANDERS = ("Add ", "Record the company's", "Change the company's", "Update ", "Mark a milestone", "Decide on",
                  "The company's decision", "Informed consent", "Raise an action", "Open a plan", "remedy types",
                  "record a stakeholder", "record who passed", "record feedback")


def form_expanders(at: AppTest) -> list[str]:
    return [e.label for e in at.expander if any(e.label.startswith(x) or x in e.label for x in FORM_EXPANDERS)]


@pytest.mark.parametrize("wanted", [
    lambda s, r: s.is_open and r.response.corrective_action is not None and r.response.corrective_action.milestones,
    lambda s, r: s.is_open and s.step == 4 and any(p.monitoring_reports and p.case_plans for p in r.plans),
    lambda s, r: s.status == "closed_remediated" and r.lessons is not None and r.lessons.actions,
], ids=["corrective", "plans", "lessons"])
def test_a_viewer_gets_no_empty_form_expanders_nor_their_pickers(app, wanted):
    """Regression (found in the browser): the incident page drew the company-work and plan expanders ("Add a
    milestone", "Raise an action"…) and their pickers for a viewer, only their forms left out."""
    code = next(r.incident.code for r in read_fixture() if wanted(evaluate(r), r))
    at = app(VIEWER, page="pages/incident.py", query={"incident": code})
    assert not at.exception
    for tab in every_step_tab(at):
        assert form_buttons(tab) == []
        assert form_expanders(tab) == []
        assert not [s.label for s in tab.selectbox if s.label in ("Milestone", "Case plan (victim code)",
                                                                  "Monitoring report", "Action", "Initiative",
                                                                  "Indicator")]
    editor = app(EDITOR, page="pages/incident.py", query={"incident": code})
    assert [form_expanders(tab) for tab in every_step_tab(editor)] != [[]] * len(STEP_TABS)  # the editor's are there


@pytest.mark.parametrize("email", [VIEWER, EDITOR])
def test_only_admins_have_the_admin_page(app, email):
    at = app(email)
    with pytest.raises(ValueError, match="Could not find a navigation page"):  # not in the navigation at all
        at.switch_page(str(APP.parent / "pages/admin.py"))
    at = app(ADMIN)
    at.switch_page(str(APP.parent / "pages/admin.py")).run()
    assert not at.exception and at.main.subheader[-1].value == "Audit log"


@pytest.mark.parametrize("role", ["viewer", "editor"])
def test_the_admin_page_itself_refuses_a_non_admin(app, role):
    app(ADMIN)  # migrated, users stored
    at = AppTest.from_file(str(APP.parent / "pages/admin.py"), default_timeout=60)  # the page run on its own
    at.secrets = {key: dict(value) for key, value in AUTH.items()}
    at.session_state[_auth.SESSION_USER] = access.User(EDITOR, role)
    at.run()
    assert not at.exception and at.error[0].value == "This page is for admins."
    assert not at.dataframe and not at.text_input


# --- an admin -----------------------------------------------------------------------------------------

def test_an_admin_sees_users_and_the_audit_log_and_filters_it(app):
    # at Step 1 and not yet with the audit programme: the company may still decide credibility (issue #12)
    first = next(r.incident.code for r in read_fixture()
                 if evaluate(r).is_open and evaluate(r).step == 1 and r.verification.notice is None)
    app(ADMIN)  # the database is ready
    services.record_credibility(db.get_engine(), first, Credibility(credible=True, decided_on=date.today()),
                                Actor(EDITOR, "downstream_company"))

    at = app(ADMIN, page="pages/admin.py")
    assert not at.exception and at.title[0].value == "Administration"
    users, log = at.dataframe[0].value, at.dataframe[1].value
    assert list(users["email"]) == [ADMIN, EDITOR, VIEWER] and list(users["role"]) == ["admin", "editor", "viewer"]
    assert (log.iloc[0]["actor"], log.iloc[0]["incident_code"], log.iloc[0]["action"]) == \
        (EDITOR, first, "recorded credibility")  # newest first

    at.text_input(key="audit_incident").set_value(first.lower()).run()
    log = at.dataframe[1].value
    assert not at.exception and list(log["action"]) == ["recorded credibility", "loaded incident"]
    at.selectbox(key="audit_user").set_value(EDITOR).run()
    assert list(at.dataframe[1].value["action"]) == ["recorded credibility"]
    at.text_input(key="audit_incident").set_value("").run()
    at.selectbox(key="audit_user").set_value("command line").run()
    log = at.dataframe[1].value
    assert set(log["actor"]) == {"command line"} and set(log["action"]) == {"added user"} and len(log) == 3
    at.selectbox(key="audit_user").set_value(None).run()
    at.date_input(key="audit_days").set_value((date.today() - timedelta(days=30), date.today() - timedelta(days=29)))
    at.run()
    assert not at.exception and "No audit entry matches these filters." in [i.value for i in at.info]


def test_an_admin_adds_a_user_and_changes_a_role_from_the_page(app):
    at = app(ADMIN, page="pages/admin.py")
    next(w for w in at.text_input if w.label == "E-mail").set_value("New.Person@Brand.example")
    at.radio[0].set_value("editor")
    next(b for b in at.button if b.proto.form_id == "user_role").click().run()
    assert not at.exception
    users = at.dataframe[0].value
    assert dict(zip(users["email"], users["role"]))["new.person@brand.example"] == "editor"
    assert access.role_of(db.get_engine(), "new.person@brand.example") == "editor"


# --- every page's edit controls follow the role ------------------------------------------------------
# The intake, the what-if "Record" button, the policy draft and the time-frames editor are drawn by pages that
# still ask board_mode() and write as "local user": these tests pass once those pages call can_edit(),
# can_administer() and current_actor() (the lines are listed in the change's note).

def substantiated_open_incident() -> str:
    return next(r.incident.code for r in read_fixture() if (s := evaluate(r)).is_open and s.step >= 3
                and r.incident.trading_link == "current")


def test_a_viewer_gets_no_intake_form_and_an_editor_does(app):
    assert form_buttons(app(VIEWER, page="pages/incident.py")) == []
    assert form_buttons(app(EDITOR, page="pages/incident.py")) == ["Record allegation"]


def test_what_if_assessments_are_recorded_by_editors_under_their_email(app):
    code = substantiated_open_incident()
    viewer = app(VIEWER, page="pages/triage.py", query={"from": code})
    assert not viewer.exception and "record_whatif" not in [b.key for b in viewer.button]
    editor = app(EDITOR, page="pages/triage.py", query={"from": code})
    editor.button(key="record_whatif").click().run()
    assert not editor.exception
    trail = queries.audit_trail(db.get_engine(), code)
    assert (trail.iloc[-1]["actor"], trail.iloc[-1]["action"]) == (EDITOR, "recorded level assessment")


@pytest.mark.parametrize("email", [VIEWER, EDITOR])
def test_policy_drafts_and_time_frames_are_for_admins_only(app, email):
    assert "draft" not in [f.proto.form_id for f in app(email, page="pages/policy.py").button]
    viewer = open_form(app(email), "time_frames")  # as if its expander were opened: it is not there to open
    assert "time_frames" not in [f.proto.form_id for f in viewer.button]
    assert "Indicative time frame per step" not in [e.label for e in viewer.expander]
    assert "draft" in [f.proto.form_id for f in app(ADMIN, page="pages/policy.py").button]
    admin = app(ADMIN)
    assert "Indicative time frame per step" in [e.label for e in admin.expander]
    assert "time_frames" in [f.proto.form_id for f in open_form(admin, "time_frames").button]
