"""Issue 13's company work (items 3-7) in a real browser, as a sustainability lead signed in as an editor: the
corrective action moved planned → in progress → completed → verified with a milestone; ending a relationship refused
without a do-no-harm check, then recorded with one; a monitoring report passed along the reporting chain hop by hop,
an out-of-order hop refused; the stakeholders consulted, the victim's voice, a feedback round, the remedy types and
the company's involvement recorded and seen in the portfolio and triage; a lessons action raised and closed and
counted on Lessons learned; and a viewer who sees none of these forms.

One server (with sign-in) and one signed-in editor page serve the whole module; every write is checked twice: on the
page after the submit, and in the database through the storage layer."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from remediation.domain.workflow import evaluate
from remediation.services import access, bootstrap
from remediation.services.access import COMMAND_LINE
from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import records

from .helpers import assert_no_app_exception, find_free_port, start_streamlit, wait_for_app
from .oidc_provider import OIDCProvider
from .test_sign_in_browser import EDITOR, VIEWER

pytestmark = pytest.mark.e2e

SHOTS = Path(os.environ.get("COMPANY_WORK_SHOTS", "/tmp/13b-shots"))
MAIN = "[data-testid='stMain']"
# Generous: two cores are shared by several test runs, and a page full of charts can take a minute to draw.
SLOW = 180_000


# --- the demo incidents each walk uses (chosen by what they hold, not by code) ------------------------------------

def _planned_corrective():
    return next(r for r in read_fixture() if evaluate(r).is_open and r.response.corrective_action is not None
                and r.response.corrective_action.status == "planned")


def _relationships_continuing():
    """An open incident whose relationships with the mine operator and the smelter/refiner have not ended (ending one
    twice is refused)."""
    return next(r for r in read_fixture() if evaluate(r).is_open and r.response.corrective_action is not None
                and r.response.relationship_decisions
                and not any(d.decision in ("terminate", "disengage") for d in r.response.relationship_decisions))


def _step4_without_reports():
    """An open incident implementing a single Level 1 plan with no monitoring report yet."""
    return next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4 and len(r.plans) == 1
                and r.plans[0].level == 1 and r.plans[0].implementation_started_on is not None
                and not r.plans[0].monitoring_reports and r.plans[0].case_plans
                and r.incident.involvement != "caused" and "non_repetition" not in r.plans[0].remedy_types)


def _closed_with_lessons():
    return next(r for r in read_fixture() if evaluate(r).status == "closed_remediated" and r.lessons is not None)


# --- one server, one editor ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("company-work")
    url = f"sqlite:///{tmp / 'company-work.db'}"
    with OIDCProvider() as idp, pytest.MonkeyPatch.context() as mp:
        mp.setenv("REMEDIATION_DEMO", "1")
        engine = bootstrap.bootstrap(db.make_engine(url))
        for email, role in ((EDITOR, "editor"), (VIEWER, "viewer")):
            access.set_role(engine, email, role, COMMAND_LINE)
        engine.dispose()
        port = find_free_port()
        secrets_file = tmp / "secrets.toml"
        secrets_file.write_text(idp.auth_secrets(f"http://127.0.0.1:{port}/oauth2callback"))
        app = start_streamlit("app.py", log_path=tmp / "streamlit.log", database_url=url, port=port,
                              extra_args=["--secrets.files", str(secrets_file)], timeout=120)
        try:
            yield app
        finally:
            app.stop()


def sign_in(page, server, email: str) -> None:
    """Through the provider's page and back, as a person does it (test_sign_in_browser's walk, with room for a
    busy machine to draw the portfolio it lands on)."""
    from playwright.sync_api import expect

    page.goto(server.url)
    wait_for_app(page, timeout=SLOW)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible(timeout=60_000)
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/?$"), timeout=60_000)
    wait_for_app(page, timeout=SLOW)
    assert_no_app_exception(page)


@pytest.fixture(scope="module")
def lead(browser, server):
    """The sustainability lead's browser page, signed in as an editor once for the module."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, server, EDITOR)
        yield page
    finally:
        context.close()


