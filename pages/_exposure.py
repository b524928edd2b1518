"""An incident's supply-chain exposure on its page: which suppliers declare its smelter, currently or in the past,
which products that reaches, earlier incidents at the same smelter or site, and the link to the smelter register
(with suggestions). Read through :mod:`remediation.storage.supply_chain`; the link is written by
:func:`remediation.services.incidents.link_smelter` (one audit entry, the incident's version checked)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages._auth import can_edit, current_actor
from pages._data import after_write, earlier_incidents, earlier_than, get_engine, supply
from pages._filters import board_mode
from pages._lazy import form_expander
from pages._nav import PAGES
from pages._text import cite, data_table, md, on_slide
from remediation.domain.models import IncidentIn
from remediation.domain.policy import Policy
from remediation.domain.supply_chain import METALS
from remediation.services import incidents as services
from remediation.services.base import Refused
from remediation.storage.records import ConflictError
from remediation.storage.supply_chain import EarlierIncidents, IncidentExposure, IncidentKeys, SmelterExposure

LINK_LABELS = {"current": "Current", "past": "Past"}


def _names(df: pd.DataFrame, link: str) -> str:
    names = list(df.loc[df["link"] == link, "supplier"])
    shown = ", ".join(md(n) for n in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def load(inc: IncidentIn) -> IncidentExposure:
    """The incident's exposure (:func:`remediation.storage.supply_chain.incident_exposure`) from its two halves, each
    cached under what it reads, with what it needs of the incident (from its record, as the page shows it) as
    arguments: the register and the declarations under the supply chain's version alone; the earlier incidents under
    every other incident's records version. A write to the incident (a step, its smelter's link) leaves both warm."""
    earlier = earlier_than(IncidentKeys(inc.code, inc.smelter_id, inc.smelter_refiner, inc.site, inc.country,
                                        inc.incident_date))
    part: SmelterExposure = supply("smelter_exposure", inc.smelter_id, inc.smelter_refiner)
    return IncidentExposure(inc.code, inc.smelter_id, part.smelter, part.suppliers, part.by_name, earlier.incidents)


def summary(ex: IncidentExposure) -> str:
    """One sentence: how many suppliers declare the smelter now and before."""
    if ex.smelter_id is None:
        unconfirmed = len(ex.by_name)
        return ("Not linked to the smelter register, so suppliers' declarations cannot be matched by smelter ID"
                + (f"; {unconfirmed} supplier{'s' if unconfirmed != 1 else ''} declare a smelter of the same name "
                   "without an ID (unconfirmed)." if unconfirmed else "."))
    if ex.current == 0 and ex.past == 0:
        return f"No supplier's declaration lists {ex.smelter_id}."
    parts = []
    if ex.current:
        parts.append(f"{ex.current} supplier{'s' if ex.current != 1 else ''} list it in their current declaration "
                     f"({_names(ex.suppliers, 'current')})")
    if ex.past:
        parts.append(f"{ex.past} only in earlier declarations ({_names(ex.suppliers, 'past')})")
    return "; ".join(parts) + "."


def actionability_evidence(ex: IncidentExposure) -> None:
    """Step 1: does the allegation link to a current or past supply-chain partner?"""
    text = (f"**Evidence for actionability** — an allegation is actionable when it links to a current or past "
            f"supply-chain partner ({cite('actionable_definition')}). {summary(ex)}")
    (st.info if ex.current or ex.past else st.warning)(text, icon=":material/account_tree:")


LINKS_SHOWN = 5


def _incidents(n: int) -> str:
    return f"{n} earlier incident{'s' if n != 1 else ''}"


def occurrence_suggestion(code: str, incident_date, repeated: bool, policy: Policy, how_to_change: str = ""
                          ) -> EarlierIncidents | None:
    """The "high occurrence" suggestion (footnote 22): earlier incidents at the same smelter/refiner or site within
    the level policy's window, with links to them. It only informs: "repeated" stays what the user records."""
    since = policy.occurrence_since(incident_date)
    found: EarlierIncidents | None = earlier_incidents(code, since)
    if found is None:
        return None
    years = policy.occurrence_window_years
    window = f"since {since} (the level policy's {years}-year window)"
    why = f"high occurrence, {cite('footnote22_occurrence_and_persons')}"
    if found.total == 0:
        st.caption(f"No earlier incident at this smelter/refiner or site {window}: the portfolio does not suggest "
                   f"that it is repeated ({why}).")
        return found
    parts = []
    if found.at_smelter:
        parts.append(f"{_incidents(found.at_smelter)} at this smelter/refiner")
    if found.at_site:
        parts.append(f"{found.at_site} at this site" if parts else f"{_incidents(found.at_site)} at this site")
    recorded = "repeated" if repeated else "isolated"
    advice = ("consistent with 'Repeated over a period'" if repeated else
              "consider 'Repeated over a period'")
    shown = found.incidents.head(LINKS_SHOWN)
    links = ", ".join(f"[{c}](incident?incident={c}) ({d}, {md(m)})"
                      for c, d, m in zip(shown["code"], shown["incident_date"], shown["match"]))
    more = found.total - len(shown)
    st.info(f"**Suggested from the portfolio: {' and '.join(parts)} {window}** — {advice} ({why}). "
            f"A suggestion only: it changes nothing; the facts say *{recorded}* until someone records otherwise"
            f"{(' (' + how_to_change + ')') if how_to_change else ''}.  \n"
            f"{links}" + (f" and {more} more" if more > 0 else "") + ".",
            icon=":material/history:")
    return found


