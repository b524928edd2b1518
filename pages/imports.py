"""Import and export: bring a grievance log (CSV or XLSX) in — column mapping, dry-run preview, all or
nothing — and take the incidents out in the same format (an export is always a valid import).

The page only draws: reading, checking and writing are :mod:`remediation.services.transfer`'s."""

from datetime import date

import pandas as pd
import streamlit as st

from pages._auth import can_edit, current_actor, read_only_notice
from pages._data import after_write, get_engine
from pages._filters import board_mode, current_filter
from pages._nav import PAGES, ensure_entry_script
from pages._text import data_table, md
from remediation.services import declarations, transfer
from remediation.services.base import Refused
from remediation.services.spreadsheets import tables_to_csv

ensure_entry_script()

PREVIEW_ROWS = 2000  # rows sent to the browser per table; every row is checked and counted regardless
LINKS_SHOWN = 20
NOT_IN_FILE = "— not in the file —"
REQUIRED_MARK = " \\*"  # an escaped *: a widget label is Markdown
today = date.today()

st.title("Import and export")
st.caption("Grievance logs in and out as spreadsheets: one row per incident, one column per intake field "
           "(the format every export uses). An import checks every row first and writes all of it or nothing; "
           "incidents already recorded are skipped, never duplicated.")


def _file_errors(errors: list[transfer.RowError]) -> None:
    """File-level problems as messages; user text escaped (a column name could hold Markdown)."""
    for error in errors[:20]:
        st.error(md(str(error)), icon=":material/error:")
    if len(errors) > 20:
        st.error(f"… and {len(errors) - 20:,} more.", icon=":material/error:")


def _show_result() -> None:
    done = st.session_state.get("import_done")
    if not done:
        return
    created, skipped = done["created"], done["skipped"]
    st.success(f"Imported {len(created):,} incidents from {md(done['filename'])}"
               + (f"; {len(skipped):,} already present were skipped." if skipped else ".")
               + (f" {done['company_work']:,} rows of the company's work imported." if done.get("company_work") else ""),
               icon=":material/check_circle:")
    if created:
        cols = st.columns(4)
        for i, code in enumerate(created[:LINKS_SHOWN]):
            cols[i % 4].page_link(PAGES["incident"], label=code, query_params={"incident": code},
                                  icon=":material/folder_open:")
        if len(created) > LINKS_SHOWN:
            st.page_link(PAGES["portfolio"], label=f"… and {len(created) - LINKS_SHOWN:,} more: see the portfolio",
                         icon=":material/table_view:")


def _mapping_widgets(df, file_id: str) -> dict[str, str | None]:
    """One selectbox per field, starting from the suggested mapping."""
    columns = [str(c) for c in df.columns]
    suggested = transfer.suggest_mapping(columns)
    mapping: dict[str, str | None] = {}
    missing = [transfer.COLUMNS[f] for f in transfer.REQUIRED if f not in suggested]
    with st.expander("Column mapping: which column holds each field", expanded=bool(missing)):
        st.caption("Suggested from the headers (case, spaces and punctuation ignored). Fields marked \\* are required; "
                   "a column left out is not imported.")
        grid = st.columns(3)
        for i, (field, header) in enumerate(transfer.COLUMNS.items()):
            options = [None, *columns]
            start = suggested.get(field)
            label = header + (REQUIRED_MARK if field in transfer.REQUIRED else "")
            mapping[field] = grid[i % 3].selectbox(
                label, options,
                index=options.index(start) if start in options else 0,
                format_func=lambda c: NOT_IN_FILE if c is None else c, key=f"import_map.{file_id}.{field}")
    return mapping


def _plan(df, mapping: dict, file_id: str) -> transfer.ImportPlan:
    """The dry run, kept for this file and mapping: checking 100,000 rows takes seconds, and every
    widget click reruns the page. :func:`transfer.apply_import` checks the codes again when writing."""
    key = (file_id, tuple(sorted((f, c) for f, c in mapping.items() if c is not None)))
    cached = st.session_state.get("import_plan")
    if cached is None or cached[0] != key:
        with st.spinner("Checking every row…"):
            cached = (key, transfer.plan_import(df, mapping, get_engine()))
        st.session_state["import_plan"] = cached
    return cached[1]


