"""Exports a board can take away: spreadsheets (XLSX, CSV) of what a page shows, and a PDF board pack.

Two risks shape this module.

* **Formula injection.** Incident titles, smelter names and notes are typed by people outside the
  company (an allegation's source, a facilitator). A spreadsheet runs a cell that begins with ``=``
  as a formula — ``=HYPERLINK("http://evil","click")`` leaks data on a click. Every text cell and
  column name is passed through :func:`neutralise` (OWASP, *CSV Injection*).
* **Victims' small counts.** A count of victims below the small-count threshold can identify a
  person; it is shown as ``<5`` (:meth:`Settings.suppress`) in the PDF *and* the spreadsheet, which
  never carries the raw number.

The PDF is a document, not a drawing: HTML and CSS from a Jinja2 template (``templates/``, autoescaped,
so a title someone typed is text, never markup), laid out and printed by WeasyPrint — real text flow,
tables that break across pages with their header repeated, a running header and footer carrying the
scope statement and "Page X of Y", a table of contents whose page numbers come from CSS
``target-counter``. The charts are SVG drawn by plotly/kaleido in one Chromium started for the pack.
WeasyPrint needs Pango at run time (Debian: ``libpango-1.0-0 libpangoft2-1.0-0``).

Kaleido needs a Chrome or Chromium: it looks on ``PATH`` (``chromium``, ``google-chrome``…) and
honours ``BROWSER_PATH``. :class:`ChromiumNotFound` says so when neither finds one.
"""

from __future__ import annotations

import asyncio
import base64
import math
import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import jinja2
import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from remediation.domain.citations import cite
from remediation.domain.followups import ESCALATION_TIERS
from remediation.domain.settings import Settings
from remediation.domain.vocab import ACTION_STATUSES, REVIEW_QUESTIONS, STATUSES, STEPS
from remediation.reports import charts, plan_charts, supply_charts
from remediation.reports import followups as followup_charts
from remediation.services.spreadsheets import sheet_names, tables_to_xlsx
from remediation.storage import company_work, followups, lessons, queries, supply_chain
from remediation.storage.queries import PIPELINE_STAGES, PORTFOLIO_LIMIT, PortfolioFilter

REPORT_TITLE = "Remediation oversight — board pack"
GENERATOR = "the remediation oversight dashboard"

# --- the PDF ---------------------------------------------------------------------------------------


@dataclass
class Table:
    """A table of a section, printed in full: it flows across pages, its header repeated on each."""
    caption: str
    frame: pd.DataFrame
    empty: str = "None."


@dataclass
class Section:
    """One part of the board pack: a title, its headline figures, its charts, its tables, a note.

    ``facts`` are (label, value) pairs shown as tiles, already formatted — and already suppressed
    where they count victims. A value's first line is the figure; further lines (``"\\n"``) are a
    smaller caption under it (``"5%\\nUSD 84k of 1.70m"``)."""
    title: str
    figures: list[go.Figure] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    tables: list[Table] = field(default_factory=list)


class ChromiumNotFound(RuntimeError):
    """The charts of a PDF are drawn by Chrome/Chromium, and none was found."""


TEMPLATES = Path(__file__).parent / "templates"
CHART_WIDTH_PX = 1000  # A4 landscape less 15 mm margins is 267 mm, about 1,000 CSS px: charts drawn 1:1
CHART_MAX_HEIGHT_PX = 560  # what a page holds under a section title; a taller chart is drawn narrower
DEFAULT_FIGURE_HEIGHT = 450  # plotly's, for a figure that sets none

# Concurrent exports (several board members at once) each start a browser: two at a time at most.
_BROWSERS = threading.BoundedSemaphore(2)

_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined)


def _render_svgs(items: Sequence[tuple[go.Figure, int, int]]) -> list[bytes]:
    """Each figure as SVG, drawn in one Chromium started for the whole batch.

    Runs its own event loop in a worker thread, so it works from Streamlit's script thread and from
    code that already runs an event loop alike."""
    if not items:
        return []
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    async def render() -> list[bytes]:
        # mathjax=False: kaleido would otherwise fetch MathJax from a CDN on every start; we write no LaTeX.
        async with kaleido.Kaleido(n=1, mathjax=False) as k:
            return await asyncio.gather(*(
                k.calc_fig(fig, opts={"format": "svg", "width": w, "height": h}) for fig, w, h in items))

    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["svgs"] = asyncio.run(render())
        except BaseException as exc:  # noqa: BLE001 - handed back to the calling thread
            outcome["error"] = exc

    with _BROWSERS:
        worker = threading.Thread(target=run, name="board-pack-render")
        worker.start()
        worker.join()
    error = outcome.get("error")
    if isinstance(error, ChromeNotFoundError):
        where = os.environ.get("BROWSER_PATH")
        raise ChromiumNotFound(
            "The PDF's charts are drawn by Chromium (through plotly's kaleido) and "
            + (f"BROWSER_PATH={where!r} is not a browser. " if where else "no Chrome or Chromium is on PATH. ")
            + "Install it (Debian/Ubuntu: `apt-get install chromium`) or set BROWSER_PATH to the browser's "
              "executable, e.g. BROWSER_PATH=/usr/bin/chromium."
        ) from error
    if error is not None:
        raise error  # type: ignore[misc]
    return outcome["svgs"]  # type: ignore[return-value]