def trading_evidence(ex: IncidentExposure) -> None:
    """Step 2: whether the company's suppliers source from the smelter now or did before."""
    if ex.smelter_id is None or (ex.current == 0 and ex.past == 0):
        return
    link = ("current: suppliers still declare the smelter" if ex.current else
            "past: only superseded declarations list the smelter")
    st.info(f"**Evidence for the trading link** ({cite('trading_link_assessment')}): the declarations point to "
            f"{link}. {summary(ex)}", icon=":material/account_tree:")


def panel(inc: IncidentIn, version: int) -> IncidentExposure:
    """The exposure section of the incident page (``inc``: the incident as its record holds it)."""
    ex = load(inc)
    with st.container(border=True):
        _draw(inc.code, inc.smelter_refiner, inc.country, inc.mineral, version, ex)
    return ex


def _draw(code: str, smelter_refiner: str, country: str, mineral: str, version: int, ex: IncidentExposure) -> None:
    st.subheader("Supply-chain exposure", anchor=False)
    if ex.smelter_id:
        s = ex.smelter
        where = (f"{md(s['name'])} ({METALS.get(s['metal'], s['metal'])}" + (f", {md(s['country'])})" if s["country"]
                                                                              else ")")) if s else "not in the register"
        st.markdown(f"Smelter/refiner linked to **{ex.smelter_id}** · {where}. " + summary(ex))
    else:
        st.markdown(f"The allegation names *{md(smelter_refiner)}*. " + summary(ex))
    if not ex.suppliers.empty:
        table = ex.suppliers.assign(
            link=ex.suppliers["link"].map(LINK_LABELS),
            declaration=[f"{r.template} {r.version}, effective {r.declared_effective}" for r in ex.suppliers.itertuples()],
            current_effective=[f"effective {d}" if d is not None and not pd.isna(d) else ""
                               for d in ex.suppliers["current_effective"]])
        data_table(table, hide_index=True, width="stretch", key="exposure_suppliers",
                   column_order=["supplier", "link", "declaration", "current_effective", "products", "mines"],
                   column_config=on_slide(board_mode(), {"supplier": 200, "link": 60, "declaration": 200,
                                                         "current_effective": 150, "products": 300, "mines": 160}, {
                       "supplier": st.column_config.TextColumn("Supplier", width="medium"),
                       "link": st.column_config.TextColumn("Link", help="Current: the supplier's latest declaration "
                                                           "lists the smelter. Past: only earlier ones do."),
                       "declaration": st.column_config.TextColumn("Declaration that lists it", width="medium"),
                       "current_effective": st.column_config.TextColumn(
                           "Not in its declaration", help="For a past link: the supplier's current declaration, "
                                                          "which no longer lists the smelter."),
                       "products": st.column_config.TextColumn("Products reached", width="large"),
                       "mines": st.column_config.TextColumn("Mines declared", width="medium")}))
    if not ex.by_name.empty:
        st.caption("Declared without a smelter ID under the same name ('Smelter not listed'): unconfirmed, check with "
                   "the supplier.")
        data_table(ex.by_name.assign(link=ex.by_name["link"].map(LINK_LABELS)), hide_index=True, width="stretch",
                   key="exposure_by_name", column_order=["supplier", "link", "declared_effective", "products"],
                   column_config={"supplier": "Supplier", "link": "Link",
                                  "declared_effective": st.column_config.DateColumn("Declaration effective"),
                                  "products": st.column_config.TextColumn("Products", width="large")})
    if not ex.earlier.empty:
        n = len(ex.earlier)
        st.markdown(f"**{n} earlier incident{'s' if n != 1 else ''} at the same smelter or site** — evidence that the "
                    f"violation is repeated rather than isolated (high occurrence, "
                    f"{cite('footnote22_occurrence_and_persons')}).")
        earlier = ex.earlier.assign(code=[f"incident?incident={c}" for c in ex.earlier["code"]])
        data_table(earlier, hide_index=True, width="stretch", key="exposure_earlier",
                   column_config={"code": st.column_config.LinkColumn("Code", display_text=r"incident=(.*)$"),
                                  "title": st.column_config.TextColumn("Title", width="large"),
                                  "incident_date": st.column_config.DateColumn("Incident date"),
                                  "status": "Status", "match": "Match"},
                   column_order=["code", "title", "incident_date", "status", "match"])
    if can_edit():
        link_form(code, smelter_refiner, country, mineral, ex, version)


