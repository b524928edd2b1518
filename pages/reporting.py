"""Reporting: what happened in a period — a quarter, a half year, a year or a custom range — beside the period
before, reconstructed from the dates the facts carry; the open stock at the start and the end; a year quarter by
quarter; the disclosure tables (UK Modern Slavery Act, ESRS S2-4, OECD Step 5); locking a reported period (admins)
and correcting a recorded date (editors), which a locked period shows as a restatement, never as a changed number.
"""

from datetime import date

import streamlit as st
from pydantic import ValidationError

from pages._auth import can_administer, can_edit, current_actor, read_only_notice
from pages._data import CACHE_TTL_SECONDS, after_write, data_key, engine_for, get_engine, settings
from pages._filters import board_mode, current_filter
from pages._nav import ensure_entry_script
from pages._period import current_period, period_picker
from pages._text import data_table, md, plain_error
from remediation.domain.periods import parse_period
from remediation.reports import disclosures
from remediation.services.base import Refused
from remediation.services.incidents import CORRECTABLE_DATES, correct_date
from remediation.services.reporting import lock_period
from remediation.services.spreadsheets import tables_to_xlsx
from remediation.storage import reporting
from remediation.storage.queries import PortfolioFilter

ensure_entry_script()


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=32, show_spinner="Reconstructing the period from the dated facts…")
def _published(url: str, slug: str, flt: PortfolioFilter):
    """The period's figures as published (stored where locked), its previous period's, the open stock and, for
    a year or half, quarter by quarter; the disclosure tables."""
    engine, period, conf = engine_for(url), parse_period(slug), settings()
    where = disclosures.period_where(flt)
    pub = reporting.published(engine, period, where, conf)
    stock = reporting.stock_table(engine, period, where)
    quarters = (reporting.quarter_by_quarter(engine, period, where, conf)
                if period.kind in ("year", "half") else None)
    tables = {sheet: disclosures.disclosure_table(rows([pub.report.current, pub.report.before]), pub.report, conf)
              for sheet, (_, rows, _) in disclosures.DISCLOSURES.items()}
    return pub, stock, quarters, tables


@st.cache_data(ttl=CACHE_TTL_SECONDS, max_entries=4, show_spinner="Drawing the board pack…")
def _pack(url: str, slug: str, flt: PortfolioFilter, today: date) -> tuple[bytes, bytes]:
    engine = engine_for(url)
    return disclosures.period_board_pack(engine, flt, today, settings(), parse_period(slug))


DISCLOSURE_COLUMNS = {"Indicator": st.column_config.TextColumn(width="large"),
                      "Framework and data point": st.column_config.TextColumn(width="large")}

today = date.today()
board = board_mode()
flt = current_filter()
conf = settings()
few = conf.small_count_threshold

st.title("Reporting")
if board:
    period = current_period(today)
else:
    st.caption("What happened in a period, beside the period before: reconstructed from the dates the facts carry "
               "(the day credibility was decided, a plan approved, money spent), not from when they were typed in. "
               "Once a period is reported an admin locks it: its figures stay as published, and a later correction "
               "of a date inside it shows as a restatement.")
    period = period_picker(today)

scope = flt.describe(with_status=False)
pub, stock, quarters, tables = _published(data_key(), period.slug, flt)
report = pub.report
st.subheader(f"{period.label} · {period.dates}", anchor=False)
st.caption(md(f"Compared with {report.previous.label} ({report.previous.dates}). Scope: {scope} — open and closed "
              f"incidents alike (a period counts what happened). Victims' counts below {few} are shown as <{few}."))
if period.end >= today:
    st.info(f"{period.label} is not over yet: its figures will still change as the days pass.",
            icon=":material/schedule:")
if pub.lock is not None:
    st.success(md(f"Locked on {pub.lock.locked_at:%Y-%m-%d %H:%M} by {pub.lock.locked_by}: the figures below are "
                  "as published."), icon=":material/lock:")
