"""The weekly digest by e-mail (``python -m remediation digest``): the company's own users get a summary of what is
overdue, which follow-ups are due and which reports are missing, as the workflow reports them.

- **Who**: the users table (the people who may sign in), optionally only some roles (``--role``); or ``--to``.
- **What**: open items in their step longer than its time frame (company setting), unanswered follow-ups due within
  a week (or past due), and items the incidents wait for that are reports (monitoring, final, financial,
  closure…). Filters as the sidebar's (mineral, country, audit programme).
- **No victim data**: a message names incidents by code, smelter/refiner, country, what they wait for and who owes
  it. No title, summary, note, case plan, victim code or follow-up text: the workflow's own words only.
- **Never twice**: each delivered message is recorded (``digests_sent``: the digest's key and the recipient) in
  its own transaction as soon as the server accepted it. A run that fails half-way says who got it and who did
  not; running it again sends only to the others.
- **SMTP settings** from the environment (``REMEDIATION_SMTP_HOST``, ``_PORT``, ``_STARTTLS``, ``_USER``,
  ``_PASSWORD``, ``_SENDER``) or else the ``[smtp]`` section of ``.streamlit/secrets.toml`` (host, port,
  starttls, user, password, sender).
"""

from __future__ import annotations

import hashlib
import os
import smtplib
import ssl
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine, and_, insert, select

from remediation.domain.followups import DUE_SOON_DAYS
from remediation.domain.vocab import ROLES
from remediation.services.base import Refused
from remediation.services.waiting import refresh_waiting
from remediation.storage import engine as db
from remediation.storage import schema as t
from remediation.storage.followups import due_followups
from remediation.storage.queries import PortfolioFilter, overdue_clause, settings_in

__all__ = ["SECRETS_FILE", "Digest", "DigestFailed", "SmtpSettings", "compose", "recipients", "send",
           "smtp_settings"]

SECRETS_FILE = db.REPO_ROOT / ".streamlit" / "secrets.toml"
_ENV = "REMEDIATION_SMTP_"
_LIST_LIMIT = 50  # per section: a digest is a summary; the dashboard has the rest
_REPORT_WORDS = ("report",)


class DigestFailed(Exception):
    """The SMTP server refused or could not be reached. ``sent``: the recipients served before it failed."""

    def __init__(self, message: str, sent: list[str], not_sent: list[str]):
        super().__init__(message)
        self.sent, self.not_sent = sent, not_sent


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    starttls: bool = True
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = ""

    def where(self) -> str:
        return f"{self.host}:{self.port}"


def _truthy(value) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


def smtp_settings(environ: Mapping[str, str] | None = None, secrets_file: Path | None = None) -> SmtpSettings:
    """SMTP settings: each from ``REMEDIATION_SMTP_*`` in the environment, else ``[smtp]`` in the secrets file.
    Refused, naming what is missing and where to set it, without a host or a sender."""
    environ = os.environ if environ is None else environ
    secrets_file = SECRETS_FILE if secrets_file is None else secrets_file
    from_file: dict = {}
    if secrets_file.is_file():
        try:
            from_file = tomllib.loads(secrets_file.read_text(encoding="utf-8")).get("smtp", {}) or {}
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise Refused(f"{secrets_file} is not valid TOML ({exc}); fix it or set {_ENV}HOST etc.") from None

    def get(name: str, default=""):
        return environ.get(_ENV + name.upper(), from_file.get(name, default))

    host, sender = str(get("host")).strip(), str(get("sender")).strip()
    missing = [n for n, v in (("host", host), ("sender", sender)) if not v]
    if missing:
        raise Refused(f"SMTP settings missing: {', '.join(missing)}. Set {', '.join(_ENV + m.upper() for m in missing)} "
                      f"in the environment, or {', '.join(missing)} under [smtp] in {secrets_file}.")
    try:
        port = int(get("port", 587))
    except ValueError:
        raise Refused(f"SMTP port {get('port')!r} is not a number ({_ENV}PORT or [smtp] port).") from None
    return SmtpSettings(host, port, _truthy(get("starttls", True)), str(get("user")), str(get("password")), sender)


# --- what a digest says -------------------------------------------------------------------------------

@dataclass
class Digest:
    today: date
    scope: str
    overdue: list[str]
    followups_due: list[str]
    reports_missing: list[str]
    key: str = ""

    @property
    def items(self) -> int:
        return len(self.overdue) + len(self.followups_due) + len(self.reports_missing)

    @property
    def subject(self) -> str:
        return (f"Remediation digest {self.today}: {len(self.overdue)} overdue, {len(self.followups_due)} "
                f"follow-ups due, {len(self.reports_missing)} reports missing")

    def body(self) -> str:
        def section(title: str, lines: list[str]) -> str:
            shown = lines[:_LIST_LIMIT]
            more = [f"  … and {len(lines) - _LIST_LIMIT} more: see the dashboard"] if len(lines) > _LIST_LIMIT else []
            return "\n".join([f"{title} ({len(lines)})", *(f"  - {x}" for x in shown or ["none"]), *more])
        return "\n\n".join([
            f"Remediation oversight digest, {self.today} ({self.scope}).",
            section("Overdue: in their step longer than its time frame", self.overdue),
            section(f"Follow-ups due (answer due within {DUE_SOON_DAYS} days or past due)", self.followups_due),
            section("Reports missing", self.reports_missing),
            ("Incidents are named by code only; open them in the dashboard for details. This message holds no "
             "victim data."),
        ]) + "\n"


