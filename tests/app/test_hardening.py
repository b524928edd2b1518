"""Issue #16, tried from outside: garbage links, a NUL byte, a database fault mid-save. Every one gets a plain
message naming the field or the problem, never a traceback, SQL or parameters; nothing is half-written."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
import streamlit as st
from conftest import submit
from sqlalchemy.exc import OperationalError

from remediation.domain.workflow import evaluate
from remediation.services import access
from remediation.services import incidents as incident_services
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import lessons, queries

TRIAGE, LESSONS, INCIDENT = "pages/triage.py", "pages/lessons.py", "pages/incident.py"
LEAKS = ("[SQL", "[parameters", "UPDATE ", "INSERT ", "SELECT ", "Traceback", "sqlalche.me")


def shown(at) -> str:
    return "\n".join(e.value for kind in ("error", "warning", "info") for e in getattr(at, kind))


@pytest.mark.parametrize(("key", "value", "label"), [
    ("affected", "inf", "Affected persons"), ("affected", "1e309", "Affected persons"),
    ("affected", "-inf", "Affected persons"), ("children", "1e309", "Of whom children"),
    ("children", "nan", "Of whom children"), ("affected", "abc", "Affected persons"),
])
def test_a_number_the_inputs_cannot_read_is_named_not_a_traceback(run_app, key, value, label):
    at = run_app(page=TRIAGE, query={key: value, "types": "forced_labour"})
    assert not at.exception
    warning = next(w.value for w in at.warning if label in w.value)
    assert "not a whole number" in warning and "default" in warning
    assert at.number_input(key=key).value == {"affected": 5, "children": 0}[key]
    assert at.markdown  # the answer is still given, from the defaults


def test_an_unknown_from_code_warns_visibly_not_inside_the_collapsed_expander(run_app):
    at = run_app(page=TRIAGE, query={"from": "INC-1999-999"})
    assert not at.exception
    assert any("There is no incident with the code INC" in w.value for w in at.warning)
    assert not any("no incident" in w.value for exp in at.expander for w in exp.warning)


@pytest.mark.parametrize(("page", "query", "expected"), [
    (INCIDENT, {"incident": "INC-2026\x00-001"}, "This link is invalid: incident: contains U+0000 (NULL)"),
    (INCIDENT, {"incident": "INC-\uff12\uff10\uff12\uff16-001"}, "This link is invalid: incident: contains U+FF12"),
    (TRIAGE, {"from": "INC-2026\x00-001"}, "This link is invalid: from: contains U+0000 (NULL)"),
    (LESSONS, {"lessons_q": "fund\x00ing"}, "Search the lessons: contains U+0000 (NULL) at character 5"),
    ("pages/admin.py", {"audit_incident": "INC\x00"}, "Incident code: contains U+0000 (NULL) at character 4"),
    ("pages/admin.py", {"audit_user": "a\x00@b.org"}, "User: contains U+0000 (NULL) at character 2"),
])
def test_a_nul_or_a_look_alike_in_a_link_says_the_link_is_invalid(backend, database_url_factory, run_app, page,
                                                                   query, expected):
    url, _ = database_url_factory(backend)
    at = run_app(page=page, query=query, database_url=url, demo="1")
    assert not at.exception
    text = shown(at)
    assert expected in text, text
    assert "cannot be reached" not in text and not any(leak in text for leak in LEAKS)


def test_the_lessons_search_fragment_says_a_database_failure_in_words(run_app, monkeypatch):
    def gone(*args, **kwargs):
        raise OperationalError("SELECT count(*) FROM lessons WHERE challenges ILIKE %(q)s", {"q": "x"},
                               Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(lessons, "search", gone)
    at = run_app(page=LESSONS, query={"lessons_q": "funding"})
    assert not at.exception
    text = shown(at)
    assert "The database cannot be reached." in text and not any(leak in text for leak in LEAKS)
    # caught inside the fragment itself: the rest of the page below it is still drawn
    assert any(s.value == "Budget outcome and time to closure" for s in at.subheader)


def _step1_incident(url):
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 1 and r.verification.notice)
    return rec.incident.code, rec.verification.notice.notified_on


def _substantiate(at, decided_on):
    values = {"substantiated": True, "trading_link": "current", "decided_on": decided_on}
    for field, value in values.items():
        next(w for kind in ("date_input", "radio", "selectbox") for w in getattr(at, kind)
             if w.key == f"substantiation.{field}").set_value(value)
    button = next(b for b in at.button if b.proto.form_id == "substantiation")
    button.click()
    return at.run()


def _assert_nothing_written(engine, code, audit_before):
    stored, state, _ = queries.incident(engine, code)
    assert stored.verification.substantiation is None and state.step == 1
    assert len(queries.audit_trail(engine, code)) == audit_before


def test_a_locked_sqlite_during_a_save_says_busy_and_writes_nothing(database_url_factory, run_app):
    url, engine = database_url_factory("sqlite")
    code, notified = _step1_incident(url)
    at = run_app(page=INCIDENT, query={"incident": code}, database_url=url, demo="1")
    assert not at.exception
    audit_before = len(queries.audit_trail(engine, code))
    blocker = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the database through the whole save
    try:
        at = _substantiate(at, notified + timedelta(days=3))
    finally:
        blocker.rollback()
        blocker.close()
    assert not at.exception
    text = shown(at)
    assert "The database is busy." in text and not any(leak in text for leak in LEAKS), text
    _assert_nothing_written(engine, code, audit_before)


def test_a_dropped_connection_during_a_save_says_so_and_writes_nothing(backend, database_url_factory, run_app,
                                                                       monkeypatch):
    url, engine = database_url_factory(backend)
    code, notified = _step1_incident(url)
    at = run_app(page=INCIDENT, query={"incident": code}, database_url=url, demo="1")
    audit_before = len(queries.audit_trail(engine, code))

    def dropped(*args, **kwargs):
        raise OperationalError("UPDATE incidents SET version=%(version)s WHERE incidents.id = %(id)s",
                               {"version": 2, "id": 7, "title": "secret"},
                               Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(incident_services, "record_substantiation", dropped)
    at = _substantiate(at, notified + timedelta(days=3))
    assert not at.exception
    text = shown(at)
    assert "The database cannot be reached." in text and "secret" not in text
    assert not any(leak in text for leak in LEAKS), text
    _assert_nothing_written(engine, code, audit_before)


def test_a_database_fault_recording_a_what_if_assessment_is_plain(run_app, monkeypatch):
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step >= 2
               and r.incident.trading_link in ("current", "past"))

    def locked(*args, **kwargs):
        raise OperationalError("INSERT INTO assessments (incident_id) VALUES (?)", (7,), Exception("database is locked"))

    monkeypatch.setattr(incident_services, "record_assessment", locked)
    at = run_app(page=TRIAGE, query={"from": rec.incident.code}, demo="1")
    assert not at.exception
    at = at.button(key="record_whatif").click().run()
    assert not at.exception
    text = shown(at)
    assert "The database is busy." in text and not any(leak in text for leak in LEAKS), text


def test_a_database_fault_reading_the_policy_for_the_level_preview_is_plain(run_app, monkeypatch):
    """The incident page's preview of the level rules caught every exception to say the facts were unreadable,
    and so showed a database fault's SQL and parameters (as Markdown) in that sentence."""
    code = next(r.incident.code for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 2)
    run_app()  # set up, with the demo portfolio

    def gone(*args, **kwargs):
        raise OperationalError("SELECT policies.rules FROM policies WHERE policies.notes = %(n)s", {"n": "zq-hidden"},
                               Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(queries, "policy_in_force", gone)
    st.cache_data.clear()  # the set-up run read the policy: read it again, past the cache
    at = run_app(page=INCIDENT, query={"incident": code})
    assert not at.exception
    text = shown(at)
    assert "The database cannot be reached." in text, text
    assert "cannot read the recorded facts" not in text and "zq-hidden" not in text
    assert not any(leak in text for leak in LEAKS), text


def test_a_fault_on_a_form_outside_the_form_helper_is_plain_and_writes_nothing(backend, database_url_factory, run_app,
                                                                             monkeypatch):
    """A form that catches only its own refusals (here the admin's role form) leaves a database fault to app.py's
    handler: plain words, the first line of the driver's message at most, never the SQL or its parameters."""
    url, engine = database_url_factory(backend)
    at = run_app(page="pages/admin.py", database_url=url, demo="1")
    assert not at.exception

    def dropped(*args, **kwargs):
        raise OperationalError("INSERT INTO users (email, role) VALUES (%(email)s, %(role)s)",
                               {"email": "zq-hidden@example.org", "role": "admin"},
                               Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(access, "set_role", dropped)
    at.text_input[0].set_value("someone@example.org")
    at.radio[0].set_value("editor")
    at = submit(at, "user_role")
    assert not at.exception
    text = shown(at)
    assert "The database cannot be reached." in text and "zq-hidden" not in text, text
    assert not any(leak in text for leak in LEAKS), text
    assert access.list_users(engine, access.COMMAND_LINE) == []


def test_a_read_only_database_file_at_start_is_named_not_unreachable(tmp_path, run_app):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).execute("CREATE TABLE placeholder (a)").connection.commit()
    at = run_app(database_url=f"sqlite:///file:{path}?mode=ro&uri=true", demo="1")
    assert not at.exception
    text = shown(at)
    assert "The database file is read-only." in text and str(path) in text and "writable" in text
    assert "cannot be reached" not in text


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_read_only_database_file_that_is_set_up_serves_its_pages_and_refuses_changes(tmp_path, run_app, journal):
    """#16 item 11: a read-only SQLite file at start served no page at all (a file in the default rollback journal:
    switching it to the write-ahead log is a write). One already set up is read; every page says it is read-only,
    and a save says so in the form, with nothing written."""
    path = tmp_path / "set-up.db"
    writable = f"sqlite:///{path}"
    code, notified = _step1_incident(writable)
    run_app(database_url=writable, demo="1")  # set up: schema, default policy, demo portfolio
    db.dispose_engines()
    with sqlite3.connect(path) as conn:  # a copy or backup of the file, as a reader would be given it
        conn.execute(f"PRAGMA journal_mode={journal}")
    read_only = f"sqlite:///file:{path}?mode=ro&uri=true"
    for page in (None, INCIDENT, LESSONS, TRIAGE):
        at = run_app(page=page, query={"incident": code} if page == INCIDENT else None, database_url=read_only)
        assert not at.exception and at.title, page
        text = shown(at)
        assert "The database file is read-only." in text and "every change will be refused" in text, (page, text)
        assert "cannot be reached" not in text and not any(leak in text for leak in LEAKS)
    audit_before = len(queries.audit_trail(db.get_engine(writable), code))
    at = _substantiate(run_app(page=INCIDENT, query={"incident": code}, database_url=read_only),
                       notified + timedelta(days=3))
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "The database file is read-only." in errors and not any(leak in errors for leak in LEAKS), errors
    _assert_nothing_written(db.get_engine(writable), code, audit_before)


def test_a_crafted_from_link_is_shown_as_text(run_app):
    at = run_app(page=TRIAGE, query={"from": "[X](https://evil.example) $X$ :RED[Y]"})
    assert not at.exception
    warning = next(w.value for w in at.warning if "There is no incident with the code" in w.value)
    assert "\\[X\\]\\(HTTPS\\:\u2060//EVIL\\.EXAMPLE\\)" in warning  # upper-cased as a code; md(): no link
    assert "\\$X\\$" in warning and "\\:\u2060RED\\[Y\\]" in warning