def _cell(value, column: str = "") -> dict:
    """A table cell as the template prints it: text, and whether it is a number (right-aligned). A column
    whose header ends in "(%)" holds shares from 0 to 1 (as in the workbook)."""
    if str(column).endswith("(%)") and isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return {"text": f"{float(value):.0%}", "number": True}
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return {"text": "", "number": False}
    if isinstance(value, bool):
        return {"text": "Yes" if value else "No", "number": False}
    if isinstance(value, (int, Decimal, float)):
        return {"text": f"{value:,}" if isinstance(value, int) else f"{value:,.0f}", "number": True}
    if isinstance(value, (datetime, date)):
        return {"text": value.isoformat()[:10], "number": False}
    return {"text": str(value), "number": False}


def _tile(label: str, value: str) -> dict:
    figure, *caption = str(value).split("\n")
    return {"label": label, "value": figure, "caption": " ".join(caption)}


def figures_to_pdf(sections: Sequence[Section], *, title: str = REPORT_TITLE, as_of: date | None = None,
                   scope: str = "all incidents", generated_by: str = GENERATOR, cover_note: str = "",
                   period: str = "") -> bytes:
    """A board pack: a cover (title, as-of date, the scope statement, contents with page numbers, who
    generated it when), then each section from a new page — its headline figures as tiles, its charts,
    its tables (flowing across pages, the header repeated), its note.

    HTML from a Jinja2 template (autoescaped: every title, label and cell is text, never markup), laid
    out and printed by WeasyPrint: real text flow, running header and footer ("Scope: …" and "Page X of
    Y" on every page), the contents' page numbers from ``target-counter``. Charts are SVG drawn by
    plotly/kaleido (Chromium), so they stay vector and their text selectable. A4 landscape, the paper a
    board prints and annexes to its minutes.

    ``period`` ("Reporting period Q3 2025 (2025-07-01 to 2025-09-30)"): the pack is for that period; the cover,
    the running footer and every chart's caption say so."""
    import weasyprint

    as_of = as_of or date.today()
    figures: list[tuple[go.Figure, int, int]] = []
    for section in sections:
        for fig in section.figures:
            width = min(CHART_WIDTH_PX, int(fig.layout.width or CHART_WIDTH_PX))
            figures.append((fig, width, int(fig.layout.height or DEFAULT_FIGURE_HEIGHT)))
    svgs = iter(_render_svgs(figures))
    sizes = iter(figures)
    view = []
    number = 0
    for section in sections:
        charts_view = []
        for fig in section.figures:
            number += 1
            svg = next(svgs)
            _, w, h = next(sizes)
            share = w / CHART_WIDTH_PX * min(1.0, CHART_MAX_HEIGHT_PX / h)
            uri = "data:image/svg+xml;base64," + base64.b64encode(
                svg if isinstance(svg, bytes) else str(svg).encode()).decode()
            alt = str(fig.layout.title.text or "Chart").split("<br>")[0]
            caption = (f"Figure {number} · {period} pack · the chart shows the position as of {as_of.isoformat()}: "
                       f"{alt}") if period else ""
            charts_view.append({"uri": uri, "width": round(100 * share, 2), "alt": alt, "caption": caption})
        view.append({
            "title": section.title, "facts": [_tile(label, value) for label, value in section.facts],
            "charts": charts_view, "note": section.note,
            "tables": [{"caption": table.caption, "columns": [str(c) for c in table.frame.columns],
                        "rows": [[_cell(v, c) for v, c in zip(row, table.frame.columns)]
                                 for row in table.frame.itertuples(index=False)],
                        "empty": table.empty} for table in section.tables],
        })
    generated = (f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by {generated_by}, following IOM's "
                 "Remediation Guidelines for Victims of Human Trafficking in Mineral Supply Chains (2018).")
    document = _ENV.get_template("board_pack.html.j2").render(
        title=title, as_of=as_of.isoformat(), scope=scope,
        scope_statement=scope_statement(scope) + (f" · {period}" if period else ""), period=period,
        generated=generated, generated_by=generated_by, cover_note=cover_note, sections=view)
    return weasyprint.HTML(string=document, base_url=str(TEMPLATES) + "/").write_pdf()


