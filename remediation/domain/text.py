"""One rule for every text that enters the system — typed in a form, read from an import file, or carried by a
link's query parameter — applied at the edge, before anything is stored or queried.

Why: text from people and files is hostile or careless, and a character that shows nothing can still do harm.
A title holding U+000B was accepted by the form, and from then on every XLSX export of a view including it
came out empty (a spreadsheet cannot hold it); U+FFFF made an export that could not be imported again,
breaking "an export is always a valid import"; a NUL byte in a search reached PostgreSQL, which refuses it
with an error naming the SQL; a right-to-left override makes "Invoice ‮gnp.exe" read as "Invoice exe.png";
and ``INC-２０１８-１８０`` (fullwidth digits) looks like an existing code but is another one. So:

* **refused in every text**: control characters other than tab and line break (the C0 and C1 sets and
  DEL), Unicode noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, U+FFFE/U+FFFF…),
  unpaired surrogates, bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
  the line and paragraph separators (U+2028, U+2029), and invisible characters with no use in a record:
  zero width space (U+200B), word joiner and invisible operators (U+2060–U+2064), the byte-order mark inside
  text (U+FEFF), interlinear annotation marks (U+FFF9–U+FFFB). Zero width (non-)joiners stay: scripts such
  as Persian and Devanagari, and emoji, need them;
* **normalised**: a carriage return (alone or before a line feed) becomes a line feed, as the import
  always did;
* **codes** (incident and victim codes) are ASCII: a code holding any other character is refused, naming it,
  before it is upper-cased (Python upper-cases "ı" to "I", which would silently turn a look-alike into the
  real code).

Every refusal names the field and the character: ``title: contains U+000B (LINE TABULATION), a control
character, at character 7; remove it.`` Whatever passes can be shown, exported to CSV and XLSX, and imported
again unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ValidationInfo

__all__ = ["TextRefused", "text_problem", "describe", "check_text", "check_code", "SafeText", "SafeCode",
           "clean_text"]

_CONTROL_NAMES = {
    0x00: "NULL", 0x01: "START OF HEADING", 0x02: "START OF TEXT", 0x03: "END OF TEXT", 0x04: "END OF TRANSMISSION",
    0x05: "ENQUIRY", 0x06: "ACKNOWLEDGE", 0x07: "BELL", 0x08: "BACKSPACE", 0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED", 0x0B: "LINE TABULATION", 0x0C: "FORM FEED", 0x0D: "CARRIAGE RETURN", 0x0E: "SHIFT OUT",
    0x0F: "SHIFT IN", 0x10: "DATA LINK ESCAPE", 0x11: "DEVICE CONTROL ONE", 0x12: "DEVICE CONTROL TWO",
    0x13: "DEVICE CONTROL THREE", 0x14: "DEVICE CONTROL FOUR", 0x15: "NEGATIVE ACKNOWLEDGE",
    0x16: "SYNCHRONOUS IDLE", 0x17: "END OF TRANSMISSION BLOCK", 0x18: "CANCEL", 0x19: "END OF MEDIUM",
    0x1A: "SUBSTITUTE", 0x1B: "ESCAPE", 0x1C: "INFORMATION SEPARATOR FOUR", 0x1D: "INFORMATION SEPARATOR THREE",
    0x1E: "INFORMATION SEPARATOR TWO", 0x1F: "INFORMATION SEPARATOR ONE", 0x7F: "DELETE", 0x85: "NEXT LINE",
}
"""Unicode's name aliases for the controls (``unicodedata.name`` has none for them)."""

