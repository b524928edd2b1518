"""Supply chain: which suppliers and products the open incidents reach, through the smelters suppliers declare in
their CMRT and EMRT workbooks; the smelter register and the incidents still to link to it; every supplier's
declarations, current and superseded.

An allegation is actionable when it links to a current or past supply-chain partner, and the audit programme then
assesses current or past trading: the declarations are the company's own evidence of both. The page only draws;
reads are :mod:`remediation.storage.supply_chain`'s, writes :mod:`remediation.services`'."""

from datetime import date

import streamlit as st

from pages._auth import can_edit, current_actor, read_only_notice
from pages._data import after_write, get_engine, supply
from pages._filters import board_mode, current_filter
from pages._forms import model_form, reset_form, show_errors
from pages._nav import PAGES, ensure_entry_script
from pages._text import cite, data_table, md, on_slide
from remediation.domain.models import SmelterEntry
from remediation.domain.supply_chain import LEVEL_RANKS, METALS, SCOPES
from remediation.domain.vocab import MINERALS
from remediation.reports import supply_charts
from remediation.services import incidents as incident_services
from remediation.services.declarations import add_smelter
from remediation.storage.records import ConflictError

ensure_entry_script()

today = date.today()
flt = current_filter()
described = flt.describe(with_status=False)  # every figure here counts open incidents, whatever the sidebar's choice
scope = "open incidents" + ("" if described == "all incidents" else f"; {described}")
board = board_mode()
plot = {"theme": None, "config": {"displayModeBar": False}}
# The views, by the label a link carries (?view=Flows): a widget bound to the URL keeps its option's label there.
VIEWS = ("Exposure", "Flows", "Smelter register", "Suppliers")
BOARD_VIEWS = ("Exposure", "Flows")

st.title("Supply chain")
as_of = supply("exposure_as_of")
st.caption("Which suppliers and products the open incidents reach, through the smelters and refiners suppliers "
           "declare in their CMRT and EMRT workbooks" + ("" if board else f"; {md(scope)}")
           + f"; as of {today.isoformat()}"
           + (f", the newest declaration effective {as_of.isoformat()}" if as_of else "") + ". An allegation is "
           f"actionable when it links to a current or past supply-chain partner ({cite('actionable_definition')}).")

h = supply("exposure_headline", flt)
if h.declarations == 0:
    st.info("No supplier's declaration has been imported yet. Import your suppliers' CMRT and EMRT workbooks on the "
            "Import and export page: the smelters they list fill the register, and every incident linked to a "
            "smelter then shows which suppliers and products it reaches.", icon=":material/upload_file:")
    st.page_link(PAGES["imports"], label="Import suppliers' declarations", icon=":material/upload_file:")
    st.stop()

cols = st.columns(5)
cols[0].metric("Reaching suppliers", f"{h.reaching_current:,}",
               delta=f"of {h.open_incidents:,} open incidents", delta_color="off", delta_arrow="off",
               help=f"Open incidents at a smelter that some supplier's latest declaration lists. Only incidents linked "
                    f"to the smelter register can be matched: {h.linked:,} of the {h.open_incidents:,} open incidents "
                    "are linked.")
cols[1].metric("Level 1 mandatory", f"{h.level1_current:,}", delta="of those", delta_color="off",
               delta_arrow="off",
               help="Open incidents reaching a current supplier whose latest assessment makes Level 1 mandatory.")
cols[2].metric("Suppliers reached", f"{h.suppliers_current:,}", delta=f"of {h.suppliers:,} suppliers",
               delta_color="off", delta_arrow="off",
               help="Suppliers whose current declaration lists a smelter with an open incident.")
cols[3].metric("Products reached", f"{h.products:,}",
               help="Products listed in current declarations (and company-wide declarations, one per supplier) that "
                    "list a smelter with an open incident.")
cols[4].metric("Past links only", f"{h.reaching_past_only:,}",
               help="Open incidents at a smelter that only superseded declarations list: a past supply-chain partner.")

views = BOARD_VIEWS if board else VIEWS
if board:  # the view of the link, no control
    view = st.query_params.get("view") or "Exposure"
else:
    view = st.segmented_control(
        "View", options=views, key="view", bind="query-params", default="Exposure", required=True,
        label_visibility="collapsed",
        help="Exposure: suppliers and products ranked. Flows: from smelter to supplier to product. "
             "Smelter register: the smelters, and incidents to link. Suppliers: their declarations.")
view = view if view in views else "Exposure"