def pack_scope(flt: PortfolioFilter) -> str:
    """The pack's one scope statement for the filters: the same words on the cover, under every chart's
    title, in every page's footer and at the top of every sheet. What each figure counts within that scope
    (open incidents, incidents closed after remediation…) is in the figure's own title."""
    return scope_statement(flt.describe())


def scope_statement(scope: str) -> str:
    """The one scope statement of a pack: on its cover, under every chart's title, on every page's footer
    and at the top of every sheet of its workbook."""
    return f"Scope: {scope}"


# --- the Portfolio page's board pack --------------------------------------------------------------


def _share(part, whole) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def _victims(count: int, settings: Settings) -> int | str:
    """The victims' count as a board may see it: the number, or '<N' where :meth:`Settings.suppress` hides it."""
    shown = settings.suppress(count)
    return count if shown == f"{count:,}" else shown


def headline_facts(h: queries.Headline, settings: Settings) -> list[tuple[str, str]]:
    """The Portfolio page's headline figures as PDF tiles; the victims' count suppressed."""
    facts = [("Open incidents", f"{h.open_incidents:,}"), ("Level 1 mandatory", f"{h.level1_mandatory:,}"),
             ("Victims assisted (Level 1)", settings.suppress(h.victims_level1))]
    if not h.level2_money:
        facts.append(("Level 2 budget spent", "No plans"))
    for money in h.level2_money:
        label = "Level 2 budget spent" + (f" ({money['currency']})" if len(h.level2_money) > 1 else "")
        facts.append((label, (f"{_share(money['spent'], money['budget'])}\n{money['currency']} "
                             f"{charts.compact(money['spent'])} of {charts.compact(money['budget'])}")))
    facts.append(("Overdue incidents", f"{h.overdue:,}"))
    return facts


def headline_table(h: queries.Headline, settings: Settings, as_of: date, scope: str, listed: int,
                   matching: int, listing: str = "open and closed") -> pd.DataFrame:
    """The headline figures as a sheet: numbers as numbers, the victims' count suppressed."""
    threshold = settings.small_count_threshold
    rows: list[tuple[str, object, str]] = [
        ("Position as of", as_of, ""),
        ("Scope", scope, ""),
        ("Open incidents", h.open_incidents, "Open incidents matching the filters"),
        ("Level 1 mandatory", h.level1_mandatory, "Open incidents whose latest assessment makes Level 1 mandatory"),
        ("Victims assisted (Level 1)", _victims(h.victims_level1, settings),
         (f"Victims with a case-management plan in a Level 1 plan under implementation; counts below {threshold} "
         f"are shown as '<{threshold}'")),
        ("Overdue incidents", h.overdue, "Open incidents in their step longer than its indicative time frame"),
    ]
    for m in h.level2_money:
        cur = m["currency"]
        rows += [
            (f"Level 2 plans ({cur})", m["plans"], "Level 2 plans of open incidents"),
            (f"Level 2 budget ({cur})", m["budget"], "The larger of the estimated cost and the budget lines"),
            (f"Level 2 pledged ({cur})", m["pledged"], ""),
            (f"Level 2 received ({cur})", m["received"], ""),
            (f"Level 2 spent ({cur})", m["spent"], f"{_share(m['spent'], m['budget'])} of the budget"),
        ]
    rows.append(("Incidents listed", listed,
                 (f"The newest {listed:,} of {matching:,} matching incidents" if matching > listed
                  else "Every matching incident") + f" ({listing})"))
    return pd.DataFrame(rows, columns=["Figure", "Value", "Detail"])


def pipeline_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Stage": df["label"], "Open or closed": df["kind"].map(str.capitalize),
                         "Incidents": df["count"].astype(int)})


def ageing_table(df: pd.DataFrame, time_frames: Mapping[int, int]) -> pd.DataFrame:
    return pd.DataFrame({
        "Step": [f"{n}. {STEPS[n]}" for n in df["step"]],
        "Days in the step": df["bucket"],
        "Incidents": df["count"].astype(int),
        "Over the time frame": df["overdue"].astype(int),
        "Time frame (days)": [time_frames[n] for n in df["step"]],
    })


