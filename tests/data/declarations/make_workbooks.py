"""Synthetic supplier declaration workbooks (CMRT 6.x, EMRT 1.x and 2.x look-alikes) for tests and benchmarks.

SYNTHETIC, NOT RMI TEMPLATES. These files copy only the *layout* of the Responsible Minerals Initiative's
reporting templates as ``shared/reference/CMRT.md`` describes it: sheet names, cell positions and short
headers. Every smelter ID is invented (``CID9xxxxx``), every name fictional, and each workbook carries a
visible note saying it is synthetic. Never add RMI's own workbooks, their text or their smelter look-up list
to this repository.

What they reproduce, because the parser must cope with it:

* labels as formulas reading a hidden sheet ``L`` whose cached values follow the chosen language (English,
  French or Japanese here), so headers differ between files while positions do not;
* the Smelter List pre-filled with formulas to row 2504 (2497 in EMRT 2.1) that read as empty, hidden helper
  columns R-T, "Smelter not listed" and "Smelter not yet identified" rows;
* every layout family: CMRT 6.01-6.5, EMRT 1.x (Instructions before Revision), EMRT 2.0 (scope rows, Mine
  List), EMRT 2.1 (requester columns), and a J3 that lags behind the Revision sheet;
* formulas with and without saved values. openpyxl cannot write a formula's saved value, so the archive's
  sheet XML is patched afterwards (:func:`_cache_formulas`), as Excel would have saved it.

``python tests/data/declarations/make_workbooks.py OUT_DIR`` writes the corpus of :func:`corpus` there.
"""

from __future__ import annotations

import io
import random
import re
import sys
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from remediation.services.demo import smelter_pool as demo_smelter_pool

NOTE = "SYNTHETIC TEST WORKBOOK - not an RMI template. Layout only; every name and smelter ID (CID9xxxxx) is invented."