# --- exposure -------------------------------------------------------------------------------------------

def exposure_view() -> None:
    suppliers = supply("supplier_exposure", flt)
    st.plotly_chart(supply_charts.suppliers_by_level1(suppliers, today, scope), key="suppliers_level1_chart", **plot)
    st.subheader("Suppliers ranked by the highest level of response required", anchor=False)
    st.caption("Open incidents at the smelters each supplier's current declarations list, ranked by the highest level "
               "their latest assessments require, then by number. Past: open incidents at smelters only the "
               "supplier's earlier declarations listed.")
    if suppliers.empty:
        st.info("No open incident matching the filters is at a smelter a supplier declares.", icon=":material/info:")
    else:
        data_table(suppliers, hide_index=True, width="stretch", key="supplier_exposure",
                   column_order=["supplier", "highest", "level1_mandatory", "open", "smelters", "past_open"],
                   column_config={
                       "supplier": st.column_config.TextColumn("Supplier", width="medium"),
                       "highest": st.column_config.TextColumn("Highest level required"),
                       "level1_mandatory": st.column_config.NumberColumn("Level 1 mandatory", format="%d"),
                       "open": st.column_config.NumberColumn("Open incidents (current)", format="%d"),
                       "smelters": st.column_config.NumberColumn("Smelters with open incidents", format="%d"),
                       "past_open": st.column_config.NumberColumn("Open incidents (past only)", format="%d")})
    products = supply("product_exposure", flt)
    st.subheader("Products ranked by the highest level of response required", anchor=False)
    st.caption("Through suppliers' current declarations: a product-scope declaration reaches the products it lists, a "
               "company-wide one all of that supplier's products. An incident counts once per product.")
    if products.empty:
        st.info("No product is reached by an open incident matching the filters.", icon=":material/info:")
        return
    data_table(products, hide_index=True, width="stretch", key="product_exposure",
               column_order=["product", "highest", "level1_mandatory", "open", "smelters", "suppliers"],
               column_config=on_slide(board, {"product": 260, "highest": 150, "level1_mandatory": 130, "open": 110,
                                              "smelters": 80, "suppliers": 370}, {
                   "product": st.column_config.TextColumn("Product", width="large"),
                   "highest": st.column_config.TextColumn("Highest level required"),
                   "level1_mandatory": st.column_config.NumberColumn("Level 1 mandatory", format="%d"),
                   "open": st.column_config.NumberColumn("Open incidents", format="%d"),
                   "smelters": st.column_config.NumberColumn("Smelters", format="%d"),
                   "suppliers": st.column_config.TextColumn("Through suppliers", width="large")}))
    if not board:
        st.caption("To list these incidents, choose a supplier or a product in the sidebar's filters: the Portfolio "
                   "then shows only the incidents that reach it.")


def flows_view() -> None:
    if board:
        sizes = (12, 12, 10)  # as the board pack: the largest by name, the rest grouped, so labels never touch
    else:
        c1, c2, c3 = st.columns(3)
        sizes = (c1.slider("Smelters shown", 5, 40, 12, key="flow_smelters"),
                 c2.slider("Suppliers shown", 5, 50, 12, key="flow_suppliers"),
                 c3.slider("Products shown", 5, 30, 10, key="flow_products"))
    f = supply("exposure_flows", flt, smelters=sizes[0], suppliers=sizes[1], products=sizes[2])
    st.plotly_chart(supply_charts.flows(f, today, scope), key="flows_chart", **plot)
    st.caption(f"{f.smelters:,} smelters with open incidents, {f.suppliers:,} suppliers declaring them currently, "
               f"{f.products:,} products reached. The largest are named; the rest are grouped.")


# --- the register and linking -----------------------------------------------------------------------------