@pytest.fixture
def today() -> date:
    return date.today()


def stored(server, code: str):
    """The incident as stored, read through the storage layer (not through the page)."""
    engine = db.make_engine(server.database_url)
    try:
        with engine.connect() as conn:
            incident_id, _ = records.find_incident(conn, code)
            return records.load_records(conn, [incident_id])[incident_id]
    finally:
        engine.dispose()


# --- driving Streamlit's widgets --------------------------------------------------------------------------------

def open_incident(page, server, code: str, tab: str | None = None) -> None:
    page.goto(f"{server.url}/incident?incident={code}")
    wait_for_app(page, timeout=SLOW)
    assert_no_app_exception(page)
    if tab is not None:
        page.locator(MAIN).get_by_role("tab", name=tab).click()
        wait_for_app(page, timeout=SLOW)  # the tab's click reruns the page; a list opened during it closes again


def expander(page, title: str):
    """The expander titled ``title``, opened, its form drawn (opening one reruns the page: pages/_lazy.py)."""
    from playwright.sync_api import expect

    box = page.locator(f"{MAIN} [data-testid='stExpander']").filter(
        has=page.locator("summary").get_by_text(title, exact=True))
    expect(box).to_have_count(1)
    if box.locator("details").get_attribute("open") is None:
        box.locator("summary").click()
        expect(box.locator("[data-testid='stForm']").first).to_be_visible(timeout=SLOW)
        wait_for_app(page, timeout=SLOW)
    return box


def set_date(scope, page, label: str, value: date) -> None:
    """Streamlit's date field is a group of spinbuttons; typing into the year runs on into month and day."""
    scope.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(value.strftime("%Y%m%d"))


def choose(scope, page, label: str, option: str) -> None:
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):  # a rerun that ends while the list is open draws it again and closes it: open it again
        wait_for_app(page, timeout=SLOW)  # a tab's click reruns the page
        scope.get_by_role("combobox", name=label).click()
        try:
            page.get_by_role("option", name=option, exact=True).click(timeout=10_000)
            return
        except PlaywrightError:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")


def submit(scope, page, button: str) -> None:
    scope.get_by_role("button", name=button).click()
    wait_for_app(page, timeout=SLOW)
    assert_no_app_exception(page)


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def field_error(scope, text: str):
    """The error box holding ``text`` (a refusal is drawn right under its field)."""
    return scope.locator("[data-testid='stAlertContentError']").filter(has_text=text)


def below(upper, lower, within: float = 90) -> bool:
    """``lower`` starts just under ``upper`` (an error drawn under its field, nothing in between but a gap)."""
    a, b = upper.bounding_box(), lower.bounding_box()
    return a is not None and b is not None and 0 <= b["y"] - (a["y"] + a["height"]) <= within


# --- 1. corrective action: milestone and status --------------------------------------------------------------------