# Short headers per language: label key -> text. The parser never reads them; the files must differ by language.
LABELS = {
    "en": {"company": "Company name (*):", "scope": "Declaration scope (*):", "description": "Scope description:",
           "unique_id": "Unique ID:", "authority": "ID authority:", "address": "Address:",
           "contact_name": "Contact name (*):", "contact_email": "Contact e-mail (*):",
           "contact_phone": "Contact phone (*):", "authorizer": "Authorizer (*):", "title": "Title:",
           "authorizer_email": "Authorizer e-mail (*):", "authorizer_phone": "Authorizer phone:",
           "effective_date": "Effective date (*):", "minerals": "Minerals in scope:",
           "sl": ["Smelter ID input", "Metal (*)", "Smelter look-up (*)", "Smelter name (1)", "Smelter country (*)",
                  "Smelter identification", "Source of ID", "Street", "City", "State / province", "Contact name",
                  "Contact e-mail", "Next steps", "Name of mine(s)", "Mine country", "100% recycled?", "Comments",
                  "Standard smelter name", "Country code", "State code"],
           "pl": ["Product number (*)", "Product name", "Comments"],
           "pl21": ["Responder product number (*)", "Responder product name", "Requester product number",
                    "Requester product name", "Comments"],
           "ml": ["Metal", "Smelter(s)", "Mine name", "Mine ID", "ID source", "Country", "Street", "City", "State",
                  "Contact", "E-mail", "Next steps", "Comments"],
           "scope_values": {"A": "A. Company", "B": "B. Product (or List of Products)",
                            "C": "C. User defined [Specify in 'Description of scope']"},
           "language": "English"},
    "fr": {"company": "Nom de la société (*) :", "scope": "Portée de la déclaration (*) :",
           "description": "Description de la portée :", "unique_id": "Identifiant unique :",
           "authority": "Autorité d'identification :", "address": "Adresse :", "contact_name": "Nom du contact (*) :",
           "contact_email": "Courriel du contact (*) :", "contact_phone": "Téléphone du contact (*) :",
           "authorizer": "Signataire autorisé (*) :", "title": "Fonction :",
           "authorizer_email": "Courriel du signataire (*) :", "authorizer_phone": "Téléphone du signataire :",
           "effective_date": "Date d'entrée en vigueur (*) :", "minerals": "Minerais concernés :",
           "sl": ["Saisie de l'identifiant", "Métal (*)", "Recherche de fonderie (*)", "Nom de la fonderie (1)",
                  "Pays de la fonderie (*)", "Identification de la fonderie", "Source de l'identifiant", "Rue",
                  "Ville", "État / province", "Nom du contact", "Courriel du contact", "Prochaines étapes",
                  "Nom de la ou des mines", "Pays de la mine", "100 % recyclé ?", "Commentaires",
                  "Nom normalisé", "Code pays", "Code état"],
           "pl": ["Numéro de produit (*)", "Nom du produit", "Commentaires"],
           "pl21": ["Numéro de produit du répondant (*)", "Nom du produit du répondant",
                    "Numéro de produit du demandeur", "Nom du produit du demandeur", "Commentaires"],
           "ml": ["Métal", "Fonderie(s)", "Nom de la mine", "Identifiant de la mine", "Source", "Pays", "Rue", "Ville",
                  "État", "Contact", "Courriel", "Prochaines étapes", "Commentaires"],
           "scope_values": {"A": "A. Société", "B": "B. Produit (ou liste de produits)",
                            "C": "C. Défini par l'utilisateur [Préciser dans 'Description de la portée']"},
           "language": "Français"},
    "ja": {"company": "会社名 (*):", "scope": "申告の範囲 (*):", "description": "範囲の説明:", "unique_id": "固有ID:",
           "authority": "ID発行機関:", "address": "住所:", "contact_name": "連絡先氏名 (*):",
           "contact_email": "連絡先メール (*):", "contact_phone": "連絡先電話 (*):", "authorizer": "承認者 (*):",
           "title": "役職:", "authorizer_email": "承認者メール (*):", "authorizer_phone": "承認者電話:",
           "effective_date": "発効日 (*):", "minerals": "対象鉱物:",
           "sl": ["製錬所ID入力", "金属 (*)", "製錬所検索 (*)", "製錬所名 (1)", "製錬所の国 (*)", "製錬所識別番号",
                  "ID情報源", "番地", "市", "州", "担当者", "メール", "次のステップ", "鉱山名", "鉱山の国",
                  "100%リサイクル?", "コメント", "標準製錬所名", "国コード", "州コード"],
           "pl": ["製品番号 (*)", "製品名", "コメント"],
           "pl21": ["回答者の製品番号 (*)", "回答者の製品名", "依頼者の製品番号", "依頼者の製品名", "コメント"],
           "ml": ["金属", "製錬所", "鉱山名", "鉱山ID", "情報源", "国", "番地", "市", "州", "担当者", "メール",
                  "次のステップ", "コメント"],
           "scope_values": {"A": "A. 会社", "B": "B. 製品（または製品リスト）", "C": "C. ユーザー定義"},
           "language": "日本語"},
}

CMRT_VERSIONS = ["6.01", "6.1", "6.22", "6.3", "6.31", "6.4", "6.5"]
EMRT_VERSIONS = ["1.1", "1.11", "1.2", "1.3", "2.0", "2.1"]
RELEASE_DATES = {"6.01": "April 2021", "6.1": "May 2021", "6.22": "May 2022", "6.3": "April 2023",
                 "6.31": "May 2023", "6.4": "April 2024", "6.5": "April 25, 2025", "1.1": "March 2022",
                 "1.11": "June 2022", "1.2": "April 2023", "1.3": "April 2024", "2.0": "October 2024",
                 "2.1": "April 2025"}

CMRT_METALS = ["Tantalum", "Tin", "Tungsten", "Gold"]
EMRT1_METALS = ["Cobalt", "Mica"]
EMRT2_METALS = ["Cobalt", "Copper", "Graphite", "Lithium", "Mica", "Nickel"]
COUNTRIES = ["INDONESIA", "BOLIVIA (PLURINATIONAL STATE OF)", "CHINA", "PERU", "RWANDA", "BRAZIL", "MALAYSIA",
             "THAILAND", "CONGO, DEMOCRATIC REPUBLIC OF THE", "JAPAN", "GERMANY", "SWITZERLAND", "GHANA", "VIET NAM"]
