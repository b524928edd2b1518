"""Write the import corpus: small good and bad grievance logs, one problem per bad file.

The files are committed; this script says exactly what is in the ones a text editor cannot show
(byte-order marks, code pages, UTF-16, XLSX). Run it from anywhere to rewrite them:
``python tests/data/imports/make_corpus.py``. What each file must produce is in
``tests/db/test_import.py`` (``BAD_FILES``, ``GOOD_FILES``); codes here use 2019 so they never meet
the demo portfolio's.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

REQUIRED = "Code,Title,Mineral,Country,Smelter/refiner,Audit programme,Violation types,Allegation source," \
           "Date received,Incident date,Affected persons"


def row(code="INC-2019-001", title="Forced labour at a tin pit", mineral="tin", country="Rwanda",
        smelter="Kestrel Tin Smelting", programme="rmi_rmap", violations="forced_labour", source="Trade union",
        received="2025-03-01", incident="2025-01-15", affected="4") -> str:
    return ",".join([code, title, mineral, country, smelter, programme, violations, source, received, incident,
                     affected])


def csv(*lines: str, header: str = REQUIRED) -> str:
    return "\n".join([header, *lines]) + "\n"


def write(name: str, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    (HERE / name).write_bytes(data)


FULL = ("Code,Title,Summary,Mineral,Country,Site,Smelter/refiner,Audit programme,Violation types,Allegation source,"
        "Date received,Incident date,Became public,Affected persons,Children affected,Repeated,Trading link,"
        "Stopped trading")


def main() -> None:
    # --- good ------------------------------------------------------------------------------------
    write("good_minimal.csv", csv(row(), row(code="INC-2019-002", mineral="gold", programme="lbma",
                                             smelter="Corvid Gold Refiners", violations="debt_bondage")))
    # Labels instead of identifiers, every column, Excel's semicolon CSV with a BOM and CRLF, a
    # multi-line summary, a name with an accent.
    full = ";".join(FULL.split(",")) + "\r\n" + "\r\n".join([
        'INC-2019-010;Debt bondage at Lawra;"Workers report debts to the pit boss.\r\nSecond line; with a semicolon.";'
        "Gold;Côte d'Ivoire;Lawra pit 3;Corvid Gold Refiners;LBMA;Debt bondage; Forced labour;"
        "Worker hotline report;2025-02-10;2024-11-01;2025-01-05;12;3;yes;Past trading;2024-12-01",
        "INC-2019-011;Child labour at Sanjo;;Tantalum;Nigeria;;Lumen Tantalum Processing;RMI RMAP;"
        "Worst forms of child labour;Local civil-society monitor;2025-04-02;2025-03-20;;5;5;No;Current trading;",
    ]) + "\r\n"
    # the violation types hold ';' too: quote that cell as Excel would
    full = full.replace(";Debt bondage; Forced labour;", ';"Debt bondage; Forced labour";')
    write("good_full_labels_semicolon.csv", codecs_bom() + full.encode("utf-8"))
    tab = "\t".join(REQUIRED.split(",")) + "\r\n" + "\t".join(row(code="INC-2019-020", country="Côte d'Ivoire").split(","))
    write("good_utf16_tab.csv", b"\xff\xfe" + tab.encode("utf-16-le"))
    write("good_formula_titles.csv", csv(
        row(code="INC-2019-030", title='"=HYPERLINK(""http://example.invalid"",""click"")"'),
        row(code="INC-2019-031", title="+1"),
        row(code="INC-2019-032", title="-2"),
        row(code="INC-2019-033", title="@SUM(A1)"),
    ))
    # As an export writes them: the leading ' is removed on import; text starting with ' got another '.
    write("good_neutralised.csv", csv(
        row(code="INC-2019-040", title='"\'=HYPERLINK(""x"")"'),
        row(code="INC-2019-041", title="''Tis the season"),
        row(code="INC-2019-042", title="'Tis the season"),
    ))
    write("good_other_headers.csv", csv(
        row(code="INC-2019-050"),
        header="Incident ID,Subject,Commodity,Country of origin,Smelter,Program,Violations,Source,Received on,"
               "Date of incident,People affected"))
    write("needs_mapping.csv", csv(
        row(code="INC-2019-060"),
        header="Ref,What happened,Mineral,Country,Smelter/refiner,Audit programme,Violation types,Source,"
               "Date received,Incident date,Affected persons"))
    write("good_header_only.csv", FULL + "\n")

    # --- bad -------------------------------------------------------------------------------------
    write("empty.csv", b"")
    write("blank.csv", codecs_bom() + b"\r\n\r\n")
    write("wrong_headers.csv", "Ref,Desc,When\nA-1,Something happened,2025-01-01\n")
    write("duplicate_headers.csv", csv(row() + ",x", header=REQUIRED + ",Title"))
    write("latin1.csv", csv(row(), row(code="INC-2019-002", country="Côte d'Ivoire")).encode("cp1252"))
    write("utf16_no_bom.csv", csv(row()).encode("utf-16-le"))
    write("bad_dates.csv", csv(
        row(code="INC-2019-101", received="01/03/2025"),
        row(code="INC-2019-102", received="2025-02-30"),
        row(code="INC-2019-103", received="2999-01-01"),
        row(code="INC-2019-104", received="2024-12-01", incident="2025-01-15"),
        row(code="INC-2019-105", incident="45123"),
    ))
    write("formula_cells.csv", csv(
        row(code="INC-2019-111", affected="=2+3"),
        row(code="INC-2019-112", received="=TODAY()"),
    ))
    write("duplicate_codes.csv", csv(row(code="INC-2019-121"), row(code="INC-2019-122"), row(code="inc-2019-121")))
    write("children_above_affected.csv", csv(row(code="INC-2019-131", affected="3") + ",5",
                                             header=REQUIRED + ",Children affected"))
    write("negative_counts.csv", csv(row(code="INC-2019-141", affected="-2") + ",0",
                                     row(code="INC-2019-142") + ",-1", header=REQUIRED + ",Children affected"))
    write("unknown_vocabulary.csv", csv(
        row(code="INC-2019-151", mineral="Silver") + ",no,current",
        row(code="INC-2019-152", programme="ISO 9001") + ",no,current",
        row(code="INC-2019-153", violations='"slavery; Debt bondage"') + ",no,current",
        row(code="INC-2019-154") + ",no,sometimes",
        row(code="INC-2019-155") + ",maybe,current",
        header=REQUIRED + ",Repeated,Trading link"))
    write("bad_codes.csv", csv(row(code="2019-14"), row(code="")))
    write("missing_values.csv", csv(row(code="INC-2019-171", title=""), row(code="INC-2019-172", violations="")))
    write("ragged.csv", csv(row(code="INC-2019-181"), row(code="INC-2019-182", smelter="Kestrel, Tin Smelting")))
    write("bad_quotes.csv", csv(row(code="INC-2019-191"), row(code="INC-2019-192", title='"Forced" labour"')))
    write("control_characters.csv", csv(row(code="INC-2019-201", title="Forced\x07labour")))
    write("trading_link_rules.csv", csv(
        row(code="INC-2019-211") + ",past,",
        row(code="INC-2019-212") + ",current,2025-01-20",
        header=REQUIRED + ",Trading link,Stopped trading"))
    write("too_long.csv", csv(row(code="INC-2019-221", title="x" * 250)))
    write("notes.txt", "Code\nINC-2019-231\n")
    write("legacy.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)

    good = xlsx_good()
    write("good.xlsx", good)
    write("workbook_named.csv", good)
    write("corrupt.xlsx", good[: len(good) // 2])
    write("formula_cells.xlsx", xlsx_formulas())
    write("bad_dates.xlsx", xlsx_bad_dates())


def codecs_bom() -> bytes:
    return b"\xef\xbb\xbf"


def _save(wb) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_good() -> bytes:
    """A 'Notes' sheet first, 'Incidents' second (the one read); Excel date cells, numbers, a boolean
    cell, a blank row (so the rows are numbered 2 and 4), labels and identifiers mixed."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "Grievance log kept by the sustainability team."
    ws = wb.create_sheet("Incidents")
    ws.append(FULL.split(","))
    ws.append(["INC-2019-070", "Forced labour at Kitoma", "", "Tin", "Democratic Republic of the Congo", "Kitoma",
               "Kestrel Tin Smelting", "rmi_rmap", "forced_labour;debt_bondage", "Trade union", date(2025, 3, 1),
               datetime(2025, 1, 15), None, 8, 0, True, "none", None])
    ws.append([])
    ws.append(["INC-2019-071", "Child labour at Mwali", "Two children under 15.", "gold", "Ghana", None,
               "Tallis Bullion", "LBMA", "Worst forms of child labour", "Investigative journalist",
               date(2025, 5, 2), date(2025, 4, 20), date(2025, 5, 1), 2, 2, "no", "Past trading", date(2025, 4, 30)])
    for cell in ws["K"][1:] + ws["L"][1:] + ws["M"][1:] + ws["R"][1:]:
        cell.number_format = "yyyy-mm-dd"
    return _save(wb)


def xlsx_formulas() -> bytes:
    """Formula cells where numbers and dates belong (the title formula is just text to us)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Incidents"
    ws.append(REQUIRED.split(","))
    ws.append(["INC-2019-241", '=HYPERLINK("http://example.invalid","click")', "tin", "Rwanda",
               "Kestrel Tin Smelting", "rmi_rmap", "forced_labour", "Trade union", date(2025, 3, 1),
               "=DATE(2025,1,15)", "=2+3"])
    return _save(wb)


def xlsx_bad_dates() -> bytes:
    """A date column holding a plain number (an Excel date serial not formatted as a date) and text."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(REQUIRED.split(","))
    ws.append(["INC-2019-251", "Forced labour", "tin", "Rwanda", "Kestrel Tin Smelting", "rmi_rmap", "forced_labour",
               "Trade union", 45717, date(2025, 1, 15), 4])
    ws.append(["INC-2019-252", "Forced labour", "tin", "Rwanda", "Kestrel Tin Smelting", "rmi_rmap", "forced_labour",
               "Trade union", "March 2025", date(2025, 1, 15), 4.5])
    return _save(wb)


if __name__ == "__main__":
    main()
