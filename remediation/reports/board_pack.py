"""Exports a board can take away: spreadsheets (XLSX, CSV) of what a page shows, and a PDF board pack.

Two risks shape this module.

* **Formula injection.** Incident titles, smelter names and notes are typed by people outside the
  company (an allegation's source, a facilitator). A spreadsheet runs a cell that begins with ``=``
  as a formula — ``=HYPERLINK("http://evil","click")`` leaks data on a click. Every text cell and
  column name is passed through :func:`neutralise` (OWASP, *CSV Injection*).
* **Victims' small counts.** A count of victims below the small-count threshold can identify a
  person; it is shown as ``<5`` (:meth:`Settings.suppress`) in the PDF *and* the spreadsheet, which
  never carries the raw number.

The PDF is drawn entirely by Chromium through plotly/kaleido: each chart is exported as a vector PDF
page, and the page around it (cover, headings, headline figures, footer) is itself a plotly figure
made only of text and shapes. pypdf then places each chart on its page. One renderer means one set
of fonts — the board theme's, as Chromium resolves them — and no second layout engine to keep in
step. All renders of a pack share one browser, started once (about 2 s) and closed at the end.

Kaleido needs a Chrome or Chromium: it looks on ``PATH`` (``chromium``, ``google-chrome``…) and
honours ``BROWSER_PATH``. :class:`ChromiumNotFound` says so when neither finds one.
"""

from __future__ import annotations

import asyncio
import html
import io
import math
import os
import textwrap
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from remediation.domain.citations import cite
from remediation.domain.settings import Settings
from remediation.domain.vocab import REVIEW_QUESTIONS, STEPS
from remediation.reports import charts, plan_charts, supply_charts
from remediation.services.spreadsheets import sheet_names, tables_to_xlsx
from remediation.storage import lessons, queries, supply_chain
from remediation.storage.queries import PIPELINE_STAGES, PORTFOLIO_LIMIT, PortfolioFilter

REPORT_TITLE = "Remediation oversight — board pack"
GENERATOR = "the remediation oversight dashboard"

# --- the PDF ---------------------------------------------------------------------------------------


@dataclass
class Section:
    """One part of the board pack: a title, its headline figures, its charts, a note.

    ``facts`` are (label, value) pairs shown as tiles, already formatted — and already suppressed
    where they count victims. A value's first line is the figure; further lines (``"\\n"``) are a
    smaller caption under it (``"5%\\nUSD 84k of 1.70m"``)."""
    title: str
    figures: list[go.Figure] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""


class ChromiumNotFound(RuntimeError):
    """The charts of a PDF are drawn by Chrome/Chromium, and none was found."""


# A4 landscape at the 96 px per inch Chromium prints at: every page is laid out in these pixels.
PAGE_W, PAGE_H = 1123, 794
A4_LANDSCAPE_PT = (841.89, 595.28)
MARGIN_X = 48
CONTENT_W = PAGE_W - 2 * MARGIN_X
CONTENT_TOP, CONTENT_BOTTOM = 112, 736
CONTENT_H = CONTENT_BOTTOM - CONTENT_TOP
GAP = 18
CHART_SCALE = 1.12  # charts are drawn a little narrower and enlarged, so their 14 px text reads on a slide
DEFAULT_FIGURE_HEIGHT = 450  # plotly's, for a figure that sets none
MIN_SHRINK = 0.85  # a chart may shrink to this share of its size to share a page rather than start one
MAX_STRETCH = 1.35  # and grow to this share of its height to fill its page
NOTE_SIZE = 14
NOTE_MAX_LINES = 12  # a longer note is cut with an ellipsis: a board page is no place for an essay
TILES_PER_ROW = 5
ACCENT = charts.STEP_COLOURS[6]
TILE_FILL = "#f2f5f9"

# Concurrent exports (several board members at once) each start a browser: two at a time at most.
_BROWSERS = threading.BoundedSemaphore(2)


def _esc(text) -> str:
    """User text as plotly shows it literally: no tags (links!), no MathJax, line breaks kept."""
    return html.escape(str(text), quote=False).replace("$", "&#36;").replace("\n", "<br>")