def _read(uploaded):
    """The uploaded table, read once per file; :class:`transfer.ImportRefused` when it cannot be read."""
    cached = st.session_state.get("import_table")
    if cached is not None and cached[0] == uploaded.file_id:
        return cached[1]
    if uploaded.size > transfer.MAX_BYTES:  # refused before reading it
        raise transfer.ImportRefused(
            f"{uploaded.name} is {uploaded.size / 2**20:.1f} MB; at most {transfer.MAX_BYTES // 2**20} MB can be "
            f"imported at once. Split it into smaller files.")
    df = transfer.read_table(uploaded.getvalue(), uploaded.name)
    st.session_state["import_table"] = (uploaded.file_id, df)
    return df


FORMAT_HELP = {
    "text": "text",
    "choice": "the label or the identifier",
    "choices": "labels or identifiers separated by ';'",
    "date": "a date, YYYY-MM-DD (or an Excel date cell)",
    "int": "a whole number",
    "bool": "yes or no",
}


def import_section() -> None:
    st.subheader("Import incidents", anchor=False)
    _show_result()
    round_ = st.session_state.setdefault("import_round", 0)
    uploaded = st.file_uploader("Grievance log (CSV or XLSX)", type=["csv", "xlsx"], key=f"import_file.{round_}",
                                max_upload_size=transfer.MAX_BYTES // (1024 * 1024),
                                help=f"A header row, then one incident per row, at most {transfer.MAX_ROWS:,} rows. "
                                     "CSV: UTF-8, comma, semicolon or tab separated. XLSX: the sheet named "
                                     "'Incidents', else the first.")
    if uploaded is None:
        with st.expander("The format"):
            st.markdown("\n".join(
                f"- **{header}**{' (required)' if f in transfer.REQUIRED else ''}: {FORMAT_HELP[transfer.KINDS[f]]}"
                for f, header in transfer.COLUMNS.items()))
            st.download_button("Template (CSV)", data=transfer.to_bytes(transfer.incidents_frame([]), "csv"),
                               file_name="incidents-template.csv", mime="text/csv", icon=":material/download:",
                               on_click="ignore", key="import_template")
        return
    st.session_state.pop("import_done", None)
    try:
        df = _read(uploaded)
    except transfer.ImportRefused as exc:
        st.error("This file cannot be imported; nothing was written.", icon=":material/block:")
        _file_errors(exc.errors)
        return
    mapping = _mapping_widgets(df, uploaded.file_id)
    plan = _plan(df, mapping, uploaded.file_id)

    counts = plan.counts()
    cols = st.columns(4)
    cols[0].metric("Rows", f"{len(plan.rows):,}")
    cols[1].metric("New", f"{counts['new']:,}")
    cols[2].metric("Already present", f"{counts['present']:,}",
                   help="Same code, same content: skipped, never duplicated.")
    cols[3].metric("With errors", f"{counts['error'] + counts['conflict']:,}",
                   help="Rows that cannot be read, fail a rule, repeat a code, or contradict a recorded incident.")
    if plan.ignored_columns:
        st.caption("Not imported (no field mapped to them): " + md(", ".join(plan.ignored_columns)))

    followups = transfer.plan_file_followups(get_engine(), uploaded.getvalue(), uploaded.name, plan)
    if followups is not None:
        st.caption(f"Sheet '{transfer.FOLLOWUP_SHEET}': {len(followups.new):,} new follow-ups, imported with the "
                   f"incidents; {followups.present:,} already recorded.")
        if not followups.ok:
            st.error("The follow-ups sheet has problems; nothing can be imported until they are fixed.",
                     icon=":material/block:")
            _file_errors(followups.errors)
    try:
        work = transfer.plan_file_company_work(get_engine(), uploaded.getvalue(), uploaded.name, plan)
    except transfer.ImportRefused as exc:
        st.error("Nothing can be imported from this file.", icon=":material/block:")
        _file_errors(exc.errors)
        return
    if work is not None:
        st.caption("The company's work, imported with the incidents: " + md(work.summary()) + ".")
        if work.waiting:
            n = len(work.waiting)
            st.info(f"{n:,} row{'s' if n != 1 else ''} of the plan sheets wait{'s' if n == 1 else ''} for "
                    f"{'their plans' if n != 1 else 'its plan'} and {'are' if n != 1 else 'is'} not written now: the "
                    "format does not carry the plans themselves, nor their case plans or monitoring reports. The rest "
                    "imports. Record those on the incident's page (Step 3, Step 4), then import the same file again "
                    "to bring them.", icon=":material/schedule:")
            st.markdown("\n".join(f"- {md(str(w))}" for w in work.waiting[:10])
                        + (f"\n- … and {len(work.waiting) - 10:,} more." if len(work.waiting) > 10 else ""))
        if not work.ok:
            st.error("The company's-work sheets have problems; nothing can be imported until they are fixed.",
                     icon=":material/block:")
            _file_errors(work.errors)
    ok = plan.ok and (followups is None or followups.ok) and (work is None or work.ok)
    more = (len(followups.new) if followups is not None else 0) + (sum(work.new.values()) if work is not None else 0)

    errors = plan.errors
    if errors:
        what = "this problem is" if len(errors) == 1 else f"these {len(errors):,} problems are"
        st.error(f"Nothing can be imported until {what} fixed in the file (or the mapping): an import is all or "
                 "nothing.", icon=":material/block:")
        _file_errors(plan.file_errors)
    if plan.rows:
        st.markdown("**Preview**")
        data_table(plan.preview_frame().head(PREVIEW_ROWS), hide_index=True, width="stretch", key="import_preview",
                   column_config={"Row": st.column_config.NumberColumn(format="%d")})
        if len(plan.rows) > PREVIEW_ROWS:
            st.caption(f"The first {PREVIEW_ROWS:,} of {len(plan.rows):,} rows; every row was checked.")
    row_errors = plan.errors_frame().dropna(subset=["Row"])  # the file's own problems are the messages above
    if not row_errors.empty:
        st.markdown("**Errors**")
        data_table(row_errors.head(PREVIEW_ROWS), hide_index=True, width="stretch", key="import_errors",
                   column_config={"Row": st.column_config.NumberColumn(format="%d")})
        if len(row_errors) > PREVIEW_ROWS:
            st.caption(f"The first {PREVIEW_ROWS:,} of {len(row_errors):,} errors.")
        st.download_button("Every error (CSV)", data=lambda: tables_to_csv(plan.errors_frame()),
                           file_name=f"import-errors-{today}.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:", key="import_errors_csv")

    n = counts["new"]
    label = f"Import {n:,} incident{'s' if n != 1 else ''}" if n or not more else f"Import {more:,} other rows"
    if st.button(label, type="primary", key="import_apply",
                 disabled=not ok or n + more == 0, icon=":material/upload_file:",
                 help=None if ok else "Fix every error first: an import is all or nothing."):
        try:
            result = transfer.apply_import(plan, get_engine(), current_actor(), followups=followups,
                                           company_work=work)
        except transfer.ImportRefused as exc:
            st.session_state.pop("import_plan", None)  # the database moved on: check again on the next run
            st.error("Nothing was imported.", icon=":material/block:")
            _file_errors(exc.errors)
            return
        except Refused as exc:  # Forbidden: the role changed since the page was drawn
            st.error(md(str(exc)), icon=":material/block:")
            return
        after_write()
        st.session_state["import_done"] = {"filename": result.filename, "created": result.created,
                                           "skipped": result.skipped, "company_work": result.company_work}
        st.session_state["import_round"] = round_ + 1  # a fresh uploader: the file is done
        for name in ("import_plan", "import_table"):
            st.session_state.pop(name, None)
        st.rerun()
    elif ok and n + more == 0 and plan.rows:
        st.info("Every incident in this file is already recorded: there is nothing to import.", icon=":material/info:")


