"""The sidebar's shared filters and board-mode toggle, each kept in a URL query parameter of its key's name
(pages._url: on every page, whichever page the sidebar came through), so a copied link reproduces the view."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages import _url
from pages._data import distinct
from pages._lazy import form_expander
from remediation.domain.vocab import AUDIT_PROGRAMMES, MINERALS, REMEDY_TYPES
from remediation.storage.queries import INVOLVEMENT_FILTERS, LEVEL_FILTERS, PortfolioFilter

STATUS_LABELS = {"open": "Open", "closed": "Closed", "all": "All"}
BOARD_CODEC = _url.flag(absent_is_default=True)  # no ``board`` in the link: not board mode


def board_mode() -> bool:
    """Board mode: every page a slide, with no input, selection or edit control. Read from the URL
    (``?board=true``) as well as the toggle: in board mode the toggle, like every widget, is not drawn."""
    return str(st.query_params.get("board", "")).lower() == "true" or bool(st.session_state.get("board"))


def filter_codecs() -> dict[str, _url.Codec]:
    """How each shared filter reads from and writes to the link (its key is the query parameter)."""
    return {
        "board": BOARD_CODEC,
        "status": _url.one_of(STATUS_LABELS, STATUS_LABELS),
        "mineral": _url.choices(MINERALS, MINERALS), "country": _url.choices(distinct("country")),
        "programme": _url.choices(AUDIT_PROGRAMMES, AUDIT_PROGRAMMES),
        "smelter": _url.choices(distinct("smelter_refiner")), "level": _url.choices(LEVEL_FILTERS, LEVEL_FILTERS),
        "received": _url.date_range(), "supplier": _url.choices(distinct("supplier")),
        "product": _url.choices(distinct("product")),
        "involvement": _url.choices(INVOLVEMENT_FILTERS, INVOLVEMENT_FILTERS),
        "remedy": _url.choices(REMEDY_TYPES, REMEDY_TYPES),
    }


#: A filter keeps its value on a page that does not draw it (its folded expander closed), whichever page is next.
PERSIST = "session"
FILTER_DEFAULTS = {"board": False, "status": "open", "received": ()}  # the rest: [] (every value)


def seed_filters() -> None:
    """Before anything reads them: each filter's value from the link, or the session's, or its default."""
    for key, codec in filter_codecs().items():
        _url.seed(key, codec, FILTER_DEFAULTS.get(key, []))


def publish_filters() -> None:
    """After the sidebar is drawn: the address holds every filter, on whichever page this is."""
    _url.publish(filter_codecs())


def exit_board_mode_link(page) -> None:
    """The small way back from board mode: a link to this same view (``page``, an ``st.Page``) without
    ``board``, in the same tab (a markdown link would open a new one)."""
    params = [(k, v) for k in st.query_params for v in st.query_params.get_all(k) if k != "board"]
    st.page_link(page, label="Exit board mode", icon=":material/close_fullscreen:", query_params=params or None,
                 help="Back to the dashboard with its filters and edit controls.")


def _from_url(key: str, labels: dict[str, str] | None = None) -> tuple[str, ...]:
    """A multiselect's value as its bound query parameter holds it (repeated, by label or by value)."""
    back = {v: k for k, v in (labels or {}).items()}
    return tuple(back.get(v, v) for v in st.query_params.get_all(key) if v)


def _url_filter(stage: str | None) -> PortfolioFilter:
    """The sidebar's filters read from the URL: in board mode their widgets are not drawn."""
    status = (st.query_params.get("status") or "open").lower()
    dates = []
    for v in st.query_params.get_all("received"):
        try:
            dates.append(date.fromisoformat(v))
        except ValueError:
            pass
    return PortfolioFilter(
        status=status if status in ("open", "closed", "all") else "open", stage=stage,
        mineral=_from_url("mineral", MINERALS), country=_from_url("country"),
        audit_programme=_from_url("programme", AUDIT_PROGRAMMES), smelter_refiner=_from_url("smelter"),
        level=_from_url("level", LEVEL_FILTERS),
        received_from=dates[0] if dates else None, received_to=dates[1] if len(dates) > 1 else None,
        supplier=_from_url("supplier"), product=_from_url("product"),
        involvement=_from_url("involvement", INVOLVEMENT_FILTERS), remedy_type=_from_url("remedy", REMEDY_TYPES),
    )


