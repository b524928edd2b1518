"""A cell to a value of its field: dates, whole numbers, yes/no, vocabularies, text; a cell that cannot
be read raises :class:`CellError` with a message for the user."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime

from remediation.domain.text import TextRefused, check_text
from remediation.domain.vocab import in_vocab_order
from remediation.services.transfer.format import (
    KINDS,
    LIST_SEPARATORS,
    VOCABULARIES,
    as_text,
    line_breaks,
    unprotect_cell,
)
from remediation.services.transfer.numbers import UNKNOWN, Convention, NumberError, read_whole


class CellError(ValueError):
    """A cell that cannot be read as its field's type; the message is for the user."""


def _formula_hint(text: str) -> str:
    return (" It is a formula: a spreadsheet formula is imported as its text, not its result; type the value "
            "itself.") if text.startswith("=") else ""


_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")
_NUMERIC = re.compile(r"^[+-]?[0-9][0-9 .,\u00a0\u202f\u2009]*$")
TRUE_WORDS = {"yes", "y", "true", "1", "x"}
FALSE_WORDS = {"no", "n", "false", "0"}


def _read_date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError(f"{as_text(value)} is a number, not a date: format the cell as a date, or type the date "
                        "as YYYY-MM-DD.")
    text = as_text(value).strip()
    if not text:
        return None
    m = _DATE.match(text)
    if not m:
        raise CellError(f"{text[:60]!r} is not a date in the form YYYY-MM-DD (for example 2025-03-14)."
                        + _formula_hint(text))
    try:
        return date.fromisoformat(m.group(1))
    except ValueError as exc:
        raise CellError(f"{text!r} is not a real date ({exc}).") from exc


def _read_int(value, convention: Convention = UNKNOWN) -> int | None:
    if isinstance(value, bool):
        raise CellError(f"{as_text(value)!r} is not a whole number.")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"{value} is not a whole number.")
    text = as_text(value).strip()
    if not text:
        return None
    if not _NUMERIC.match(text):
        raise CellError(f"{text[:60]!r} is not a whole number." + _formula_hint(text))
    try:
        return read_whole(text, convention)  # "1.000" is a thousand only where the file says so
    except NumberError as exc:
        raise CellError(str(exc)) from exc


def _read_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = as_text(value).strip()
    if not text:
        return None
    key = text.casefold()
    if key in TRUE_WORDS:
        return True
    if key in FALSE_WORDS:
        return False
    raise CellError(f"{text[:60]!r} is not yes or no (also accepted: true/false, y/n, 1/0)." + _formula_hint(text))


def _vocab_key(text: str) -> str:
    return " ".join(str(text).replace("_", " ").casefold().split())


_LOOKUPS: dict[str, dict[str, str]] = {
    f: {**{_vocab_key(label): key for key, label in vocab.items()}, **{_vocab_key(key): key for key in vocab}}
    for f, (_, vocab) in VOCABULARIES.items()
}


def _unknown(field: str, values: Sequence[str]) -> CellError:
    what, vocab = VOCABULARIES[field]
    shown = ", ".join(repr(v[:60]) for v in values)
    plural = "s" if len(values) > 1 else ""
    return CellError(f"{shown}: not a known {what}{plural}. Use one of: {', '.join(vocab.values())} "
                     f"(or its identifier: {', '.join(vocab)}).")


def _read_choice(field: str, value) -> str | None:
    text = unprotect_cell(as_text(value).strip())
    if not text:
        return None
    found = _LOOKUPS[field].get(_vocab_key(text))
    if found is None:
        raise _unknown(field, [text])
    return found


def _read_choices(field: str, value) -> list[str] | None:
    text = as_text(value).strip()
    items = [unprotect_cell(p.strip()) for p in LIST_SEPARATORS.split(text) if p.strip()]
    if not items:
        return None
    lookup = _LOOKUPS[field]
    unknown = [i for i in items if _vocab_key(i) not in lookup]
    if unknown:
        raise _unknown(field, unknown)
    return in_vocab_order([lookup[_vocab_key(i)] for i in items], VOCABULARIES[field][1])


def _read_text(value) -> str | None:
    """Text by the one text rule (:mod:`remediation.domain.text`), as a form would take it."""
    text = line_breaks(unprotect_cell(as_text(value).strip()))
    try:
        check_text(text)
    except TextRefused as exc:
        raise CellError(str(exc)[:1].upper() + str(exc)[1:]) from exc
    return text or None


def read_cell(field: str, value, convention: Convention = UNKNOWN):
    """The value of ``field`` in a cell as read from the file; None for an empty cell. ``convention`` is how the
    file writes numbers (:mod:`.numbers`). Raises :class:`CellError` with a message for the user."""
    kind = KINDS[field]
    if kind == "text":
        return _read_text(value)
    if kind == "date":
        return _read_date(value)
    if kind == "int":
        return _read_int(value, convention)
    if kind == "bool":
        return _read_bool(value)
    if kind == "choice":
        return _read_choice(field, value)
    return _read_choices(field, value)


# --- pydantic's errors in a user's words ----------------------------------------------------------