def compose(engine: Engine, today: date | None = None, flt: PortfolioFilter | None = None,
            refresh: bool = True) -> Digest:
    """The digest's content for the incidents matching ``flt`` (open ones: the status filter is ignored). What the
    incidents wait for is first brought up to ``today`` (``refresh``): a report that fell overdue since the
    incident was last saved is in it (:func:`remediation.services.waiting.refresh_waiting`)."""
    today = today or date.today()
    if refresh:
        refresh_waiting(engine, today)
    flt = flt or PortfolioFilter()
    c = t.incidents.c
    with engine.connect() as conn:
        frames = settings_in(conn).time_frames
        where = and_(flt.where(with_status=False), c.owed_by.is_not(None), c.waiting_for != "")
        overdue_rows = conn.execute(
            select(c.code, c.smelter_refiner, c.country, c.waiting_for, c.owed_by, c.step_entered_on)
            .where(where, overdue_clause(today, frames)).order_by(c.step_entered_on, c.code)).all()
        report_rows = conn.execute(
            select(c.code, c.smelter_refiner, c.waiting_for, c.owed_by, c.step_entered_on)
            .where(where, c.status == "open").order_by(c.step_entered_on, c.code)).all()
    due = due_followups(engine, flt, today, DUE_SOON_DAYS)

    def owed(code, smelter, what, by, since) -> str:
        return f"{code} ({smelter}): {what} — owed by {ROLES.get(by, by)} since {since} ({(today - since).days} days)"
    overdue = [owed(r.code, r.smelter_refiner, r.waiting_for, r.owed_by, r.step_entered_on) for r in overdue_rows]
    reports = [owed(r.code, r.smelter_refiner, r.waiting_for, r.owed_by, r.step_entered_on) for r in report_rows
               if any(w in r.waiting_for.lower() for w in _REPORT_WORDS)]
    followups = [f"{r.code}: {r.party_label} — {r.item} (chased {r.asked_on}, {r.escalation_label.lower()}; answer "
                 f"{'was due' if r.overdue else 'due'} {r.due_on})" for r in due.itertuples()]
    scope = flt.describe(with_status=False)
    digest = Digest(today, scope, overdue, followups, reports)
    digest.key = f"{today.isoformat()}:" + hashlib.sha256(scope.encode()).hexdigest()[:16]
    return digest


def recipients(engine: Engine, roles: tuple[str, ...] = ()) -> list[str]:
    """The users (e-mail addresses) with one of ``roles`` (all users when empty), A-Z."""
    u = t.users.c
    query = select(u.email).order_by(u.email)
    if roles:
        query = query.where(u.role.in_(roles))
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def message(digest: Digest, sender: str, recipient: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = digest.subject
    msg["From"] = sender
    msg["To"] = recipient
    msg.set_content(digest.body())
    return msg


def already_sent(engine: Engine, key: str) -> set[str]:
    d = t.digests_sent.c
    with engine.connect() as conn:
        return set(conn.execute(select(d.recipient).where(d.digest_key == key)).scalars())


def send(engine: Engine, digest: Digest, to: list[str], smtp: SmtpSettings, timeout: float = 30,
         connect: Callable[..., smtplib.SMTP] = smtplib.SMTP) -> tuple[list[str], list[str]]:
    """Send ``digest`` to each of ``to`` not yet served for ``digest.key``; returns ``(sent, skipped)``. Each
    delivery is recorded at once, so a failure part-way (:class:`DigestFailed`) never leads to a second copy."""
    done = already_sent(engine, digest.key)
    skipped = [r for r in to if r in done]
    todo = [r for r in to if r not in done]
    sent: list[str] = []
    if not todo:
        return sent, skipped

    def failed(what: str, exc: Exception) -> DigestFailed:
        rest = [r for r in todo if r not in sent]
        told = f" Sent to {', '.join(sent)} before it failed; running the command again sends only to the others." \
            if sent else " Nothing was sent."
        return DigestFailed(f"The SMTP server {smtp.where()} {what}: {exc.__class__.__name__}: {exc}.{told}",
                            sent, rest)
    try:
        server = connect(smtp.host, smtp.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise failed("could not be reached (check REMEDIATION_SMTP_HOST / _PORT)", exc) from None
    try:
        try:
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
            if smtp.user:
                server.login(smtp.user, smtp.password)
        except (OSError, smtplib.SMTPException) as exc:
            raise failed("refused the connection setup (STARTTLS or login)", exc) from None
        for recipient in todo:
            try:
                server.send_message(message(digest, smtp.sender, recipient))
            except (OSError, smtplib.SMTPException) as exc:
                raise failed(f"refused the message to {recipient}", exc) from None
            with engine.begin() as conn:
                conn.execute(insert(t.digests_sent).values(digest_key=digest.key, recipient=recipient,
                                                          items=digest.items))
            sent.append(recipient)
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, skipped
