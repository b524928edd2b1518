"""The board pack downloads in the sidebar: the PDF and the XLSX of the current filters, for the reporting period
picked on the Reporting page (the last complete quarter by default)."""

from __future__ import annotations

import functools
import time
from datetime import date

import streamlit as st

from pages._data import CACHE_TTL_SECONDS, data_key, engine_for, settings
from pages._filters import current_filter
from pages._period import current_period
from pages._text import md
from remediation.domain.periods import Period, parse_period
from remediation.reports import board_pack, disclosures
from remediation.services.spreadsheets import tables_to_xlsx
from remediation.storage import queries
from remediation.storage.queries import PortfolioFilter


@functools.lru_cache(maxsize=8)
def _board_pack(url: str, flt: PortfolioFilter, today: date, tick: int, slug: str = "") -> tuple[bytes, bytes]:
    """Built once per database, filters, day, reporting period and 30-second tick: the PDF and the XLSX of one
    click come from one build, and a write shows in the next pack within the caches' lifetime."""
    engine = engine_for(url)
    if not slug:
        return board_pack.full_board_pack(engine, flt, today, queries.settings(engine))
    return disclosures.period_board_pack(engine, flt, today, queries.settings(engine), parse_period(slug))


def board_pack_downloads() -> None:
    """The board pack of the current filters: a PDF of every page's headline figures and key charts, and an
    XLSX of the tables behind them. Built on click (a few seconds), in its own thread."""
    url, flt, today = data_key(), current_filter(), date.today()
    period = current_period(today)

    def pack() -> tuple[bytes, bytes]:
        return _board_pack(url, flt, today, int(time.time() // CACHE_TTL_SECONDS), period.slug)

    st.subheader("Board pack", anchor=False)
    has_browser = board_pack.browser_available()
    st.download_button("PDF: figures and charts", data=lambda: pack()[0], file_name=disclosures.file_name(period, "pdf"),
                       mime="application/pdf", icon=":material/picture_as_pdf:", on_click="ignore", key="pack_pdf",
                       disabled=not has_browser,
                       help=None if has_browser else "The charts are drawn by Chrome/Chromium, and none was found: "
                                                     "install it (apt-get install chromium) or set BROWSER_PATH.")
    st.download_button("XLSX: the tables", data=lambda: tables_to_xlsx(
                           _tables(url, flt, today, period),
                           scope=f"{board_pack.pack_scope(flt)} · {disclosures.period_line(period)}"),
                       file_name=disclosures.file_name(period, "xlsx"), icon=":material/table:", on_click="ignore",
                       key="pack_xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    st.caption(f"{md(board_pack.pack_scope(flt))}; {disclosures.period_line(period)} (pick another on the Reporting "
               f"page). Victims' counts below {settings().small_count_threshold} appear as "
               f"'<{settings().small_count_threshold}'.")


def _tables(url: str, flt: PortfolioFilter, today: date, period: Period) -> dict:
    """The workbook alone, without drawing the PDF's charts."""
    engine = engine_for(url)
    conf = queries.settings(engine)
    sheets: dict = {}
    supply = board_pack.supply_chain_section(engine, flt, today)
    for _, tables in (board_pack.portfolio_section(engine, flt, today, conf),
                      board_pack.needs_attention_section(engine, flt, today, conf),
                      *disclosures.period_sections(engine, flt, period, conf),
                      board_pack.plans_section(engine, flt, today),
                      board_pack.lessons_section(engine, flt, today, conf), *([supply] if supply else [])):
        sheets.update(tables)
    return sheets