def scope_line(flt: PortfolioFilter) -> str:
    """The one scope line every page shows in board mode: the same words everywhere."""
    return f"Scope: {flt.describe()}; as of {date.today().isoformat()}."


def sidebar_filters(applies: bool = True) -> None:
    """The filters every page shares. Each is bound to a URL query parameter of the same name, so a
    copied link reproduces the view. On a page they do not narrow (``applies`` false: an incident, the
    triage, the policy), they fold away under a label saying so, drawn only once opened, keeping their values for
    the next page: each widget's ``persist_state="session"``, and the address holds them (:func:`seed_filters`)."""
    st.toggle("Board mode", key="board",
              help="Screenshot-ready pages for board reports: no edit controls; victims' counts below the "
                   "small-count threshold shown as '<N'.")
    if applies:
        st.header("Filters", anchor=False)
        _filter_widgets()
    else:  # drawn only while open (issue #15): a multiselect costs the browser ~27 ms of CPU per page load (stop 31)
        with form_expander("Filters: not used on this page", "sidebar_filters",
                           icon=":material/filter_alt_off:") as drawn:
            if drawn:
                st.caption("They narrow the portfolio, the Level 2 plans, the lessons learned, the export and the "
                           "board pack.")
                _filter_widgets()


def _filter_widgets() -> None:
    # No default= / value= below: seed_filters() has put each value in the session (pages._url)
    st.segmented_control("Incidents", options=["open", "closed", "all"], key="status", persist_state=PERSIST,
                         required=True, format_func=STATUS_LABELS.get)
    st.multiselect("Mineral", options=list(MINERALS), format_func=MINERALS.get, key="mineral", persist_state=PERSIST,
                   placeholder="All minerals")
    st.multiselect("Country", options=distinct("country"), key="country", persist_state=PERSIST,
                   placeholder="All countries")
    st.multiselect("Audit programme", options=list(AUDIT_PROGRAMMES), format_func=AUDIT_PROGRAMMES.get,
                   key="programme", persist_state=PERSIST, placeholder="All programmes")
    st.multiselect("Smelter/refiner", options=distinct("smelter_refiner"), key="smelter", persist_state=PERSIST,
                   placeholder="All smelters/refiners")
    st.multiselect("Level of response", options=list(LEVEL_FILTERS), format_func=LEVEL_FILTERS.get,
                   key="level", persist_state=PERSIST, placeholder="Any level")
    st.date_input("Received between", key="received", persist_state=PERSIST, format="YYYY-MM-DD",
                  help="The date the allegation was received.")
    st.multiselect("Supplier", options=distinct("supplier"), key="supplier", persist_state=PERSIST,
                   placeholder="All suppliers",
                   help="Incidents at a smelter that a declaration of these suppliers lists (their current or an "
                        "earlier one). Only incidents linked to the smelter register can match.")
    st.multiselect("Product", options=distinct("product"), key="product", persist_state=PERSIST,
                   placeholder="All products",
                   help="Incidents at a smelter listed in a supplier's declaration that covers these products. "
                        "A company-wide declaration names no product: choose its supplier instead.")
    st.multiselect("Company involvement", options=list(INVOLVEMENT_FILTERS), format_func=INVOLVEMENT_FILTERS.get,
                   key="involvement", persist_state=PERSIST, placeholder="Any involvement",
                   help="How the company relates to the harm: caused it (remediate directly), contributed to it, or "
                        "directly linked through a business relationship (use leverage).")
    st.multiselect("Remedy type", options=list(REMEDY_TYPES), format_func=REMEDY_TYPES.get, key="remedy",
                   persist_state=PERSIST, placeholder="Any remedy",
                   help="Incidents with a plan that provides any of these types of remedy.")


def current_filter(stage: str | None = None) -> PortfolioFilter:
    if board_mode():
        return _url_filter(stage)
    s = st.session_state
    received = s.get("received") or ()
    return PortfolioFilter(
        status=s.get("status") or "all", stage=stage,
        mineral=tuple(s.get("mineral") or ()), country=tuple(s.get("country") or ()),
        audit_programme=tuple(s.get("programme") or ()), smelter_refiner=tuple(s.get("smelter") or ()),
        level=tuple(s.get("level") or ()),
        received_from=received[0] if len(received) > 0 else None,
        received_to=received[1] if len(received) > 1 else None,
        supplier=tuple(s.get("supplier") or ()), product=tuple(s.get("product") or ()),
        involvement=tuple(s.get("involvement") or ()), remedy_type=tuple(s.get("remedy") or ()),
    )


