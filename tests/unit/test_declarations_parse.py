"""Suppliers' CMRT and EMRT workbooks, parsed by cell position: every version family, two header languages,
the template's quirks, and every reason a file is refused (by sheet, row and column).

The workbooks are synthetic look-alikes built by ``tests/data/declarations/make_workbooks.py`` (layout only, invented
``CID9xxxxx`` IDs, a visible "not an RMI template" note); they are written once per session into a temporary folder.
"""

from __future__ import annotations

import io
import sys
import time
import zipfile
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest

from remediation.domain.supply_chain import layout_of, normalise_name, smelter_id, version_known
from remediation.services.declarations import DeclarationRefused, parse_workbook
from remediation.services.declarations.parse import DECLARATION_BUDGET, read_date, versions_in
from remediation.services.workbooks import FileRefused, ReadBudget, bounded_rows, check_archive, open_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "declarations"))
import make_workbooks as mw  # noqa: E402

TODAY = date(2026, 11, 1)
CASES = mw.corpus()


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("declarations")
    mw.write_corpus(folder)
    return folder


def parse(data: bytes, name: str = "file.xlsx", **kw):
    return parse_workbook(data, name, today=TODAY, **kw)


# --- the corpus: every version family and language is read; every broken file is refused --------------------

VALID = sorted(name for name, (_, problem) in CASES.items() if problem is None)
BROKEN = sorted(name for name, (_, problem) in CASES.items() if problem is not None)


@pytest.mark.parametrize("name", VALID)
def test_every_version_family_and_language_is_read(corpus_dir, name):
    spec = CASES[name][0]
    d = parse((corpus_dir / name).read_bytes(), name)
    assert d.template == spec.template
    assert d.version == spec.version
    assert d.layout == layout_of(spec.template, spec.version)
    assert d.company == spec.company
    assert d.scope == {"A": "company", "B": "product", "C": "user_defined"}[spec.scope]
    assert d.effective_date == (spec.effective if isinstance(spec.effective, date) else date(2025, 3, 14))
    # every row the supplier filled, none of the template's pre-filled formula rows
    assert len(d.smelters) == len(spec.smelters)
    assert [s.row for s in d.smelters] == list(range(5, 5 + len(spec.smelters)))
    assert len(d.products) == len(spec.products)
    for row, declared in zip(d.smelters, spec.smelters):
        assert row.metal == declared.metal.lower()
        if declared.lookup == "Smelter not listed":
            assert (row.listing, row.name, row.country, row.smelter_id) == ("not_listed", declared.name,
                                                                           declared.country, None)
        elif declared.lookup == "Smelter not yet identified":
            assert (row.listing, row.name, row.smelter_id) == ("not_yet_identified", "Unknown", None)
            assert row.country == ("Unknown" if spec.template == "CMRT" else "")
        else:
            assert (row.listing, row.name, row.country, row.smelter_id) == ("listed", declared.name,
                                                                           declared.country, declared.cid)


@pytest.mark.parametrize("name", BROKEN)
def test_every_broken_file_is_refused_naming_sheet_row_and_column(corpus_dir, name):
    expected = CASES[name][1]
    with pytest.raises(FileRefused) as refused:
        parse((corpus_dir / name).read_bytes(), name)
    assert expected in str(refused.value)
    if isinstance(refused.value, DeclarationRefused) and "!" in expected:
        sheet, cell = expected.split(":")[0].split("!")
        assert any(p.sheet == sheet and p.where == cell for p in refused.value.problems)


def test_the_corpus_covers_every_version_family_two_languages_and_every_error_class():
    specs = [s for s, _ in CASES.values() if isinstance(s, mw.Spec)]
    families = {layout_of(s.template, s.version) for s, p in CASES.values() if isinstance(s, mw.Spec) and p is None}
    assert families == {"cmrt6", "emrt1", "emrt20", "emrt21"}
    assert {s.version for s in specs if s.template == "CMRT"} >= set(mw.CMRT_VERSIONS)
    assert {s.version for s in specs if s.template == "EMRT"} >= set(mw.EMRT_VERSIONS)
    assert {s.language for s in specs} >= {"en", "fr", "ja"}
    problems = " ".join(p for _, p in CASES.values() if p)
    for error_class in ("not a CMRT or EMRT", "not a complete zip", "is not one", "not an RMI smelter ID", "is missing",
                        "formulas have no saved values"):
        assert error_class in problems


