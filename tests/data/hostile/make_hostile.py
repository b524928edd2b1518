"""Write the hostile corpus: files an attacker or a clumsy user would send, one class of trouble each.

Run ``python tests/data/hostile/make_hostile.py`` to rewrite the small files committed beside it. The big
ones (a decompression bomb, a million blank rows, a row of a million cells, a CSV cell past the csv module's
field limit) are never committed: tests build them in a temporary folder with the functions below
(:data:`GENERATED`). What each file must produce is in :data:`EXPECTED` (``tests/db/test_hostile_corpus.py``
checks every file of this folder and of ``tests/data/imports`` against it and against the database: a
refused file leaves every table exactly as it was, on SQLite and PostgreSQL). Codes use 2018 here, so they
never meet the demo portfolio's or the import corpus's.

The classes:

- **bounded reading** (:mod:`remediation.services.workbooks`): bomb, blank rows, wide row, long shared
  string, a row numbered past Excel's last, parts compressed with bzip2, entity expansion (billion laughs),
  more parts than a workbook has, CSV cells over our limit and over the csv module's;
- **the hidden sheet**: a hidden first sheet named "Incidents" that must never be read;
- **the text rule** (:mod:`remediation.domain.text`): control characters (U+000B, NUL), noncharacters
  (U+FFFF, U+FDD0), bidirectional overrides and isolates (U+202E, U+2066), look-alike codes (fullwidth,
  Arabic-Indic and mixed digits);
- **numbers** (:mod:`remediation.services.transfer.numbers`): thousands separators by the file's
  convention, and the ambiguous ones refused;
- **markup** that must be stored and shown as typed: Markdown links, bare URLs, setext headings, LaTeX,
  colour directives, images, HTML, formula triggers (accepted: the rendering tests show them inert).
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent

HEADER = ["Code", "Title", "Mineral", "Country", "Smelter/refiner", "Audit programme", "Violation types",
          "Allegation source", "Date received", "Incident date", "Affected persons"]


def row(code="INC-2018-001", title="Forced labour at a tin pit", affected="4", country="Rwanda",
        smelter="Kestrel Tin Smelting", source="Trade union") -> list[str]:
    return [code, title, "tin", country, smelter, "rmi_rmap", "forced_labour", source, "2025-03-01", "2025-01-15",
            affected]


def _quote(cell: str, delimiter: str) -> str:
    if any(c in cell for c in (delimiter, '"', "\n", "\r")):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_text(*rows: list[str], delimiter: str = ",", header: list[str] = HEADER) -> str:
    return "".join(delimiter.join(_quote(c, delimiter) for c in r) + "\r\n" for r in (header, *rows))


# --- workbooks, written part by part -------------------------------------------------------------------

CONTENT_TYPES = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                 '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/>'
                 '{sheets}'
                 '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
                 'officedocument.spreadsheetml.sharedStrings+xml"/>'
                 '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.styles+xml"/></Types>')
SHEET_TYPE = ('<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.worksheet+xml"/>')
ROOT_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
             '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
             'officeDocument" Target="xl/workbook.xml"/></Relationships>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
STYLES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet {NS}>'
          '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
          '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
          '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
          '<borders count="1"><border/></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="0" fontId="0" fillId="1" borderId="0" xfId="0"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _column(index: int) -> str:
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def sheet_row(number: int, values: list) -> str:
    """One ``<row>`` of inline strings and numbers."""
    cells = []
    for i, value in enumerate(values, start=1):
        ref = f"{_column(i)}{number}"
        if value is None:
            continue
        if isinstance(value, (int, float)):
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_escape(str(value))}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet_xml(rows: list[str] | None = None, dimension: str = "A1") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet {NS}>'
            f'<dimension ref="{dimension}"/><sheetData>{"".join(rows or [])}</sheetData></worksheet>')


def workbook_parts(sheets: list[tuple[str, str]], states: dict[str, str] | None = None) -> dict[str, str]:
    """The parts of a workbook with ``sheets`` [(name, sheet XML)…] (``states``: name → "hidden"…) and an
    empty shared-string table (replace it to add strings)."""
    states = states or {}
    entries = "".join(f'<sheet name="{_escape(name)}" sheetId="{n}" r:id="rId{n}"'
                      + (f' state="{states[name]}"' if name in states else "") + "/>"
                      for n, (name, _) in enumerate(sheets, start=1))
    rels = "".join(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
                   for n in range(1, len(sheets) + 1))
    k = len(sheets)
    rels += (f'<Relationship Id="rId{k + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             f'relationships/sharedStrings" Target="sharedStrings.xml"/>'
             f'<Relationship Id="rId{k + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
             f'relationships/styles" Target="styles.xml"/>')
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(sheets="".join(SHEET_TYPE.format(n=n)
                                                                   for n in range(1, len(sheets) + 1))),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook {NS} {REL_NS}>'
                            f'<sheets>{entries}</sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships '
                                       'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                                       f'{rels}</Relationships>'),
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst {NS} count="0" '
                                'uniqueCount="0"></sst>',
    }
    for n, (_, xml) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{n}.xml"] = xml
    return parts


Part = str | bytes | Callable[[io.BufferedIOBase], None]


def write_workbook(target: Path | io.BytesIO, parts: dict[str, Part], *,
                   compression: int = zipfile.ZIP_DEFLATED) -> None:
    """A zip of ``parts``; a part given as a function writes itself in pieces (nothing big is held)."""
    with zipfile.ZipFile(target, "w", compression=compression, compresslevel=9) as archive:
        for name, content in parts.items():
            if callable(content):
                with archive.open(name, "w", force_zip64=True) as out:
                    content(out)
            else:
                archive.writestr(name, content)


def workbook_bytes(parts: dict[str, Part], **kw) -> bytes:
    buffer = io.BytesIO()
    write_workbook(buffer, parts, **kw)
    return buffer.getvalue()


HEADER_ROW = sheet_row(1, HEADER)


def _one_sheet(rows: list[str], dimension: str = "A1") -> dict[str, str]:
    return workbook_parts([("Incidents", sheet_xml([HEADER_ROW, *rows], dimension))])


# --- the big ones, built at test time ------------------------------------------------------------------

def bomb(path: Path, unpacked_mb: int = 800) -> Path:
    """One shared string of ``unpacked_mb`` MB of "A" (deflate packs it about 1,000 to 1), used by a cell."""
    parts: dict[str, Part] = _one_sheet([sheet_row(2, row()[:1]).replace(
        '</row>', '<c r="B2" t="s"><v>0</v></c></row>')])
    head = f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="1"><si><t>'.encode()

    def strings(out) -> None:
        out.write(head)
        block = b"A" * (1 << 20)
        for _ in range(unpacked_mb):
            out.write(block)
        out.write(b"</t></si></sst>")

    parts["xl/sharedStrings.xml"] = strings
    write_workbook(path, parts)
    return path


def blank_rows(path: Path, rows: int = 1_000_000) -> Path:
    """A header, one incident, then ``rows`` formatted empty rows, and a dimension claiming the whole sheet."""
    def sheet(out) -> None:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><dimension ref="A1:XFD1048576"/>'
                  f'<sheetData>{HEADER_ROW}{sheet_row(2, row())}'.encode())
        for start in range(3, rows + 3, 10_000):
            out.write("".join(f'<row r="{n}"><c r="A{n}" s="2"/><c r="K{n}" s="2"/></row>'
                              for n in range(start, min(start + 10_000, rows + 3))).encode())
        out.write(b"</sheetData></worksheet>")

    parts: dict[str, Part] = workbook_parts([("Incidents", "")])
    parts["xl/worksheets/sheet1.xml"] = sheet
    write_workbook(path, parts)
    return path


def wide_row(path: Path, cells: int = 1_000_000) -> Path:
    """A header, then one row of ``cells`` cells holding random numbers (so that it packs like data, within the
    ratio limit), past Excel's last column."""
    def sheet(out) -> None:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{HEADER_ROW}<row r="2">'
                  .encode())
        for start in range(0, cells, 10_000):
            numbers = os.urandom(4 * 10_000)
            out.write(b"".join(b"<c><v>%d</v></c>" % int.from_bytes(numbers[4 * i:4 * i + 4], "little")
                               for i in range(min(10_000, cells - start))))
        out.write(b"</row></sheetData></worksheet>")

    parts: dict[str, Part] = workbook_parts([("Incidents", "")])
    parts["xl/worksheets/sheet1.xml"] = sheet
    write_workbook(path, parts)
    return path


