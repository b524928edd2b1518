"""The smelter register's write side: a smelter a lead enters by hand (declarations add theirs on import)."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from remediation.domain.models import SmelterEntry
from remediation.domain.supply_chain import normalise_name
from remediation.services.access import require
from remediation.services.base import LOCAL_USER, Actor, Refused, write_audit
from remediation.storage import schema as t


def add_smelter(engine: Engine, entry: SmelterEntry, actor: Actor = LOCAL_USER) -> None:
    """Add ``entry`` to the register, in one transaction with one audit entry; refused if the ID is known."""
    sm = t.smelters.c
    with engine.begin() as conn:
        require(actor, "edit", "adding a smelter to the register", conn)
        if conn.execute(select(sm.smelter_id).where(sm.smelter_id == entry.smelter_id)).first() is not None:
            raise Refused(f"smelter_id: {entry.smelter_id} is already in the register.")
        try:
            conn.execute(insert(t.smelters).values(
                smelter_id=entry.smelter_id, metal=entry.metal, name=entry.name, name_key=normalise_name(entry.name),
                country=entry.country, source="entered", updated_by=actor.user))
        except IntegrityError as exc:  # entered by someone else at the same moment
            raise Refused(f"smelter_id: {entry.smelter_id} is already in the register.") from exc
        write_audit(conn, actor, "added a smelter to the register",
                    [{"field": "smelter", "before": None, "after": entry.model_dump(mode="json")}])
