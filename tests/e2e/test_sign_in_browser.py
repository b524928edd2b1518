"""Signing in with ``st.login`` in a real browser, against an OpenID Connect provider on loopback
(tests/e2e/oidc_provider.py), and what each role then sees.

The app runs exactly as deployed with ``[auth]``: Streamlit redirects to the provider, the user types an
e-mail address there, Streamlit exchanges the code, checks the signed ID token and sets its cookie; the app
looks the role up in the database. A viewer must see the portfolio and the incidents but no edit control;
the same pages for an editor carry the forms, so the viewer's assertions could fail.
"""

from __future__ import annotations

import re

import pytest

from remediation.domain.workflow import evaluate
from remediation.services import access, bootstrap
from remediation.services.access import COMMAND_LINE
from remediation.services.demo import read_fixture
from remediation.storage import engine as db

from .helpers import assert_no_app_exception, find_free_port, wait_for_app
from .oidc_provider import OIDCProvider

pytestmark = pytest.mark.e2e

ADMIN, EDITOR, VIEWER = "ada@brand.example", "eddie@brand.example", "vera@board.example"
SIDEBAR = "[data-testid='stSidebar']"
FORMS = "[data-testid='stMain'] [data-testid='stForm']"


def _open_incident(step: int) -> str:
    return next(r.incident.code for r in read_fixture() if evaluate(r).is_open and evaluate(r).step == step)


@pytest.fixture
def idp():
    with OIDCProvider() as provider:
        yield provider


@pytest.fixture
def server(streamlit_app, idp, tmp_path, monkeypatch):
    """The app with ``[auth]`` pointing at ``idp``, on the demo portfolio, with an admin, an editor and a
    viewer set by the command line (as ``python -m remediation user add`` does)."""
    url = f"sqlite:///{tmp_path / 'signin.db'}"
    monkeypatch.setenv("REMEDIATION_DEMO", "1")
    engine = bootstrap.bootstrap(db.make_engine(url))
    for email, role in ((ADMIN, "admin"), (EDITOR, "editor"), (VIEWER, "viewer")):
        access.set_role(engine, email, role, COMMAND_LINE)
    engine.dispose()
    port = find_free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(idp.auth_secrets(f"http://127.0.0.1:{port}/oauth2callback"))
    return streamlit_app("app.py", database_url=url, port=port,
                         extra_args=["--secrets.files", str(secrets_file)])


def sign_in(page, server, email: str) -> None:
    """From the app's sign-in screen through the provider's page and back, as a person does it."""
    from playwright.sync_api import expect

    page.goto(server.url)
    wait_for_app(page, timeout=60_000)
    assert page.locator("[data-testid='stMain']").get_by_text("Sign in to see the remediation portfolio").count()
    assert page.locator("[data-testid='stDataFrame']").count() == 0  # nothing of the portfolio yet
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible(timeout=30_000)
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/?$"), timeout=30_000)
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)


def signed_in_as(email: str, role: str) -> re.Pattern:
    """The sidebar's line; md() puts an invisible word joiner after the @, so the address is no mailto: link."""
    return re.compile("Signed in as " + re.escape(email).replace("@", "@\u2060?") + re.escape(f" ({role})"))


def test_a_viewer_signs_in_and_sees_everything_but_no_edit_control(server, idp, browser, page, artifacts_dir):
    from playwright.sync_api import expect

    sign_in(page, server, VIEWER)
    sidebar = page.locator(SIDEBAR)
    expect(sidebar).to_contain_text(signed_in_as(VIEWER, "viewer"))
    expect(sidebar).not_to_contain_text("Local mode")
    assert [t["email"] for t in idp.tokens_issued] == [VIEWER]  # the provider's token, not a shortcut
    assert sidebar.get_by_role("link", name="Admin").count() == 0  # not in the navigation
    expect(page.locator("[data-testid='stMain'] h1").first).to_contain_text("Portfolio")
    assert page.locator("[data-testid='stPlotlyChart']").count() >= 1  # the board's view is all there
    page.screenshot(path=str(artifacts_dir / "sign-in-viewer-portfolio.png"), full_page=True)

    code = _open_incident(1)
    page.goto(f"{server.url}/incident?incident={code}")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    main = page.locator("[data-testid='stMain']")
    expect(main.locator("h1").first).to_contain_text(code)
    assert page.locator(FORMS).count() == 0
    assert main.locator("textarea").count() == 0
    expect(main).to_contain_text("You are a viewer: ask an admin for the editor role")
    page.screenshot(path=str(artifacts_dir / "sign-in-viewer-incident.png"), full_page=True)

    page.goto(f"{server.url}/imports")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    assert main.locator("[data-testid='stFileUploader']").count() == 0
    expect(main).to_contain_text("ask an admin for the editor role to import incidents")

    page.goto(f"{server.url}/admin")  # a deep link to the admin page gets nothing of it
    wait_for_app(page, timeout=60_000)
    assert main.get_by_text("Audit log").count() == 0

    # The same incident, signed in as an editor in another browser: the step's form is there.
    editor = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        other = editor.new_page()
        sign_in(other, server, EDITOR)
        expect(other.locator(SIDEBAR)).to_contain_text(signed_in_as(EDITOR, "editor"))
        other.goto(f"{server.url}/incident?incident={code}")
        wait_for_app(other, timeout=60_000)
        assert_no_app_exception(other)
        assert other.locator(FORMS).count() >= 1
    finally:
        editor.close()


def test_an_address_without_a_role_gets_in_nowhere_and_signing_out_ends_the_session(server, page):
    from playwright.sync_api import expect

    sign_in(page, server, "stranger@example.org")
    main = page.locator("[data-testid='stMain']")
    expect(main).to_contain_text("has no role here")
    assert page.locator("[data-testid='stDataFrame'], [data-testid='stPlotlyChart']").count() == 0
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(re.escape(server.url) + r"/?$"), timeout=30_000)
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_an_unverified_address_is_not_let_in(server, idp, page):
    from playwright.sync_api import expect

    idp.verified = False
    sign_in(page, server, VIEWER)  # a viewer's address, but the provider does not vouch for it
    expect(page.locator("[data-testid='stMain']")).to_contain_text("verified e-mail")
    assert page.locator("[data-testid='stDataFrame'], [data-testid='stPlotlyChart']").count() == 0