elif disclosures.period_where(flt) is not None:
    st.caption("Locked figures cover the whole portfolio: with filters, these figures are computed now.")

# --- headline figures ------------------------------------------------------------------------------------------
c, b = report.current, report.before


def _n(figures: dict, key: str) -> int:
    return int(figures.get(key) or 0)


cols = st.columns(6)
for col, (key, label) in zip(cols, (("received", "Allegations received"), ("substantiated", "Substantiated"),
                                    ("plans_approved", "Plans approved"), ("closed_remediated", "Remediated, closed"),
                                    ("overdue_end", "Overdue at the end"))):
    delta = _n(c, key) - _n(b, key)
    col.metric(label, f"{_n(c, key):,}", delta=f"{delta:+,} vs {report.previous.label}", delta_color="off",
               delta_arrow="off" if not delta else ("up" if delta > 0 else "down"))
cols[5].metric("Victims assisted", reporting.shown("victims_assisted", _n(c, "victims_assisted"), conf),
               delta=f"{reporting.shown('victims_assisted', _n(b, 'victims_assisted'), conf)} in {report.previous.label}",
               delta_color="off", delta_arrow="off",
               help="Victims with a case-management plan in a Level 1 plan under implementation during the period. "
                    f"Counts below {few} are shown as <{few}; no difference is shown, as it could reveal one.")