_REFUSED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"          # control characters but tab and line feed (CR is normalised first)
    "\ud800-\udfff"                          # unpaired surrogates
    "\ufdd0-\ufdef\ufffe\uffff"              # noncharacters of the basic plane
    "\u202a-\u202e\u2066-\u2069"             # bidirectional embeddings, overrides, isolates
    "\u2028\u2029"                           # line and paragraph separators
    "\u200b\u2060-\u2064\ufeff\ufff9-\ufffb"  # invisible characters with no use in a record
    "]|[\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U0003fffe\U0003ffff\U0004fffe\U0004ffff\U0005fffe\U0005ffff"
    "\U0006fffe\U0006ffff\U0007fffe\U0007ffff\U0008fffe\U0008ffff\U0009fffe\U0009ffff\U000afffe\U000affff"
    "\U000bfffe\U000bffff\U000cfffe\U000cffff\U000dfffe\U000dffff\U000efffe\U000effff\U000ffffe\U000fffff"
    "\U0010fffe\U0010ffff]"                  # noncharacters of the other planes
)


class TextRefused(ValueError):
    """A text the rule refuses; the message names the field (when known) and the character."""


def _kind(char: str) -> str:
    point = ord(char)
    if point < 0x20 or 0x7F <= point <= 0x9F:
        return "a control character"
    if 0xD800 <= point <= 0xDFFF:
        return "half of a broken character (an unpaired surrogate)"
    if 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE:
        return "a character Unicode reserves for internal use, never for text"
    if 0x202A <= point <= 0x202E or 0x2066 <= point <= 0x2069:
        return "an invisible control that makes text display in another order than it is stored"
    if point in (0x2028, 0x2029):
        return "a line separator that spreadsheets do not read as one: use a plain line break"
    return "an invisible character"


def describe(char: str) -> str:
    """``U+000B (LINE TABULATION)``: the code point and its Unicode name (or what it is)."""
    point = ord(char)
    if 0xFDD0 <= point <= 0xFDEF or point & 0xFFFE == 0xFFFE:
        name = "a noncharacter"
    else:
        name = _CONTROL_NAMES.get(point) or unicodedata.name(char, None) or "unnamed"
    return f"U+{point:04X} ({name})"


def text_problem(value: str) -> tuple[int, str] | None:
    """(position from 1, character) of the first character the rule refuses, or None."""
    match = _REFUSED.search(value)
    return (match.start() + 1, match.group()) if match else None


def _where(field: str | None) -> str:
    return f"{field}: " if field else ""


def clean_text(value: str) -> str:
    """Line breaks as ``\\n``: a carriage return alone or before a line feed becomes a line feed."""
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def check_text(value: str, field: str | None = None) -> str:
    """``value`` with its line breaks as ``\\n`` (:func:`clean_text`); :class:`TextRefused` when it holds a
    character the rule refuses."""
    value = clean_text(value)
    problem = text_problem(value)
    if problem is not None:
        position, char = problem
        raise TextRefused(f"{_where(field)}contains {describe(char)}, {_kind(char)}, at character {position}; "
                          "remove it.")
    return value


def check_code(value: str, field: str | None = None) -> str:
    """A code (``INC-2025-014``, ``V-014``) must be ASCII: :class:`TextRefused` naming the first other character
    (a fullwidth or Arabic-Indic digit, a dotless i…), so that two codes that look alike are the same code."""
    for position, char in enumerate(value, start=1):
        if not char.isascii() or (not char.isprintable() and char not in " \t"):
            raise TextRefused(f"{_where(field)}contains {describe(char)} at character {position}: codes are written "
                              "with the letters A-Z, the digits 0-9 and '-' only.")
    return value


def _text(value, info: ValidationInfo):
    return check_text(value, info.field_name) if isinstance(value, str) else value


def _code(value, info: ValidationInfo):
    return check_code(value, info.field_name) if isinstance(value, str) else value


SafeText = AfterValidator(_text)
"""Put in a text type's ``Annotated[...]``: the rule, with the field named."""
SafeCode = BeforeValidator(_code)
"""Put first in a code type's ``Annotated[...]`` (before upper-casing): codes are ASCII."""

Checked = Annotated[str, SafeText]