def long_shared_string(path: Path, megabytes: int = 64) -> Path:
    """A shared string of ``megabytes`` MB that packs only about 1.5 to 1 (random letters): within the ratio
    limit, yet no cell can hold it."""
    parts: dict[str, Part] = _one_sheet([sheet_row(2, row()[:1]).replace(
        '</row>', '<c r="B2" t="s"><v>0</v></c></row>')])
    table = bytes(65 + (i % 26) for i in range(256))

    def strings(out) -> None:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="1" uniqueCount="1"><si><t>'.encode())
        for _ in range(megabytes):
            out.write(os.urandom(1 << 20).translate(table))
        out.write(b"</t></si></sst>")

    parts["xl/sharedStrings.xml"] = strings
    write_workbook(path, parts)
    return path


def csv_over_field_limit(path: Path, chars: int = 140_000) -> Path:
    """A summary cell longer than the csv module's own field limit (131,072 characters)."""
    path.write_text(csv_text(row() + ["x" * chars], header=HEADER + ["Summary"]), encoding="utf-8")
    return path


def csv_too_many_rows(path: Path, rows: int = 100_001) -> Path:
    with path.open("w", encoding="utf-8") as out:
        out.write(",".join(HEADER) + "\n")
        line = ",".join(row()) + "\n"
        for _ in range(rows):
            out.write(line)
    return path


