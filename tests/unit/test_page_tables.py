"""A value not recorded (a date not reached yet) reads "—" on every page, in a table and in text, never "None":
tables go through pages._text.data_table (st.dataframe with its placeholder), text through as_text."""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from pages._text import EMPTY, SLIDE_TABLE_PX, as_text, on_slide

PAGES = Path(__file__).resolve().parents[2] / "pages"


@pytest.mark.parametrize(("value", "text"), [
    (None, EMPTY), (float("nan"), EMPTY), (pd.NaT, EMPTY), (date(2026, 6, 11), "2026-06-11"),
    (datetime(2026, 6, 11, 9, 30), "2026-06-11T09:30:00"), ("", ""), (0, "0"), ("None", "None"),
])
def test_as_text_says_not_recorded_with_a_dash(value, text):
    assert as_text(value) == text


def test_every_page_draws_its_tables_through_data_table():
    """st.dataframe (or col.dataframe) called anywhere else would show a missing date as "None"."""
    offenders = []
    for path in sorted(PAGES.glob("*.py")):
        if path.name == "_text.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("dataframe", "data_editor", "table"):
                offenders.append(f"{path.name}:{node.lineno}: .{node.func.attr}(")
    assert offenders == []


def test_a_slide_s_widths_apply_in_board_mode_only_and_must_fit_the_slide():
    config = {"code": {"label": "Code", "pinned": True}, "country": "Country"}
    widths = {"code": 95, "country": 120, "title": SLIDE_TABLE_PX - 215}
    assert on_slide(False, widths, config) is config  # out of board mode: the page's own widths
    slide = on_slide(True, widths, config)
    assert slide == {"code": {"label": "Code", "pinned": True, "width": 95}, "country": {"label": "Country", "width": 120},
                     "title": {"label": None, "width": SLIDE_TABLE_PX - 215}}
    assert config == {"code": {"label": "Code", "pinned": True}, "country": "Country"}  # the page's config untouched
    with pytest.raises(ValueError, match="fits 1100"):
        on_slide(False, {**widths, "title": SLIDE_TABLE_PX - 214}, config)  # checked on every run, board or not
