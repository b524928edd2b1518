"""Command line for users: ``python -m remediation user add|list|remove``.

    python -m remediation user add ana@example.org --role admin     # the first admin; or change a role
    python -m remediation user list
    python -m remediation user remove ana@example.org

Whoever runs these holds the database's credentials, so they act as an admin (``access.COMMAND_LINE``);
each change gets an audit entry by "command line". Roles only matter once sign-in is configured
(``[auth]`` in ``.streamlit/secrets.toml``); until then the app runs in single-user local mode.
"""

from __future__ import annotations

import sys

from remediation.services import access
from remediation.services.base import Refused
from remediation.storage import engine as db


def register(subparsers) -> None:
    """Add the ``user`` command (with ``add``, ``list``, ``remove``) to ``python -m remediation``'s
    subparsers. Each sets ``func(args) -> exit code``; ``args.database_url`` comes from the main parser."""
    user = subparsers.add_parser("user", help="who may sign in, and with which role (viewer, editor, admin)",
                                 description="Who may sign in to the dashboard, and with which role. Roles count "
                                             "once sign-in is configured ([auth] in .streamlit/secrets.toml).")
    sub = user.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="give EMAIL a role: adds the user, or changes their role")
    add.add_argument("email")
    add.add_argument("--role", required=True, choices=list(access.PERMISSION_ROLES),
                     help="; ".join(access.PERMISSION_ROLES.values()))
    add.set_defaults(func=cmd_user_add)
    sub.add_parser("list", help="everyone who may sign in, with their role").set_defaults(func=cmd_user_list)
    remove = sub.add_parser("remove", help="take EMAIL's access away")
    remove.add_argument("email")
    remove.set_defaults(func=cmd_user_remove)


def _engine(args):
    engine = db.get_engine(getattr(args, "database_url", None))
    db.migrate(engine)
    return engine


def cmd_user_add(args) -> int:
    engine = _engine(args)
    try:
        before = access.set_role(engine, args.email, args.role, access.COMMAND_LINE)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    email = access.normalise_email(args.email)
    if before is None:
        print(f"{email}: {args.role} (added)")
    elif before == args.role:
        print(f"{email}: {args.role} (unchanged)")
    else:
        print(f"{email}: {args.role} (was {before})")
    return 0


def cmd_user_list(args) -> int:
    users = access.list_users(_engine(args), access.COMMAND_LINE)
    if not users:
        print("No users yet. Add the first admin: python -m remediation user add EMAIL --role admin")
        return 0
    width = max(len(u["email"]) for u in users)
    for u in users:
        added = u["created_at"].strftime("%Y-%m-%d") if u["created_at"] else ""
        print(f"{u['email']:<{width}}  {u['role']:<6}  added {added} by {u['created_by'] or '—'}")
    return 0


def cmd_user_remove(args) -> int:
    engine = _engine(args)
    try:
        before = access.remove_user(engine, args.email, access.COMMAND_LINE)
    except Refused as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{access.normalise_email(args.email)}: removed (was {before})")
    return 0