def _declaration_results() -> None:
    """What the last declarations import did, file by file; a refused file's every problem by sheet, row, column."""
    done = st.session_state.get("declarations_done")
    if not done:
        return
    order = {"refused": 0, "imported": 1, "already imported": 2}  # what needs the user first
    outcomes = sorted(done["outcomes"], key=lambda o: order[o.status])
    counts = {k: sum(o.status == k for o in outcomes) for k in ("imported", "already imported", "refused")}
    (st.success if not counts["refused"] else st.warning)(
        f"{len(outcomes):,} files: {counts['imported']:,} imported, {counts['already imported']:,} already imported, "
        f"{counts['refused']:,} refused" + (" (a refused file wrote nothing)." if counts["refused"] else "."),
        icon=":material/fact_check:")
    table = pd.DataFrame([{
        "File": o.name, "Result": o.status.capitalize(), "Supplier": o.supplier,
        "Template": f"{o.template} {o.version}".strip(), "Effective": o.effective_date,
        "Smelter rows": o.smelters if o.status != "refused" else None,
        "Products": o.products if o.status != "refused" else None,
        "Declaration": ("" if o.status == "refused" else "Current" if o.current else "Earlier (kept as history)"),
        "Problems or notes": "; ".join(str(p) for p in o.problems[:3]) + (" …" if len(o.problems) > 3 else "")
        if o.problems else "; ".join(o.warnings[:2])} for o in outcomes])
    data_table(table, hide_index=True, width="stretch", key="declarations_result",
               column_config={"Effective": st.column_config.DateColumn(),
                              "Problems or notes": st.column_config.TextColumn(width="large")})
    refused = [o for o in outcomes if o.status == "refused"]
    for o in refused[:LINKS_SHOWN]:
        with st.expander(f"{md(o.name)}: refused, {len(o.problems)} problem{'s' if len(o.problems) != 1 else ''}",
                         icon=":material/block:"):
            st.markdown("\n".join(f"- {md(str(p))}" for p in o.problems))
    if refused:
        problems = pd.DataFrame([{"File": o.name, "Sheet": p.sheet or "", "Cell or row": p.where or "",
                                  "Problem": p.reason} for o in refused for p in o.problems])
        st.download_button("Every problem (CSV)", data=lambda: tables_to_csv(problems),
                           file_name=f"declaration-problems-{today}.csv", mime="text/csv", on_click="ignore",
                           icon=":material/download:", key="declaration_problems_csv")
    if counts["imported"]:
        st.page_link(PAGES["supply_chain"], label="See the supply chain: suppliers, products and exposure",
                     icon=":material/account_tree:")


