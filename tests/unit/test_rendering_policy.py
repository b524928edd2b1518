"""One rendering policy (issue #16): user text reaches the page only as text.

* every figure builder in ``remediation.reports`` (found by inspection, so a new builder is covered or this test
  fails) is fed a hostile string wherever it takes user text, and no tag of it survives anywhere in the figure:
  plotly renders ``<a href>``, ``<b>``, ``<span style>``, ``<br>``… in tick labels, hover, legends, titles,
  annotations and Sankey nodes;
* ``md()`` leaves nothing Markdown (CommonMark, GitHub's extensions, Streamlit's directives) would read as markup.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import plotly.graph_objects as go
import pytest

import remediation.reports
from remediation.domain.models import Indicator
from remediation.reports import charts, company_charts, followups, plan_charts, supply_charts
from remediation.storage.supply_chain import Flows

HOSTILE = ('<a href="https://evil.example/x">click</a><span style="font-size:60px">BIG</span><i>it</i>'
           '<img src="https://evil.example/p.png"><b>XSS</b>')
SHORT = '<a href="//e.x">u</a><i>i</i>'  # fits a 60-character field (an indicator's unit)
TAGS = ("<a ", "<span", "<img", "<i>", "<b>XSS", "<a>")
TODAY = date(2026, 11, 1)


def strings(value):
    """Every string anywhere in a (plotly JSON) structure."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(k)
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)
    elif hasattr(value, "tolist"):
        yield from strings(value.tolist())


def _plan():
    spent = TODAY - timedelta(days=30)
    return SimpleNamespace(currency="USD", facilitator=HOSTILE, budget=Decimal(1000),
                           budget_lines=[SimpleNamespace(category=HOSTILE, amount=Decimal(600))],
                           expenditures=[SimpleNamespace(category=HOSTILE, amount=Decimal(100), spent_on=spent)])


def _indicator():
    return Indicator(name=HOSTILE[:200], kind="quantitative", unit=SHORT, baseline_value=0,
                     baseline_date=TODAY - timedelta(days=200), target_value=10, target_date=TODAY + timedelta(days=200))


def _review(group_col: bool):
    rows = []
    for item in ("objectives_met", "victims_satisfied"):
        for answer, count in (("yes", 3), ("no", 1)):
            row = {"item": item, "answer": answer, "count": count, "total": 4, "share": count / 4}
            if group_col:
                row["group"] = HOSTILE
            rows.append(row)
    return pd.DataFrame(rows)