def test_corrective_action_moves_planned_to_verified_with_a_milestone(server, lead, today):
    from playwright.sync_api import expect

    page, rec = lead, _planned_corrective()
    code, ca = rec.incident.code, rec.response.corrective_action
    open_incident(page, server, code, tab="2. Level")
    main = page.locator(MAIN)
    expect(main.get_by_text("Corrective action: Planned", exact=False)).to_be_visible()

    # A milestone with its due date.
    box = expander(page, "Add a milestone")
    box.get_by_role("textbox", name="Title").fill("Third-party audit of the mine's labour practices")
    set_date(box, page, "Due on", today + timedelta(days=20))
    submit(box, page, "Add milestone")
    grid = main.locator("[data-testid='stDataFrame']").filter(has_text="Milestone").first
    expect(grid).to_contain_text("Third-party audit of the mine's labour practices")
    shot(page, "1-milestone-added")
    after = stored(server, code).response.corrective_action
    assert [m.title for m in after.milestones][-1] == "Third-party audit of the mine's labour practices"
    assert after.milestones[-1].due_on == today + timedelta(days=20) and after.milestones[-1].done_on is None

    # Planned → in progress.
    box = expander(page, "Update the corrective action's status")
    choose(box, page, "Status", "In progress")
    submit(box, page, "Update status")
    expect(main.get_by_text("Corrective action: In progress", exact=False)).to_be_visible()
    assert stored(server, code).response.corrective_action.status == "in_progress"

    # Completed is refused while a milestone is open: said under the status, nothing saved.
    box = expander(page, "Update the corrective action's status")
    choose(box, page, "Status", "Completed")
    set_date(box, page, "Completed on", today - timedelta(days=1))
    submit(box, page, "Update status")
    error = field_error(box, "still open")
    expect(error).to_be_visible()
    expect(error).to_contain_text("third-party audit of the mine's labour practices", ignore_case=True)
    shot(page, "1-completed-refused")
    assert stored(server, code).response.corrective_action.status == "in_progress"

    # Each open milestone done, then completed, then verified.
    for left in range(sum(1 for m in after.milestones if m.done_on is None), 0, -1):
        box = expander(page, "Mark a milestone done")
        set_date(box, page, "Done on", today - timedelta(days=2))
        submit(box, page, "Mark done")
        expect(main.get_by_role("combobox", name="Milestone", exact=True)).to_have_count(1 if left > 1 else 0)
        assert sum(1 for m in stored(server, code).response.corrective_action.milestones if m.done_on is None) == left - 1
    assert all(m.done_on == today - timedelta(days=2) for m in stored(server, code).response.corrective_action
               .milestones if m.title == "Third-party audit of the mine's labour practices")
    box = expander(page, "Update the corrective action's status")
    choose(box, page, "Status", "Completed")
    set_date(box, page, "Completed on", today - timedelta(days=1))
    submit(box, page, "Update status")
    expect(main.get_by_text(f"Corrective action: Completed · completed {today - timedelta(days=1)}",
                            exact=False)).to_be_visible()
    box = expander(page, "Update the corrective action's status")
    choose(box, page, "Status", "Verified")
    set_date(box, page, "Verified on", today)
    submit(box, page, "Update status")
    expect(main.get_by_text(f"Corrective action: Verified · completed {today - timedelta(days=1)} · verified {today}",
                            exact=False)).to_be_visible()
    shot(page, "1-verified")
    final = stored(server, code).response.corrective_action
    assert (final.status, final.completed_on, final.verified_on) == ("verified", today - timedelta(days=1), today)
    assert all(m.done_on is not None for m in final.milestones)
    assert len(final.milestones) == len(ca.milestones) + 1


# --- 2. ending a relationship needs a do-no-harm check first -------------------------------------------------------

@pytest.mark.parametrize("title, decision, label", [
    ("Decide on the relationship with the mine operator", "Terminate", "Mine operator"),
    ("The company's decision on the smelter/refiner", "Disengage", "Smelter/refiner"),
])
def test_ending_a_relationship_is_refused_without_a_do_no_harm_check(server, lead, today, title, decision, label):
    from playwright.sync_api import expect

    page, rec = lead, _relationships_continuing()
    code = rec.incident.code
    before = stored(server, code).response.relationship_decisions
    open_incident(page, server, code, tab="2. Level")
    main = page.locator(MAIN)
    reasons = f"{decision}: forced labour found again at the follow-up visit"

    box = expander(page, title)
    choose(box, page, "Decision", decision)
    set_date(box, page, "Decided on", today - timedelta(days=1))
    box.get_by_role("textbox", name="Reasons").fill(reasons)
    submit(box, page, "Record decision")
    check_label = "Do-no-harm check made on (needed to terminate or disengage)"
    error = field_error(box, "check first that ending the relationship does no harm")
    expect(error).to_be_visible()
    check_field = box.locator("[data-testid='stDateInput']").filter(has_text=check_label)
    assert below(check_field, error), "the refusal is not drawn right under the do-no-harm date"
    shot(page, f"2-{decision.lower()}-refused")
    assert stored(server, code).response.relationship_decisions == before  # nothing saved
    why = main.locator("[data-testid='stMarkdownContainer']")  # each decision's reasons, written under the table
    expect(why.filter(has_text=reasons)).to_have_count(0)

    # The check first, then the decision: both recorded, the history keeps the earlier decisions.
    set_date(box, page, check_label, today - timedelta(days=3))
    box.get_by_role("textbox", name="What the do-no-harm check found").fill(
        "Workers' jobs moved to a certified cooperative before the contract ends")
    submit(box, page, "Record decision")
    shot(page, f"2-{decision.lower()}-recorded")
    expect(field_error(box, "")).to_have_count(0)
    history = main.locator("[data-testid='stDataFrame']").filter(has_text="Do-no-harm check")
    expect(why.filter(has_text=reasons)).to_have_count(1)
    for earlier in before:
        expect(why.filter(has_text=earlier.reasons[:40])).to_have_count(1)
    after = stored(server, code).response.relationship_decisions
    assert after[:len(before)] == before and len(after) == len(before) + 1
    new = after[-1]
    assert (new.decision, new.decided_on, new.do_no_harm_checked_on, new.reasons) == (
        decision.lower(), today - timedelta(days=1), today - timedelta(days=3), reasons)
    assert label in history.text_content()


