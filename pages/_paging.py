"""A table paged and sorted on the server: the controls above it (sort by, order, page), kept in the link.

A view sends one page of rows to the browser, whatever the portfolio's size (issue #15): the page reads one page
(``LIMIT``/``OFFSET``) in the order chosen, and the exact number matching. The portfolio's incident table and the
plans page's table use it; each passes its own key prefix, sorts and default. Rows a page:
:data:`pages._data.PAGE_ROWS` (read at each call, so a test may lower it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from pages import _data, _url


@dataclass(frozen=True)
class Paging:
    sort: str
    descending: bool
    page: int  # 1-based


def _first_page(key: str) -> Callable[[], None]:
    def reset() -> None:  # a new order starts again at its first page
        st.session_state[key] = 1
    return reset


def controls(prefix: str, sorts: dict[str, str], default_sort: str, board: bool = False) -> Paging:
    """Sort by, order and page of the table keyed ``prefix`` (session keys ``{prefix}_sort``, ``_order``,
    ``_page``, also in the link, defaults included: a copied link shows the same rows). In board mode no control
    is drawn: the default order's first page."""
    if board:
        return Paging(default_sort, True, 1)
    keys = (f"{prefix}_sort", f"{prefix}_order", f"{prefix}_page")
    link = ((keys[0], _url.one_of(sorts, sorts), default_sort),
            (keys[1], _url.one_of(["Descending", "Ascending"]), "Descending"),
            (keys[2], _url.whole_number(1, 10_000_000), 1))
    for key, codec, default in link:
        _url.seed(key, codec, default)
    sort_col, order_col, page_col = st.columns([2, 1, 1])
    sort = sort_col.selectbox("Sort by", options=list(sorts), format_func=sorts.get, key=keys[0],
                              help="Sorts every matching row, not only this page.", on_change=_first_page(keys[2]))
    descending = order_col.segmented_control("Order", options=["Descending", "Ascending"], key=keys[1],
                                             required=True, on_change=_first_page(keys[2])) != "Ascending"
    page = int(page_col.number_input("Page", min_value=1, step=1, key=keys[2]))
    _url.publish({key: codec for key, codec, _ in link})
    return Paging(sort, descending, page)


def read_page(fetch: Callable[[int], tuple], paging: Paging) -> tuple[object, int, int]:
    """``fetch(page)`` -> (rows, matching); a page past the last (a narrower filter than the link's page) reads
    the last page instead. Returns (rows, matching, page shown)."""
    rows, matching = fetch(paging.page)
    pages_n = pages(matching)
    if paging.page > pages_n and matching:
        rows, matching = fetch(pages_n)
        return rows, matching, pages_n
    return rows, matching, paging.page


def pages(matching: int) -> int:
    return max(1, -(-matching // _data.PAGE_ROWS))


def shown(page: int, rows: int, matching: int) -> str:
    """"101–200 of 5,000" (or "42" when every row fits on the page)."""
    first = (page - 1) * _data.PAGE_ROWS
    return f"{first + 1:,}–{first + rows:,} of {matching:,}" if matching > rows else f"{matching:,}"


def caption(page: int, matching: int, what: str, sort_label: str, descending: bool) -> str:
    return (f"Page {page:,} of {pages(matching):,}, {_data.PAGE_ROWS} {what} a page, sorted by {sort_label.lower()} "
            f"({'descending' if descending else 'ascending'}).")
