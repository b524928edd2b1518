"""Two people edit the same incident: the second save is refused with what changed, on both backends."""

from __future__ import annotations

import re
from datetime import timedelta

from conftest import open_form, submit

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture
from remediation.storage import queries

INCIDENT = "pages/incident.py"


def _fill(at, form, **values):
    for field, value in values.items():
        key = f"{form}.{field}"
        next(w for kind in ("date_input", "radio", "selectbox") for w in getattr(at, kind) if w.key == key) \
            .set_value(value)
    return submit(at, form)


def test_the_second_editor_is_told_and_nothing_is_overwritten(backend, database_url_factory, run_app):
    url, engine = database_url_factory(backend)
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 1 and r.verification.notice)
    code, notified = rec.incident.code, rec.verification.notice.notified_on
    first = run_app(page=INCIDENT, query={"incident": code}, database_url=url, demo="1")
    second = run_app(page=INCIDENT, query={"incident": code}, database_url=url, demo="1")
    assert not first.exception and not second.exception

    _fill(first, "substantiation", substantiated=True, trading_link="current", decided_on=notified + timedelta(days=3))
    assert not first.exception and first.subheader[0].value == "Needed to move on from Step 2"

    # The second editor still has the Step 1 form from before, and decides differently.
    _fill(second, "substantiation", substantiated=False, decided_on=notified + timedelta(days=5))
    assert not second.exception
    message = second.error[0].value
    assert f"Not saved: {code} was changed by someone else" in message
    assert "verification.substantiation" in message  # what the first editor changed
    stored, state, _ = queries.incident(engine, code)
    assert stored.verification.substantiation.substantiated is True and state.step == 2  # the first save stands
    trail = queries.audit_trail(engine, code)
    assert list(trail["action"]).count("recorded substantiation") == 1
    assert second.subheader[0].value == "Needed to move on from Step 2"  # the page shows what is stored now


def test_a_form_still_on_screen_is_refused_too(backend, database_url_factory, run_app):
    from datetime import date

    url, engine = database_url_factory(backend)
    rec = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4 and r.plan(1)
               and r.plan(1).implementation_started_on and r.plan(1).closure.final_report_on is None)
    code, start = rec.incident.code, rec.plan(1).implementation_started_on
    first = run_app(page=INCIDENT, query={"incident": code}, database_url=url, demo="1")
    second = run_app(page=INCIDENT, query={"incident": code}, database_url=url, demo="1")
    report = {"period_start": start, "period_end": start + timedelta(days=30), "received_on": date.today()}
    for at in (first, second):
        open_form(at, "monitoring1")  # "Add a monitoring report", opened in both sessions before either saves
        for field, value in report.items():
            at.date_input(key=f"monitoring1.{field}").set_value(value)
    submit(first, "monitoring1")
    assert not first.exception
    submit(second, "monitoring1")
    assert f"Not saved: {code} was changed by someone else" in second.error[0].value
    stored, _, _ = queries.incident(engine, code)
    assert len(stored.plan(1).monitoring_reports) == len(rec.plan(1).monitoring_reports) + 1


def _save_time_frames(at, **days: int):
    open_form(at, "time_frames")  # drawn only once opened (pages._lazy)
    for step, value in days.items():
        at.number_input(key=f"frame{step.removeprefix('step')}").set_value(value)
    return submit(at, "time_frames")


def test_two_admins_saving_time_frames_the_second_is_told_what_changed(backend, database_url_factory, run_app):
    url, engine = database_url_factory(backend)
    first = run_app(database_url=url, demo="1")
    second = run_app(database_url=url, demo="1")
    assert not first.exception and not second.exception
    for at in (first, second):
        open_form(at, "time_frames")  # both admins have the form open before either saves

    _save_time_frames(first, step2=45)
    assert not first.exception and not first.error
    _save_time_frames(second, step3=200)
    assert not second.exception
    message = re.sub(r"\\(.)", r"\1", second.error[0].value)  # as read: md()'s escapes taken off
    assert "Not saved: the setting 'time_frames' was changed by local user since you opened it" in message
    assert "What changed: step 2: 30 → 45 days." in message
    stored = queries.settings(engine).time_frames
    assert (stored[2], stored[3]) == (45, 90)  # the first save stands; the second wrote nothing
    assert second.number_input(key="frame2").value == 45  # the form shows what is stored now
    assert second.number_input(key="frame3").value == 90

    _save_time_frames(second, step3=200)  # saved again, now from what is stored
    assert not second.exception and not second.error
    assert queries.settings(engine).time_frames == stored | {3: 200}


def test_a_policy_draft_overtaken_by_another_adoption_is_not_adopted(backend, database_url_factory, run_app):
    url, engine = database_url_factory(backend)
    first = run_app(page="pages/policy.py", database_url=url, demo="1")
    second = run_app(page="pages/policy.py", database_url=url, demo="1")
    for at, threshold in ((first, 5), (second, 20)):
        at.number_input(key="draft_threshold").set_value(threshold)
        next(b for b in at.button if b.proto.form_id == "draft").click()
        at.run()
        assert not at.exception and at.button(key="adopt").label == "Adopt as version 2"

    first.button(key="adopt").click().run()
    assert not first.exception and first.subheader[0].value == "In force: version 2"
    second.button(key="adopt").click().run()  # the page now reads version 2: the draft is set aside
    assert not second.exception
    assert "Your draft was made from version 1, but version 2 was adopted since (by local user)" \
        in second.warning[0].value
    assert second.subheader[0].value == "In force: version 2" and not [b for b in second.button if b.key == "adopt"]
    assert [p.severe_affected_persons for p in queries.policy_versions(engine)] == [10, 5]
