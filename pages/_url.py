"""The URL holds the view: every sidebar filter and every triage input, defaults and dates included.

Public API only (``st.session_state``, ``st.query_params``). Streamlit's ``bind="query-params"`` leaves a value
equal to its default out of the address (so a triage scenario's default dates, "today minus 300 days", would
depend on the day the link is opened) and it does not bring a bound value back into the address when the
sidebar navigates to another page. So these keys are kept in step by hand:

- :func:`seed`, before a widget is drawn: the link wins when it carries the key with a value this session did
  not write itself (a link opened, the browser's back button); otherwise the session's value stays (the user's
  last choice, which a page change may have dropped from the address); with neither, the default.
- :func:`publish`, after the widgets are drawn: the address is rewritten to hold each key's current value.

A widget seeded here is drawn without a default (``value=``/``default=``), so Streamlit never sees a value set
both ways (its "created with a default value but also had its value set via the Session State API" warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import streamlit as st

_WRITTEN = "_url_written"  # key → the list of strings this session last put in the address


@dataclass(frozen=True)
class Codec:
    """How one key's value reads from and writes to the query string (a list: a key may repeat)."""
    read: Callable[[list[str]], Any]  # raises ValueError when the link's value cannot be used
    write: Callable[[Any], list[str]]
    absent_is_default: bool = False  # True: a missing key means the default (board mode), not "keep"


def choices(options: Iterable[str], labels: dict[str, str] | None = None) -> Codec:
    """A multiselect: repeated values, written as their labels (``?mineral=Gold``), read as labels or values
    (case aside); unknown ones dropped."""
    allowed = list(options)
    labels = labels or {}
    back = {name.casefold(): name for name in allowed} | {label.casefold(): k for k, label in labels.items()}

    def read(raw: list[str]) -> list[str]:
        return list(dict.fromkeys(back[v.casefold()] for v in raw if v and v.casefold() in back))

    return Codec(read, lambda value: [str(labels.get(v, v)) for v in value or ()])


def free_choices() -> Codec:
    """A multiselect whose options come from the data (countries, suppliers): kept as written."""
    return Codec(lambda raw: list(dict.fromkeys(v for v in raw if v)), lambda value: [str(v) for v in value or ()])


def one_of(options: Iterable[str], labels: dict[str, str] | None = None) -> Codec:
    """One choice, written as its label (``?status=All``), read as label or value (case aside)."""
    allowed = list(options)
    labels = labels or {}
    back = {name.casefold(): name for name in allowed} | {label.casefold(): k for k, label in labels.items()}

    def read(raw: list[str]) -> str:
        if raw and raw[-1].casefold() in back:
            return back[raw[-1].casefold()]
        raise ValueError(f"not one of {', '.join(allowed)}")

    return Codec(read, lambda value: [] if value is None else [str(labels.get(value, value))])


def flag(absent_is_default: bool = False) -> Codec:
    def read(raw: list[str]) -> bool:
        text = (raw[-1] if raw else "").strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off", ""):
            return False
        raise ValueError("not true or false")

    return Codec(read, lambda value: ["true"] if value else ([] if absent_is_default else ["false"]),
                 absent_is_default=absent_is_default)


def whole_number(low: int, high: int) -> Codec:
    def read(raw: list[str]) -> int:
        value = int((raw[-1] if raw else "").strip())  # ValueError for "", "inf", "1.5"
        if not low <= value <= high:
            raise ValueError(f"not from {low} to {high}")
        return value

    return Codec(read, lambda value: [] if value is None else [str(int(value))])


def one_date(latest: date | None = None, empty_allowed: bool = False) -> Codec:
    """A date (ISO). ``empty_allowed``: ``?public=`` (an empty value) is a deliberate "no date"."""
    def read(raw: list[str]) -> date | None:
        text = (raw[-1] if raw else "").strip()
        if not text and empty_allowed:
            return None
        value = date.fromisoformat(text)
        if latest is not None and value > latest:
            raise ValueError(f"after {latest.isoformat()}")
        return value

    return Codec(read, lambda value: [value.isoformat()] if value else ([""] if empty_allowed else []))


def date_range() -> Codec:
    """A "between" date input: none, one or two dates, in order."""
    def read(raw: list[str]) -> tuple[date, ...]:
        dates = tuple(date.fromisoformat(v.strip()) for v in raw if v.strip())
        if len(dates) > 2 or list(dates) != sorted(dates):
            raise ValueError("not a range")
        return dates

    return Codec(read, lambda value: [d.isoformat() for d in value or ()])


def seed(key: str, codec: Codec, default: Any) -> None:
    """Before the widget ``key`` is drawn: its value from the link, the session or the default (see module)."""
    written: dict[str, list[str]] = st.session_state.setdefault(_WRITTEN, {})
    raw = st.query_params.get_all(key)
    in_link = key in st.query_params or codec.absent_is_default  # board mode: no key is "not in board mode"
    if in_link and (raw != written.get(key) or key not in st.session_state):
        try:
            st.session_state[key] = codec.read(raw)
            written[key] = raw
            return
        except ValueError:
            pass  # an unusable value: as if absent; publish() replaces it in the address
    if key not in st.session_state:
        st.session_state[key] = default


def publish(codecs: dict[str, Codec]) -> None:
    """Write each key's current value into the address (a key with no value — an empty filter — leaves it)."""
    written: dict[str, list[str]] = st.session_state.setdefault(_WRITTEN, {})
    values = {key: codec.write(st.session_state.get(key)) for key, codec in codecs.items()}
    for key, value in values.items():
        written[key] = value
    gone = [k for k, v in values.items() if not v and k in st.query_params]
    changed = {k: v for k, v in values.items() if v and st.query_params.get_all(k) != v}
    for key in gone:
        del st.query_params[key]
    # Always one message, even with nothing changed here: a link to the page already shown (board mode's way
    # back) reruns it without updating the address, which this brings in line (the browser adds no history
    # entry when the address is already this one).
    st.query_params.update({k: v[0] if len(v) == 1 else v for k, v in changed.items()})


def drop(keys: Iterable[str]) -> None:
    """Remove keys another page owns from the address (a sidebar link may carry them along)."""
    for key in keys:
        if key in st.query_params:
            del st.query_params[key]
        st.session_state.get(_WRITTEN, {}).pop(key, None)
