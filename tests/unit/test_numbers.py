"""Numbers written as text are read the way the file means them (remediation.services.transfer.numbers): thousands
where the file's convention says so, refused as ambiguous where it does not, never truncated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from remediation.services import transfer as tr
from remediation.services.transfer.numbers import (
    COMMA_CSV,
    SEMICOLON_CSV,
    UNKNOWN,
    Convention,
    NumberError,
    read_money,
    read_whole,
)

WHOLE = [  # text, convention, the count
    ("1.000", SEMICOLON_CSV, 1000), ("12.500", SEMICOLON_CSV, 12500), ("1.000.000", SEMICOLON_CSV, 1_000_000),
    ("1.000,0", SEMICOLON_CSV, 1000), ("12,0", SEMICOLON_CSV, 12), ("1 200", SEMICOLON_CSV, 1200),
    ("1\u202f200", SEMICOLON_CSV, 1200), ("1\u00a0200", UNKNOWN, 1200),
    ("1,000", COMMA_CSV, 1000), ("1,000,000", COMMA_CSV, 1_000_000), ("5.0", COMMA_CSV, 5), ("1,000.00", COMMA_CSV, 1000),
    ("5.0", UNKNOWN, 5), ("5,0", UNKNOWN, 5), ("1.000.000", UNKNOWN, 1_000_000), ("1000.000", UNKNOWN, 1000),
    ("12", UNKNOWN, 12), ("+7", UNKNOWN, 7), ("-2", UNKNOWN, -2),
]
REFUSED = [  # text, convention, a part of the message
    ("1,000", SEMICOLON_CSV, "'1,000' is ambiguous in a semicolon-separated file"),
    ("1.000", COMMA_CSV, "'1.000' is ambiguous in a comma-separated file"),
    ("1.000", UNKNOWN, "'1.000' is ambiguous in a file whose separators are not known: 1 or 1,000?"),
    ("12,500", UNKNOWN, "12.5 or 12,500?"),
    ("12,5", SEMICOLON_CSV, "'12,5' is not a whole number"),
    ("12.5", UNKNOWN, "'12.5' is not a whole number"),
    ("1.5", SEMICOLON_CSV, "is not a number in a semicolon-separated file"),
    ("1,5", COMMA_CSV, "is not a number in a comma-separated file"),
    ("1,000.5", SEMICOLON_CSV, "the other way round"),
    ("1.00.0", UNKNOWN, "not a number"), ("1 00", UNKNOWN, "not a number"), ("１２", UNKNOWN, "not a number"),
    ("٥", UNKNOWN, "not a number"), ("1e309", UNKNOWN, "not a number"), ("inf", UNKNOWN, "not a number"),
]


@pytest.mark.parametrize("text, convention, count", WHOLE)
def test_counts_are_read_by_the_files_convention(text, convention, count):
    assert read_whole(text, convention) == count


@pytest.mark.parametrize("text, convention, message", REFUSED)
def test_ambiguous_or_fractional_counts_are_refused_never_truncated(text, convention, message):
    with pytest.raises(NumberError) as exc:
        read_whole(text, convention)
    assert message in str(exc.value)


@pytest.mark.parametrize("text, convention, amount", [
    ("1.234,56", SEMICOLON_CSV, Decimal("1234.56")), ("1234,5", SEMICOLON_CSV, Decimal("1234.5")),
    ("1,234.56", COMMA_CSV, Decimal("1234.56")), ("0.5", UNKNOWN, Decimal("0.5")), ("12 000", UNKNOWN, Decimal(12000)),
])
def test_money_follows_the_convention(text, convention, amount):
    assert read_money(text, convention) == amount


@pytest.mark.parametrize("text, convention", [("1.234,56", COMMA_CSV), ("1,234.56", SEMICOLON_CSV),
                                              ("1,005", SEMICOLON_CSV), ("1.234", UNKNOWN), ("0,125", SEMICOLON_CSV)])
def test_money_against_the_convention_or_ambiguous_or_past_the_cent_is_refused(text, convention):
    with pytest.raises(NumberError):
        read_money(text, convention)


@pytest.mark.parametrize("delimiter, convention", [(";", SEMICOLON_CSV), (",", COMMA_CSV), ("\t", UNKNOWN)])
def test_the_delimiter_gives_the_convention(delimiter, convention):
    assert Convention.of_delimiter(delimiter) is convention


LINE = "INC-2019-001{d}Forced labour{d}tin{d}Rwanda{d}Kestrel{d}rmi_rmap{d}forced_labour{d}Union{d}2025-03-01{d}2025-01-15{d}"
HEAD = ("Code{d}Title{d}Mineral{d}Country{d}Smelter/refiner{d}Audit programme{d}Violation types{d}Allegation source{d}"
        "Date received{d}Incident date{d}Affected persons")


@pytest.mark.parametrize("delimiter, cell, affected, error", [
    (";", "1.000", 1000, None), (";", "12.500", 12500, None), (";", "12.000", 12000, None),
    (";", "1,000", None, "'1,000' is ambiguous"), (",", '"1,000"', 1000, None), (",", "1.000", None, "ambiguous"),
    ("\t", "1.000", None, "ambiguous"), ("\t", "1000", 1000, None),
])
def test_a_european_office_s_csv_imports_its_counts_as_meant(delimiter, cell, affected, error):
    data = (HEAD.format(d=delimiter) + "\n" + LINE.format(d=delimiter) + cell + "\n").encode()
    plan = tr.plan_import(tr.read_table(data, "log.csv"))
    if error is None:
        assert plan.ok, plan.errors
        assert plan.new[0].affected_persons == affected
    else:
        (problem,) = plan.errors
        assert (problem.row, problem.column) == (2, "Affected persons") and error in problem.reason