def link_form(code: str, name: str, country: str, mineral: str, ex: IncidentExposure, version: int) -> None:
    suggestions = supply("smelter_suggestions", name, country, mineral)
    label = "Change the link to the smelter register" if ex.smelter_id else "Link to the smelter register"
    with form_expander(label, "smelter_link", expanded=ex.smelter_id is None and bool(suggestions)) as drawn:
        if drawn:
            _link_body(code, country, ex, version, suggestions)


def _link_body(code: str, country: str, ex: IncidentExposure, version: int, suggestions: list[dict]) -> None:
    options = supply("register_options")
    if suggestions:
        st.caption("Suggested from the name" + (f" and the country ({md(country)})" if country else "") + ": "
                   + "; ".join(f"{s['smelter_id']} · {md(s['name'])} ({md(s['why'])})" for s in suggestions))
    elif not options:
        st.caption("The register is empty: import suppliers' declarations, or add the smelter on the Supply chain "
                   "page.")
        st.page_link(PAGES["supply_chain"], label="Supply chain", icon=":material/account_tree:",
                     query_params={"view": "Smelter register"})
        return
    ids = list(options)
    start = ex.smelter_id or (suggestions[0]["smelter_id"] if suggestions else None)
    with st.form("smelter_link"):
        chosen = st.selectbox("Smelter in the register", options=ids, index=ids.index(start) if start in ids else None,
                              format_func=options.get, placeholder="Type a name or a smelter ID…",
                              key="smelter_link.smelter_id")
        st.caption("The allegation's own text stays as it was; the link is recorded in the audit trail.")
        cols = st.columns([1, 1, 3])
        link = cols[0].form_submit_button("Link", type="primary")
        unlink = cols[1].form_submit_button("Unlink", disabled=ex.smelter_id is None)
    if link or unlink:
        try:
            services.link_smelter(get_engine(), code, None if unlink else chosen, current_actor(),
                                  expected_version=version)
        except ConflictError as exc:
            after_write()
            st.error(md(str(exc)), icon=":material/sync_problem:")
        except Refused as exc:
            st.error(md(str(exc).split(": ", 1)[-1]), icon=":material/error:")
        else:
            after_write()
            st.toast("Unlinked" if unlink else f"Linked to {chosen}", icon=":material/link:")
            st.rerun()