INCIDENT_COLUMNS = {
    "code": "Code", "title": "Title", "step_name": "Current step", "overdue": "Overdue",
    "days_in_step": "Days in step", "time_frame": "Time frame (days)", "waiting_for": "Waiting for",
    "owed_by": "Owed by", "level1": "Level 1", "level2": "Level 2", "mineral": "Mineral", "country": "Country",
    "smelter_refiner": "Smelter/refiner", "audit_programme": "Audit programme", "status": "Status",
    "date_received": "Received", "step_entered_on": "In the step since", "closure_flag": "Closure vs figures",
}


def incidents_table(df: pd.DataFrame) -> pd.DataFrame:
    out = df[list(INCIDENT_COLUMNS)].rename(columns=INCIDENT_COLUMNS)
    out["Overdue"] = out["Overdue"].map({True: "Overdue", False: ""})
    return out


def _listing(flt: PortfolioFilter) -> str:
    """Which incidents the Incidents sheet lists: the open/closed filter or the chosen stage apply to it
    (as to the page's table), not to the headline figures or the pipeline."""
    if flt.stage:
        return dict(PIPELINE_STAGES)[flt.stage]
    return {"open": "open", "closed": "closed"}.get(flt.status, "open and closed")


def portfolio_section(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings
                      ) -> tuple[Section, dict[str, pd.DataFrame]]:
    """The Portfolio page as a board-pack section and its sheets, from the queries the page uses."""
    frames = settings.time_frames
    scope = pack_scope(flt)
    h = queries.headline(engine, flt, today, frames)
    pipe = queries.pipeline(engine, flt)
    age = queries.ageing(engine, flt, today, frames)
    incidents, matching = queries.portfolio(engine, flt, limit=PORTFOLIO_LIMIT, today=today, time_frames=frames)
    threshold = settings.small_count_threshold
    money = "; ".join(f"Level 2 ({m['currency']}): {m['plans']} plans, spent {m['spent']:,.0f} of a budget of "
                      f"{m['budget']:,.0f}, pledged {m['pledged']:,.0f}, received {m['received']:,.0f}"
                      for m in h.level2_money)
    note = (f"Headline figures count the open incidents matching the filters. Victims assisted: victims with a "
            f"case-management plan in a Level 1 plan under implementation; counts below {threshold} are shown "
            f"as <{threshold} to protect victims. Overdue: in the current step longer than its indicative "
            f"time frame ({', '.join(f'step {n}: {d} days' for n, d in frames.items())})."
            + (f" {money}." if money else ""))
    flagged = lessons.closure_flags(engine, flt)
    if not flagged.empty:
        note += (f" Closure answers the figures contradict ({cite('level2_closure_evidence')}): "
                 + "; ".join(f"{code}: {flag}" for code, flag in zip(flagged["code"][:3], flagged["closure_flag"][:3]))
                 + (f"; and {len(flagged) - 3} more" if len(flagged) > 3 else "") + ".")
    section = Section(
        title="Portfolio",
        figures=[charts.pipeline(pipe, today, scope, flt.stage), charts.ageing(age, frames, today, scope)],
        facts=headline_facts(h, settings), note=note,
    )
    sheets = {
        "Headline": headline_table(h, settings, today, flt.describe(), len(incidents), matching, _listing(flt)),
        "Pipeline": pipeline_table(pipe),
        "Ageing": ageing_table(age, frames),
        "Incidents": incidents_table(incidents),
    }
    return section, sheets


def board_pack(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings,
               extra_sections: Iterable[tuple[Section, Mapping[str, pd.DataFrame]]] = (), *,
               generated_by: str = GENERATOR, period: str = "") -> tuple[bytes, bytes]:
    """The Portfolio page as a board pack: (PDF, XLSX).

    The PDF holds the headline figures, the pipeline and the ageing chart; the workbook the sheets
    Headline, Pipeline, Ageing and Incidents (the page's table, at most ``PORTFOLIO_LIMIT`` rows).
    ``extra_sections`` appends other pages' (Section, {sheet name: table}) pairs in order; a sheet
    name already taken gets a numbered suffix. Victims' counts below the small-count threshold appear
    in neither file: this function suppresses the Portfolio's; an extra section's facts and sheets
    arrive already suppressed (``settings.suppress``), as :class:`Section` asks.

    ``generated_by`` names who made the pack on its cover (the signed-in user, where there is one); ``period``
    the reporting period it is for (:func:`remediation.reports.disclosures.period_line`), on the cover, every
    page's footer, every chart's caption and every sheet's scope line."""
    section, sheets = portfolio_section(engine, flt, today, settings)
    attention, attention_sheets = needs_attention_section(engine, flt, today, settings)
    sections = [section, attention]
    named: list[tuple[str, pd.DataFrame]] = [*sheets.items(), *attention_sheets.items()]
    for extra, extra_sheets in extra_sections:
        sections.append(extra)
        named += list(extra_sheets.items())
    threshold = settings.small_count_threshold
    pdf = figures_to_pdf(
        sections, as_of=today, scope=flt.describe(), generated_by=generated_by, period=period,
        cover_note=f"Confidential: it concerns victims of human trafficking, forced labour and child labour. "
                   f"Victims' counts below {threshold} are shown as <{threshold}; no victim is named.",
    )
    xlsx = tables_to_xlsx(dict(zip(sheet_names(name for name, _ in named), (df for _, df in named))),
                          scope=pack_scope(flt) + (f" · {period}" if period else ""))
    return pdf, xlsx


