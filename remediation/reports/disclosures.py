"""A reporting period's sections of the board pack: the period's figures beside the previous period's, and the
disclosure tables a company pastes into its annual statements.

Each disclosure table is labelled by the framework and the data points it serves:

- **UK Modern Slavery Act 2015**, section 54(5)(e): the effectiveness of the steps taken, measured against
  performance indicators the company considers appropriate (the statement is approved by the board, s. 54(6));
- **ESRS S2-4** (CSRD, workers in the value chain), paragraph 32(b) actions to provide or enable remedy for an
  actual material impact and 32(d) how the effectiveness of those actions is tracked;
- **OECD Due Diligence Guidance, Step 5**: the annual report on supply-chain due diligence — risks identified,
  the response to them (Step 3's risk management) and remediation.

Aggregates only: no incident, no victim; victims' counts below the small-count threshold are shown as "<N". Every
table names the period, the previous period it is compared with and the scope; the PDF's footer repeats them on
every page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from remediation.domain.citations import cite
from remediation.domain.periods import Period, label_of
from remediation.domain.settings import Settings
from remediation.domain.vocab import STEPS
from remediation.reports import board_pack
from remediation.reports.board_pack import GENERATOR, Section, Table
from remediation.storage import reporting
from remediation.storage.queries import PortfolioFilter


def period_where(flt: PortfolioFilter):
    """The scope of period figures: the sidebar's filters but not its open/closed choice (a period counts what
    happened, open or closed now). None for the whole portfolio, the scope a lock covers."""
    return None if flt.describe(with_status=False) == "all incidents" else flt.where(with_status=False)


def period_line(period: Period) -> str:
    return f"Reporting period {period.label} ({period.dates})"


# --- the disclosure tables as data ----------------------------------------------------------------------------------

Row = tuple[str, str | Callable[[dict], object], str]  # indicator, figure key or function of the figures, data point


def _money_rows(figures: list[dict], kind: str, indicator: str, point: str) -> list[Row]:
    currencies = sorted({k.rsplit("_", 1)[1] for f in figures for k in f if k.startswith(f"money_{kind}_")})
    return [(f"{indicator} ({cur})", f"money_{kind}_{cur}", point) for cur in currencies] or \
        [(f"{indicator}", lambda f: "none recorded", point)]


def _sum(*keys: str) -> Callable[[dict], int]:
    return lambda f: sum(int(f.get(k) or 0) for k in keys)


def _median_all(f: dict) -> str:
    values = [(f.get(f"median_days_step_{n}"), f.get(f"steps_left_{n}") or 0) for n in STEPS]
    return "; ".join(f"Step {n}: {m:g} (n={k})" for n, (m, k) in zip(STEPS, values) if m is not None) or "–"


MSA = "UK Modern Slavery Act 2015, s. 54(5)(e)"
ESRS = "ESRS S2-4"
OECD = "OECD Due Diligence Guidance, Step 5"


def msa_rows(figures: list[dict]) -> list[Row]:
    p = MSA + ": effectiveness measured against performance indicators"
    return [
        ("Allegations of modern slavery received", "received", p),
        ("Allegations found credible", "credible", p),
        ("Allegations substantiated by the audit programme", "substantiated", p),
        ("Remediation plans approved", "plans_approved", p),
        ("Incidents closed after remediation", "closed_remediated", p),
        ("Victims assisted (case-management plans in implementation)", "victims_assisted", p),
        ("Open incidents past their step's indicative time frame, at the end", "overdue_end", p),
        ("Median days in each step, incidents that left it", _median_all, p + " (timeliness)"),
        ("Lessons learned captured", "lessons_captured", p + " (continuous improvement)"),
        ("Actions from lessons closed (done or dropped)", "actions_closed", p + " (continuous improvement)"),
    ]


def esrs_rows(figures: list[dict]) -> list[Row]:
    remedy, effect = ESRS + " §32(b): actions to provide or enable remedy", ESRS + " §32(d): effectiveness tracked"
    return [
        ("Actual impacts substantiated (value-chain workers)", "substantiated", ESRS + " §32(b)"),
        ("Corrective actions / enhanced due diligence agreed", "corrective_actions", ESRS + " §32(a)-(b)"),
        ("… of which the business relationship was terminated", "relationships_terminated", ESRS + " §32(a)"),
        ("Remediation plans approved", "plans_approved", remedy),
        ("Remediation plans whose implementation started", "implementation_started", remedy),
        ("Victims assisted (case-management plans in implementation)", "victims_assisted", remedy),
        *_money_rows(figures, "spent", "Money spent on remediation", ESRS + " §31, MDR-A (resources)"),
        ("Remediation plans completed (final report received)", "plans_completed", effect),
        ("Incidents closed after remediation", "closed_remediated", effect),
        ("Reviews: plan objectives met", "lessons_objectives_met", effect),
        ("Reviews: victims satisfied", "lessons_victims_satisfied", effect),
    ]


def oecd_rows(figures: list[dict]) -> list[Row]:
    risk, remedy = OECD + ": risks identified and assessed (Step 2)", OECD + ": risk management (Step 3)"
    return [
        ("Allegations received (red flags raised)", "received", risk),
        ("Found credible and actionable; audit programme notified", "ap_notified", risk),
        ("Substantiated", "substantiated", risk),
        ("Unsubstantiated or not credible (closed)", _sum("unsubstantiated", "not_credible", "not_actionable"), risk),
        ("Level assessments made", "assessments", remedy),
        ("… with Level 1 (immediate response) mandatory", "assessments_level1_mandatory", remedy),
        ("Corrective actions / enhanced due diligence agreed", "corrective_actions", remedy),
        ("Business relationships terminated", "relationships_terminated", remedy),
        ("Remediation plans approved", "plans_approved", OECD + ": remediation"),
        *_money_rows(figures, "pledged", "Money pledged to remediation", OECD + ": remediation"),
        *_money_rows(figures, "spent", "Money spent on remediation", OECD + ": remediation"),
        ("Incidents closed after remediation", "closed_remediated", OECD + ": remediation"),
        ("Open incidents at the end of the period", "open_end", OECD + ": remediation"),
    ]


def disclosure_table(rows: list[Row], report: reporting.PeriodReport, settings: Settings) -> pd.DataFrame:
    """Indicator, this period, the previous period, the data point: values as a report prints them."""
    def value(source, figures: dict) -> str:
        if callable(source):
            v = source(figures)
            return v if isinstance(v, str) else f"{v:,}"
        return reporting.shown(source, figures.get(source, 0 if source.startswith("money_") else None), settings)

    out = [{"Indicator": indicator, report.period.label: value(source, report.current),
            f"Previous ({report.previous.label})": value(source, report.before), "Framework and data point": point}
           for indicator, source, point in rows]
    return pd.DataFrame(out)


DISCLOSURES: dict[str, tuple[str, Callable[[list[dict]], list[Row]], str]] = {
    # sheet name -> (section title, rows, what the table serves)
    "UK MSA indicators": (
        "Disclosure: UK Modern Slavery Act — effectiveness indicators", msa_rows,
        ("For the slavery and human trafficking statement, section 54(5)(e): how effective the steps taken were, "
        "measured against performance indicators; the statement is approved by the board (s. 54(6)).")),
    "ESRS S2-4": (
        "Disclosure: ESRS S2-4 — remediation actions and effectiveness", esrs_rows,
        ("For the CSRD sustainability statement, ESRS S2 Disclosure Requirement S2-4, paragraph 32: actions taken "
        "on actual impacts on value-chain workers (a), whether and how remedy was provided or enabled (b), and how "
        "the effectiveness of those actions is tracked (d); resources per MDR-A.")),
    "OECD Step 5": (
        "Disclosure: OECD Step 5 — annual report on due diligence", oecd_rows,
        ("For the annual report on supply-chain due diligence (Step 5 of the OECD framework, "
        f"{cite('oecd_step5_report')}): risks identified and the response to them, and how adverse impacts were "
        f"addressed ({cite('oecd_account_for_impacts')}).")),
}


# --- the sections ---------------------------------------------------------------------------------------------------

def period_sections(engine: Engine, flt: PortfolioFilter, period: Period, settings: Settings
                    ) -> list[tuple[Section, dict[str, pd.DataFrame]]]:
    """The period's own section (figures beside the previous period's, the open stock at the start and the end,
    quarter by quarter for a year, the restatement of a locked period) and the three disclosure sections."""
    where = period_where(flt)
    pub = reporting.published(engine, period, where, settings)
    report = pub.report
    scope = flt.describe(with_status=False)
    threshold = settings.small_count_threshold
    figures = reporting.figures_table(report, settings)
    stock = reporting.stock_table(engine, period, where)
    tables = [Table(f"{period_line(period)}: every figure beside {report.previous.label}", figures),
              Table(f"Open stock at the start and the end of {period.label}", stock)]
    sheets = {"Period figures": figures, "Open stock": stock}
    if period.kind == "year":
        quarters = reporting.quarter_by_quarter(engine, period, where, settings)
        tables.append(Table(f"{period.label} quarter by quarter", quarters))
        sheets["Quarter by quarter"] = quarters
    status = "Computed from the records' dated facts (not locked)."
    if pub.lock is not None:
        status = f"Locked on {pub.lock.locked_at:%Y-%m-%d} by {pub.lock.locked_by}: the figures are as published."
    elif where is not None:
        status += " Locked figures cover the whole portfolio; these are for the filtered scope."
    if pub.restated:
        status += (" Restated since: a correction of a dated fact changed published figures of "
                   + ", ".join(r.lock.period.label for r in pub.restated) + "; the published figures stand, the "
                   "restatement is shown beside them.")
        changed = pd.concat([r.changed.assign(Period=r.lock.period.label) for r in pub.restated], ignore_index=True)
        changed = changed[["Period", *(c for c in changed.columns if c != "Period")]]
        who = pd.concat([r.changes for r in pub.restated], ignore_index=True).drop_duplicates(
            subset=["When", "Who", "Incident", "What"]).drop(columns=["Changed"])
        who = who.assign(When=who["When"].astype(str).str[:16])
        tables.append(Table(f"Restatement of {period.label}: stored (published) against recomputed", changed))
        tables.append(Table(f"Corrections behind the restatement of {period.label} (audit log)", who,
                            "No audit entry after the lock."))
        sheets["Restatement"] = changed
        sheets["Restatement changes"] = who
    c = report.current
    facts = [("Allegations received", f"{int(c.get('received') or 0):,}"),
             ("Substantiated", f"{int(c.get('substantiated') or 0):,}"),
             ("Plans approved", f"{int(c.get('plans_approved') or 0):,}"),
             ("Closed after remediation", f"{int(c.get('closed_remediated') or 0):,}"),
             ("Victims assisted", reporting.shown("victims_assisted", c.get("victims_assisted") or 0, settings))]
    section = Section(
        title=f"Reporting period {period.label}", facts=facts, tables=tables,
        note=(f"{period_line(period)}, compared with {report.previous.label} ({report.previous.dates}); scope: "
              f"{scope}. {status} Figures come from the dates the facts carry, not from when they were typed in. "
              f"Victims' counts below {threshold} are shown as <{threshold}; money in each plan's currency, never "
              "summed across currencies; money received counts with its pledge's date. Open stock: at the end of "
              "the day before the period and at the end of its last day."))
    out = [(section, sheets)]
    for sheet, (title, rows, serves) in DISCLOSURES.items():
        table = disclosure_table(rows([report.current, report.before]), report, settings)
        out.append((Section(
            title=title,
            tables=[Table(f"{title.removeprefix('Disclosure: ')} · {period_line(period)} · scope: {scope}", table)],
            note=(f"{serves} {period_line(period)}, beside {report.previous.label}; scope: {scope}. Aggregates only: "
                  f"no incident or victim is identified; victims' counts below {threshold} are shown as <{threshold}."
                  " Figures follow IOM's six-step remediation process; labels: "
                  + ", ".join(label_of(k) for k in ("received", "substantiated", "plans_approved")) + ", …")),
            {sheet: table}))
    return out


def period_board_pack(engine: Engine, flt: PortfolioFilter, today: date, settings: Settings, period: Period, *,
                      generated_by: str = GENERATOR) -> tuple[bytes, bytes]:
    """The full board pack (every page's section) for ``period``: its own section and the three disclosure
    tables first after the portfolio, then the Level 2 plans, lessons and supply chain (PDF, XLSX)."""
    supply = board_pack.supply_chain_section(engine, flt, today)
    return board_pack.board_pack(
        engine, flt, today, settings,
        extra_sections=[*period_sections(engine, flt, period, settings), board_pack.plans_section(engine, flt, today),
                        board_pack.lessons_section(engine, flt, today, settings), *([supply] if supply else [])],
        generated_by=generated_by, period=period_line(period))


def file_name(period: Period, extension: str) -> str:
    """``board-pack-2025-Q3.pdf``: the period in the file name."""
    return f"board-pack-{period.slug}.{extension}"