def register_view() -> None:
    register = supply("register")
    st.subheader(f"{len(register):,} smelters and refiners", anchor=False)
    st.caption("Filled from suppliers' declarations (a smelter ID the register did not know is added with the name "
               "and country the declaration gives) or entered by hand. Being listed does not mean an audit "
               "programme found the facility active or conformant.")
    search = st.text_input("Find a smelter", key="register_search", placeholder="Name, smelter ID or country")
    shown = register
    if search.strip():
        needle = search.strip().casefold()
        shown = register[register[["smelter_id", "name", "country"]].apply(
            lambda r: any(needle in str(v).casefold() for v in r), axis=1)]
    data_table(shown, hide_index=True, width="stretch", key="register_table",
               column_order=["smelter_id", "name", "metal", "country", "suppliers_current", "suppliers_past",
                             "open_incidents", "incidents", "source"],
               column_config={
                   "smelter_id": st.column_config.TextColumn("Smelter ID", pinned=True),
                   "name": st.column_config.TextColumn("Name", width="large"),
                   "metal": "Metal", "country": "Country",
                   "suppliers_current": st.column_config.NumberColumn("Suppliers now", format="%d"),
                   "suppliers_past": st.column_config.NumberColumn("Suppliers before", format="%d"),
                   "open_incidents": st.column_config.NumberColumn("Open incidents", format="%d"),
                   "incidents": st.column_config.NumberColumn("All incidents", format="%d"),
                   "source": "Source"})
    if can_edit():
        with st.expander("Add a smelter by hand"):
            st.caption("For a smelter or refiner no supplier's declaration lists yet, with its RMI smelter ID.")
            entry = model_form(SmelterEntry, "smelter_entry", submit_label="Add to the register",
                               choices={"metal": METALS},
                               labels={"smelter_id": "Smelter ID", "name": "Standard smelter name"})
            if entry is not None:
                try:
                    add_smelter(get_engine(), entry, current_actor())
                except Exception as exc:  # Refused, Forbidden: shown under the field
                    show_errors("smelter_entry", exc)
                else:
                    after_write()
                    reset_form("smelter_entry")  # saved: an empty form, so a second click adds nothing twice
                    st.toast(f"{entry.smelter_id} added to the register", icon=":material/check:")
                    st.rerun()
    link_incidents()


def link_incidents() -> None:
    st.subheader("Incidents to link to the register", anchor=False)
    unlinked, total = supply("unlinked_incidents")
    st.caption("An incident keeps the smelter/refiner its allegation named, as text. Linking it to a smelter ID "
               "matches it to suppliers' declarations. Suggestions compare names with accents, case, punctuation and "
               "legal forms (Co., Ltd. …) left out, then the metal and the country. Each link is recorded in the "
               "incident's audit trail.")
    if total == 0:
        st.success("Every incident is linked to a smelter in the register.", icon=":material/check_circle:")
        return
    st.markdown(f"**{total:,}** incident{'s are' if total != 1 else ' is'} not linked"
                + (f"; the newest {len(unlinked):,} are listed." if total > len(unlinked) else "."))
    table = unlinked.assign(mineral=unlinked["mineral"].map(MINERALS))
    data_table(table, hide_index=True, width="stretch", key="unlinked_table",
               column_order=["code", "smelter_refiner", "mineral", "country", "suggested", "why", "status"],
               column_config={"code": st.column_config.TextColumn("Code", pinned=True),
                              "smelter_refiner": st.column_config.TextColumn("Smelter/refiner named", width="medium"),
                              "mineral": "Mineral", "country": "Country",
                              "suggested": st.column_config.TextColumn("Suggested smelter", width="medium"),
                              "why": st.column_config.TextColumn("Why", width="medium"), "status": "Status"})
    if not can_edit():
        st.caption(md(read_only_notice("link incidents to the register")))
        return
    suggested = unlinked[unlinked["suggested_id"].notna()]
    if suggested.empty:
        st.caption("No suggestion to accept: open an incident to link it by hand, or add its smelter to the register.")
        return
    with st.form("accept_suggestions"):
        st.markdown("**Accept suggestions**")
        chosen = st.multiselect(
            "Incidents to link to their suggested smelter", options=list(suggested["code"]),
            format_func=lambda c: f"{c} → {suggested.set_index('code').loc[c, 'suggested']}",
            key="accept_codes", placeholder="Choose incidents…")
        if st.form_submit_button("Link the chosen incidents", type="primary"):
            pick = suggested.set_index("code")
            linked, problems = [], []
            for code in chosen:
                try:
                    incident_services.link_smelter(get_engine(), code, pick.loc[code, "suggested_id"], current_actor())
                    linked.append(code)
                except (ConflictError, ValueError) as exc:
                    problems.append(f"{code}: {exc}")
            after_write()
            st.session_state["link_result"] = (linked, problems)
            st.rerun()
    result = st.session_state.pop("link_result", None)
    if result:
        linked, problems = result
        if linked:
            st.success(f"Linked {len(linked)} incident{'s' if len(linked) != 1 else ''}: {', '.join(linked)}.",
                       icon=":material/link:")
        for problem in problems:
            st.error(md(problem), icon=":material/error:")


# --- suppliers and their declarations ----------------------------------------------------------------------

