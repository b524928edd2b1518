"""Issue 13's "Done means", walked in a real browser as a sustainability lead on a Monday morning: open Follow-ups
and see which party owes what and since when; chase two items; escalate one to a leverage action; send the weekly
digest to the team through a local SMTP server (aiosmtpd); then board mode shows how often and how hard the company
had to push."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from datetime import date
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.followups import push_by_quarter

from .helpers import REPO_ROOT, assert_no_app_exception, pick_option, wait_for_app

pytestmark = pytest.mark.e2e
TODAY = date.today()
QUARTER = f"{TODAY.year}-Q{(TODAY.month - 1) // 3 + 1}"


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default_policy)))
        return "250 Message accepted"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cli(url: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **(env or {})})


def _followups(url: str) -> list[dict]:
    engine = db.make_engine(url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(t.followups, t.incidents.c.code).join(t.incidents)
                                                   .order_by(t.followups.c.id)).mappings()]
    finally:
        engine.dispose()


def test_monday_morning_chase_escalate_digest_and_board(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'monday.db'}"
    server = streamlit_app("app.py", database_url=url)
    page.set_viewport_size({"width": 1440, "height": 1000})

    # Open Follow-ups: which party owes what, and since when.
    page.goto(f"{server.url}/followups")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.get_by_role("heading", name="Follow-ups", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile(r"owes \d+ item"))).to_be_visible()
    expect(page.get_by_text("Overdue first, then the longest owed", exact=False)).to_be_visible()
    before = len(_followups(url))
    page.screenshot(path=str(artifacts_dir / "followups.png"), full_page=True)

    # Chase two: the first item the first party owes, then the first the next party owes.
    chase = page.locator("[data-testid='stForm']").filter(has_text="Record the chase")
    chase.get_by_role("button", name="Record the chase").click()
    wait_for_app(page)
    assert_no_app_exception(page)
    expect(page.get_by_text(re.compile(r"^The answer to the chase of " + TODAY.isoformat()))).to_have_count(1)
    assert len(_followups(url)) == before + 1
    parties = page.locator("[data-testid='stMain'] [data-testid='stButtonGroup'] button")
    parties.nth(1).click()
    wait_for_app(page)
    chase = page.locator("[data-testid='stForm']").filter(has_text="Record the chase")
    chase.get_by_role("button", name="Record the chase").click()
    wait_for_app(page)
    assert_no_app_exception(page)
    chased = _followups(url)[before:]
    assert [f["escalation"] for f in chased] == ["reminder", "reminder"]
    assert chased[0]["party"] != chased[1]["party"] and all(f["asked_on"] == TODAY for f in chased)

    # Escalate one to a leverage action.
    page.get_by_role("tab", name="Escalate").click()
    form = page.locator("[data-testid='stForm']").filter(has_text="Record the escalation")
    pick_option(page, form.locator("[data-testid='stSelectbox']").filter(has_text="Escalation"),
                "Leverage action: raised in a business review")
    form.get_by_role("button", name="Record the escalation").click()
    wait_for_app(page)
    assert_no_app_exception(page)
    escalated = _followups(url)[before + 2:]
    assert [(f["escalation"], f["code"]) for f in escalated] == [("leverage_business_review", chased[1]["code"])]
    page.screenshot(path=str(artifacts_dir / "followups-escalated.png"), full_page=True)

    # Send the weekly digest to the team through a local SMTP server.
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        for email, role in (("lead@brand.example", "admin"), ("team@brand.example", "editor")):
            assert _cli(url, "user", "add", email, "--role", role).returncode == 0
        smtp = {"REMEDIATION_SMTP_HOST": "127.0.0.1", "REMEDIATION_SMTP_PORT": str(port),
                "REMEDIATION_SMTP_STARTTLS": "false", "REMEDIATION_SMTP_SENDER": "remediation@brand.example"}
        sent = _cli(url, "digest", env=smtp)
        assert sent.returncode == 0, sent.stderr
    finally:
        controller.stop()
    assert sorted(tos[0] for tos, _ in inbox.messages) == ["lead@brand.example", "team@brand.example"]
    body = inbox.messages[0][1].get_content()
    assert "Overdue" in body and "Follow-ups due" in body and "Reports missing" in body
    assert "This message holds no victim data." in body

    # At the board meeting: how often and how hard the company had to push.
    page.goto(f"{server.url}/followups?board=true")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.get_by_text("How often and how hard the company had to push", exact=False).first).to_be_visible()
    expect(page.get_by_role("button", name="Record the chase")).to_have_count(0)
    engine = db.make_engine(url)
    try:
        push = push_by_quarter(engine)
    finally:
        engine.dispose()
    now = push[push["quarter"] == QUARTER]
    assert now["leverage"].sum() >= 1 and now["chases"].sum() >= 3
    page.screenshot(path=str(artifacts_dir / "followups-board.png"), full_page=True)