GENERATED: dict[str, Callable[[Path], Path]] = {
    "bomb.xlsx": bomb,
    "blank_rows.xlsx": blank_rows,
    "wide_row.xlsx": wide_row,
    "long_shared_string.xlsx": long_shared_string,
    "csv_over_field_limit.csv": csv_over_field_limit,
    "too_many_rows.csv": csv_too_many_rows,
}
"""Files too big to commit: name → function(path) writing it."""


# --- the committed ones ------------------------------------------------------------------------------

def _write(name: str, content: str | bytes) -> None:
    (HERE / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


MARKUP = {
    "INC-2018-060": "Refund here: https://evil.example/refund and www.evil.example",
    "INC-2018-061": "[click me](javascript:alert(1)) ![pixel](https://evil.example/p.png)",
    "INC-2018-062": "<a href=\"https://evil.example\">link</a> <b>bold</b> <span style=\"font-size:60px\">big</span>",
    "INC-2018-063": ":red[red] :material/warning: $E=mc^2$ **bold** _it_ `code`",
    "INC-2018-064": "=HYPERLINK(\"https://evil.example\",\"x\")",
}
SETEXT_SUMMARY = "A heading?\n===\nAnother\n---\n> quoted\n# hash\n1. list"


def main() -> None:
    # --- bounded reading (small enough to commit) ---------------------------------------------------
    _write("row_numbered_past_excel.xlsx", workbook_bytes(_one_sheet([sheet_row(2_000_000_000, row())])))
    _write("bzip2_part.xlsx", workbook_bytes(_one_sheet([sheet_row(2, row())]), compression=zipfile.ZIP_BZIP2))
    laughs = workbook_parts([("Incidents", sheet_xml([HEADER_ROW, sheet_row(2, row()[:1]).replace(
        "</row>", '<c r="B2" t="s"><v>0</v></c></row>')]))])
    entities = "".join(f'<!ENTITY l{i} "{("&l" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    laughs["xl/sharedStrings.xml"] = (f'<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY l0 "lol">{entities}]>'
                                      f'<sst {NS} count="1" uniqueCount="1"><si><t>&l9;</t></si></sst>')
    _write("billion_laughs.xlsx", workbook_bytes(laughs))
    many = _one_sheet([sheet_row(2, row())])
    many.update({f"xl/media/padding{i}.xml": "<x/>" for i in range(1_001)})
    _write("too_many_parts.xlsx", workbook_bytes(many))
    _write("long_cell.csv", csv_text(row(code="INC-2018-010") + ["y" * 40_000], header=HEADER + ["Summary"]))

    # --- the hidden sheet -----------------------------------------------------------------------------
    hidden = workbook_parts([
        ("Incidents", sheet_xml([HEADER_ROW, sheet_row(2, row(code="INC-2018-020", title="From the hidden sheet"))])),
        ("Log", sheet_xml([HEADER_ROW, sheet_row(2, row(code="INC-2018-021", title="From the visible sheet"))])),
    ], states={"Incidents": "hidden"})
    _write("hidden_first_sheet.xlsx", workbook_bytes(hidden))
    only_hidden = workbook_parts([("Incidents", sheet_xml([HEADER_ROW, sheet_row(2, row(code="INC-2018-022"))]))],
                                 states={"Incidents": "veryHidden"})
    _write("only_hidden_sheets.xlsx", workbook_bytes(only_hidden))

    # --- the text rule --------------------------------------------------------------------------------
    _write("control_vertical_tab.csv", csv_text(row(code="INC-2018-030", title="Forced\x0blabour")))
    _write("nul_in_text.csv", csv_text(*[row(code=f"INC-2018-{31 + i:03d}") for i in range(60)],
                                       row(code="INC-2018-099", country="Rwa\x00nda")))
    _write("noncharacter_ffff.csv", csv_text(row(code="INC-2018-032", title="Forced labour\uffff")))
    _write("noncharacter_fdd0.csv", csv_text(row(code="INC-2018-033", smelter="Kestrel\ufdd0 Tin")))
    _write("bidi_override.csv", csv_text(row(code="INC-2018-034", title="Invoice \u202egnp.exe")))
    _write("bidi_isolate.csv", csv_text(row(code="INC-2018-035", source="Union \u2066x\u2069")))
    _write("code_fullwidth.csv", csv_text(row(code="INC-\uff12\uff10\uff11\uff18-\uff11\uff18\uff10")))
    _write("code_arabic_indic.csv", csv_text(row(code="INC-\u0662\u0660\u0661\u0668-180")))
    _write("code_mixed_digits.csv", csv_text(row(code="INC-2018-1\u06f80")))
    _write("code_dotless_i.csv", csv_text(row(code="\u0131nc-2018-181")))
    xlsx_text = workbook_parts([("Incidents", sheet_xml([HEADER_ROW, sheet_row(2, row(
        code="INC-2018-036", title="Forced labour\ufdd0"))]))])
    _write("noncharacter.xlsx", workbook_bytes(xlsx_text))

    # --- numbers --------------------------------------------------------------------------------------
    _write("semicolon_thousands.csv", csv_text(row(code="INC-2018-040", affected="1.000"),
                                               row(code="INC-2018-041", affected="12.500"),
                                               row(code="INC-2018-042", affected="1 200"), delimiter=";"))
    _write("semicolon_ambiguous.csv", csv_text(row(code="INC-2018-043", affected="1,000"), delimiter=";"))
    _write("semicolon_fraction.csv", csv_text(row(code="INC-2018-044", affected="12,5"), delimiter=";"))
    _write("comma_ambiguous.csv", csv_text(row(code="INC-2018-045", affected="1.000")))
    _write("comma_thousands.csv", csv_text(row(code="INC-2018-046", affected="1,000")))
    _write("tab_ambiguous.csv", csv_text(row(code="INC-2018-047", affected="1.000"), delimiter="\t"))
    _write("huge_count.csv", csv_text(row(code="INC-2018-048", affected="1e309"),
                                      row(code="INC-2018-049", affected="99999999999999999999999")))

    # --- markup, stored and shown as typed --------------------------------------------------------------
    rows = [row(code=code, title=title, country="Ghana") + [SETEXT_SUMMARY] for code, title in MARKUP.items()]
    _write("markup_text.csv", csv_text(*rows, header=HEADER + ["Summary"]))