def suppliers_view() -> None:
    suppliers = supply("suppliers")
    st.subheader(f"{len(suppliers):,} suppliers", anchor=False)
    st.caption("A supplier is matched across files by its company name (case, punctuation and legal form ignored). "
               "Of a supplier's declarations of one template, the newest by effective date is current; the older ones "
               "are kept as its past supply chain.")
    data_table(suppliers, hide_index=True, width="stretch", key="suppliers_table",
               column_order=["supplier", "current", "declarations", "superseded", "smelters", "not_identified",
                             "products"],
               column_config={
                   "supplier": st.column_config.TextColumn("Supplier", width="medium"),
                   "current": st.column_config.TextColumn("Current declaration", width="large"),
                   "declarations": st.column_config.NumberColumn("Declarations", format="%d"),
                   "superseded": st.column_config.NumberColumn("Superseded", format="%d"),
                   "smelters": st.column_config.NumberColumn("Smelter IDs (current)", format="%d"),
                   "not_identified": st.column_config.NumberColumn(
                       "Not listed / not identified", format="%d",
                       help="Rows of the current declarations marked 'Smelter not listed' or 'Smelter not yet "
                            "identified': they carry no smelter ID."),
                   "products": st.column_config.NumberColumn("Products (current)", format="%d")})
    history = supply("declarations")
    st.subheader("Declarations", anchor=False)
    event = data_table(history, hide_index=True, width="stretch", key="declarations_table", on_select="rerun",
                       selection_mode="single-row",
                       column_order=["supplier", "status", "template", "version", "effective_date", "scope",
                                     "smelter_rows", "product_rows", "warnings", "file_name", "imported_at",
                                     "imported_by"],
                       column_config={
                           "supplier": st.column_config.TextColumn("Supplier", width="medium"),
                           "status": "Status", "template": "Template", "version": "Version",
                           "effective_date": st.column_config.DateColumn("Effective"),
                           "scope": "Scope",
                           "smelter_rows": st.column_config.NumberColumn("Smelter rows", format="%d"),
                           "product_rows": st.column_config.NumberColumn("Products", format="%d"),
                           "warnings": st.column_config.NumberColumn("Notes", format="%d"),
                           "file_name": "File", "imported_at": st.column_config.DatetimeColumn(
                               "Imported", format="YYYY-MM-DD HH:mm"),
                           "imported_by": "By"})
    st.caption("Select a declaration to see what it lists.")
    if event.selection.rows:
        declaration_detail(int(history.iloc[event.selection.rows[0]]["id"]))


def declaration_detail(declaration_id: int) -> None:
    found = supply("declaration_detail", declaration_id)
    if found is None:
        return
    head, smelters, products = found
    st.markdown(f"**{md(head['supplier'])}** · {head['template']} {md(head['version'])} · effective "
                f"{head['effective_date']} · {SCOPES[head['scope']]}"
                + (f": {md(head['scope_description'])}" if head["scope_description"] else "")
                + f" · {'current' if head['is_current'] else 'superseded'} · file {md(head['file_name'])}")
    for note in head["warnings"] or []:
        st.caption(f":material/info: {md(note)}")
    left, right = st.columns([3, 2])
    with left:
        data_table(smelters, hide_index=True, width="stretch", key="declaration_smelters",
                   column_config={"row": st.column_config.NumberColumn("Row", format="%d"), "metal": "Metal",
                                  "smelter_id": "Smelter ID", "name": "Name", "country": "Country",
                                  "listing": "Listing", "mines": "Mines", "mine_countries": "Mine countries"})
    if products.empty:
        right.caption("No product list: " + ("a company-wide declaration covers all of the supplier's products."
                                             if head["scope"] == "company" else "none was given."))
    else:
        with right:
            data_table(products, hide_index=True, width="stretch", key="declaration_products",
                       column_config={"row": st.column_config.NumberColumn("Row", format="%d"),
                                      "number": "Product number", "name": "Product name",
                                      "requester_number": "Requester number", "requester_name": "Requester name"})


if view == "Exposure":
    exposure_view()
elif view == "Flows":
    flows_view()
elif view == "Smelter register":
    register_view()
else:
    suppliers_view()

if not board:
    st.divider()
    st.page_link(PAGES["imports"], label="Import suppliers' declarations (CMRT/EMRT)", icon=":material/upload_file:")
    st.caption("Levels ranked as: " + " > ".join(LEVEL_RANKS[r] for r in sorted(LEVEL_RANKS, reverse=True)) + ".")
