"""Permissions enforced by the services, on SQLite and PostgreSQL: a viewer's write is refused and nothing is
written; an editor records (the audit entry names them) but adopts no policy and changes no settings; an admin
does; in signed-in mode the role comes from the users table. Users: add, change, list, remove, the last admin
kept, the command line. The audit log read back with its filters."""

from __future__ import annotations

import argparse
import inspect
from datetime import UTC, date, datetime, timedelta
from unittest.mock import MagicMock

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from remediation.cli import users as cli_users
from remediation.domain.models import Credibility, IncidentIn
from remediation.domain.policy import DEFAULT_POLICY
from remediation.domain.settings import Settings
from remediation.services import access, admin, base
from remediation.services import incidents as services
from remediation.services.access import COMMAND_LINE, Forbidden
from remediation.services.base import Actor, Refused
from remediation.services.declarations import importing as declaration_imports
from remediation.services.declarations import register as smelter_register
from remediation.storage import schema as t
from remediation.storage.queries import policy_in_force as in_force

CODE = "INC-2026-900"
VIEWER = Actor("vera@board.example", "downstream_company", access="viewer")
EDITOR = Actor("eddie@brand.example", "downstream_company", access="editor")
ADMIN = Actor("ada@brand.example", access="admin")


@pytest.fixture(autouse=True)
def local_mode(monkeypatch):
    monkeypatch.setattr(access, "_signed_in_mode", False)  # restored afterwards, whatever a test sets


def intake(code: str = CODE) -> IncidentIn:
    return IncidentIn(
        code=code, title="Forced overtime at the Kanyama washing site", mineral="tin", country="Rwanda",
        smelter_refiner="Kestrel Tin Smelting", audit_programme="rmi_rmap", violation_types=["forced_labour"],
        allegation_source="Worker hotline report", date_received=date(2026, 2, 1), incident_date=date(2026, 1, 10),
        affected_persons=4,
    )


CREDIBLE = Credibility(credible=True, decided_on=date(2026, 2, 10), notes="Two consistent accounts")


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                for name, table in (("audit", t.audit_log), ("incidents", t.incidents), ("users", t.users),
                                    ("policies", t.policy_versions), ("settings", t.settings))}


def version(engine, code: str = CODE) -> int:
    with engine.connect() as conn:
        return conn.execute(select(t.incidents.c.version).where(t.incidents.c.code == code)).scalar_one()


def audit_entries(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.audit_log).order_by(t.audit_log.c.id)).mappings()]


# Every public use case in services that takes an actor: each must refuse a viewer before it touches anything.
SERVICE_MODULES = (services, admin, declaration_imports, smelter_register)  # the write side: each use case takes an actor
WRITES = sorted(name for module in SERVICE_MODULES for name, fn in vars(module).items()
                if inspect.isfunction(fn) and fn.__module__ == module.__name__ and not name.startswith("_")
                and "actor" in inspect.signature(fn).parameters)
WRITE_FUNCTIONS = {name: fn for module in SERVICE_MODULES for name, fn in vars(module).items() if name in WRITES}


def test_every_write_is_checked():
    assert len(WRITES) >= 20 and {"create_incident", "record_credibility", "add_funding", "record_lessons",
                                  "record_assessment", "update_settings", "adopt_policy", "link_smelter",
                                  "import_files", "import_paths", "add_smelter"} <= set(WRITES)


@pytest.mark.parametrize("name", WRITES)
def test_a_viewers_write_is_refused_by_the_service_and_nothing_is_written(engine, name):
    services.create_incident(engine, intake(), ADMIN)
    before, before_version = counts(engine), version(engine)
    fn = WRITE_FUNCTIONS[name]
    required = {p: MagicMock(name=p) for p, spec in inspect.signature(fn).parameters.items()
                if spec.default is inspect.Parameter.empty and spec.kind is not inspect.Parameter.VAR_KEYWORD}
    arguments = required | {"engine": engine, "actor": VIEWER} | ({"code": CODE} if "code" in required else {})
    with pytest.raises(Forbidden, match=r"^vera@board\.example is a viewer: .* needs the (editor|admin) role"):
        fn(**arguments)  # every payload a stand-in: the check comes before anything is recorded
    assert counts(engine) == before and version(engine) == before_version


def test_an_editors_write_succeeds_and_the_audit_entry_carries_their_email(engine):
    services.create_incident(engine, intake(), EDITOR)
    services.record_credibility(engine, CODE, CREDIBLE, EDITOR)
    created, credibility = audit_entries(engine)[-2:]
    assert (created["actor"], created["role"], created["action"]) == \
        ("eddie@brand.example", "downstream_company", "created incident")
    assert (credibility["actor"], credibility["action"], credibility["incident_code"]) == \
        ("eddie@brand.example", "recorded credibility", CODE)