# --- 3. the reporting chain, hop by hop ----------------------------------------------------------------------------

def test_a_report_is_passed_along_the_reporting_chain_in_order(server, lead, today):
    from playwright.sync_api import expect

    page, rec = lead, _step4_without_reports()
    code, plan = rec.incident.code, rec.plans[0]
    start = plan.implementation_started_on
    end = max(start, today - timedelta(days=10))
    open_incident(page, server, code, tab="4. Implement")
    main = page.locator(MAIN)

    # The facilitator's monitoring report arrives.
    box = expander(page, "Add a monitoring report")
    set_date(box, page, "Period start", start)
    set_date(box, page, "Period end", end)
    set_date(box, page, "Received on", end)
    submit(box, page, "Add report")
    expect(main.get_by_text("Reporting chain", exact=False).first).to_be_visible()
    assert len(stored(server, code).plans[0].monitoring_reports) == 1

    # The audit programme's hop to the company before the smelter/refiner's: refused under that date.
    box = expander(page, "Level 1 plan: record who passed a report on")
    last_hop = "Audit programme → downstream company on"
    set_date(box, page, last_hop, today - timedelta(days=1))
    submit(box, page, "Record")
    error = field_error(box, "must be recorded before")
    expect(error).to_be_visible()
    assert below(box.locator("[data-testid='stDateInput']").filter(has_text=last_hop), error)
    shot(page, "3-out-of-order-refused")
    report = stored(server, code).plans[0].monitoring_reports[0]
    assert (report.sent_to_smelter_on, report.sent_to_audit_programme_on, report.sent_to_company_on) == (
        None, None, None)

    # In order: facilitator → smelter/refiner → audit programme → company, one hop at a time (a fresh page, so
    # the refused date is not carried along).
    hops = [("Facilitator → smelter/refiner on", today - timedelta(days=6)),
            ("Smelter/refiner → audit programme on", today - timedelta(days=4)),
            (last_hop, today - timedelta(days=2))]
    open_incident(page, server, code, tab="4. Implement")
    chain = main.locator("[data-testid='stDataFrame']").filter(has_text="Period").filter(has_text="→")
    for n, (label, day) in enumerate(hops, start=1):
        box = expander(page, "Level 1 plan: record who passed a report on")
        set_date(box, page, label, day)
        submit(box, page, "Record")
        expect(chain).to_contain_text(day.isoformat())
        report = stored(server, code).plans[0].monitoring_reports[0]
        recorded = [report.sent_to_smelter_on, report.sent_to_audit_programme_on, report.sent_to_company_on]
        assert recorded == [d for _, d in hops[:n]] + [None] * (3 - n)
    shot(page, "3-chain-recorded")


# --- 4. engagement, the victims' voice, remedy and involvement -----------------------------------------------------