# --- what needs attention ------------------------------------------------------------------------

def needs_attention_section(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings
                            ) -> tuple[Section, dict[str, pd.DataFrame]]:
    """What a board should act on, by incident code (no title, no victim's data): open incidents past their
    step's indicative time frame, mandatory levels with no plan, Level 2 plans past their planned end or
    their monitoring window, funding not yet received against the budget, and declared Level 2 closure answers
    the recorded figures contradict (issue #12's check, open and closed incidents alike)."""
    frames = settings.time_frames
    open_flt = replace(flt, status="open", stage=None)
    incidents, _ = queries.portfolio(engine, open_flt, limit=PORTFOLIO_LIMIT, today=today, time_frames=frames)
    overdue = incidents[incidents["overdue"]]
    overdue = overdue.assign(over=overdue["days_in_step"] - overdue["time_frame"]).sort_values(
        ["over", "code"], ascending=[False, True])
    overdue_table = pd.DataFrame({
        "Incident": overdue["code"], "Current step": overdue["step_name"],
        "Days in step": overdue["days_in_step"].astype(int), "Time frame (days)": overdue["time_frame"].astype(int),
        "Days over": overdue["over"].astype(int),
        "Waiting for": overdue["waiting_for"], "Owed by": overdue["owed_by"]})
    missing = queries.missing_plans(engine, flt)
    missing_table = pd.DataFrame({
        "Incident": missing["code"], "Current step": [f"{n}. {STEPS[n]}" for n in missing["step"]],
        "Mandatory level": [f"Level {n}" for n in missing["level"]], "Received": missing["date_received"],
        "Days since received": [(today - d).days for d in missing["date_received"]]})
    plans, _ = queries.level2_plans_table(engine, open_flt, today)
    late = plans.loc[pd.Series([bool(end and end < today and final is None) or bool(window) for end, final, window
                                in zip(plans["planned_end"], plans["final_report_on"], plans["window"])],
                               index=plans.index, dtype=bool)]
    late_table = pd.DataFrame({
        "Incident": late["code"], "Planned end": late["planned_end"],
        "Days past planned end": [max(0, (today - end).days) if end else None for end in late["planned_end"]],
        "Implementation started": late["started_on"], "Months monitored": late["months"],
        "Monitoring reports": late["reports"].astype(int),
        "Monitoring window": [w or "Within 12 months" for w in late["window"]]})
    gaps = plans[plans["received"] < plans["budget"]]
    gap_table = pd.DataFrame({
        "Incident": gaps["code"], "Currency": gaps["currency"], "Budget": gaps["budget"],
        "Received": gaps["received"], "Not yet received": gaps["budget"] - gaps["received"],
        "Received (%)": [float(r / b) if b else 0.0 for r, b in zip(gaps["received"], gaps["budget"])]})
    flags = lessons.closure_flags(engine, flt)
    closure_table = pd.DataFrame({"Incident": flags["code"], "Status": flags["status"].map(STATUSES),
                                  "Declared closure answer against the figures": flags["closure_flag"]})
    not_received = "; ".join(f"{cur} {charts.compact(sum(g['Not yet received']))}"
                             for cur, g in gap_table.groupby("Currency")) or "none"
    facts = [("Overdue incidents", f"{len(overdue_table):,}\nopen, past the step's time frame"),
             ("Mandatory level, no plan", f"{len(missing_table):,}\nopen incidents"),
             ("Level 2 plans late", f"{len(late_table):,}\npast planned end or 12-month window"),
             ("Funding gaps", f"{len(gap_table):,}\nnot yet received: {not_received}"),
             ("Closure answers contradicted", f"{len(closure_table):,}\nby the recorded figures")]
    section = Section(
        title="Needs attention", facts=facts,
        tables=[Table("Overdue incidents: longest over first", overdue_table, "No open incident is overdue."),
                Table("A mandatory level with no plan", missing_table,
                      "Every mandatory level of an open incident has a plan."),
                Table("Level 2 plans past their planned end or monitoring window", late_table,
                      "No Level 2 plan is past its planned end or its monitoring window."),
                Table("Funding gaps: Level 2 funding received against the budget", gap_table,
                      "Every open Level 2 plan has received its budget."),
                Table("Declared closure answers the figures contradict", closure_table,
                      "No declared closure answer is contradicted by the recorded figures.")],
        note=("By incident code: no title, no victim's data. Overdue, missing plans, late plans and funding gaps "
              "concern open incidents; closure answers, open and closed ones. Overdue: in the current step longer than its "
              f"indicative time frame ({', '.join(f'step {n}: {d} days' for n, d in frames.items())}). Planned end: "
              "the latest due date of the plan's initiatives; monitoring window: 12 months from the start of "
              f"implementation ({cite('monitoring_period')}). Amounts in each plan's currency, never summed "
              "across currencies. Closure answers: a Level 2 closure declared complete, on time or within budget "
              f"while the plan's own dates and spending say otherwise ({cite('level2_closure_evidence')})."),
    )
    return section, {"Overdue": overdue_table, "Mandatory, no plan": missing_table, "Plans late": late_table,
                     "Funding gaps": gap_table, "Closure contradicted": closure_table}