def test_files_in_two_languages_read_the_same(corpus_dir):
    english = mw.typical("CMRT", "6.5", seed=77, language="en", company="Same Co")
    french = replace(english, language="fr")
    a, b = parse(mw.build(english)), parse(mw.build(french))
    assert a == b


def test_a_synthetic_workbook_says_it_is_not_an_rmi_template(corpus_dir):
    from openpyxl import load_workbook

    wb = load_workbook(corpus_dir / "cmrt-6.5.xlsx", read_only=True)
    assert "not an RMI template" in wb["Declaration"]["A1"].value
    assert all(c.startswith("CID9") for c in (s.cid for s in CASES["cmrt-6.5.xlsx"][0].smelters) if c)


def test_the_full_template_rows_and_hidden_helper_columns_are_ignored(corpus_dir):
    from openpyxl import load_workbook

    data = (corpus_dir / "cmrt-6.5.xlsx").read_bytes()
    wb = load_workbook(io.BytesIO(data), read_only=False)
    sheet = wb["Smelter List"]
    assert sheet.max_row == 2504 and isinstance(sheet["B2504"].value, str) and sheet["B2504"].value.startswith("=")
    assert all(sheet.column_dimensions[c].hidden for c in "RST")
    assert wb["L"].sheet_state == "hidden"
    assert len(parse(data).smelters) == len(CASES["cmrt-6.5.xlsx"][0].smelters)


def test_the_name_falls_back_to_the_hidden_standard_name_then_the_look_up():
    spec = mw.typical("CMRT", "6.4", seed=78)
    data = mw.build(replace(spec, extra={("Smelter List", "D5"): None, ("Smelter List", "D6"): None,
                                         ("Smelter List", "R6"): None}))
    d = parse(data)
    assert d.smelters[0].name == spec.smelters[0].name  # from R (its cached value)
    assert d.smelters[1].name == spec.smelters[1].lookup  # from C


def test_a_lagging_j3_is_corrected_by_the_revision_sheet_and_the_layout(corpus_dir):
    d = parse((corpus_dir / "emrt-2.1-j3-lags.xlsx").read_bytes())
    assert (d.version, d.layout) == ("2.1", "emrt21")
    assert any("J3 says 2.0" in w for w in d.warnings)


def test_an_emrt_whose_version_cells_say_1x_but_has_the_2x_layout_is_read_as_2x():
    spec = mw.typical("EMRT", "2.0", seed=79, j3="Revision 1.3", revision_versions=["1.2", "1.3"])
    d = parse(mw.build(spec))
    assert d.layout == "emrt20" and d.version == "2.0" and d.effective_date == spec.effective
    assert d.minerals_in_scope == ("cobalt", "copper", "graphite", "lithium", "mica", "nickel")


def test_emrt_2x_mines_are_attached_to_their_smelters_and_2_1_reads_requester_columns(corpus_dir):
    d = parse((corpus_dir / "emrt-2.1.xlsx").read_bytes())
    spec = CASES["emrt-2.1.xlsx"][0]
    mined = [s for s in d.smelters if "Synthetic Mine" in s.mine_names]
    assert len(mined) == len(spec.mines) == 2
    assert all("CONGO" in s.mine_countries for s in mined)
    assert d.products[0].requester_number == "REQ-001" and d.products[0].requester_name == "Requester item 1"


def test_an_id_typed_in_column_a_is_read_when_the_look_up_fills_f(corpus_dir):
    spec = CASES["cmrt-6.5.xlsx"][0]
    by_id = [s for s in spec.smelters if s.by_id]
    assert by_id, "the corpus types some IDs in column A"
    d = parse((corpus_dir / "cmrt-6.5.xlsx").read_bytes())
    assert {s.smelter_id for s in d.smelters} >= {s.cid for s in by_id}