def declarations_section() -> None:
    st.subheader("Import suppliers' declarations (CMRT and EMRT)", anchor=False)
    st.caption("The RMI's Conflict Minerals Reporting Template (CMRT 6.01-6.5: tin, tantalum, tungsten, gold) and "
               "Extended Minerals Reporting Template (EMRT 1.x and 2.x: cobalt, mica and more), as suppliers fill them "
               "in, in any of the templates' languages. Each file is imported whole or not at all; a newer declaration "
               "of the same supplier supersedes the older one, which is kept as history. A file already imported is "
               "skipped.")
    _declaration_results()
    round_ = st.session_state.setdefault("declarations_round", 0)
    files = st.file_uploader("Suppliers' workbooks (.xlsx, several at once)", type=["xlsx"], accept_multiple_files=True,
                             key=f"declarations_files.{round_}",
                             max_upload_size=declarations.DECLARATION_BUDGET.max_file_bytes // 2**20,
                             help=f"Up to {declarations.MAX_FILES:,} files at once, each at most "
                                  f"{declarations.DECLARATION_BUDGET.max_file_bytes // 2**20} MB. Formulas are read as "
                                  "the values Excel saved; a file that was never calculated is refused.")
    if not files:
        return
    if st.button(f"Import {len(files):,} workbook{'s' if len(files) != 1 else ''}", type="primary",
                 icon=":material/upload_file:", key="declarations_import"):
        bar = st.progress(0.0, text="Reading the workbooks…")

        def progress(i: int, outcome) -> None:
            bar.progress((i + 1) / len(files), text=f"{i + 1:,} of {len(files):,}: {md(outcome.name)}")

        try:
            outcomes = declarations.import_files(get_engine(), ((f.name, f.getvalue()) for f in files),
                                                 current_actor(), progress=progress)
        except Refused as exc:  # Forbidden, or too many files
            st.error(md(str(exc)), icon=":material/block:")
            return
        after_write()
        st.session_state["declarations_done"] = {"outcomes": outcomes}
        st.session_state["declarations_round"] = round_ + 1
        st.rerun()


def export_section() -> None:
    st.subheader("Export incidents", anchor=False)
    scope = st.radio("Incidents", ["filtered", "all"], horizontal=True, key="export_scope",
                     format_func={"filtered": "Matching the sidebar filters", "all": "All incidents"}.get)
    flt = current_filter() if scope == "filtered" else None
    described = "all incidents" if flt is None else flt.describe()
    st.caption(f"Scope: {md(described)}. The intake fields in the import format; cells a spreadsheet would run as "
               "formulas start with ' (removed again on import).")
    engine = get_engine()
    cols = st.columns([1, 1, 5])
    cols[0].download_button("CSV", data=lambda: transfer.export_incidents(engine, "csv", flt)[0],
                            file_name=f"incidents-{today}.csv", mime="text/csv", icon=":material/download:",
                            on_click="ignore", key="export_csv")
    cols[1].download_button("XLSX", data=lambda: transfer.export_incidents(engine, "xlsx", flt)[0],
                            file_name=f"incidents-{today}.xlsx", icon=":material/table:", on_click="ignore",
                            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            key="export_xlsx")


if can_edit():  # not in board mode, and the user may record incidents
    import_section()
    st.divider()
    declarations_section()
    st.divider()
else:
    st.caption(md(read_only_notice("import incidents and suppliers' declarations")))
if board_mode():  # a slide: exporting is an action, done from the dashboard
    st.caption("Exporting incidents is done from the dashboard: exit board mode to download them.")
else:
    export_section()
