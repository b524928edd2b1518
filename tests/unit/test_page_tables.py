"""A value not recorded (a date not reached yet) reads "—" on every page, in a table and in text, never "None":
tables go through pages._text.data_table (st.dataframe with its placeholder), text through as_text."""

from __future__ import annotations

import ast
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest

from pages._text import EMPTY, as_text

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