# Hostile inputs for every builder: a builder missing here fails test_every_builder_is_covered.
CASES = {
    "charts.pipeline": lambda: charts.pipeline(
        pd.DataFrame({"stage": ["step1"], "label": [HOSTILE], "count": [3]}), TODAY, HOSTILE),
    "charts.ageing": lambda: charts.ageing(
        pd.DataFrame({"step": [1], "bucket": ["0-30 days"], "count": [2], "overdue": [1]}), {1: 30}, TODAY, HOSTILE),
    "charts.empty": lambda: charts.empty(charts.title(HOSTILE, TODAY, HOSTILE), "Nothing"),
    "charts.review_overall": lambda: charts.review_overall(_review(False), TODAY, HOSTILE),
    "charts.review_breakdown": lambda: charts.review_breakdown(_review(True), HOSTILE, TODAY, HOSTILE),
    "charts.lesson_themes": lambda: charts.lesson_themes(
        pd.DataFrame({"tag": [HOSTILE, "funding"], "incidents": [3, 1]}), 4, TODAY, HOSTILE),
    "charts.lesson_theme_trend": lambda: charts.lesson_theme_trend(
        pd.DataFrame({"period": [HOSTILE, HOSTILE], "reviews": [4, 4], "tag": [HOSTILE, "funding"], "count": [3, 1]}),
        [HOSTILE, "funding"], HOSTILE, TODAY, HOSTILE),
    "charts.budget_variance": lambda: charts.budget_variance(
        pd.DataFrame({"level": [1, 2], "band": [HOSTILE, "on budget"], "plans": [2, 1]}), [HOSTILE], TODAY, HOSTILE),
    "charts.days_to_closure": lambda: charts.days_to_closure(
        pd.DataFrame({"group": [HOSTILE], "n": [3], "min": [10], "q1": [20], "median": [30], "q3": [40], "max": [50],
                      "mean": [30.0]}), TODAY, HOSTILE),
    "plan_charts.funding_by_source": lambda: plan_charts.funding_by_source(
        {"currency": HOSTILE[:3], **{f"pledged_{s}": 100 for s in plan_charts.FUNDING_SOURCES},
         **{f"received_{s}": 50 for s in plan_charts.FUNDING_SOURCES}}, TODAY, HOSTILE),
    "plan_charts.spending_over_time": lambda: plan_charts.spending_over_time(_plan(), TODAY),
    "plan_charts.budget_lines": lambda: plan_charts.budget_lines(_plan(), TODAY),
    "plan_charts.indicator_progress": lambda: plan_charts.indicator_progress(_indicator(), TODAY),
    "supply_charts.suppliers_by_level1": lambda: supply_charts.suppliers_by_level1(
        pd.DataFrame({"supplier": [HOSTILE, "Other Ltd"], "level1_mandatory": [2, 0], "open": [3, 1]}), TODAY, HOSTILE),
    "supply_charts.flows": lambda: supply_charts.flows(Flows(
        nodes=pd.DataFrame({"label": [HOSTILE, HOSTILE + " supplier", HOSTILE + " product"],
                            "stage": ["smelter", "supplier", "product"], "open": [2, 2, 2]}),
        links=pd.DataFrame({"source": [0, 1], "target": [1, 2], "value": [2, 2], "rank": [5, 4]}),
        smelters=1, suppliers=1, products=1), TODAY, HOSTILE),
    "followups.push_chart": lambda: followups.push_chart(
        pd.DataFrame({"party": [HOSTILE], "quarter": [HOSTILE], "reminder": [2], "senior_contact": [1], "leverage": [1],
                      "disengagement": [0], "chases": [4]}), TODAY, HOSTILE),
    "company_charts.involvement": lambda: company_charts.involvement(
        pd.DataFrame({"involvement": ["caused", "directly_linked"], "label": [HOSTILE, "Directly linked"],
                      "incidents": [1, 3]}), TODAY, HOSTILE),
    "company_charts.remedy_by_involvement": lambda: company_charts.remedy_by_involvement(
        pd.DataFrame({"remedy_type": [HOSTILE, "compensation"], "involvement": ["caused", "directly_linked"],
                      "plans": [1, 2]}), TODAY, HOSTILE),
}