def test_an_editor_cannot_adopt_a_policy_or_change_settings_and_an_admin_can(engine):
    draft = DEFAULT_POLICY.model_copy(update={"name": "Stricter", "severe_affected_persons": 3})
    before = counts(engine)
    with pytest.raises(Forbidden, match=r"^eddie@brand\.example is an editor: adopting a level policy needs the "
                                        r"admin role\. Nothing was saved\.$"):
        admin.adopt_policy(engine, draft, EDITOR)
    with pytest.raises(Forbidden, match="changing settings needs the admin role"):
        admin.update_settings(engine, Settings(small_count_threshold=3), EDITOR)
    assert counts(engine) == before and in_force(engine).version == 1

    adopted = admin.adopt_policy(engine, draft, ADMIN)
    admin.update_settings(engine, Settings(small_count_threshold=3), ADMIN)
    assert adopted.version == 2 and adopted.adopted_by == "ada@brand.example"
    assert [e["actor"] for e in audit_entries(engine)[-2:]] == ["ada@brand.example", "ada@brand.example"]


def test_existing_callers_without_a_permission_role_keep_working_in_local_mode(engine):
    services.create_incident(engine, intake())  # LOCAL_USER, as before roles
    admin.update_settings(engine, Settings(small_count_threshold=4))
    assert {e["actor"] for e in audit_entries(engine)} == {"local user"}


def test_in_signed_in_mode_the_role_comes_from_the_users_table(engine):
    access.set_role(engine, "Eddie@Brand.example", "editor", COMMAND_LINE)
    access.set_role(engine, "vera@board.example", "viewer", COMMAND_LINE)
    access.set_signed_in_mode(True)

    services.create_incident(engine, intake(), Actor("eddie@brand.example", "downstream_company"))
    assert audit_entries(engine)[-1]["actor"] == "eddie@brand.example"
    before = counts(engine)
    for actor, message in [
        (Actor("vera@board.example"), "vera@board.example is a viewer"),
        (Actor("stranger@example.org"), "stranger@example.org has no role here"),
        (base.LOCAL_USER, "local user has no role here"),  # a page still writing as the local user
    ]:
        with pytest.raises(Forbidden, match=message):
            services.record_credibility(engine, CODE, CREDIBLE, actor)
    with pytest.raises(Forbidden, match="eddie@brand.example is an editor: changing settings"):
        admin.update_settings(engine, Settings(), Actor("eddie@brand.example"))
    assert counts(engine) == before

    access.set_role(engine, "vera@board.example", "editor", COMMAND_LINE)  # counts from the next write
    services.record_credibility(engine, CODE, CREDIBLE, Actor("vera@board.example"))
    assert audit_entries(engine)[-1]["actor"] == "vera@board.example"


# --- users --------------------------------------------------------------------------------------------

def test_users_are_added_changed_listed_and_removed_with_audit_entries(engine):
    assert access.set_role(engine, " Ada@Brand.example", "admin", COMMAND_LINE) is None
    assert access.set_role(engine, "eddie@brand.example", "viewer", ADMIN) is None
    assert access.set_role(engine, "EDDIE@brand.example", "editor", ADMIN) == "viewer"
    assert access.set_role(engine, "eddie@brand.example", "editor", ADMIN) == "editor"  # no change, no entry

    assert access.role_of(engine, "ADA@brand.example") == "admin"
    assert access.role_of(engine, "eddie@brand.example") == "editor"
    assert access.role_of(engine, "nobody@brand.example") is None
    assert access.role_of(engine, "local user") is None and access.role_of(engine, None) is None
    users = access.list_users(engine, ADMIN)
    assert [(u["email"], u["role"], u["created_by"]) for u in users] == [
        ("ada@brand.example", "admin", "command line"), ("eddie@brand.example", "editor", "ada@brand.example")]
    assert all(isinstance(u["created_at"], datetime) for u in users)

    assert access.remove_user(engine, "eddie@brand.example", ADMIN) == "editor"
    assert access.role_of(engine, "eddie@brand.example") is None
    entries = [(e["actor"], e["action"], e["changes"]) for e in audit_entries(engine)]
    assert entries == [
        ("command line", "added user", [{"field": "role of ada@brand.example", "before": None, "after": "admin"}]),
        ("ada@brand.example", "added user",
         [{"field": "role of eddie@brand.example", "before": None, "after": "viewer"}]),
        ("ada@brand.example", "changed user role",
         [{"field": "role of eddie@brand.example", "before": "viewer", "after": "editor"}]),
        ("ada@brand.example", "removed user",
         [{"field": "role of eddie@brand.example", "before": "editor", "after": None}]),
    ]


def test_only_admins_manage_users(engine):
    with pytest.raises(Forbidden, match="managing users needs the admin role"):
        access.set_role(engine, "x@example.org", "admin", EDITOR)
    with pytest.raises(Forbidden):
        access.list_users(engine, VIEWER)
    assert counts(engine)["users"] == 0


