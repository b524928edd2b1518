"""Earlier incidents at the same smelter/refiner or site, within the level policy's window: the "high occurrence"
suggestion (guideline footnote 22; issue #12 item 8, issue #14 item 3), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from remediation.domain.models import IncidentIn
from remediation.domain.policy import DEFAULT_POLICY
from remediation.services import incidents as services
from remediation.services.base import Actor
from remediation.storage import supply_chain as sc
from remediation.storage.queries import incident as load_incident

EDITOR = Actor("eddie@brand.example", access="editor")
THIS_DATE = date(2026, 1, 10)


def add(engine, code: str, incident_date: date, *, smelter_id: str | None = "CID990001",
        name: str = "Kestrel Tin Smelting", country: str = "Indonesia", site: str = "") -> None:
    services.create_incident(engine, IncidentIn(
        code=code, title="Forced overtime at the washing site", mineral="tin", country=country,
        smelter_refiner=name, smelter_id=smelter_id, site=site, audit_programme="rmi_rmap",
        violation_types=["forced_labour"], allegation_source="Worker hotline report",
        date_received=incident_date + timedelta(days=10), incident_date=incident_date, affected_persons=4), EDITOR)


@pytest.fixture
def portfolio(engine):
    """INC-2026-100 at Kestrel (CID990001, Indonesia, site Kanyama-3) on 2026-01-10, and incidents around it."""
    add(engine, "INC-2026-100", THIS_DATE, site="Kanyama-3")
    add(engine, "INC-2025-001", date(2025, 6, 1))  # same smelter ID
    add(engine, "INC-2024-002", date(2024, 3, 1), smelter_id=None, name="KESTREL TIN SMELTING CO., LTD.",
        country="INDONESIA")  # not linked: same name and country
    add(engine, "INC-2024-003", date(2024, 3, 2), smelter_id=None, country="Malaysia")  # same name, another country
    add(engine, "INC-2024-004", date(2024, 3, 3), smelter_id="CID990002")  # same name, linked to another smelter
    add(engine, "INC-2023-005", date(2023, 1, 10))  # the window's first day: counts
    add(engine, "INC-2023-006", date(2023, 1, 9))  # the day before the window
    add(engine, "INC-2026-007", date(2026, 1, 20))  # later than this incident: never counts
    add(engine, "INC-2026-008", THIS_DATE)  # the same day: not earlier
    add(engine, "INC-2025-009", date(2025, 2, 1), smelter_id="CID990009", name="Other Smelter",
        site=" kanyama-3 ")  # another smelter at the same site
    add(engine, "INC-2025-010", date(2025, 2, 2), smelter_id="CID990009", name="Other Smelter", site="Kanyama-3",
        country="Malaysia")  # a site of the same name in another country
    return engine


def test_the_window_counts_earlier_incidents_at_the_same_smelter_or_site(portfolio):
    since = DEFAULT_POLICY.occurrence_since(THIS_DATE)
    assert since == date(2023, 1, 10)
    found = sc.earlier_incidents(portfolio, "INC-2026-100", since)
    assert (found.at_smelter, found.at_site, found.total, found.since) == (3, 1, 4, since)
    assert list(found.incidents["code"]) == ["INC-2025-001", "INC-2025-009", "INC-2024-002", "INC-2023-005"]
    assert dict(zip(found.incidents["code"], found.incidents["match"])) == {
        "INC-2025-001": "same smelter ID", "INC-2025-009": "same site",
        "INC-2024-002": "same smelter name and country", "INC-2023-005": "same smelter ID"}


def test_without_a_window_every_earlier_incident_counts_and_never_a_later_one(portfolio):
    found = sc.earlier_incidents(portfolio, "inc-2026-100 ")
    assert (found.at_smelter, found.at_site) == (4, 1)
    assert "INC-2023-006" in set(found.incidents["code"])
    assert not {"INC-2026-007", "INC-2026-008", "INC-2026-100"} & set(found.incidents["code"])


def test_a_one_year_window_and_the_limit_keep_the_counts(portfolio):
    one_year = DEFAULT_POLICY.model_copy(update={"occurrence_window_years": 1})
    found = sc.earlier_incidents(portfolio, "INC-2026-100", one_year.occurrence_since(THIS_DATE))
    assert (found.at_smelter, found.at_site) == (1, 1)  # since 2025-01-10: INC-2025-001 and the site's INC-2025-009
    limited = sc.earlier_incidents(portfolio, "INC-2026-100", date(2023, 1, 10), limit=1)
    assert len(limited.incidents) == 1 and limited.total == 4
    unlimited = sc.earlier_incidents(portfolio, "INC-2026-100", date(2023, 1, 10))
    assert (limited.at_smelter, limited.at_site) == (unlimited.at_smelter, unlimited.at_site)
    assert len(unlimited.incidents) == unlimited.total  # every match listed: the counts are the rows'
    counts_only = sc.earlier_incidents(portfolio, "INC-2026-100", date(2023, 1, 10), limit=0)
    assert counts_only.incidents.empty and (counts_only.at_smelter, counts_only.at_site) == \
        (unlimited.at_smelter, unlimited.at_site)


def test_an_unlinked_incident_matches_by_name_and_country(portfolio):
    add(portfolio, "INC-2026-200", THIS_DATE, smelter_id=None, name="Kestrel Tin Smelting Co.")
    found = sc.earlier_incidents(portfolio, "INC-2026-200", date(2023, 1, 10))
    # Not linked, so it cannot tell Kestrel's ID from another: every incident of that name in Indonesia counts.
    assert set(found.incidents["code"]) == {"INC-2025-001", "INC-2024-002", "INC-2024-004", "INC-2023-005"}
    assert found.at_site == 0


def test_the_suggestion_changes_nothing(portfolio):
    before = load_incident(portfolio, "INC-2026-100", THIS_DATE)[0].incident
    sc.earlier_incidents(portfolio, "INC-2026-100", date(2023, 1, 10))
    assert load_incident(portfolio, "INC-2026-100", THIS_DATE)[0].incident == before
    assert before.repeated is False
    assert sc.earlier_incidents(portfolio, "INC-0000-999") is None


def test_the_exposure_lists_earlier_incidents_by_the_same_rule(portfolio):
    ex = sc.incident_exposure(portfolio, "INC-2026-100")
    assert set(ex.earlier["code"]) == {"INC-2025-001", "INC-2024-002", "INC-2023-005", "INC-2023-006",
                                       "INC-2025-009"}