NAME_A = ["Kestrel", "Saltmarsh", "Ironbark", "Lumen", "Northfold", "Halden", "Greyfield", "Corvid", "Marrow Ridge",
          "Sunhollow", "Tallis", "Blackwater", "Quillstone", "Amberlee", "Brightwater", "Copperfield", "Dunmore",
          "Eastvale", "Fenwick", "Glenrock", "Harrow", "Islay", "Juniper", "Kingsfold", "Larkspur", "Moorcroft",
          "Norwood", "Oakhaven", "Pinecrest", "Redcliff", "Stonebridge", "Thornbury", "Underhill", "Westmarch"]

@dataclass
class Smelter:
    """One Smelter List row as a supplier fills it. ``lookup``: the name chosen in C, or "Smelter not listed"
    / "Smelter not yet identified"; ``by_id``: the ID was typed in A (B, C, E, F then come from formulas)."""
    metal: str
    lookup: str
    name: str = ""
    country: str = ""
    cid: str = ""
    by_id: bool = False
    mines: str = ""
    mine_countries: str = ""
    recycled: str = "No"


@dataclass
class Spec:
    template: str = "CMRT"
    version: str = "6.5"
    language: str = "en"
    company: str = "Synthetic Supplier Ltd."
    scope: str = "A"
    description: str = ""
    effective: object = date(2025, 3, 1)
    smelters: list[Smelter] = field(default_factory=list)
    products: list[tuple] = field(default_factory=list)  # (number, name[, requester number, requester name])
    mines: list[tuple] = field(default_factory=list)  # EMRT 2.x: (metal, smelter names, mine, mine id, country)
    cached: bool = True  # formulas carry saved values (as Excel saves them)
    j3: str | None = None  # override Declaration!J3
    revision_versions: list[str] | None = None  # the Revision sheet's history (default: up to `version`)
    revision_title: str | None = None
    filler_to: int | None = None  # pre-filled formula rows down to this row (default: the template's)
    lookup_rows: int = 120  # rows of the synthetic Smelter Look-up sheet
    unique_id: str = ""
    blank: set = field(default_factory=set)  # company-section keys left empty
    extra: dict = field(default_factory=dict)  # {(sheet, cell): value} written last (to break a file on purpose)
    drop_sheets: tuple = ()


def emrt2(version: str) -> bool:
    return version.startswith("2.")


# --- the pool of invented smelters ----------------------------------------------------------------

def smelter_pool(n: int = 240, seed: int = 14) -> list[tuple[str, str, str, str]]:
    """``n`` invented smelters as (CID9xxxxx, metal, name, country): the demo portfolio's pool, so a synthetic
    supplier's workbook names the demo's smelters with the demo's IDs."""
    return demo_smelter_pool(n, seed)


def metals_of(template: str, version: str) -> list[str]:
    return CMRT_METALS if template == "CMRT" else (EMRT2_METALS if emrt2(version) else EMRT1_METALS)


def random_smelters(rng: random.Random, template: str, version: str, n: int, pool=None,
                    not_listed: int = 0, not_identified: int = 0) -> list[Smelter]:
    """``n`` Smelter List rows drawn from the pool (metals of the template), a share entered by ID."""
    allowed = {m.lower() for m in metals_of(template, version)}
    pool = [p for p in (pool or smelter_pool()) if p[1] in allowed]
    picked = rng.sample(pool, min(n, len(pool))) if n <= len(pool) else [rng.choice(pool) for _ in range(n)]
    rows = [Smelter(metal=metal.title(), lookup=name, name=name, country=country, cid=cid, by_id=rng.random() < 0.3,
                    mines=rng.choice(["", "", f"{rng.choice(NAME_A)} mine"]), mine_countries="")
            for cid, metal, name, country in picked]
    for i in range(not_listed):
        metal = rng.choice(sorted(allowed)).title()
        rows.append(Smelter(metal=metal, lookup="Smelter not listed", name=f"Unlisted {rng.choice(NAME_A)} Works {i}",
                            country=rng.choice(COUNTRIES)))
    for _ in range(not_identified):
        rows.append(Smelter(metal=rng.choice(sorted(allowed)).title(), lookup="Smelter not yet identified"))
    return rows


# --- writing -----------------------------------------------------------------------------------------