def _involvement_chart(page) -> dict[str, int]:
    """The portfolio's involvement chart as plotted: bar label → incidents."""
    return page.evaluate("""() => {
        for (const el of document.querySelectorAll('.js-plotly-plot')) {
            const t = el.layout && el.layout.title && el.layout.title.text || '';
            if (t.includes("Incidents by the company")) {
                const d = el._fullData[0]; const out = {};  // as drawn: numbers decoded from plotly's binary form
                const xs = Array.from(d.x);
                Array.from(d.y).forEach((y, i) => { out[y] = xs[i]; });
                return out;
            }
        }
        return null; }""")


def _portfolio_count(page, server, query: str) -> int:
    page.goto(f"{server.url}/?{query}")
    wait_for_app(page, timeout=SLOW)
    assert_no_app_exception(page)
    if page.locator(MAIN).get_by_text(re.compile("No incidents? (in this stage )?match")).count():
        return 0
    heading = page.locator(MAIN).get_by_text(re.compile(r"^[\d,–]+( of [\d,]+)? incidents? · ")).first
    return int(heading.inner_text().split(" incident")[0].split(" of ")[-1].replace(",", ""))


def _bar(chart: dict[str, int], label: str) -> int:
    return next(v for k, v in chart.items() if k.startswith(label))


def test_engagement_voice_remedy_and_involvement_are_recorded_and_seen(server, lead, today):
    from playwright.sync_api import expect

    page, rec = lead, _step4_without_reports()
    code, plan = rec.incident.code, rec.plans[0]
    query = "status=All&involvement=Caused&remedy=Guarantees%20of%20non-repetition"
    matching = _portfolio_count(page, server, query)
    page.goto(f"{server.url}/?status=All")
    wait_for_app(page, timeout=SLOW)
    chart = _involvement_chart(page)
    assert chart is not None, "no involvement chart on the portfolio"

    open_incident(page, server, code, tab="3. Plan")
    main = page.locator(MAIN)
    # Remedy types: the plan's own plus guarantees of non-repetition.
    box = expander(page, "Level 1 plan: remedy types")
    choose(box, page, "Remedy types", "Guarantees of non-repetition")
    page.keyboard.press("Escape")
    expect(box.get_by_text("Guarantees of non-repetition", exact=True).first).to_be_visible()  # the chip, chosen
    submit(box, page, "Record remedy types")
    expect(main.get_by_text(re.compile(r"^Remedy provided: .*Guarantees of non-repetition"))).to_be_visible()
    shot(page, "4-remedy-types")

    # A stakeholder consulted in the plan's design.
    box = expander(page, "Level 1 plan: record a stakeholder consulted")
    choose(box, page, "Stakeholder", "Affected communities")
    consulted = (plan.approval.submitted_by_facilitator_on or plan.implementation_started_on) - timedelta(days=3)
    set_date(box, page, "Consulted on", consulted)
    box.get_by_role("textbox", name="Notes").fill("Village assembly on the plan's design")
    submit(box, page, "Record consultation")
    expect(main.get_by_text(re.compile(r"^Consulted in the design: .*Affected communities \("
                                       + consulted.isoformat()))).to_be_visible()
    shot(page, "4-consultation")

    # The victim's voice in one case plan: consent given, the plan follows the victim's wishes.
    box = expander(page, "Informed consent and the victim's wishes")
    victim = plan.case_plans[0].victim_code
    for group in ("The victim gave informed consent", "The plan follows the victim's wishes"):
        box.get_by_role("radiogroup", name=group).get_by_text("Yes", exact=True).click()
    submit(box, page, "Record")
    shot(page, "4-case-voice")

    # A feedback round: counts only.
    page.locator(MAIN).get_by_role("tab", name="4. Implement").click()
    box = expander(page, "Level 1 plan: record feedback from victims or beneficiaries")
    set_date(box, page, "Collected on", today - timedelta(days=3))
    choose(box, page, "Source", "Victims")
    box.get_by_role("spinbutton", name=re.compile(r"^Respondents")).fill("8")
    box.get_by_role("spinbutton", name=re.compile(r"^Satisfied")).fill("6")
    submit(box, page, "Record feedback")
    page.locator(MAIN).get_by_role("tab", name="3. Plan").click()  # shown with the plan's engagement, on its tab
    feedback = main.locator("[data-testid='stDataFrame']").filter(has_text="Respondents")
    expect(feedback).to_contain_text("75%")
    expect(feedback).to_contain_text((today - timedelta(days=3)).isoformat())
    shot(page, "4-feedback")

    # The company's involvement: it caused the harm.
    page.locator(MAIN).get_by_role("tab", name="1. Verify").click()
    box = expander(page, "Change the company's involvement" if rec.incident.involvement else
                   "Record the company's involvement")
    choose(box, page, "Involvement", "Caused")
    submit(box, page, "Record involvement")
    expect(main.get_by_text(re.compile(r"^Company involvement: Caused — remediate directly")).first).to_be_visible()
    shot(page, "4-involvement")

    saved = stored(server, code)
    p = saved.plans[0]
    assert saved.incident.involvement == "caused"
    assert "non_repetition" in p.remedy_types and set(plan.remedy_types) <= set(p.remedy_types)
    assert p.consultations[len(plan.consultations):] and p.consultations[-1].stakeholder == "affected_communities"
    assert p.consultations[-1].consulted_on == consulted
    voice = next(c for c in p.case_plans if c.victim_code == victim)
    assert (voice.informed_consent, voice.wishes_shaped_plan) == (True, True)
    assert [(f.source, f.respondents, f.satisfied) for f in p.feedback][-1:] == [("victims", 8, 6)]

    # The portfolio's filters and chart follow; triage says what "caused" means.
    assert _portfolio_count(page, server, query) == matching + 1
    page.goto(f"{server.url}/?status=All")
    wait_for_app(page, timeout=SLOW)
    now = _involvement_chart(page)
    assert _bar(now, "Caused") == _bar(chart, "Caused") + 1
    was = {"contributed": "Contributed", "directly_linked": "Directly linked"}.get(rec.incident.involvement or "",
                                                                                   "Not determined")
    assert _bar(now, was) == _bar(chart, was) - 1
    page.locator(".js-plotly-plot").filter(has_text="Incidents by the company").scroll_into_view_if_needed()
    shot(page, "4-portfolio")
    page.goto(f"{server.url}/triage?from={code}")
    wait_for_app(page, timeout=SLOW)
    assert_no_app_exception(page)
    note = page.locator(MAIN).locator(".st-key-involvement_note")
    expect(note).to_contain_text("Company involvement: Caused → remediate directly.")
    note.scroll_into_view_if_needed()
    shot(page, "4-triage")


