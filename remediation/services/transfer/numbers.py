"""Numbers written as text, read the way the file means them — or refused, never guessed.

Why: a grievance log from a European office writes one thousand as "1.000", and a semicolon CSV is what
Excel saves there. Read as a decimal, "1.000" became 1 affected person, and the count feeds the severity
rule (the number of affected persons, footnote 22 of the guideline), so a level could come out wrong
without a word. The separators mean what the file's convention says:

* a **semicolon** CSV (Excel where the decimal separator is a comma): "." groups thousands, "," is the
  decimal separator — "1.000" is 1000, "1.000,50" is 1000.50;
* a **comma** CSV (Excel where the decimal separator is a point): "," groups thousands (the cell is quoted),
  "." is the decimal separator — "1,000" is 1000;
* **no convention** (a tab-delimited file, text in an XLSX cell): neither separator is known.

Spaces (also no-break and narrow no-break spaces, as in French) group thousands in every convention.
A number is refused as **ambiguous** when one of its separators could be read both ways: "1.000" where
"." is not known to group thousands (1 or 1000?), "1,000" in a semicolon CSV (1 or 1000? by the convention
1, but a file pasted from elsewhere means 1000). A count with a fraction other than zeros is refused as not
whole; it is never truncated. Money with decimal commas follows the convention or is refused the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_SPACES = re.compile(r"[ \u00a0\u202f\u2009]")
_DIGITS = re.compile(r"[0-9]+")


class NumberError(ValueError):
    """A text that is not a number in the file's convention; the message is for the user."""


@dataclass(frozen=True)
class Convention:
    """How a file writes numbers: its thousands separator and decimal separator, where known."""
    thousands: str | None
    decimal: str | None
    described: str

    @staticmethod
    def of_delimiter(delimiter: str) -> "Convention":
        return {";": SEMICOLON_CSV, ",": COMMA_CSV}.get(delimiter, UNKNOWN)


SEMICOLON_CSV = Convention(".", ",", "a semicolon-separated file, where '.' groups thousands and ',' is the decimal "
                                     "separator")
COMMA_CSV = Convention(",", ".", "a comma-separated file, where ',' groups thousands and '.' is the decimal separator")
UNKNOWN = Convention(None, None, "a file whose separators are not known")


def _grouped(text: str, separator: str) -> bool:
    """``1.000.000`` with ``.``: one to three digits, then groups of exactly three."""
    parts = text.split(separator)
    return 1 <= len(parts[0]) <= 3 and all(len(p) == 3 for p in parts[1:]) and all(_DIGITS.fullmatch(p) for p in parts)


def read_number(text: str, convention: Convention = UNKNOWN) -> Decimal:
    """The number ``text`` writes in ``convention``, exactly (a :class:`~decimal.Decimal`). Raises
    :class:`NumberError` (for the user) for text that is no number or whose separators are ambiguous."""
    original = text
    text = _SPACES.sub(lambda m: " ", text.strip())
    sign = ""
    if text[:1] in "+-":
        sign, text = text[0], text[1:].strip()
    if " " in text:  # spaces group thousands in every convention: "1 000", "12 500,5"
        whole, *rest = re.split(r"(?=[.,][0-9]*$)", text, maxsplit=1)
        if not _grouped(whole, " "):
            raise NumberError(f"{original[:60]!r} is not a number.")
        text = whole.replace(" ", "") + (rest[0] if rest else "")
    if not text or not re.fullmatch(r"[0-9.,]+", text) or not text[0].isdigit():
        raise NumberError(f"{original[:60]!r} is not a number.")
    points, commas = text.count("."), text.count(",")
    if points and commas:  # both: the last one is the decimal separator ("1.000,5" / "1,000.5")
        decimal = "." if text.rfind(".") > text.rfind(",") else ","
        thousands = "," if decimal == "." else "."
        if convention.decimal not in (None, decimal):
            raise NumberError(f"{original[:60]!r} writes numbers the other way round from the rest of the file "
                              f"({convention.described}).")
        whole, _, fraction = text.rpartition(decimal)
        if not _grouped(whole, thousands) or not _DIGITS.fullmatch(fraction):
            raise NumberError(f"{original[:60]!r} is not a number.")
        return Decimal(sign + whole.replace(thousands, "") + "." + fraction)
    if not points and not commas:
        return Decimal(sign + text)
    separator = "." if points else ","
    groups = text.split(separator)
    if len(groups) > 2:  # "1.000.000": only thousands can repeat
        if not _grouped(text, separator) or convention.decimal == separator:
            raise NumberError(f"{original[:60]!r} is not a number in {convention.described}.")
        return Decimal(sign + text.replace(separator, ""))
    whole, fraction = groups
    if not whole or not fraction:
        raise NumberError(f"{original[:60]!r} is not a number.")
    if convention.thousands == separator:
        if not _grouped(text, separator):
            raise NumberError(f"{original[:60]!r} is not a number in {convention.described}.")
        return Decimal(sign + whole + fraction)
    if len(fraction) == 3 and len(whole) <= 3:  # "1.000", "12,500": a decimal, or thousands?
        thousands = sign + whole + fraction
        decimal = sign + whole + "." + fraction
        raise NumberError(
            f"{original[:60]!r} is ambiguous in {convention.described}: {Decimal(decimal).normalize():f} or "
            f"{int(thousands):,}? Write the number without separators (for example {int(thousands)}).")
    if convention.decimal in (None, separator):
        return Decimal(sign + whole + "." + fraction)
    raise NumberError(f"{original[:60]!r} is not a number in {convention.described}.")


def read_whole(text: str, convention: Convention = UNKNOWN) -> int:
    """A whole number (a count): :func:`read_number`, refused when it has a fraction other than zeros."""
    try:
        value = read_number(text, convention)
    except InvalidOperation as exc:  # pragma: no cover - the patterns above leave none
        raise NumberError(f"{text[:60]!r} is not a number.") from exc
    if value != value.to_integral_value():
        raise NumberError(f"{text.strip()[:60]!r} is not a whole number.")
    return int(value)


def read_money(text: str, convention: Convention = UNKNOWN, places: int = 2) -> Decimal:
    """An amount of money: :func:`read_number` with at most ``places`` decimals (never rounded)."""
    value = read_number(text, convention)
    if value.as_tuple().exponent < -places and value != value.quantize(Decimal(1).scaleb(-places)):
        raise NumberError(f"{text.strip()[:60]!r} has more than {places} decimals; amounts are recorded to the "
                          f"cent.")
    return value