def test_every_problem_of_a_file_is_listed_not_only_the_first():
    spec = mw.typical("CMRT", "6.5", seed=80, blank={"company"})
    spec.smelters[0] = replace(spec.smelters[0], cid="CID1", by_id=False)
    spec.smelters[1] = replace(spec.smelters[1], cid="XYZ", by_id=False)
    with pytest.raises(DeclarationRefused) as refused:
        parse(mw.build(spec))
    where = {(p.sheet, p.where) for p in refused.value.problems}
    assert {("Declaration", "D8"), ("Smelter List", "F5"), ("Smelter List", "F6")} <= where


def test_a_formula_with_no_saved_value_in_an_input_cell_is_refused_in_a_calculated_workbook():
    spec = mw.typical("CMRT", "6.5", seed=81, extra={("Declaration", "D8"): "=L!Z99"})
    with pytest.raises(DeclarationRefused, match="Declaration!D8: holds a formula with no saved value"):
        parse(mw.build(spec))


def test_a_declaration_of_no_smelter_is_valid():
    spec = mw.typical("CMRT", "6.5", seed=82, scope="A")
    d = parse(mw.build(replace(spec, smelters=[], filler_to=60)))
    assert d.smelters == () and d.scope == "company"


def test_warnings_name_template_mandatory_cells_we_do_not_need():
    d = parse(mw.build(mw.typical("CMRT", "6.5", seed=83, blank={"contact_phone"})))
    assert any(w.startswith("Declaration!D17: the contact telephone is empty") for w in d.warnings)


# --- limits: the file is hostile ----------------------------------------------------------------------------

def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def test_a_decompression_bomb_is_refused_from_the_central_directory_alone():
    bomb = _zip({"xl/worksheets/sheet1.xml": b"\0" * (60 * 2**20)})
    started = time.perf_counter()
    with pytest.raises(FileRefused, match="times its packed size; at most"):
        check_archive(bomb, "bomb.xlsx", DECLARATION_BUDGET)
    assert time.perf_counter() - started < 0.5
    with pytest.raises(FileRefused, match="bomb.xlsx"):
        parse(bomb, "bomb.xlsx")


def test_size_part_and_total_limits_are_named():
    budget = replace(DECLARATION_BUDGET, max_file_bytes=1000)
    with pytest.raises(FileRefused, match="can be read at once"):
        check_archive(b"x" * 2000, "big.xlsx", budget)
    data = _zip({"a.xml": b"a" * 5000, "b.xml": b"b" * 5000})
    with pytest.raises(FileRefused, match="at most 0.0 MB per part") as part:
        check_archive(data, "p.xlsx", replace(DECLARATION_BUDGET, max_part_bytes=4000))
    assert part.value.limit == "max_part_bytes"
    with pytest.raises(FileRefused, match="in all; at most") as total:
        check_archive(data, "t.xlsx", replace(DECLARATION_BUDGET, max_total_bytes=8000))
    assert total.value.limit == "max_total_bytes"


def test_rows_cells_characters_and_time_are_bounded_while_reading():
    data = mw.build(mw.typical("CMRT", "6.5", seed=84, filler_to=200))
    wb = open_workbook(data, "x.xlsx", DECLARATION_BUDGET, data_only=True)
    sheet = wb["Smelter List"]
    with pytest.raises(FileRefused, match=r"sheet 'Smelter List': more than 5 rows"):
        list(bounded_rows(sheet, replace(DECLARATION_BUDGET, max_rows=5), deadline=time.monotonic() + 60, max_col=20))
    wb = open_workbook(data, "x.xlsx", DECLARATION_BUDGET, data_only=True)
    with pytest.raises(FileRefused, match="more than 100 cells") as cells:
        list(bounded_rows(wb["Smelter List"], replace(DECLARATION_BUDGET, max_cells=100),
                          deadline=time.monotonic() + 60, max_col=20))
    assert cells.value.limit == "max_cells"
    wb = open_workbook(data, "x.xlsx", DECLARATION_BUDGET, data_only=True)
    with pytest.raises(FileRefused, match=r"Smelter List.*characters; at most 10 are read") as chars:
        list(bounded_rows(wb["Smelter List"], replace(DECLARATION_BUDGET, max_cell_chars=10),
                          deadline=time.monotonic() + 60, max_col=20))
    assert chars.value.limit == "max_cell_chars"
    wb = open_workbook(data, "x.xlsx", DECLARATION_BUDGET, data_only=True)
    with pytest.raises(FileRefused, match="reading took more than") as slow:
        list(bounded_rows(wb["Smelter List"], DECLARATION_BUDGET, deadline=time.monotonic() - 1, max_col=20))
    assert slow.value.limit == "max_seconds"