# --- 5. lessons into action ----------------------------------------------------------------------------------------

def _lessons_metrics(page, server) -> dict[str, str]:
    page.goto(f"{server.url}/lessons")
    wait_for_app(page, timeout=SLOW)
    assert_no_app_exception(page)
    out = {}
    for metric in page.locator(MAIN).locator("[data-testid='stMetric']").all():
        label = metric.locator("[data-testid='stMetricLabel']").inner_text().strip()
        out[label] = metric.locator("[data-testid='stMetricValue']").inner_text().strip()
    return out


def test_a_lessons_action_is_raised_counted_and_closed(server, lead, today):
    from playwright.sync_api import expect

    page, rec = lead, _closed_with_lessons()
    code = rec.incident.code
    title = "Add debt-bondage questions to supplier audits"
    before = _lessons_metrics(page, server)
    open_actions, closed = int(before["Open actions"]), int(before["Closed"])
    actions = stored(server, code).lessons.actions
    here_closed = sum(1 for a in actions if a.status in ("done", "dropped"))
    here_open = len(actions) - here_closed

    open_incident(page, server, code, tab="6. Lessons")
    main = page.locator(MAIN)
    box = expander(page, "Raise an action")
    box.get_by_role("textbox", name="Title").fill(title)
    box.get_by_role("textbox", name="Owner").fill("Responsible sourcing team")
    set_date(box, page, "Due on", today + timedelta(days=45))
    submit(box, page, "Raise action")
    expect(main.locator("[data-testid='stDataFrame']").filter(has_text="Owner")).to_contain_text(title)
    expect(main.get_by_text(f"{here_open + 1} open, {here_closed} closed.", exact=True)).to_be_visible()
    shot(page, "5-action-raised")
    action = stored(server, code).lessons.actions[-1]
    assert (action.title, action.owner, action.due_on, action.status) == (
        title, "Responsible sourcing team", today + timedelta(days=45), "open")

    raised = _lessons_metrics(page, server)
    assert (int(raised["Open actions"]), int(raised["Closed"])) == (open_actions + 1, closed)
    expect(main.locator("[data-testid='stDataFrame']").filter(has_text=title)).to_have_count(1)
    main.get_by_role("heading", name="Lessons into action").scroll_into_view_if_needed()
    shot(page, "5-lessons-open")

    open_incident(page, server, code, tab="6. Lessons")
    box = expander(page, "Update an action")
    choose(box, page, "Action", title)
    wait_for_app(page, timeout=SLOW)
    box = expander(page, "Update an action")
    choose(box, page, "Status", "Done")
    set_date(box, page, "Closed on", today)
    submit(box, page, "Update action")
    expect(main.get_by_text(f"{here_open} open, {here_closed + 1} closed.", exact=True)).to_be_visible()
    shot(page, "5-action-closed")
    action = stored(server, code).lessons.actions[-1]
    assert (action.title, action.status, action.closed_on) == (title, "done", today)

    done = _lessons_metrics(page, server)
    assert (int(done["Open actions"]), int(done["Closed"])) == (open_actions, closed + 1)


