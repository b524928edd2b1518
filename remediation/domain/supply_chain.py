"""The supply chain as suppliers declare it: smelters and refiners by RMI smelter ID, suppliers' declarations
(the RMI's CMRT and EMRT workbooks), and what links an incident to a supplier and its products.

Why it matters to the guideline: an allegation is *actionable* when it "explicitly links to one of the
downstream company's current or past supply chain partners" (:func:`remediation.domain.citations.cite`
``actionable_definition``), and the audit programme then assesses whether the link to the smelter/refiner
is through *current or past trading* (``trading_link_assessment``). The declarations a company already
collects every year say which smelters each supplier sources from: they are the evidence for both.
Earlier incidents at the same smelter are evidence of *high occurrence* (footnote 22,
``footnote22_occurrence_and_persons``).

Pure Python and pydantic: the workbook parser (:mod:`remediation.services.declarations`) turns a file into
the :class:`ParsedDeclaration` defined here; storage and pages read the vocabularies from here.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# --- smelter IDs and names ---------------------------------------------------------------------------

SMELTER_ID_PATTERN = r"^CID[0-9]{6}$"  # [0-9], not \d: \d matches Arabic-Indic and fullwidth digits too
"""An RMI smelter identification number: ``CID`` and six digits (``CID002158``)."""
_SMELTER_ID = re.compile(SMELTER_ID_PATTERN)


def smelter_id(text: object) -> str | None:
    """``text`` as a smelter ID (spaces trimmed, capitals), or None when it is not one."""
    if text is None:
        return None
    candidate = str(text).strip()
    if not candidate.isascii():  # "cıd001234" upper-cases to "CID001234": an ID is written in ASCII
        return None
    candidate = candidate.upper()
    return candidate if _SMELTER_ID.match(candidate) else None


# Words that say what kind of company, not which one: "Kestrel Tin Smelting Co., Ltd." and "KESTREL TIN SMELTING"
# are the same smelter to a reader, and must be to a suggestion.
LEGAL_FORMS = frozenset({
    "co", "company", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "llc", "plc", "pte", "pty",
    "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ag", "gmbh", "kg", "oy", "ab", "as", "tbk", "pt", "jsc", "ojsc",
    "pjsc", "cjsc", "llp", "lp", "the", "sdn", "bhd", "kk", "de", "cv", "ltda", "eireli", "group", "holdings",
})


def normalise_name(text: object) -> str:
    """A smelter's or company's name reduced to what identifies it: accents, case, punctuation and legal forms
    (Co., Ltd., S.A., GmbH …) dropped, spaces collapsed. ``"Kestrel Tin Smelting Co., Ltd."`` and ``"KESTREL
    TIN SMELTING"`` both give ``"kestrel tin smelting"``."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text))
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).casefold().replace("&", " and ")
    folded = re.sub(r"(?<=\b[a-z])\.(?=[a-z]\b)", "", folded)  # S.A. -> sa, P.T. -> pt
    words = re.sub(r"[^\w]+", " ", folded).split()
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


# --- templates, versions and their layouts ---------------------------------------------------------------

Template = Literal["CMRT", "EMRT"]
TEMPLATES: dict[str, str] = {
    "CMRT": "Conflict Minerals Reporting Template",
    "EMRT": "Extended Minerals Reporting Template",
}

Layout = Literal["cmrt6", "emrt1", "emrt20", "emrt21"]
"""Where the cells are. CMRT 6.01-6.5 share one layout; EMRT 1.x another; EMRT 2.0 moves the company cells down
four rows and adds the Mine List; 2.1 adds the requester's columns to the Product List."""

VERSION_RANGES: dict[str, tuple[float, float]] = {"CMRT": (6.01, 6.5), "EMRT": (1.0, 2.1)}
"""The versions this dashboard reads: a version within the range (a minor revision we have not seen keeps its
family's layout) is read; one outside it is refused."""


def version_number(text: str) -> float:
    return float(text)


def known_versions(template: str) -> str:
    low, high = VERSION_RANGES[template]
    return f"{template} {low:g}-{high:g}" if template == "EMRT" else f"{template} {low:.2f}-{high:g}"


def version_known(template: str, version: str) -> bool:
    low, high = VERSION_RANGES[template]
    return low - 1e-9 <= version_number(version) <= high + 1e-9