def builders() -> list[str]:
    """Every public function of remediation.reports' modules that returns a plotly Figure."""
    found = []
    for info in pkgutil.iter_modules(remediation.reports.__path__):
        if info.name == "theme":  # the spec helpers (theme.figure wraps what a builder composed): no builder
            continue
        module = importlib.import_module(f"remediation.reports.{info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ == module.__name__ and not name.startswith("_") and \
                    inspect.signature(fn).return_annotation in (go.Figure, "go.Figure"):
                found.append(f"{info.name}.{name}")
    return sorted(found)


def test_every_builder_is_covered():
    missing = [b for b in builders() if b not in CASES]
    assert not missing, f"figure builders without a hostile-text case in CASES: {missing}"
    assert len(builders()) >= 15


@pytest.mark.parametrize("builder", sorted(CASES))
def test_no_tag_of_user_text_survives_in_the_figure(builder):
    fig = CASES[builder]()
    texts = list(strings(fig.to_plotly_json()))
    leaked = [t for t in texts if any(tag in t for tag in TAGS)]
    assert not leaked, f"{builder}: user text reaches plotly as markup: {leaked[:3]}"
    if builder != "charts.pipeline":  # the pipeline's labels are the guideline's step names, never typed
        assert any("&lt;" in t for t in texts), f"{builder}: the hostile text was not shown at all"


def test_plain_shows_what_was_typed():
    assert charts.plain("<b>Fish & chips</b>") == "&lt;b&gt;Fish &amp; chips&lt;/b&gt;"
    assert charts.plain('"quoted"') == '"quoted"'


# --- md(): Markdown shows the typed text ---------------------------------------------------------------

MARKDOWN_HOSTILE = [
    "Refund here: https://evil.example/pay",
    "www.evil.example and mail me@evil.example",
    "Title\n===",
    "Corrective action\n---",
    "# Heading",
    "$x^2$ and $$\\frac{1}{2}$$",
    ":red[big red text] :material/warning: :smile:",
    "![tracker](https://evil.example/p.png)",
    "[click](javascript:alert(1)) <https://evil.example>",
    "**bold** _em_ ~~strike~~ `code`",
    "<b>raw</b> &lt;b&gt; &amp;",
    "1. one\n- two\n> quote",
    "| a | b |\n|---|---|\n| 1 | 2 |",
]


@pytest.mark.parametrize("text", MARKDOWN_HOSTILE)
def test_md_leaves_no_markup(text):
    markdown_it = pytest.importorskip("markdown_it")
    from pages._text import md

    parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    rendered = parser.render(md(text))
    for tag in ("<a", "<img", "<h1", "<h2", "<strong", "<em", "<s>", "<code", "<ol", "<ul", "<blockquote", "<table",
                "<b>"):
        assert tag not in rendered, (text, rendered)
    escaped = md(text)
    # what Streamlit and GitHub's Markdown read beyond CommonMark: autolinks, LaTeX, colour and icon directives
    for raw in ("://", ".example", "@evil", "$x", "$$", ":red[", ":material/", ":smile", "\n==="):
        assert not re.search(r"(?<!\\)" + re.escape(raw), escaped), (text, escaped)  # each begins escaped
    # and the text itself is all there, as typed, once the escapes are read
    assert parser.render(escaped).count("evil") == text.count("evil")


@pytest.mark.parametrize("text", [*MARKDOWN_HOSTILE, "Sanjo-30", "lines 1390-1391", "- a list? -x- a-b"])
def test_md_unbroken_leaves_no_markup_and_holds_hyphenated_words_together(text):
    """md_unbroken (site names and citation ranges on a slide) is md() plus word joiners around a hyphen between
    letters or digits: no markup survives, the text reads as typed, and "Sanjo-30" has no break opportunity."""
    markdown_it = pytest.importorskip("markdown_it")
    from pages._text import md, md_unbroken

    parser = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"])
    joined = md_unbroken(text)
    assert parser.render(joined).replace("\u2060", "") == parser.render(md(text)).replace("\u2060", "")
    for word in re.findall(r"\w+-\w+", text):
        left, right = word.split("-", 1)
        assert f"{left}\u2060\\-\u2060{right}" in joined, (word, joined)


def test_every_message_helper_shows_typed_text_as_text():
    """The helpers that put user text into errors and warnings (plain_error for a refusal or a fault, the link
    checks) escape it as md() does; a database failure never carries SQL or parameters."""
    markdown_it = pytest.importorskip("markdown_it")
    from sqlalchemy.exc import DataError, OperationalError

    from pages._text import link_code_problem, link_text_problem, plain_error
    from remediation.services.base import Refused

    parser = markdown_it.MarkdownIt("commonmark")
    typed = "[click](https://evil.example) <b>x</b> ![p](https://evil.example/p.png) **bold**"
    for message in (plain_error(Refused(f"title: {typed}")),
                    plain_error(OperationalError(f"UPDATE incidents SET title='{typed}'", {"t": typed},
                                                 Exception("database is locked"))),
                    plain_error(DataError("SELECT 1", {"q": "\x00"}, Exception("cannot contain NUL (0x00) bytes"))),
                    link_code_problem("INC-\x00" + typed), link_text_problem("\x00" + typed, "Search")):
        rendered = parser.render(message)
        assert not any(tag in rendered for tag in ("<a", "<img", "<strong", "<b>")), rendered
        assert "UPDATE" not in message and "[SQL" not in message