EXPECTED: dict[str, tuple[str, list | str]] = {
    # name → ("refused", a part of the message) or ("accepted", the codes imported)
    "bomb.xlsx": ("refused", "xl/sharedStrings.xml' unpacks to 800.0 MB"),
    "blank_rows.xlsx": ("refused", "blank rows"),
    "wide_row.xlsx": ("refused", "more than 16,384 cells"),
    "long_shared_string.xlsx": ("refused", "a text is longer than 32,767 characters"),
    "csv_over_field_limit.csv": ("refused", "The cell holds more than 131,072 characters; at most 32,767"),
    "too_many_rows.csv": ("refused", "more than 100,000 incident rows"),
    "row_numbered_past_excel.xlsx": ("refused", "a row is numbered 2,000,000,000"),
    "bzip2_part.xlsx": ("refused", "compressed with method 12"),
    "billion_laughs.xlsx": ("refused", "cannot be read as an Excel workbook"),
    "too_many_parts.xlsx": ("refused", "parts; a workbook has a few dozen"),
    "long_cell.csv": ("refused", "The cell holds 40,000 characters; at most 32,767"),
    "hidden_first_sheet.xlsx": ("accepted", ["INC-2018-021"]),
    "only_hidden_sheets.xlsx": ("refused", "has no visible worksheet (hidden: 'Incidents')"),
    "control_vertical_tab.csv": ("refused", "U+000B (LINE TABULATION)"),
    "nul_in_text.csv": ("refused", "U+0000 (NULL)"),
    "noncharacter_ffff.csv": ("refused", "U+FFFF (a noncharacter)"),
    "noncharacter_fdd0.csv": ("refused", "U+FDD0 (a noncharacter)"),
    "bidi_override.csv": ("refused", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    "bidi_isolate.csv": ("refused", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    "code_fullwidth.csv": ("refused", "U+FF12 (FULLWIDTH DIGIT TWO)"),
    "code_arabic_indic.csv": ("refused", "U+0662 (ARABIC-INDIC DIGIT TWO)"),
    "code_mixed_digits.csv": ("refused", "U+06F8 (EXTENDED ARABIC-INDIC DIGIT EIGHT)"),
    "code_dotless_i.csv": ("refused", "U+0131 (LATIN SMALL LETTER DOTLESS I)"),
    "noncharacter.xlsx": ("refused", "U+FDD0 (a noncharacter)"),
    "semicolon_thousands.csv": ("accepted", ["INC-2018-040", "INC-2018-041", "INC-2018-042"]),
    "semicolon_ambiguous.csv": ("refused", "'1,000' is ambiguous"),
    "semicolon_fraction.csv": ("refused", "'12,5' is not a whole number"),
    "comma_ambiguous.csv": ("refused", "'1.000' is ambiguous"),
    "comma_thousands.csv": ("accepted", ["INC-2018-046"]),
    "tab_ambiguous.csv": ("refused", "'1.000' is ambiguous"),
    "huge_count.csv": ("refused", "'1e309' is not a whole number"),
    "markup_text.csv": ("accepted", list(MARKUP)),
}
"""What each hostile file must produce."""

AFFECTED = {"INC-2018-040": 1000, "INC-2018-041": 12500, "INC-2018-042": 1200, "INC-2018-046": 1000}
"""Affected persons the number files must import."""


if __name__ == "__main__":
    main()