def test_a_long_cell_in_a_declaration_refuses_the_file_with_its_place():
    spec = mw.typical("CMRT", "6.5", seed=85, extra={("Smelter List", "Q7"): "x" * 6000})
    with pytest.raises(FileRefused, match=r"sheet 'Smelter List', row 7, column Q: the cell holds 6,000 characters"):
        parse(mw.build(spec))


def test_a_corrupt_archive_is_refused_in_words():
    with pytest.raises(FileRefused, match="cannot be read as an Excel workbook"):
        parse(_zip({"[Content_Types].xml": b"<not xml"}), "corrupt.xlsx")


# --- the small rules ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (datetime(2025, 3, 14), date(2025, 3, 14)), ("2025-03-14", date(2025, 3, 14)), ("14-Mar-2025", date(2025, 3, 14)),
    ("14 March 2025", date(2025, 3, 14)), ("March 14, 2025", date(2025, 3, 14)), ("14/03/2025", date(2025, 3, 14)),
    ("03/14/2025", date(2025, 3, 14)), (45730, date(2025, 3, 14)), ("14.03.2025", date(2025, 3, 14)),
])
def test_effective_dates_as_cells_or_text(value, expected):
    assert read_date(value, TODAY) == (expected, None)


@pytest.mark.parametrize("value, reason", [
    ("03/04/2025", "could be the 3 April"), ("2006-12-31", "before 2007"), ("2030-01-01", "in the future"),
    ("someday", "not a date"), (-4, "not a date"),
])
def test_effective_dates_we_cannot_read_say_why(value, reason):
    found, why = read_date(value, TODAY)
    assert found is None and reason in why


@pytest.mark.parametrize("text, expected", [
    ("Revision 6.5\nApril 25, 2025", ["6.5"]), ("Revision 6.01", ["6.01"]), (6.22, ["6.22"]), ("2.1", ["2.1"]),
    ("no version", []),
])
def test_versions_in_a_cell(text, expected):
    assert versions_in(text) == expected


@pytest.mark.parametrize("template, version, known", [
    ("CMRT", "6.01", True), ("CMRT", "6.5", True), ("CMRT", "6.31", True), ("CMRT", "5.12", False),
    ("CMRT", "7.0", False), ("EMRT", "1.1", True), ("EMRT", "2.1", True), ("EMRT", "2.2", False),
])
def test_known_versions(template, version, known):
    assert version_known(template, version) is known


@pytest.mark.parametrize("raw, expected", [("CID001234", "CID001234"), (" cid001234 ", "CID001234"),
                                           ("CID12345", None), ("CID0012345", None), ("001234", None), (None, None)])
def test_smelter_ids(raw, expected):
    assert smelter_id(raw) == expected


@pytest.mark.parametrize("a, b", [("Kestrel Tin Smelting Co., Ltd.", "KESTREL TIN SMELTING"),
                                  ("Métaux Précieux S.A.", "Metaux Precieux"), ("PT Timah Tbk", "Timah"),
                                  ("Gold & Silver Refiners GmbH", "gold and silver refiners")])
def test_normalised_names_ignore_case_accents_punctuation_and_legal_forms(a, b):
    assert normalise_name(a) == normalise_name(b)


def test_reading_a_workbook_is_bounded_by_a_budget_with_every_limit():
    assert set(ReadBudget.__dataclass_fields__) == {"max_file_bytes", "max_part_bytes", "max_total_bytes", "max_ratio",
                                                    "max_rows", "max_cells", "max_cell_chars", "max_seconds"}
