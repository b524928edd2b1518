"""Command line for the digest: ``python -m remediation digest``.

    python -m remediation digest --dry-run                        # print the message, send nothing
    python -m remediation digest --role editor --role admin       # e-mail editors and admins
    python -m remediation digest --mineral gold --to lead@x.org   # one address, gold incidents only

SMTP settings: :func:`remediation.services.digest.smtp_settings` (environment or ``.streamlit/secrets.toml``).
"""

from __future__ import annotations

import sys
from datetime import date

from remediation.services import access
from remediation.services.base import Refused
from remediation.services.digest import DigestFailed, compose, recipients, send, smtp_settings
from remediation.storage.queries import PortfolioFilter


def register(subparsers, engine_of) -> None:
    """Add ``digest`` to ``python -m remediation``'s subparsers; ``engine_of(args)`` opens the database."""
    cmd = subparsers.add_parser(
        "digest", help="e-mail users a summary of overdue items, follow-ups due and reports missing",
        description="E-mail the company's users (the users table) a summary of overdue items, follow-ups due and "
                    "reports missing. SMTP settings: REMEDIATION_SMTP_HOST, _PORT, _STARTTLS, _USER, _PASSWORD, "
                    "_SENDER, or [smtp] in .streamlit/secrets.toml. A recipient already sent today's digest (same "
                    "filters) is not sent it again.")
    cmd.add_argument("--role", action="append", choices=list(access.PERMISSION_ROLES),
                     help="only users with this role; repeatable (default: every user)")
    cmd.add_argument("--to", action="append", metavar="EMAIL",
                     help="send to this address instead of the users table; repeatable")
    cmd.add_argument("--mineral", action="append", help="only this mineral (identifier, e.g. gold); repeatable")
    cmd.add_argument("--country", action="append", help="only this country; repeatable")
    cmd.add_argument("--audit-programme", action="append", help="only this audit programme (identifier); repeatable")
    cmd.add_argument("--today", help="the date the digest is made for (default: today)")
    cmd.add_argument("--dry-run", action="store_true", help="print the message instead of sending it")
    cmd.set_defaults(func=lambda args: cmd_digest(args, engine_of))


def cmd_digest(args, engine_of) -> int:
    engine = engine_of(args)
    today = date.fromisoformat(args.today) if args.today else date.today()
    flt = PortfolioFilter(mineral=tuple(args.mineral or ()), country=tuple(args.country or ()),
                          audit_programme=tuple(args.audit_programme or ()))
    try:
        to = [access.normalise_email(e) for e in args.to] if args.to else recipients(engine, tuple(args.role or ()))
    except Refused as exc:
        print(f"--to: {exc}", file=sys.stderr)
        return 1
    digest = compose(engine, today, flt)
    if args.dry_run:
        sender = "(sender from the SMTP settings)"
        try:
            sender = smtp_settings().sender
        except Refused:
            pass
        print(f"From: {sender}\nTo: {', '.join(to) or '(no recipients)'}\nSubject: {digest.subject}\n\n{digest.body()}")
        print(f"Dry run: nothing sent. Would send to {len(to)} recipient(s).", file=sys.stderr)
        return 0
    if not to:
        print("No recipients: add users (python -m remediation user add EMAIL --role editor), or pass --to EMAIL.",
              file=sys.stderr)
        return 1
    try:
        sent, skipped = send(engine, digest, to, smtp_settings())
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    except DigestFailed as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"Digest {today} ({digest.items} items) sent to {len(sent)}: {', '.join(sent) or '—'}"
          + (f"; already sent before to {len(skipped)}: {', '.join(skipped)}" if skipped else ""))
    return 0