# --- the Level 2 plans and lessons pages' sections -------------------------------------------------

def plans_section(engine: Engine, flt: PortfolioFilter, today: date) -> tuple[Section, dict[str, pd.DataFrame]]:
    """Level 2 plans: money per currency (never summed across currencies), funding by source, the plans."""
    scope = pack_scope(flt)
    totals = queries.level2_totals(engine, flt)
    plans, matching = queries.level2_plans_table(engine, flt, today)
    facts: list[tuple[str, str]] = []
    for row in totals.to_dict("records"):
        cur = row["currency"]
        facts += [(f"Level 2 plans ({cur})", f"{row['plans']:,}"),
                  (f"Budget ({cur})", charts.compact(row["budget"])),
                  (f"Pledged ({cur})", f"{charts.compact(row['pledged'])}\nreceived {charts.compact(row['received'])}"),
                  (f"Spent ({cur})", (f"{_share(row['spent'], row['budget'])}\n{charts.compact(row['spent'])} of "
                                     f"{charts.compact(row['budget'])}"))]
    section = Section(
        title="Level 2 plans",
        figures=[plan_charts.funding_by_source(row, today, scope).update_layout(height=340)  # shares the tiles' page
                 for row in totals.to_dict("records")],
        facts=facts,
        note=(f"{matching:,} Level 2 plans match the filters. Budget: the larger of a plan's estimate and its budget "
              "lines; amounts in each plan's currency, never summed across currencies. Burn rate: budget spent "
              "against time elapsed (within 15 points is in line)."),
    )
    return section, {"Level 2 plans": plans.reindex(columns=list(PLAN_COLUMNS)).rename(columns=PLAN_COLUMNS)}


PLAN_COLUMNS = {
    "code": "Incident", "title": "Title", "currency": "Currency", "budget": "Budget", "pledged": "Pledged",
    "received": "Received", "spent": "Spent", "gap": "Gap (budget less pledged)", "burn": "Burn rate",
    "spent_share": "Budget spent (%)", "time_share": "Time elapsed (%)", "started_on": "Implementation started",
    "planned_end": "Planned end", "reports": "Monitoring reports", "final_report_on": "Final report",
    "window": "Monitoring window",
}
REVIEW_COLUMNS = {"item": "Review question", "answer": "Answer", "count": "Incidents", "total": "Reviews",
                  "share": "Share of reviews (%)"}
BUDGET_COLUMNS = {"currency": "Currency", "level": "Level", "plans": "Closed plans", "planned": "Budget",
                  "actual": "Actual cost", "over_budget": "Plans over budget",
                  "variance": "Actual cost over (+) or under (-) budget (%)"}