def test_the_only_admin_cannot_be_demoted_or_removed(engine):
    access.set_role(engine, "ada@brand.example", "admin", COMMAND_LINE)
    with pytest.raises(Refused, match="ada@brand.example is the only admin"):
        access.set_role(engine, "ada@brand.example", "editor", COMMAND_LINE)
    with pytest.raises(Refused, match="only admin"):
        access.remove_user(engine, "ada@brand.example", COMMAND_LINE)
    access.set_role(engine, "bea@brand.example", "admin", COMMAND_LINE)
    assert access.set_role(engine, "ada@brand.example", "editor", COMMAND_LINE) == "admin"


@pytest.mark.parametrize(("email", "role", "message"), [
    ("not an email", "editor", "email: 'not an email' is not an e-mail address"),
    ("ana@example.org", "owner", "role: 'owner' is not one of viewer, editor, admin"),
])
def test_bad_input_is_refused_under_its_field(engine, email, role, message):
    with pytest.raises(Refused, match=message):
        access.set_role(engine, email, role, COMMAND_LINE)
    with pytest.raises(Refused, match="is not a user"):
        access.remove_user(engine, "ghost@example.org", COMMAND_LINE)


def test_the_database_keeps_emails_lower_case_and_roles_known(engine):
    for row in ({"email": "Ana@example.org", "role": "viewer"}, {"email": "ana@example.org", "role": "owner"}):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(insert(t.users).values(**row))


def test_the_command_line_adds_and_lists_users(backend, database_url_factory, capsys):
    url, engine = database_url_factory(backend)
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    cli_users.register(parser.add_subparsers(dest="command", required=True))

    def run(*argv) -> tuple[int, str, str]:
        args = parser.parse_args(["--database-url", url, *argv])
        code = args.func(args)
        out, err = capsys.readouterr()
        return code, out, err

    assert run("user", "list") == (0, "No users yet. Add the first admin: python -m remediation user add EMAIL "
                                      "--role admin\n", "")
    assert run("user", "add", "Ada@Brand.example", "--role", "admin") == (0, "ada@brand.example: admin (added)\n", "")
    assert run("user", "add", "eddie@brand.example", "--role", "viewer")[0] == 0
    assert run("user", "add", "eddie@brand.example", "--role", "editor")[1] == "eddie@brand.example: editor (was viewer)\n"
    code, out, _ = run("user", "list")
    assert code == 0 and [line.split()[:2] for line in out.splitlines()] == [
        ["ada@brand.example", "admin"], ["eddie@brand.example", "editor"]]
    assert "by command line" in out
    assert run("user", "add", "ada@brand.example", "--role", "viewer") == \
        (1, "", "ada@brand.example is the only admin: make someone else admin first.\n")
    assert run("user", "add", "nope", "--role", "viewer")[0] == 1
    assert run("user", "remove", "eddie@brand.example") == (0, "eddie@brand.example: removed (was editor)\n", "")
    with pytest.raises(SystemExit):
        parser.parse_args(["user", "add", "x@example.org", "--role", "owner"])
    capsys.readouterr()
    assert access.role_of(engine, "ada@brand.example") == "admin"


# --- the audit log --------------------------------------------------------------------------------

def test_the_audit_log_filters_by_incident_user_and_date(engine):
    services.create_incident(engine, intake(), EDITOR)
    services.create_incident(engine, intake("INC-2026-901"), ADMIN)
    services.record_credibility(engine, CODE, CREDIBLE, ADMIN)
    today = datetime.now(UTC).date()

    log, more = access.audit_log(engine, ADMIN)
    assert not more and list(log["action"]) == ["recorded credibility", "created incident", "created incident"]
    assert list(log.columns) == ["at", "actor", "role", "incident_code", "action", "changes"]
    log, _ = access.audit_log(engine, ADMIN, incident_code=" inc-2026-900 ")
    assert list(log["action"]) == ["recorded credibility", "created incident"]
    log, _ = access.audit_log(engine, ADMIN, user="EDDIE@brand.example")
    assert list(log["incident_code"]) == [CODE]
    log, _ = access.audit_log(engine, ADMIN, incident_code=CODE, user="ada@brand.example")
    assert list(log["action"]) == ["recorded credibility"]
    assert len(access.audit_log(engine, ADMIN, since=today - timedelta(days=1), until=today + timedelta(days=1))[0]) == 3
    assert len(access.audit_log(engine, ADMIN, since=today, until=today)[0]) == 3
    assert access.audit_log(engine, ADMIN, since=today + timedelta(days=1))[0].empty
    assert access.audit_log(engine, ADMIN, until=today - timedelta(days=1))[0].empty
    log, more = access.audit_log(engine, ADMIN, limit=2)
    assert more and len(log) == 2


def test_only_admins_read_the_audit_log(engine):
    with pytest.raises(Forbidden, match="vera@board.example is a viewer: reading the audit log needs the admin role"):
        access.audit_log(engine, VIEWER)
    with pytest.raises(Forbidden):
        access.audit_log(engine, EDITOR)
