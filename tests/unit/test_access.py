"""Permission roles (``remediation.services.access``): every role through every use case, the refusal's wording,
the two modes, and the e-mail as stored. The services' use of the check is in tests/db/test_permissions.py."""

from __future__ import annotations

import pytest

from remediation.services import access
from remediation.services.access import Forbidden, User
from remediation.services.base import LOCAL_USER, Actor, Refused

# The issue's table, written out rather than derived from the code under test.
EDITOR_USE_CASES = {
    "recording a new allegation", "recording a step", "recording a plan", "recording money",
    "recording lessons learned", "recording a what-if assessment", "importing incidents",
    "attaching evidence", "downloading evidence",  # issue 12 item 7: viewers see the list, not the content
}
ADMIN_USE_CASES = {"adopting a level policy", "changing settings", "managing users", "reading the audit log",
                   "removing evidence", "locking a reporting period"}
MAY = {"viewer": set(), "editor": EDITOR_USE_CASES, "admin": EDITOR_USE_CASES | ADMIN_USE_CASES}
CASES = [(role, use_case) for role in MAY for use_case in sorted(EDITOR_USE_CASES | ADMIN_USE_CASES)]


@pytest.fixture(autouse=True)
def local_mode(monkeypatch):
    monkeypatch.setattr(access, "_signed_in_mode", False)  # restored afterwards, whatever a test sets


def test_the_use_cases_are_the_issues():
    assert set(access.USE_CASES) == EDITOR_USE_CASES | ADMIN_USE_CASES
    assert {u for u, need in access.USE_CASES.items() if need == "admin"} == ADMIN_USE_CASES
    assert list(access.PERMISSION_ROLES) == ["viewer", "editor", "admin"]


@pytest.mark.parametrize(("role", "use_case"), CASES, ids=[f"{r}-{u.replace(' ', '_')}" for r, u in CASES])
def test_each_role_may_do_exactly_its_use_cases(role, use_case):
    need = access.USE_CASES[use_case]
    actor = Actor("ana@example.org", "downstream_company", access=role)
    expected = use_case in MAY[role]
    assert access.allowed(role, need) is expected
    assert User("ana@example.org", role).can(need) is expected
    if expected:
        assert access.require(actor, need, use_case) == role
    else:
        with pytest.raises(Forbidden) as refused:
            access.require(actor, need, use_case)
        needed = "editor" if need == "edit" else "admin"
        assert str(refused.value) == (f"ana@example.org is {'an' if role == 'editor' else 'a'} {role}: {use_case} "
                                      f"needs the {needed} role. Nothing was saved.")


def test_a_refusal_is_a_refused_so_pages_already_show_it():
    assert issubclass(Forbidden, Refused)


def test_without_a_role_nothing_is_allowed_and_the_message_says_whom_to_ask():
    assert not access.allowed(None, "edit") and not access.allowed(None, "admin")
    access.set_signed_in_mode(True)
    with pytest.raises(Forbidden, match=r"^ana@example.org has no role here: recording a step needs the editor "
                                        r"role\. Ask an admin to add you\."):
        access.require(Actor("ana@example.org"), "edit", "recording a step")


def test_local_mode_gives_an_actor_without_a_permission_role_every_right():
    assert access.permission_of(LOCAL_USER) == "admin"
    assert access.permission_of(Actor("anyone")) == "admin"
    assert access.require(LOCAL_USER, "admin", "adopting a level policy") == "admin"
    assert access.LOCAL_ADMIN == User("local user", "admin")


def test_signed_in_mode_refuses_an_actor_without_a_permission_role_unless_the_database_knows_them():
    access.set_signed_in_mode(True)
    assert access.signed_in_mode()
    assert access.permission_of(LOCAL_USER) is None  # no connection to look them up: no role
    with pytest.raises(Forbidden):
        access.require(LOCAL_USER, "edit", "recording a step")
    assert access.permission_of(Actor("x@example.org", access="editor")) == "editor"  # given: used as given


def test_a_users_actor_carries_their_role():
    actor = User("ana@example.org", "editor").actor("audit_programme")
    assert actor == Actor("ana@example.org", "audit_programme", access="editor")
    assert access.COMMAND_LINE.access == "admin"


@pytest.mark.parametrize(("typed", "stored"), [
    ("Ana.Silva@Example.ORG", "ana.silva@example.org"),
    ("  bo@x.org \n", "bo@x.org"),
    ("user+tag@sub.example.co.uk", "user+tag@sub.example.co.uk"),
])
def test_an_email_is_stored_trimmed_and_lower_cased(typed, stored):
    assert access.normalise_email(typed) == stored


@pytest.mark.parametrize("typed", ["", "   ", "local user", "ana", "@example.org", "ana@", "a b@x.org",
                                   "ana@x@y", "a" * 190 + "@example.org"])
def test_what_is_not_an_email_is_refused_under_its_field(typed):
    with pytest.raises(Refused, match=r"^email: "):
        access.normalise_email(typed)