def lessons_section(engine: Engine, flt: PortfolioFilter, today: date,
                    settings: Settings) -> tuple[Section, dict[str, pd.DataFrame]]:
    """Lessons learned: the four review items, the themes, budget outcome and time to closure."""

    scope = pack_scope(flt)
    cover = lessons.coverage(engine, flt)
    overall = lessons.review_outcomes(engine, flt)
    tags = lessons.tag_counts(engine, flt)
    bands = lessons.budget_bands(engine, flt)
    days = lessons.distribution(lessons.days_to_closure(engine, flt))
    facts = [("Lessons captured", f"{cover.reviewed:,}\nof {cover.closed:,} closed after remediation")]
    short = {"objectives_met": "Objectives met", "victims_satisfied": "Victims satisfied",
             "communities_benefited": "Communities benefited", "budget_sufficient": "Budget sufficient"}
    for item, label in short.items():
        part = overall[(overall["item"] == item) & (overall["answer"] == "yes")]
        if not part.empty:
            facts.append((label, f"{part['share'].iloc[0]:.0%} yes\nn = {part['total'].iloc[0]:,}"))
    section = Section(
        title="Lessons learned",
        figures=[charts.review_overall(overall, today, scope), charts.lesson_themes(tags, max(cover.reviewed, 1),
                                                                                     today, scope),
                 charts.budget_variance(bands, [b[0] for b in lessons.VARIANCE_BANDS], today, scope),
                 charts.days_to_closure(days, today, scope)],
        facts=facts,
        note="Shares are of incidents closed after remediation whose Step 6 review is recorded "
             f"({cite('lessons_review_four_items')}); n is the number of reviews behind each share. 'Partly' is not "
             "counted as 'yes'.",
    )
    review = overall.assign(item=overall["item"].map(REVIEW_QUESTIONS), answer=overall["answer"].map(str.capitalize))
    review = review.reindex(columns=list(REVIEW_COLUMNS)).rename(columns=REVIEW_COLUMNS)
    budget = lessons.budget_totals(engine, flt)
    budget = budget.assign(level=budget["level"].map(lambda n: f"Level {n}"))
    flagged = lessons.closure_flags(engine, flt)
    flagged = flagged[flagged["status"] == "closed_remediated"].drop(columns="status").rename(
        columns={"code": "Code", "title": "Title", "closure_flag": "Closure vs figures"})
    if not flagged.empty:
        section.note += (f" {len(flagged)} closed incident{'s' if len(flagged) != 1 else ''} declared Level 2 closure "
                         "answers the recorded figures contradict, e.g. " + flagged["Closure vs figures"].iloc[0] + ".")
    overdue = _overdue_actions(engine, flt, today, section)
    return section, {"Lessons review": review,
                     "Lesson themes": tags.rename(columns={"tag": "Theme", "incidents": "Reviews mentioning it"}),
                     "Budget outcome": budget.reindex(columns=list(BUDGET_COLUMNS)).rename(columns=BUDGET_COLUMNS),
                     "Closure vs figures": flagged, "Overdue actions": overdue}


OVERDUE_ACTION_COLUMNS = {"code": "Incident", "title": "Action", "owner": "Owner", "due_on": "Due",
                          "days_overdue": "Days overdue", "status": "Status"}


def _overdue_actions(engine: Engine, flt: PortfolioFilter, today: date, section: Section) -> pd.DataFrame:
    """The actions lessons reviews raised that are open past their due date (guideline lines 1454-1459): a table in
    the section and its count among the facts; returned as the workbook's sheet."""
    actions = company_work.lesson_actions(engine, flt, today)
    overdue = actions[actions["overdue"]].copy()
    overdue["days_overdue"] = [(today - d).days for d in overdue["due_on"]]
    overdue["status"] = overdue["status"].map(ACTION_STATUSES)
    table = overdue.reindex(columns=list(OVERDUE_ACTION_COLUMNS)).rename(columns=OVERDUE_ACTION_COLUMNS)
    closed = int((~actions["open"]).sum())
    summary = f"{int(actions['open'].sum()):,} open, {len(overdue):,} overdue\n{closed:,} closed of {len(actions):,}"
    section.facts.append(("Actions from lessons", summary))
    section.tables.append(Table(
        f"Actions overdue: raised by a lessons review so that lessons reach due diligence "
        f"({cite('lessons_into_due_diligence')}), open past their due date", table,
        empty="No action is overdue."))
    return table