class _Writer:
    """An openpyxl workbook plus the saved values its formulas should carry."""

    def __init__(self, spec: Spec):
        self.spec = spec
        self.wb = Workbook()
        self.cached: dict[str, dict[str, object]] = {}

    def sheet(self, title: str):
        ws = self.wb.create_sheet(title)
        self.cached[title] = {}
        return ws

    def formula(self, ws, coord: str, formula: str, value) -> None:
        ws[coord] = formula
        self.cached[ws.title][coord] = value


def _label_ref(labels_row: dict, key: str) -> str:
    return f"=L!B{labels_row[key]}"


def build(spec: Spec) -> bytes:
    """The workbook of ``spec`` as XLSX bytes."""
    w = _Writer(spec)
    lang = LABELS[spec.language]
    two = spec.template == "EMRT" and emrt2(spec.version)
    twenty_one = spec.template == "EMRT" and spec.version.startswith("2.1")
    w.wb.remove(w.wb.active)

    order = ["Revision", "Instructions", "Definitions", "Declaration", "Smelter List", "Checker"]
    if spec.template == "EMRT" and not twenty_one:
        order[0], order[1] = "Instructions", "Revision"
    if two:
        order.append("Mine List")
    order += ["Product List", "Smelter Look-up", "L", "C", "SorP"]
    sheets = {name: w.sheet(name) for name in order if name not in spec.drop_sheets}

    # Hidden sheet L: every label in the chosen language (the visible sheets' labels are formulas reading it).
    labels_row: dict[str, int] = {}
    hidden = sheets.get("L")
    keys = [k for k, v in lang.items() if isinstance(v, str)]
    for i, key in enumerate(keys, start=1):
        labels_row[key] = i
        if hidden is not None:
            hidden["A" + str(i)], hidden["B" + str(i)] = key, lang[key]
    for name in ("L", "C", "SorP"):
        if name in sheets:
            sheets[name].sheet_state = "hidden"
    for name in ("C", "SorP"):
        if name in sheets:
            sheets[name]["A1"] = "synthetic helper"

    title = spec.revision_title or ("Conflict Minerals Reporting Template (CMRT) - synthetic" if spec.template == "CMRT"
                                    else "Extended Minerals Reporting Template (EMRT) - synthetic")
    if "Revision" in sheets:
        rev = sheets["Revision"]
        rev["B1"], rev["B3"] = NOTE, title
        rev["B5"], rev["C5"], rev["D5"] = "Revision", "Date", "Changes"
        history = spec.revision_versions
        if history is None:
            family = CMRT_VERSIONS if spec.template == "CMRT" else EMRT_VERSIONS
            history = [v for v in family if float(v) <= float(spec.version)] or [spec.version]
        for i, v in enumerate(history, start=6):
            rev[f"B{i}"], rev[f"C{i}"], rev[f"D{i}"] = v, RELEASE_DATES.get(v, ""), "Synthetic change note."
    for name in ("Instructions", "Definitions", "Checker"):
        if name in sheets:
            sheets[name]["A1"] = NOTE

    if "Declaration" in sheets:
        _declaration(w, sheets["Declaration"], spec, lang, labels_row, two)
    if "Smelter List" in sheets:
        _smelter_list(w, sheets["Smelter List"], spec, lang, twenty_one)
    if "Product List" in sheets:
        _product_list(w, sheets["Product List"], spec, lang, twenty_one)
    if two and "Mine List" in sheets:
        _mine_list(sheets["Mine List"], spec, lang)
    if "Smelter Look-up" in sheets:
        look = sheets["Smelter Look-up"]
        look["A1"] = NOTE
        for i, header in enumerate(["Metal", "Smelter look-up", "Standard name", "Country", "Smelter ID", "Source",
                                    "Street", "City", "State"], start=1):
            look.cell(4, i, header)
        for r, (cid, metal, name, country) in enumerate(smelter_pool()[:spec.lookup_rows], start=5):
            for c, v in enumerate([metal.title(), name, name, country, cid, "Synthetic", "", "", ""], start=1):
                look.cell(r, c, v)
    for (sheet, coord), value in spec.extra.items():
        if sheet in sheets:
            sheets[sheet][coord] = value
            w.cached[sheet].pop(coord, None)

    buffer = io.BytesIO()
    w.wb.save(buffer)
    data = buffer.getvalue()
    return _cache_formulas(data, w.wb.sheetnames, w.cached) if spec.cached else data


