"""Export: incidents in the import format, so an export is always a valid import."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import pandas as pd
from sqlalchemy import Engine

from remediation.domain.models import IncidentIn
from remediation.services.spreadsheets import tables_to_csv, tables_to_xlsx, xml_safe
from remediation.services.transfer.company_work import export_frames
from remediation.services.transfer.followups import FOLLOWUP_SHEET, export_rows
from remediation.services.transfer.format import COLUMNS, SHEET_NAME, export_value, line_breaks, protect_cell
from remediation.storage.queries import PortfolioFilter
from remediation.storage.records import stored_intake


def incidents_frame(incidents: Iterable[IncidentIn]) -> pd.DataFrame:
    """The incidents in the import format: one column per field under its header, one row each.
    Not yet protected against formulas: :func:`to_bytes` does that."""
    records = [[export_value(f, getattr(i, f)) for f in COLUMNS] for i in incidents]
    return pd.DataFrame(records, columns=list(COLUMNS.values()), dtype=object)


def to_bytes(frame: pd.DataFrame, fmt: Literal["csv", "xlsx"], followups: pd.DataFrame | None = None,
             company_work: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The frame as a CSV (UTF-8 with a byte-order mark) or an XLSX workbook (the sheet "Incidents", and
    "Follow-ups" when ``followups`` has rows, and each sheet of ``company_work`` that has rows:
    :mod:`.company_work`), every text cell protected by :func:`protect_cell`."""
    protected = frame.copy()
    for column in protected.columns:
        protected[column] = protected[column].astype(object).map(
            lambda v: protect_cell(line_breaks(v)) if isinstance(v, str) else v)
    if fmt == "csv":
        return tables_to_csv(protected)
    if fmt == "xlsx":
        for column in protected.columns:
            protected[column] = protected[column].map(xml_safe)
        sheets = {SHEET_NAME: protected}
        if followups is not None and not followups.empty:
            sheets[FOLLOWUP_SHEET] = followups.map(xml_safe)
        for name, extra in (company_work or {}).items():
            if not extra.empty:
                sheets[name] = extra.map(xml_safe)
        return tables_to_xlsx(sheets)
    raise ValueError(f"unknown export format {fmt!r}: csv or xlsx")


def export_incidents(engine: Engine, fmt: Literal["csv", "xlsx"],
                     flt: PortfolioFilter | None = None) -> tuple[bytes, int]:
    """Every incident (or those matching ``flt``) in the import format, as ``fmt``; and how many."""
    with engine.connect() as conn:
        intake = stored_intake(conn, where=flt.where() if flt is not None else None)
    followups = export_rows(engine, list(intake)) if fmt == "xlsx" else None
    work = export_frames(engine, list(intake)) if fmt == "xlsx" else None
    return to_bytes(incidents_frame(intake.values()), fmt, followups, work), len(intake)