def supply_chain_section(engine: Engine, flt: PortfolioFilter, today: date
                         ) -> tuple[Section, dict[str, pd.DataFrame]] | None:
    """Supply chain: the suppliers and products the open incidents reach through suppliers' current declarations,
    aggregated (counts of incidents, no incident listed). None when no declaration has been imported."""
    h = supply_chain.exposure_headline(engine, flt)
    if h.declarations == 0:
        return None
    scope = pack_scope(flt)
    suppliers = supply_chain.supplier_exposure(engine, flt)
    products = supply_chain.product_exposure(engine, flt)
    flows = supply_chain.exposure_flows(engine, flt)
    facts = [("Reaching a supplier now", f"{h.reaching_current:,}\nof {h.open_incidents:,} open incidents"),
             ("Of them Level 1 mandatory", f"{h.level1_current:,}"),
             ("Suppliers reached", f"{h.suppliers_current:,}\nof {h.suppliers:,} suppliers"),
             ("Products reached", f"{h.products:,}"),
             ("Past links only", f"{h.reaching_past_only:,}")]
    section = Section(
        title="Supply chain",
        figures=[supply_charts.suppliers_by_level1(suppliers, today, scope), supply_charts.flows(flows, today, scope)],
        facts=facts,
        note=(f"From suppliers' CMRT and EMRT declarations ({h.declarations:,} imported, {h.suppliers:,} suppliers). "
              "An open incident reaches a supplier when the smelter it is linked to is listed in the supplier's "
              f"current declaration; {h.linked:,} of {h.open_incidents:,} open incidents are linked to the smelter "
              "register. A company-wide declaration reaches all of that supplier's products. An allegation is "
              f"actionable when it links to a current or past supply-chain partner ({cite('actionable_definition')})."),
    )
    columns = {"supplier": "Supplier", "highest": "Highest level required", "level1_mandatory": "Level 1 mandatory",
               "open": "Open incidents (current)", "smelters": "Smelters with open incidents",
               "past_open": "Open incidents (past only)"}
    product_columns = {"product": "Product", "highest": "Highest level required", "level1_mandatory": "Level 1 mandatory",
                       "open": "Open incidents", "smelters": "Smelters", "suppliers": "Through suppliers"}
    return section, {"Supplier exposure": suppliers.reindex(columns=list(columns)).rename(columns=columns),
                     "Product exposure": products.reindex(columns=list(product_columns)).rename(columns=product_columns)}


def followups_section(engine: Engine, flt: PortfolioFilter, today: date
                      ) -> tuple[Section, dict[str, pd.DataFrame]] | None:
    """Follow-ups: how often and how hard the company had to push the parties that owe what incidents wait for,
    by party and quarter (counts of the company's own chases: nothing about victims). None when none recorded."""
    push = followups.push_by_quarter(engine, flt)
    if push.empty:
        return None
    owed = followups.owed_items(engine, flt, today)
    scope = flt.describe(with_status=False)
    totals = push[[*ESCALATION_TIERS, "chases"]].sum()
    facts = [("Chases recorded", f"{int(totals['chases']):,}"),
             ("Leverage actions", f"{int(totals['leverage']):,}"),
             ("Disengagements", f"{int(totals['disengagement']):,}"),
             ("Items owed, answer overdue", (f"{int(owed['overdue'].sum()) if not owed.empty else 0:,}\nof "
                                             f"{len(owed):,} owed by other parties"))]
    labels = {"party": "Party chased", "quarter": "Quarter", **ESCALATION_TIERS, "chases": "All chases"}
    table = push.rename(columns=labels)
    section = Section(
        title="Follow-ups and leverage",
        figures=[followup_charts.push_chart(push, today, scope)],
        facts=facts,
        tables=[Table("Chases by party and quarter, by escalation tier", table)],
        note=("Each chase of the party that owes what an incident waits for, at its escalation level: a reminder, a "
              "senior-contact escalation, a leverage action (a business review, the audit programme asked to "
              "escalate, orders suspended, disengagement considered), disengagement. The downstream company uses "
              f"its leverage to ensure that remediation takes place ({cite('dc_leverage')})."),
    )
    return section, {"Follow-ups by quarter": table}


def full_board_pack(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings, *,
                    generated_by: str = GENERATOR) -> tuple[bytes, bytes]:
    """The board pack of every page: Portfolio, Level 2 plans, Lessons learned and Supply chain (PDF, XLSX)."""
    supply = supply_chain_section(engine, flt, today)
    pushed = followups_section(engine, flt, today)
    return board_pack(engine, flt, today, settings,
                      extra_sections=[plans_section(engine, flt, today), lessons_section(engine, flt, today, settings),
                                      *([supply] if supply else []), *([pushed] if pushed else [])],
                      generated_by=generated_by)


def browser_available() -> bool:
    """Whether a Chrome/Chromium for the PDF's charts can be found (``BROWSER_PATH`` or on PATH)."""
    import shutil

    where = os.environ.get("BROWSER_PATH")
    if where:
        return os.access(where, os.X_OK)
    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "chrome"))