def _declaration(w: _Writer, ws, spec: Spec, lang: dict, labels_row: dict, two: bool) -> None:
    ws["A1"] = NOTE
    ws["B2"] = f"{spec.template} (synthetic look-alike)"
    ws["B3"], ws["D3"] = "Language:", lang["language"]
    ws["J3"] = spec.j3 if spec.j3 is not None else f"Revision {spec.version}\n{RELEASE_DATES.get(spec.version, '')}"
    keys = ["company", "scope", "description", None, "unique_id", "authority", "address", "contact_name",
            "contact_email", "contact_phone", "authorizer", "title", "authorizer_email", "authorizer_phone",
            "effective_date"]
    values = {"company": spec.company, "scope": LABELS[spec.language]["scope_values"].get(spec.scope, spec.scope),
              "description": spec.description, "unique_id": spec.unique_id, "authority": "Synthetic registry",
              "address": "1 Example Street", "contact_name": "Contact Person", "contact_email": "contact@example.org",
              "contact_phone": "+00 000 0000", "authorizer": "Authorizer Person", "title": "Compliance manager",
              "authorizer_email": "authorizer@example.org", "authorizer_phone": "+00 000 0001",
              "effective_date": spec.effective}
    row = 8
    for key in keys:
        if key is None:
            row += 1
            if two:  # EMRT 2.x: minerals in scope in rows 12-13, the rest four rows down
                w.formula(ws, "B12", _label_ref(labels_row, "minerals"), lang["minerals"])
                for coord, metal in zip(("D12", "E12", "G12", "D13", "E13", "G13"), EMRT2_METALS):
                    ws[coord] = metal
                row = 16
            continue
        w.formula(ws, f"B{row}", _label_ref(labels_row, key), lang[key])
        value = values[key]
        if key not in spec.blank and value not in (None, ""):
            cell = ws[f"D{row}"]
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text a supplier typed that looks like a formula: kept as text, as Excel does
            if isinstance(value, (date, datetime)):
                cell.number_format = "DD-MMM-YYYY"
        row += 1
    # A few answers (Q1-Q2 of the CMRT; EMRT analogues), for realism: the parser reads none of them.
    first = 25 if not two else 29
    for i, metal in enumerate(metals_of(spec.template, spec.version)[:4]):
        ws[f"C{first + 1 + i}"], ws[f"D{first + 1 + i}"] = metal, "Yes"