def _wrap(text: str, width_px: float, size: float, bold: bool = False, max_lines: int | None = None) -> list[str]:
    """Lines of ``text`` fitting ``width_px`` at ``size`` px (an average glyph is about half its size)."""
    chars = max(8, int(width_px / (size * (0.58 if bold else 0.5))))
    lines = [line for para in str(text).splitlines() or [""] for line in (textwrap.wrap(para, chars) or [""])]
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(0, chars - 1)].rstrip() + "…"
    return lines


def _canvas() -> go.Figure:
    """An empty A4-landscape page whose axes are its pixels, y growing downwards."""
    fig = go.Figure()
    fig.update_layout(
        width=PAGE_W, height=PAGE_H, margin={"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0},
        paper_bgcolor="white", plot_bgcolor="white", showlegend=False,
        font={"family": charts.FONT, "color": charts.INK},
        xaxis={"range": [0, PAGE_W], "visible": False, "fixedrange": True},
        yaxis={"range": [PAGE_H, 0], "visible": False, "fixedrange": True},
    )
    return fig


def _text(fig: go.Figure, x: float, y: float, lines: Sequence[str] | str, size: float, *, colour: str = charts.INK,
          bold: bool = False, anchor: str = "left") -> float:
    """Write text with its top-left (or top-right) corner at (x, y); returns the height it took."""
    lines = [lines] if isinstance(lines, str) else list(lines)
    body = "<br>".join(_esc(line) for line in lines)
    fig.add_annotation(x=x, y=y, xref="x", yref="y", text=f"<b>{body}</b>" if bold else body, showarrow=False,
                       xanchor=anchor, yanchor="top", align=anchor, borderpad=0,
                       font={"size": size, "color": colour, "family": charts.FONT})
    return len(lines) * size * 1.3


def _rect(fig: go.Figure, x0: float, y0: float, x1: float, y1: float, colour: str) -> None:
    fig.add_shape(type="rect", xref="x", yref="y", x0=x0, y0=y0, x1=x1, y1=y1, fillcolor=colour,
                  line={"width": 0}, layer="below")


def _rule(fig: go.Figure, y: float) -> None:
    fig.add_shape(type="line", xref="x", yref="y", x0=MARGIN_X, x1=PAGE_W - MARGIN_X, y0=y, y1=y,
                  line={"color": charts.GRID, "width": 1.5})


@dataclass
class _Placed:
    figure: int  # index into the pack's figures
    scale: float  # page pixels per chart pixel
    x: float = MARGIN_X
    y: float = CONTENT_TOP


@dataclass
class _Page:
    section: int
    continued: bool
    facts: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""
    charts: list[_Placed] = field(default_factory=list)


def _tile_rows(facts: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    if not facts:
        return []
    rows = math.ceil(len(facts) / TILES_PER_ROW)
    per_row = math.ceil(len(facts) / rows)
    return [list(facts[i:i + per_row]) for i in range(0, len(facts), per_row)]


def _tile_height(row: Sequence[tuple[str, str]]) -> float:
    return 136 if any("\n" in str(value) for _, value in row) else 112


def _tiles_height(facts) -> float:
    return sum(_tile_height(row) + GAP for row in _tile_rows(facts))


def _note_lines(note: str) -> list[str]:
    return _wrap(note, CONTENT_W, NOTE_SIZE, max_lines=NOTE_MAX_LINES) if note else []


def _note_height(note: str) -> float:
    return len(_note_lines(note)) * NOTE_SIZE * 1.3 + GAP if note else 0.0


def _render_size(fig: go.Figure) -> tuple[int, int]:
    """The size a chart is drawn at: the page's content width (less the enlargement), its own height."""
    width = round(CONTENT_W / CHART_SCALE)
    if fig.layout.width:
        width = min(width, int(fig.layout.width))
    return width, int(fig.layout.height or DEFAULT_FIGURE_HEIGHT)


def _layout(sections: Sequence[Section]) -> tuple[list[_Page], list[tuple[go.Figure, int, int]]]:
    """Pages for the sections, and every chart with the size to draw it at.

    A section starts a page with its headline tiles; its charts follow, as many to a page as fit
    (shrunk a little rather than start a page, a chart taller than a page shrunk to fit one); its
    note closes it at the foot of its last page. Then each page's charts are drawn taller
    to fill what is left of the page, up to a third more than they asked for."""
    pages: list[_Page] = []
    figures: list[tuple[go.Figure, int, int]] = []
    for s_index, section in enumerate(sections):
        page = _Page(s_index, continued=False, facts=list(section.facts))
        pages.append(page)
        y = CONTENT_TOP + _tiles_height(section.facts)
        for i, fig in enumerate(section.figures):
            rw, rh = _render_size(fig)
            bottom = CONTENT_BOTTOM - (_note_height(section.note) if i == len(section.figures) - 1 else 0)
            full = min(CHART_SCALE, CONTENT_H / rh)
            scale = min(full, (bottom - y) / rh)
            if scale < full * MIN_SHRINK and (page.charts or page.facts):
                page = _Page(s_index, continued=True)
                pages.append(page)
                y = CONTENT_TOP
                scale = min(full, (bottom - y) / rh)
            figures.append((fig, rw, rh))
            page.charts.append(_Placed(len(figures) - 1, scale))
            y += rh * scale + GAP
        if section.note:
            if CONTENT_BOTTOM - y < _note_height(section.note) - GAP and (page.charts or page.facts):
                page = _Page(s_index, continued=True)
                pages.append(page)
            page.note = section.note

    for page in pages:  # position the charts, each stretched to share the page's spare height
        top = CONTENT_TOP + _tiles_height(page.facts)
        used = sum(figures[c.figure][2] * c.scale + GAP for c in page.charts)
        spare = CONTENT_BOTTOM - _note_height(page.note) - top - used
        y = top
        for placed in page.charts:
            fig, rw, rh = figures[placed.figure]
            taller = min(rh * (MAX_STRETCH - 1), max(0.0, spare / len(page.charts)) / placed.scale)
            figures[placed.figure] = (fig, rw, int(rh + taller))
            placed.y = y
            y += int(rh + taller) * placed.scale + GAP
    return pages, figures


def _cover(title: str, as_of: date, scope: str, generated: str, contents: list[tuple[str, int]],
           note: str) -> go.Figure:
    fig = _canvas()
    _rect(fig, 0, 0, 14, PAGE_H, ACCENT)
    x, width = 96, PAGE_W - 96 - MARGIN_X
    _text(fig, x, 168, "IOM Remediation Guidelines · six-step process", 16, colour=charts.MUTED)
    y = 200 + _text(fig, x, 200, _wrap(title, width, 40, bold=True, max_lines=2), 40, bold=True)
    y += 10 + _text(fig, x, y + 10, f"Position as of {as_of.isoformat()}", 24)
    y += 8 + _text(fig, x, y + 8, _wrap(f"Scope: {scope}", width, 17, max_lines=3), 17, colour=charts.MUTED)
    y += 44
    if contents:
        _text(fig, x, y, "Contents", 17, bold=True)
        y += 34
        fig.add_shape(type="line", xref="x", yref="y", x0=x, x1=x + 560, y0=y - 8, y1=y - 8,
                      line={"color": charts.GRID, "width": 1.5})
        for name, page_no in contents[:12]:
            _text(fig, x, y, _wrap(name, 480, 16, max_lines=1), 16)
            _text(fig, x + 560, y, f"page {page_no}", 16, colour=charts.MUTED, anchor="right")
            y += 28
    foot = [*_wrap(note, width, 13, max_lines=3), *_wrap(generated, width, 13, max_lines=2)] if note else \
        _wrap(generated, width, 13, max_lines=2)
    _text(fig, x, PAGE_H - 48 - len(foot) * 13 * 1.3, foot, 13, colour=charts.MUTED)
    return fig


def _frame(page: _Page, section: Section, number: int, total: int, running: str) -> go.Figure:
    """A section page without its charts: heading, headline tiles, note, footer."""
    fig = _canvas()
    _rect(fig, 0, 0, PAGE_W, 8, ACCENT)
    heading = section.title + (" (continued)" if page.continued else "")
    size = 30 if len(heading) <= 60 else 24
    _text(fig, MARGIN_X, 40, _wrap(heading, CONTENT_W, size, bold=True, max_lines=1), size, bold=True)
    _rule(fig, 92)
    y = CONTENT_TOP
    for row in _tile_rows(page.facts):
        height = _tile_height(row)
        width = (CONTENT_W - GAP * (len(row) - 1)) / len(row)
        for i, (label, value) in enumerate(row):
            x = MARGIN_X + i * (width + GAP)
            _rect(fig, x, y, x + width, y + height, TILE_FILL)
            _rect(fig, x, y, x + 5, y + height, ACCENT)
            inner = width - 34
            _text(fig, x + 20, y + 14, _wrap(label, inner, 15, max_lines=2), 15, colour=charts.MUTED)
            figure, *caption = str(value).split("\n")
            value_size = max(18.0, min(40.0, inner / (0.6 * max(1, len(figure)))))
            _text(fig, x + 20, y + 56, _wrap(figure, inner, value_size, bold=True, max_lines=1), value_size, bold=True)
            if caption:
                _text(fig, x + 20, y + 106, _wrap(" ".join(caption), inner, 14, max_lines=1), 14,
                      colour=charts.MUTED)
        y += height + GAP
    if page.note:  # a footnote under charts; otherwise straight after the tiles
        lines = _note_lines(page.note)
        top = CONTENT_BOTTOM - len(lines) * NOTE_SIZE * 1.3 if page.charts else y
        _text(fig, MARGIN_X, top, lines, NOTE_SIZE, colour=charts.MUTED)
    _rule(fig, PAGE_H - 44)
    _text(fig, MARGIN_X, PAGE_H - 34, _wrap(running, CONTENT_W - 140, 12, max_lines=1), 12, colour=charts.MUTED)
    _text(fig, PAGE_W - MARGIN_X, PAGE_H - 34, f"Page {number} of {total}", 12, colour=charts.MUTED, anchor="right")
    return fig


def _render_pdfs(items: Sequence[tuple[go.Figure, int, int]]) -> list[bytes]:
    """Each figure as a one-page vector PDF, drawn in one Chromium started for the whole batch.

    Runs its own event loop in a worker thread, so it works from Streamlit's script thread and from
    code that already runs an event loop alike."""
    import kaleido
    from choreographer.errors import ChromeNotFoundError

    async def render() -> list[bytes]:
        # mathjax=False: kaleido would otherwise fetch MathJax from a CDN on every start; we write no LaTeX.
        async with kaleido.Kaleido(n=1, mathjax=False) as k:
            return await asyncio.gather(*(
                k.calc_fig(fig, opts={"format": "pdf", "width": w, "height": h}) for fig, w, h in items))

    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["pdfs"] = asyncio.run(render())
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
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
    return outcome["pdfs"]  # type: ignore[return-value]


def figures_to_pdf(sections: Sequence[Section], *, title: str = REPORT_TITLE, as_of: date | None = None,
                   scope: str = "all incidents", generated_by: str = GENERATOR, cover_note: str = "") -> bytes:
    """A board pack: a cover page (title, as-of date, scope, contents, who generated it when), then each
    section from a new page — its headline figures as tiles, then its charts, as many to a page as fit,
    its note at the foot (see :func:`_layout`). A4 landscape; charts stay vector (sharp on a projector,
    text selectable); the PDF's outline lists the sections."""
    from pypdf import PdfReader, PdfWriter, Transformation

    as_of = as_of or date.today()
    pages, figures = _layout(sections)
    total = len(pages) + 1
    first_page: dict[int, int] = {}
    for number, page in enumerate(pages, start=2):
        first_page.setdefault(page.section, number)
    generated = (f"Generated {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC by {generated_by}, following IOM's "
                 "Remediation Guidelines for Victims of Human Trafficking in Mineral Supply Chains (2018).")
    running = f"{title} · as of {as_of.isoformat()} · {scope}"
    frames = [_cover(title, as_of, scope, generated,
                     [(s.title, first_page[i]) for i, s in enumerate(sections)], cover_note)]
    frames += [_frame(page, sections[page.section], number, total, running)
               for number, page in enumerate(pages, start=2)]

    rendered = _render_pdfs([(f, PAGE_W, PAGE_H) for f in frames] + list(figures))
    frame_pdfs, chart_pdfs = rendered[:len(frames)], rendered[len(frames):]

    writer = PdfWriter()
    for number, frame_pdf in enumerate(frame_pdfs, start=1):
        # pypdf 7 transforms only pages that belong to a writer: attach first, then draw on it.
        canvas = writer.add_page(PdfReader(io.BytesIO(frame_pdf)).pages[0])
        box = canvas.mediabox
        kx, ky = float(box.width) / PAGE_W, float(box.height) / PAGE_H
        for placed in (pages[number - 2].charts if number > 1 else []):
            chart = PdfReader(io.BytesIO(chart_pdfs[placed.figure])).pages[0]
            cbox = chart.mediabox
            _, rw, _ = figures[placed.figure]
            scale = placed.scale * rw * kx / float(cbox.width)
            top = float(box.top) - placed.y * ky
            height = float(cbox.height) * scale
            canvas.merge_transformed_page(
                chart, Transformation().translate(-float(cbox.left), -float(cbox.bottom)).scale(scale, scale)
                .translate(float(box.left) + placed.x * kx, top - height))
        canvas.scale_to(*A4_LANDSCAPE_PT)
    for index, section in enumerate(sections):
        writer.add_outline_item(title=section.title, page_number=first_page[index] - 1)
    writer.add_metadata({"/Title": f"{title}, as of {as_of.isoformat()}", "/Subject": scope,
                         "/Creator": generated_by, "/Producer": "plotly/kaleido (Chromium) and pypdf"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


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
        facts.append((label, f"{_share(money['spent'], money['budget'])}\n{money['currency']} "
                             f"{charts.compact(money['spent'])} of {charts.compact(money['budget'])}"))
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
         f"Victims with a case-management plan in a Level 1 plan under implementation; counts below {threshold} "
         f"are shown as '<{threshold}'"),
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
    scope = flt.describe(with_status=False)  # headline, pipeline and ageing ignore the open/closed choice
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
        "Headline": headline_table(h, settings, today, scope, len(incidents), matching, _listing(flt)),
        "Pipeline": pipeline_table(pipe),
        "Ageing": ageing_table(age, frames),
        "Incidents": incidents_table(incidents),
    }
    return section, sheets


def board_pack(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings,
               extra_sections: Iterable[tuple[Section, Mapping[str, pd.DataFrame]]] = (), *,
               generated_by: str = GENERATOR) -> tuple[bytes, bytes]:
    """The Portfolio page as a board pack: (PDF, XLSX).

    The PDF holds the headline figures, the pipeline and the ageing chart; the workbook the sheets
    Headline, Pipeline, Ageing and Incidents (the page's table, at most ``PORTFOLIO_LIMIT`` rows).
    ``extra_sections`` appends other pages' (Section, {sheet name: table}) pairs in order; a sheet
    name already taken gets a numbered suffix. Victims' counts below the small-count threshold appear
    in neither file: this function suppresses the Portfolio's; an extra section's facts and sheets
    arrive already suppressed (``settings.suppress``), as :class:`Section` asks.

    ``generated_by`` names who made the pack on its cover (the signed-in user, where there is one)."""
    section, sheets = portfolio_section(engine, flt, today, settings)
    sections = [section]
    named: list[tuple[str, pd.DataFrame]] = list(sheets.items())
    for extra, extra_sheets in extra_sections:
        sections.append(extra)
        named += list(extra_sheets.items())
    threshold = settings.small_count_threshold
    pdf = figures_to_pdf(
        sections, as_of=today, scope=flt.describe(), generated_by=generated_by,
        cover_note=f"Confidential: it concerns victims of human trafficking, forced labour and child labour. "
                   f"Victims' counts below {threshold} are shown as <{threshold}; no victim is named.",
    )
    xlsx = tables_to_xlsx(dict(zip(sheet_names(name for name, _ in named), (df for _, df in named))))
    return pdf, xlsx


# --- the Level 2 plans and lessons pages' sections -------------------------------------------------

def plans_section(engine: Engine, flt: PortfolioFilter, today: date) -> tuple[Section, dict[str, pd.DataFrame]]:
    """Level 2 plans: money per currency (never summed across currencies), funding by source, the plans."""
    scope = flt.describe()
    totals = queries.level2_totals(engine, flt)
    plans, matching = queries.level2_plans_table(engine, flt, today)
    facts: list[tuple[str, str]] = []
    for row in totals.to_dict("records"):
        cur = row["currency"]
        facts += [(f"Level 2 plans ({cur})", f"{row['plans']:,}"),
                  (f"Budget ({cur})", charts.compact(row["budget"])),
                  (f"Pledged ({cur})", f"{charts.compact(row['pledged'])}\nreceived {charts.compact(row['received'])}"),
                  (f"Spent ({cur})", f"{_share(row['spent'], row['budget'])}\n{charts.compact(row['spent'])} of "
                                     f"{charts.compact(row['budget'])}")]
    section = Section(
        title="Level 2 plans",
        figures=[plan_charts.funding_by_source(row, today, scope).update_layout(height=340)  # shares the tiles' page
                 for row in totals.to_dict("records")],
        facts=facts,
        note=(f"{matching:,} Level 2 plans match the filters. Budget: the larger of a plan's estimate and its budget "
              "lines; amounts in each plan's currency, never summed across currencies. Burn rate: budget spent "
              "against time elapsed (within 15 points is in line)."),
    )
    columns = ["code", "title", "currency", "budget", "pledged", "received", "spent", "gap", "burn", "started_on",
               "planned_end", "reports", "final_report_on"]
    return section, {"Level 2 plans": plans.reindex(columns=columns)}


def lessons_section(engine: Engine, flt: PortfolioFilter, today: date,
                    settings: Settings) -> tuple[Section, dict[str, pd.DataFrame]]:
    """Lessons learned: the four review items, the themes, budget outcome and time to closure."""

    scope = lessons.scope_line(flt)
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
    review = overall.assign(item=overall["item"].map(REVIEW_QUESTIONS))
    flagged = lessons.closure_flags(engine, flt)
    flagged = flagged[flagged["status"] == "closed_remediated"].drop(columns="status").rename(
        columns={"code": "Code", "title": "Title", "closure_flag": "Closure vs figures"})
    if not flagged.empty:
        section.note += (f" {len(flagged)} closed incident{'s' if len(flagged) != 1 else ''} declared Level 2 closure "
                         "answers the recorded figures contradict, e.g. " + flagged["Closure vs figures"].iloc[0] + ".")
    return section, {"Lessons review": review, "Lesson themes": tags, "Budget outcome": lessons.budget_totals(engine, flt),
                     "Closure vs figures": flagged}


def supply_chain_section(engine: Engine, flt: PortfolioFilter, today: date
                         ) -> tuple[Section, dict[str, pd.DataFrame]] | None:
    """Supply chain: the suppliers and products the open incidents reach through suppliers' current declarations,
    aggregated (counts of incidents, no incident listed). None when no declaration has been imported."""
    h = supply_chain.exposure_headline(engine, flt)
    if h.declarations == 0:
        return None
    described = flt.describe(with_status=False)
    scope = "open incidents" + ("" if described == "all incidents" else f"; {described}")
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


def full_board_pack(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings, *,
                    generated_by: str = GENERATOR) -> tuple[bytes, bytes]:
    """The board pack of every page: Portfolio, Level 2 plans, Lessons learned and Supply chain (PDF, XLSX)."""
    supply = supply_chain_section(engine, flt, today)
    return board_pack(engine, flt, today, settings,
                      extra_sections=[plans_section(engine, flt, today), lessons_section(engine, flt, today, settings),
                                      *([supply] if supply else [])],
                      generated_by=generated_by)


def browser_available() -> bool:
    """Whether a Chrome/Chromium for the PDF's charts can be found (``BROWSER_PATH`` or on PATH)."""
    import shutil

    where = os.environ.get("BROWSER_PATH")
    if where:
        return os.access(where, os.X_OK)
    return any(shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome", "chrome"))