# --- 6. a viewer sees none of it -----------------------------------------------------------------------------------

FORM_TITLES = ["Record the company's involvement", "Change the company's involvement",
               "Update the corrective action's status", "Add a milestone", "Mark a milestone done",
               "Decide on the relationship with the mine operator", "The company's decision on the smelter/refiner",
               "Level 1 plan: remedy types", "Level 1 plan: record a stakeholder consulted",
               "Informed consent and the victim's wishes", "Level 1 plan: record who passed a report on",
               "Level 1 plan: record feedback from victims or beneficiaries", "Raise an action", "Update an action"]


def test_a_viewer_sees_the_records_but_none_of_the_forms(server, browser):
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        sign_in(page, server, VIEWER)
        main = page.locator(MAIN)
        # Each incident on the tab holding its record; only the open step tab is drawn, so every tab in turn.
        visits = [(_relationships_continuing().incident.code, "2. Level", "Relationship decisions"),
                  (_step4_without_reports().incident.code, "3. Plan", "Remedy provided"),
                  (_closed_with_lessons().incident.code, "6. Lessons", "Actions from the lessons review")]
        steps = ["1. Verify", "2. Level", "3. Plan", "4. Implement", "5. Close", "6. Lessons"]
        for code, tab, shown in visits:
            open_incident(page, server, code, tab=tab)
            expect(main).to_contain_text("You are a viewer")
            expect(main.get_by_text(shown, exact=False).first).to_be_visible()  # the record is there to read
            shot(page, f"6-viewer-{code}")
            for other in [tab, *[s for s in steps if s != tab]]:
                if other != tab:
                    main.get_by_role("tab", name=other).click()
                    expect(main.get_by_role("tab", name=other)).to_have_attribute("aria-selected", "true")
                    wait_for_app(page, timeout=SLOW)
                assert page.locator(f"{MAIN} [data-testid='stForm']").count() == 0, f"{code}: {other}"
                offered = [t for t in FORM_TITLES if main.locator("summary").get_by_text(t, exact=True).count()]
                assert not offered, f"{code} ({other}): a viewer gets {offered}"
                for picker in ("Milestone", "Case plan (victim code)", "Monitoring report", "Action"):
                    assert main.get_by_role("combobox", name=picker, exact=True).count() == 0, f"{code}: {picker}"
    finally:
        context.close()
