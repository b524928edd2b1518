"""The one text rule (remediation.domain.text): what it refuses, how it says so, and that every text field of every
model carries it — so a form, an import and a query parameter all meet the same rule."""

from __future__ import annotations

import inspect
import types
from datetime import date
from typing import Annotated, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from remediation.domain import models, policy, rules, settings
from remediation.domain.text import TextRefused, check_code, check_text, describe, text_problem

REFUSED = {
    "\x00": "U+0000 (NULL)", "\x07": "U+0007 (BELL)", "\x0b": "U+000B (LINE TABULATION)",
    "\x0c": "U+000C (FORM FEED)", "\x1b": "U+001B (ESCAPE)", "\x7f": "U+007F (DELETE)", "\x85": "U+0085 (NEXT LINE)",
    "\x9b": "U+009B", "\ud800": "U+D800", "\ufdd0": "U+FDD0 (a noncharacter)", "\ufdef": "U+FDEF (a noncharacter)",
    "\ufffe": "U+FFFE (a noncharacter)", "\uffff": "U+FFFF (a noncharacter)",
    "\U0001fffe": "U+1FFFE (a noncharacter)", "\U0010ffff": "U+10FFFF (a noncharacter)",
    "\u202a": "U+202A (LEFT-TO-RIGHT EMBEDDING)", "\u202e": "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    "\u2066": "U+2066 (LEFT-TO-RIGHT ISOLATE)", "\u2069": "U+2069 (POP DIRECTIONAL ISOLATE)",
    "\u2028": "U+2028 (LINE SEPARATOR)", "\u200b": "U+200B (ZERO WIDTH SPACE)", "\ufeff": "U+FEFF",
}
ALLOWED = ["Côte d'Ivoire", "Rwanda\tKigali", "line one\nline two", "ኢትዮጵያ", "مرحبا", "שלום", "中文",
           "👩‍👩‍👧 family", "नमस्ते", "می‌خواهم", "Ω ≤ 5 ½", "\u00a0non-breaking", "'=1+1", "<b>not bold</b>",
           "[not](a link)", "$x$", "\ufffd", "\U0001f600"]


@pytest.mark.parametrize("char, named", list(REFUSED.items()), ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_each_refused_character_is_named_with_its_field_and_position(char, named):
    with pytest.raises(TextRefused) as exc:
        check_text(f"Forced{char}labour", "title")
    message = str(exc.value)
    assert message.startswith("title: contains U+") and named in message and "at character 7" in message


@pytest.mark.parametrize("text", ALLOWED)
def test_text_people_write_passes_unchanged(text):
    assert text_problem(text) is None and check_text(text, "title") == text


def test_carriage_returns_become_line_feeds():
    assert check_text("a\r\nb\rc\n", "notes") == "a\nb\nc\n"


@pytest.mark.parametrize("code, char", [
    ("INC-２０１８-１８０", "U+FF12 (FULLWIDTH DIGIT TWO)"),
    ("INC-٢٠١٨-180", "U+0662 (ARABIC-INDIC DIGIT TWO)"),
    ("INC-2018-1۸0", "U+06F8 (EXTENDED ARABIC-INDIC DIGIT EIGHT)"),
    ("ınc-2018-181", "U+0131 (LATIN SMALL LETTER DOTLESS I)"),
    ("INC-2018-18\u200b0", "U+200B (ZERO WIDTH SPACE)"),
    ("V-0\x00", "U+0000 (NULL)"),
])
def test_codes_are_ascii_and_a_look_alike_is_named(code, char):
    with pytest.raises(TextRefused, match=r"codes are written with the letters A-Z, the digits 0-9"):
        check_code(code, "code")
    assert char in str(pytest.raises(TextRefused, check_code, code, "code").value)


def test_code_patterns_read_only_ascii_digits():
    assert "\\d" not in models.INCIDENT_CODE_PATTERN and "\\d" not in models.VICTIM_CODE_PATTERN
    for look_alike in ("INC-２０１８-１８０", "INC-٢٠١٨-180", "ınc-2018-181"):
        with pytest.raises(ValidationError, match="codes are written"):
            TypeAdapter(models.IncidentIn.model_fields["code"].rebuild_annotation()).validate_python(look_alike)
    with pytest.raises(ValidationError):
        models.CasePlan(victim_code="V-１", age_group="adult", assistance_types=["medical"], provider="Clinic")


def test_describe_names_characters_unicode_does_not():
    assert describe("\x0b") == "U+000B (LINE TABULATION)" and describe("\uffff") == "U+FFFF (a noncharacter)"
    assert describe("é") == "U+00E9 (LATIN SMALL LETTER E WITH ACUTE)"


# --- every text field of every model -----------------------------------------------------------------------

def _holds_text(annotation) -> bool:
    """Whether values of ``annotation`` include free text (str, not a Literal vocabulary)."""
    if annotation is str:
        return True
    origin = get_origin(annotation)
    if origin is Literal:
        return False
    if origin is Annotated:
        return _holds_text(get_args(annotation)[0])
    if origin in (Union, types.UnionType, list, tuple, set, frozenset):
        return any(_holds_text(a) for a in get_args(annotation) if a is not Ellipsis)
    if origin is dict:
        return _holds_text(get_args(annotation)[1])
    return False


def _sample(annotation, text: str):
    origin = get_origin(annotation)
    if origin is Annotated:
        return _sample(get_args(annotation)[0], text)
    if origin in (Union, types.UnionType):
        return _sample(next(a for a in get_args(annotation) if _holds_text(a)), text)
    if origin in (list, tuple, set, frozenset):
        return [_sample(get_args(annotation)[0], text)]
    return text


TEXT_FIELDS = [(cls, name, info)
               for module in (models, policy, rules, settings)
               for cls in vars(module).values()
               if inspect.isclass(cls) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__
               for name, info in cls.model_fields.items() if _holds_text(info.annotation)]


def test_the_models_have_text_fields_to_check():
    names = {f"{cls.__name__}.{name}" for cls, name, _ in TEXT_FIELDS}
    assert {"IncidentIn.title", "IncidentIn.code", "CasePlan.victim_code", "Lessons.tags", "Policy.notes",
            "Indicator.unit", "BudgetLine.category", "Funding.funder"} <= names
    assert len(TEXT_FIELDS) >= 40


@pytest.mark.parametrize("cls, name, info", TEXT_FIELDS, ids=[f"{c.__name__}.{n}" for c, n, _ in TEXT_FIELDS])
def test_every_text_field_of_every_model_carries_the_rule(cls, name, info):
    adapter = TypeAdapter(info.rebuild_annotation())
    for char in ("\x0b", "\uffff", "\u202e", "\x00"):
        with pytest.raises(ValidationError) as exc:
            adapter.validate_python(_sample(info.annotation, f"INC-2025-01{char}4"))
        assert f"U+{ord(char):04X}" in str(exc.value), f"{cls.__name__}.{name} let U+{ord(char):04X} through"


def test_a_form_model_names_the_field_in_its_message():
    with pytest.raises(ValidationError) as exc:
        models.Lessons(reviewed_on=date(2025, 1, 1), objectives_met="yes", victims_satisfied="yes",
                       communities_benefited="yes", budget_sufficient="yes", challenges="ok\u202eko",
                       tags=["fine", "b\x0bad"])
    messages = {e["loc"][0]: e["msg"] for e in exc.value.errors()}
    assert "challenges: contains U+202E (RIGHT-TO-LEFT OVERRIDE)" in messages["challenges"]
    assert "tags: contains U+000B (LINE TABULATION)" in messages["tags"]