# --- restatement ----------------------------------------------------------------------------------------------------
if pub.restated:
    labels = ", ".join(r.lock.period.label for r in pub.restated)
    st.warning(md(f"Restated: a correction of a dated fact changed published figures of {labels}. The published "
                  "figures stand; the restatement is below, with who made the change."), icon=":material/history:")
    st.subheader("Restatement", anchor=False)
    for r in pub.restated:
        st.markdown(f"**{r.lock.period.label}** (locked {r.lock.locked_at:%Y-%m-%d} by {md(r.lock.locked_by)}): "
                    f"stored against recomputed")
        data_table(r.changed, hide_index=True, width="stretch", key=f"restated_{r.lock.period.slug}")
        who = r.changes.drop(columns=["Changed"]) if board else r.changes
        data_table(who, hide_index=True, width="stretch", key=f"restated_who_{r.lock.period.slug}",
                   column_config={"When": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm")})

# --- every figure, the open stock, quarter by quarter -----------------------------------------------------------------
st.subheader("Every figure, beside the previous period", anchor=False)
data_table(reporting.figures_table(report, conf), hide_index=True, width="stretch", key="period_figures",
           height="content")
st.caption("Money received is recorded on a pledge without a date of its own: it counts with the pledge's date. "
           "Money in each plan's currency, never summed across currencies. Median days: for incidents that left the "
           "step in the period, the days from entering it to leaving it. Plans completed: the facilitator's final "
           "report received. Actions closed: actions raised by lessons reviews, done or dropped in the period.")
st.subheader("Open stock at the start and the end", anchor=False)
data_table(stock, hide_index=True, width="stretch", key="open_stock")
if quarters is not None:
    st.subheader(f"{period.label} quarter by quarter", anchor=False)
    data_table(quarters, hide_index=True, width="stretch", key="quarter_by_quarter", height="content")

# --- disclosure tables ----------------------------------------------------------------------------------------------
st.subheader("Disclosure tables", anchor=False)
st.caption(md(f"Aggregates only, ready to paste into the annual statements. {disclosures.period_line(period)}; "
              f"scope: {scope}."))
if board:  # a slide shows every table; tabs are controls
    for sheet, (title, _, serves) in disclosures.DISCLOSURES.items():
        st.markdown(f"**{md(title.removeprefix('Disclosure: '))}**")
        st.caption(md(serves))
        data_table(tables[sheet], hide_index=True, width="stretch", key=f"disclosure_{sheet}",
                   column_config=DISCLOSURE_COLUMNS)
else:
    for tab, (sheet, (title, _, serves)) in zip(st.tabs([t.removeprefix("Disclosure: ") for t, _, _ in
                                                         disclosures.DISCLOSURES.values()]),
                                               disclosures.DISCLOSURES.items()):
        with tab:
            st.caption(md(serves))
            data_table(tables[sheet], hide_index=True, width="stretch", key=f"disclosure_{sheet}",
                     column_config=DISCLOSURE_COLUMNS)

if board:
    st.stop()

# --- downloads ------------------------------------------------------------------------------------------------------
st.subheader("Board pack for this period", anchor=False)
left, right = st.columns(2)
left.download_button(f"PDF: board pack {period.label}", data=lambda: _pack(data_key(), period.slug, flt, today)[0],
                     file_name=disclosures.file_name(period, "pdf"), mime="application/pdf", on_click="ignore",
                     icon=":material/picture_as_pdf:", key="period_pack_pdf")
sheets = {"Period figures": reporting.figures_table(report, conf), "Open stock": stock,
          **({"Quarter by quarter": quarters} if quarters is not None else {}), **tables}
right.download_button(f"XLSX: figures and disclosure tables {period.label}",
                      data=lambda: tables_to_xlsx(sheets, scope=f"Scope: {scope} · {disclosures.period_line(period)}"),
                      file_name=disclosures.file_name(period, "xlsx"), on_click="ignore", icon=":material/table:",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="period_xlsx")

# --- lock (admins) --------------------------------------------------------------------------------------------------
st.subheader("Lock the period", anchor=False)
if pub.lock is not None:
    st.caption(f"{period.label} is locked. A correction of a date inside it shows above as a restatement.")
elif not can_administer():
    st.caption(md(read_only_notice("lock a period")).replace("editor role", "admin role"))
else:
    with st.form("lock_period"):
        st.markdown(f"Lock **{period.label}** ({period.dates}) for the whole portfolio: its figures are stored as "
                    "published" + (", with its quarters'" if period.kind in ("year", "half") else "") + ".")
        sure = st.checkbox(f"{period.label} has been reported; keep its figures as published")
        if st.form_submit_button(f"Lock {period.label}", type="primary"):
            try:
                if not sure:
                    raise Refused("period: tick the box to confirm the period has been reported")
                lock_period(get_engine(), period, current_actor(), today=today)
            except Refused as exc:
                st.error(plain_error(exc), icon=":material/error:")
            else:
                after_write()
                st.toast(f"{period.label} locked", icon=":material/lock:")
                st.rerun()

# --- correct a recorded date (editors) ------------------------------------------------------------------------------
st.subheader("Correct a recorded date", anchor=False)
if not can_edit():
    st.caption(md(read_only_notice("correct a date")))
else:
    with st.form("correct_date"):
        st.caption("For a date recorded wrongly (a typo found later). The dates must stay in the guideline's order; "
                   "the audit log keeps the old and the new date. Inside a locked period the correction shows as a "
                   "restatement.")
        a, b_, c_, d = st.columns([2, 3, 1, 2])
        code = a.text_input("Incident code", max_chars=20, placeholder="INC-2025-001")
        fact = b_.selectbox("Date of", options=list(CORRECTABLE_DATES), format_func=lambda f: CORRECTABLE_DATES[f],
                            index=None)
        level = c_.selectbox("Plan level", options=[1, 2], index=None, help="For a plan's date only.")
        new_date = d.date_input("Correct date", value=None, max_value=today, format="YYYY-MM-DD")
        if st.form_submit_button("Correct the date"):
            try:
                if not code.strip():
                    raise Refused("code: enter the incident code")
                if fact is None:
                    raise Refused("fact: choose which date to correct")
                if new_date is None:
                    raise Refused("new_date: enter the correct date")
                correct_date(get_engine(), code.strip().upper(), fact, new_date, current_actor(), level=level)
            except (Refused, ValidationError) as exc:
                st.error(plain_error(exc), icon=":material/error:")
            else:
                after_write()
                st.toast(f"{md(code.strip().upper())}: {CORRECTABLE_DATES[fact]} corrected to {new_date}",
                         icon=":material/check:")
                st.rerun()