def _smelter_list(w: _Writer, ws, spec: Spec, lang: dict, twenty_one: bool) -> None:
    ws["A1"] = NOTE
    if spec.template == "CMRT":
        ws["Q3"] = f"Revision {spec.version}"
    for i, header in enumerate(lang["sl"], start=1):
        w.formula(ws, f"{get_column_letter(i)}4", f"=L!C{i}", header)
    for letter in ("R", "S", "T"):
        ws.column_dimensions[letter].hidden = True
    last = spec.filler_to or (2497 if twenty_one else 2504)
    r = 5
    for s in spec.smelters:
        special = s.lookup.lower() in ("smelter not listed", "smelter not yet identified")
        if s.by_id and s.cid and not special:
            ws[f"A{r}"] = s.cid
            w.formula(ws, f"B{r}", f'=IF($A{r}="","",INDEX(\'Smelter Look-up\'!A:A,MATCH($A{r},\'Smelter Look-up\'!E:E,0)))',
                      s.metal)
            w.formula(ws, f"C{r}", f'=IF($A{r}="","",INDEX(\'Smelter Look-up\'!B:B,MATCH($A{r},\'Smelter Look-up\'!E:E,0)))',
                      s.lookup)
        else:
            ws[f"B{r}"], ws[f"C{r}"] = s.metal, s.lookup
        if s.lookup.lower() == "smelter not listed":
            ws[f"D{r}"], ws[f"E{r}"] = s.name or None, s.country or None
            w.formula(ws, f"F{r}", f'=IF(C{r}="Smelter not listed","",C{r})', "")
            w.formula(ws, f"G{r}", f'=IF(C{r}="Smelter not listed","Enter smelter details","")', "Enter smelter details")
            w.formula(ws, f"R{r}", f"=D{r}", s.name)
        elif s.lookup.lower() == "smelter not yet identified":
            w.formula(ws, f"D{r}", f'=IF(C{r}="","","Unknown")', "Unknown")
            w.formula(ws, f"E{r}", f'=IF(C{r}="","","Unknown")', "Unknown" if spec.template == "CMRT" else "")
            w.formula(ws, f"F{r}", f'=IF(C{r}="","","")', "")
            w.formula(ws, f"R{r}", '=""', "")
        else:
            w.formula(ws, f"D{r}", f"=IF(C{r}=\"\",\"\",C{r})", s.name)
            w.formula(ws, f"E{r}", f"=IF(C{r}=\"\",\"\",INDEX('Smelter Look-up'!D:D,MATCH(C{r},'Smelter Look-up'!B:B,0)))",
                      s.country)
            w.formula(ws, f"F{r}", f"=IF(C{r}=\"\",\"\",INDEX('Smelter Look-up'!E:E,MATCH(C{r},'Smelter Look-up'!B:B,0)))",
                      s.cid)
            w.formula(ws, f"G{r}", f'=IF(F{r}="","","Synthetic look-up")', "Synthetic look-up" if s.cid else "")
            w.formula(ws, f"R{r}", f"=D{r}", s.name)
        w.formula(ws, f"S{r}", f'=IF(E{r}="","",LEFT(E{r},2))', s.country[:2])
        w.formula(ws, f"T{r}", '=""', "")
        if s.mines:
            ws[f"N{r}"], ws[f"O{r}"] = s.mines, s.mine_countries or s.country
        ws[f"P{r}"] = s.recycled
        r += 1
    # The template's pre-filled rows: formulas in B, C, E-J and R-T reading as empty.
    for row in range(r, last + 1):
        for letter in ("B", "C", "E", "F", "G", "H", "I", "J", "R", "S", "T"):
            w.formula(ws, f"{letter}{row}", f'=IF($A{row}="","","?")', "")


def _product_list(w: _Writer, ws, spec: Spec, lang: dict, twenty_one: bool) -> None:
    ws["A1"] = NOTE
    headers = lang["pl21"] if twenty_one else lang["pl"]
    for i, header in enumerate(headers, start=2):
        w.formula(ws, f"{get_column_letter(i)}5", f"=L!D{i}", header)
    if spec.template == "CMRT" and spec.version == "6.01":
        w.formula(ws, "D5", "=L!D99", 0)  # the 6.01 template's cached 0 in D5 (CMRT.md)
    for r, product in enumerate(spec.products, start=6):
        for c, value in enumerate(product, start=2):
            if value not in (None, ""):
                ws.cell(r, c, value)


def _mine_list(ws, spec: Spec, lang: dict) -> None:
    ws["A1"] = NOTE
    for i, header in enumerate(lang["ml"], start=1):
        ws.cell(4, i, header)
    for r, (metal, smelters, mine, mine_id, country) in enumerate(spec.mines, start=5):
        ws.cell(r, 1, metal), ws.cell(r, 2, smelters), ws.cell(r, 3, mine), ws.cell(r, 4, mine_id)
        ws.cell(r, 6, country)


_FORMULA_CELL = re.compile(rb'<c r="([A-Z]+[0-9]+)"([^>]*)><f>(.*?)</f><v\s*/></c>', re.S)


