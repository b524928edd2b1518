"""The digest by e-mail (issue 13 item 2), end to end against a local SMTP server (aiosmtpd) started here, on SQLite
and PostgreSQL: ``python -m remediation digest`` reaches the users with the right items, addressed right; a failing
server gives a clear error and nobody is sent the digest twice; no victim data in any message; ``--dry-run``."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from remediation.cli.commands import main
from remediation.domain.followups import FollowUpIn
from remediation.services import access, followups
from remediation.services.admin import ensure_default_policy
from remediation.services.base import Actor, Refused
from remediation.services.demo import load_demo_fixture
from remediation.services.digest import compose, smtp_settings
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.followups import owed_items
from remediation.storage.queries import PortfolioFilter

REPO = Path(__file__).resolve().parents[2]
TODAY = date.today()
USERS = {"ana@brand.example": "admin", "eddie@brand.example": "editor", "vera@board.example": "viewer"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler keeping what arrives; addresses in ``refuse`` are refused (550) at RCPT."""

    def __init__(self, refuse: tuple[str, ...] = ()):
        self.messages: list[tuple[list[str], object]] = []
        self.refuse = refuse

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=default_policy)))
        return "250 Message accepted"


@pytest.fixture
def smtp(monkeypatch):
    """A local SMTP server; the SMTP settings in the environment point at it (no STARTTLS, no login)."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    env = {"REMEDIATION_SMTP_HOST": "127.0.0.1", "REMEDIATION_SMTP_PORT": str(port),
           "REMEDIATION_SMTP_STARTTLS": "false", "REMEDIATION_SMTP_SENDER": "remediation@brand.example"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    yield inbox, env
    controller.stop()


@pytest.fixture
def portfolio(backend, database_url_factory, monkeypatch):
    """The demo portfolio, three users, and two chases of what the first open item owed by the audit programme
    waits for, one answer due in three days: ``(url, engine, code)``."""
    monkeypatch.setattr(access, "_signed_in_mode", False)
    url, engine = database_url_factory(backend)
    db.migrate(engine)
    ensure_default_policy(engine)
    load_demo_fixture(engine)
    for email, role in USERS.items():
        access.set_role(engine, email, role, access.COMMAND_LINE)
    owed = owed_items(engine, today=TODAY)
    row = owed[owed["party"] == "audit_programme"].iloc[0]
    chase = FollowUpIn(item=row["item"], party="audit_programme", asked_on=TODAY - timedelta(days=2), channel="email",
                       escalation="senior_contact", asked="Please send the report", due_on=TODAY + timedelta(days=3))
    followups.record_followup(engine, row["code"], chase, Actor("eddie@brand.example", access="editor"))
    return url, engine, row["code"]


def _victim_data(engine) -> list[str]:
    """Everything that could identify or describe a victim or an incident beyond its code."""
    with engine.connect() as conn:
        codes = list(conn.execute(select(t.case_plans.c.victim_code)).scalars())
        titles = list(conn.execute(select(t.incidents.c.title)).scalars())
        summaries = [s for s in conn.execute(select(t.incidents.c.summary)).scalars() if s]
    return [f" {c} " for c in codes] + [f"{c}," for c in codes] + titles + summaries + ["Please send the report"]


def test_the_digest_arrives_addressed_right_with_the_right_items(portfolio, smtp):
    url, engine, chased = portfolio
    inbox, env = smtp
    result = subprocess.run([sys.executable, "-m", "remediation", "--database-url", url, "digest",  # the test's day:
                             "--today", TODAY.isoformat(), "--role", "editor",  # a run across midnight stays one day
                             "--role", "admin"], cwd=REPO, capture_output=True, text=True, timeout=300, check=False,
                            env={**os.environ, **env})
    assert result.returncode == 0, result.stderr
    assert "sent to 2: ana@brand.example, eddie@brand.example" in result.stdout
    assert sorted(to for tos, _ in inbox.messages for to in tos) == ["ana@brand.example", "eddie@brand.example"]
    expected = compose(engine, TODAY)
    assert expected.overdue and expected.followups_due and expected.reports_missing
    for tos, msg in inbox.messages:
        assert str(msg["To"]).strip() == tos[0] and str(msg["From"]).strip() == "remediation@brand.example"
        assert str(msg["Subject"]).strip() == expected.subject
        body = msg.get_content()
        for line in expected.overdue[:50] + expected.followups_due + expected.reports_missing[:50]:
            assert line in body
        assert f"{chased}: Audit programme — " in body and "senior-contact escalation" in body
        body_text = " ".join(body.split())
        for secret in _victim_data(engine):
            assert " ".join(secret.split()) not in body_text, secret
    # The same digest again: nobody gets it twice.
    again = main(["--database-url", url, "digest", "--today", TODAY.isoformat(), "--role", "editor", "--role",
                  "admin"])
    assert again == 0 and len(inbox.messages) == 2


def test_a_failing_server_says_so_and_a_second_run_sends_only_to_the_others(portfolio, smtp, capsys):
    url, _, _ = portfolio
    inbox, _ = smtp
    inbox.refuse = ("eddie@brand.example",)
    assert main(["--database-url", url, "digest", "--today", TODAY.isoformat()]) == 2
    err = capsys.readouterr().err
    assert f"The SMTP server 127.0.0.1:{os.environ['REMEDIATION_SMTP_PORT']} refused the message to " \
           "eddie@brand.example" in err
    assert "Sent to ana@brand.example before it failed; running the command again sends only to the others" in err
    assert [tos for tos, _ in inbox.messages] == [["ana@brand.example"]]
    inbox.refuse = ()
    assert main(["--database-url", url, "digest", "--today", TODAY.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "sent to 2: eddie@brand.example, vera@board.example" in out and "already sent before to 1" in out
    assert sorted(tos[0] for tos, _ in inbox.messages) == ["ana@brand.example", "eddie@brand.example",
                                                           "vera@board.example"]


def test_an_unreachable_server_is_a_clear_error_and_nothing_is_recorded_as_sent(portfolio, monkeypatch, capsys):
    url, engine, _ = portfolio
    monkeypatch.setenv("REMEDIATION_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("REMEDIATION_SMTP_PORT", str(_free_port()))  # nobody listens
    monkeypatch.setenv("REMEDIATION_SMTP_SENDER", "remediation@brand.example")
    assert main(["--database-url", url, "digest", "--today", TODAY.isoformat(), "--to", "lead@brand.example"]) == 2
    err = capsys.readouterr().err
    assert "could not be reached" in err and "Nothing was sent." in err
    with engine.connect() as conn:
        assert conn.execute(select(t.digests_sent)).all() == []


def test_dry_run_prints_the_message_and_sends_nothing(portfolio, smtp, capsys):
    url, _, chased = portfolio
    inbox, _ = smtp
    assert main(["--database-url", url, "digest", "--today", TODAY.isoformat(), "--dry-run", "--role", "viewer"]) == 0
    out = capsys.readouterr().out
    assert "To: vera@board.example" in out and "Follow-ups due" in out and chased in out
    assert inbox.messages == []


def test_filters_narrow_the_items(portfolio):
    _, engine, _ = portfolio
    everything = compose(engine, TODAY)
    gold = compose(engine, TODAY, PortfolioFilter(mineral=("gold",)))
    assert gold.items < everything.items and "Gold" in gold.scope


def test_smtp_settings_come_from_the_environment_or_the_secrets_file(tmp_path):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[smtp]\nhost = "mail.brand.example"\nport = 2525\nstarttls = false\nuser = "bot"\n'
                       'password = "pw"\nsender = "bot@brand.example"\n')
    from_file = smtp_settings({}, secrets)
    assert (from_file.host, from_file.port, from_file.starttls, from_file.user, from_file.sender) == \
        ("mail.brand.example", 2525, False, "bot", "bot@brand.example")
    env = smtp_settings({"REMEDIATION_SMTP_HOST": "relay.example", "REMEDIATION_SMTP_STARTTLS": "yes"}, secrets)
    assert env.host == "relay.example" and env.starttls and env.port == 2525
    with pytest.raises(Refused, match="SMTP settings missing: host, sender"):
        smtp_settings({}, tmp_path / "none.toml")