def layout_of(template: str, version: str) -> Layout:
    """The cell layout of a known version (the workbook's own layout probes may correct it: the version cell
    can lag behind the template)."""
    if template == "CMRT":
        return "cmrt6"
    v = version_number(version)
    return "emrt1" if v < 2.0 else ("emrt20" if v < 2.1 - 1e-9 else "emrt21")


METALS: dict[str, str] = {
    "tantalum": "Tantalum", "tin": "Tin", "tungsten": "Tungsten", "gold": "Gold",
    "cobalt": "Cobalt", "mica": "Mica", "copper": "Copper", "graphite": "Graphite", "lithium": "Lithium",
    "nickel": "Nickel",
}
"""Every metal a declaration can list, identifier → label; the first six are also minerals of an incident."""

METALS_BY_LAYOUT: dict[str, tuple[str, ...]] = {
    "cmrt6": ("tantalum", "tin", "tungsten", "gold"),
    "emrt1": ("cobalt", "mica"),
    "emrt20": ("cobalt", "copper", "graphite", "lithium", "mica", "nickel"),
    "emrt21": ("cobalt", "copper", "graphite", "lithium", "mica", "nickel"),
}

Scope = Literal["company", "product", "user_defined"]
SCOPES: dict[str, str] = {
    "company": "Company (all products)",
    "product": "Product (or list of products)",
    "user_defined": "User defined",
}

NOT_LISTED = "smelter not listed"
NOT_YET_IDENTIFIED = "smelter not yet identified"
ListingStatus = Literal["listed", "not_listed", "not_yet_identified"]
LISTING: dict[str, str] = {
    "listed": "In the RMI look-up list",
    "not_listed": "Smelter not listed",
    "not_yet_identified": "Smelter not yet identified",
}

EARLIEST_EFFECTIVE_DATE = date(2007, 1, 1)
"""The templates accept an effective date after 2006-12-31."""


# --- what a parsed workbook holds --------------------------------------------------------------------------

class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeclaredSmelter(_Model):
    """One row of a declaration's Smelter List."""
    row: int = Field(description="The row on the Smelter List sheet.")
    metal: str
    smelter_id: str | None = None
    name: str
    country: str = ""
    listing: ListingStatus = "listed"
    id_source: str = ""
    mine_names: str = ""
    mine_countries: str = ""
    recycled: str = ""


class DeclaredProduct(_Model):
    """One row of a declaration's Product List."""
    row: int
    number: str
    name: str = ""
    requester_number: str = ""
    requester_name: str = ""


class ParsedDeclaration(_Model):
    """What one supplier's workbook declares: who, for what scope, as of when, and its lists."""
    template: Template
    version: str
    layout: Layout
    company: str
    unique_id: str = ""
    unique_id_authority: str = ""
    scope: Scope
    scope_description: str = ""
    effective_date: date
    minerals_in_scope: tuple[str, ...] = ()
    smelters: tuple[DeclaredSmelter, ...] = ()
    products: tuple[DeclaredProduct, ...] = ()
    warnings: tuple[str, ...] = ()


# --- exposure ----------------------------------------------------------------------------------------------

ExposureLink = Literal["current", "past"]
EXPOSURE_LINKS: dict[str, str] = {
    "current": "Current: in the supplier's latest declaration",
    "past": "Past: only in the supplier's earlier declarations",
}
ALL_PRODUCTS = "All products (company-wide declaration)"

LEVEL_RANKS: dict[int, str] = {
    5: "Level 1 mandatory",
    4: "Level 1 recommended",
    3: "Level 2 mandatory",
    2: "Level 2 recommended",
    1: "Assessed: no remediation required",
    0: "Not assessed yet",
}
"""The highest level of response an incident requires, as a rank: the exposure view sorts suppliers and
products by the highest rank among their open incidents (Level 1 addresses active exploitation and comes
first; guideline ``level1_definition``)."""


def level_rank(level1: str | None, level2: str | None) -> int:
    """The rank (:data:`LEVEL_RANKS`) of an incident's latest assessment."""
    if level1 is None and level2 is None:
        return 0
    if level1 == "mandatory":
        return 5
    if level1 == "recommended":
        return 4
    if level2 == "mandatory":
        return 3
    if level2 == "recommended":
        return 2
    return 1