def _cache_formulas(data: bytes, sheet_names: list[str], cached: dict[str, dict[str, object]]) -> bytes:
    """Give every formula cell the saved value Excel would have written (openpyxl writes none)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            m = re.fullmatch(r"xl/worksheets/sheet(\d+)\.xml", item.filename)
            if m:
                values = cached.get(sheet_names[int(m.group(1)) - 1], {})

                def fill(match, values=values):
                    coord, attrs, formula = match.group(1).decode(), match.group(2), match.group(3)
                    value = values.get(coord)
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        return b'<c r="%s"%s><f>%s</f><v>%s</v></c>' % (coord.encode(), attrs, formula,
                                                                        repr(value).encode())
                    shown = escape("" if value is None else str(value)).encode()
                    return b'<c r="%s"%s t="str"><f>%s</f><v>%s</v></c>' % (coord.encode(), attrs, formula, shown)

                body = _FORMULA_CELL.sub(fill, body)
            target.writestr(item, body)
    return out.getvalue()


# --- ready-made specs ----------------------------------------------------------------------------------

def typical(template: str = "CMRT", version: str = "6.5", *, language: str = "en", company: str = "Synthetic Supplier Ltd.",
            seed: int = 1, n_smelters: int = 12, scope: str = "B", effective=date(2025, 3, 1), pool=None,
            products: int = 3, **changes) -> Spec:
    """A well-formed declaration: ``n_smelters`` look-up rows plus one "not listed" and one "not yet identified"
    row, ``products`` products (scope B), and for EMRT 2.x a Mine List naming two of the smelters."""
    rng = random.Random(seed)
    smelters = random_smelters(rng, template, version, n_smelters, pool, not_listed=1, not_identified=1)
    twenty_one = template == "EMRT" and version.startswith("2.1")
    items = [(f"P-{seed:03d}-{i:02d}", f"Synthetic product {i}") + ((f"REQ-{i:03d}", f"Requester item {i}")
                                                                     if twenty_one else ())
             for i in range(1, products + 1)] if scope in ("B", "C") else []
    mines = []
    if template == "EMRT" and emrt2(version):
        named = [s for s in smelters if s.lookup.lower() not in ("smelter not listed", "smelter not yet identified")]
        mines = [(s.metal, s.name, f"{s.name.split()[0]} Synthetic Mine", "", "CONGO, DEMOCRATIC REPUBLIC OF THE")
                 for s in named[:2]]
    spec = Spec(template=template, version=version, language=language, company=company, scope=scope,
                description="Synthetic product group" if scope == "C" else "", effective=effective,
                smelters=smelters, products=items, mines=mines)
    return replace(spec, **changes)


def corpus(short: int = 40) -> dict[str, tuple[Spec | bytes, str | None]]:
    """Every case the parser must handle: file name → (spec or raw bytes, the problem it must report or None).
    The template's pre-filled formula rows run to row 2504 in ``cmrt-6.5.xlsx`` and to 2497 in ``emrt-2.1.xlsx``,
    as in the real templates; the others stop at row ``short``, which keeps the corpus quick to write."""
    cases: dict[str, tuple[Spec | bytes, str | None]] = {}
    for i, v in enumerate(CMRT_VERSIONS):
        cases[f"cmrt-{v}.xlsx"] = (typical("CMRT", v, seed=10 + i, company=f"CMRT {v} Supplier"), None)
    for i, v in enumerate(EMRT_VERSIONS):
        cases[f"emrt-{v}.xlsx"] = (typical("EMRT", v, seed=30 + i, company=f"EMRT {v} Supplier"), None)
    cases["cmrt-6.5-fr.xlsx"] = (typical("CMRT", "6.5", language="fr", seed=50, company="Fournisseur Synthétique SA"),
                                 None)
    cases["cmrt-6.22-ja.xlsx"] = (typical("CMRT", "6.22", language="ja", seed=51, company="合成サプライヤー株式会社"),
                                  None)
    cases["emrt-2.1-fr.xlsx"] = (typical("EMRT", "2.1", language="fr", seed=52, company="Fournisseur EMRT SA"), None)
    cases["cmrt-company-scope.xlsx"] = (typical("CMRT", "6.4", seed=53, scope="A", company="Company Scope Ltd"), None)
    cases["emrt-2.1-j3-lags.xlsx"] = (typical("EMRT", "2.1", seed=54, company="Lagging J3 Ltd", j3="Revision 2.0"),
                                      None)
    cases["cmrt-text-date.xlsx"] = (typical("CMRT", "6.31", seed=55, company="Text Date Ltd", effective="14-Mar-2025"),
                                    None)
    # --- every error class ---
    cases["not-a-template.xlsx"] = (Spec(drop_sheets=("Declaration",)), "not a CMRT or EMRT workbook")
    cases["not-a-workbook.xlsx"] = (b"Company,Smelter\nAcme,Kestrel\n", "not a complete zip archive")
    cases["cmrt-unknown-version.xlsx"] = (typical("CMRT", "6.5", seed=60, j3="Revision 7.0",
                                                  revision_versions=["6.5", "7.0"]), "version 7.0 is not one")
    cases["cmrt-too-old.xlsx"] = (typical("CMRT", "5.12", seed=61, revision_versions=["5.11", "5.12"]),
                                  "version 5.12 is not one")
    bad_id = typical("CMRT", "6.5", seed=62)
    bad_id.smelters[0] = replace(bad_id.smelters[0], cid="CID12345", by_id=False)
    cases["cmrt-malformed-id.xlsx"] = (bad_id, "Smelter List!F5: 'CID12345' is not an RMI smelter ID")
    cases["cmrt-no-company.xlsx"] = (typical("CMRT", "6.5", seed=63, blank={"company"}),
                                     "Declaration!D8: the company name is missing")
    not_listed = typical("CMRT", "6.5", seed=64)
    i = next(k for k, s in enumerate(not_listed.smelters) if s.lookup == "Smelter not listed")
    not_listed.smelters[i] = replace(not_listed.smelters[i], name="")
    cases["cmrt-not-listed-no-name.xlsx"] = (not_listed, f"Smelter List!D{5 + i}: 'Smelter not listed' needs")
    cases["emrt-2.0-no-date.xlsx"] = (typical("EMRT", "2.0", seed=65, blank={"effective_date"}),
                                      "Declaration!D26: the effective date is missing")
    cases["cmrt-uncached.xlsx"] = (typical("CMRT", "6.5", seed=66, cached=False), "formulas have no saved values")
    cases["cmrt-bad-date.xlsx"] = (typical("CMRT", "6.5", seed=67, effective="sometime in spring"),
                                   "Declaration!D22: 'sometime in spring' is not a date")
    cases["cmrt-wrong-metal.xlsx"] = (typical("CMRT", "6.5", seed=68, extra={("Smelter List", "B5"): "Cobalt"}),
                                      "Smelter List!B5: 'Cobalt' is not a metal of the CMRT")
    cases["cmrt-product-scope-empty.xlsx"] = (typical("CMRT", "6.5", seed=69, products=0),
                                              "Product List!B6: a product-scope declaration")
    for name, (spec, problem) in list(cases.items()):
        if isinstance(spec, Spec) and name not in ("cmrt-6.5.xlsx", "emrt-2.1.xlsx") and spec.filler_to is None:
            cases[name] = (replace(spec, filler_to=short), problem)
    return cases


def write_corpus(folder: Path) -> dict[str, str | None]:
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, (spec, problem) in corpus().items():
        (folder / name).write_bytes(spec if isinstance(spec, bytes) else build(spec))
        expected[name] = problem
    return expected


def supplier_workbooks(n: int, *, rows: int = 40, seed: int = 2026, filler_to: int | None = None,
                       pool=None, start: int = 0) -> list[tuple[str, bytes]]:
    """``n`` suppliers' workbooks (file name, bytes): mostly CMRT 6.x, some EMRT, mixed scopes, languages and
    versions, ``rows`` smelter rows each. For the scale benchmark and the browser walk."""
    rng = random.Random(seed)
    out = []
    for i in range(start, start + n):
        template = "EMRT" if rng.random() < 0.15 else "CMRT"
        version = rng.choice(CMRT_VERSIONS[2:] if template == "CMRT" else EMRT_VERSIONS)
        scope = rng.choice(["A", "B", "B", "C"])
        spec = typical(template, version, language=rng.choice(["en", "en", "en", "fr"]), seed=seed * 1000 + i,
                       company=f"Synthetic Supplier {i + 1:03d} Ltd", n_smelters=rows, scope=scope,
                       effective=date(2025, 1 + i % 12, 1 + i % 27), pool=pool, filler_to=filler_to)
        out.append((f"supplier-{i + 1:04d}-{template.lower()}-{version}.xlsx", build(spec)))
    return out


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "test-artifacts/declarations")
    for name, problem in write_corpus(target).items():
        print(f"{name}: {'refused: ' + problem if problem else 'valid'}")
