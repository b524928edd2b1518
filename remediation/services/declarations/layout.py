"""Where a CMRT or EMRT keeps what we read, by cell position (``shared/reference/CMRT.md``).

Positions, never header text: the templates' labels are formulas reading a hidden sheet in the language the
supplier chose (Declaration!D3), so the same cell says "Company Name" in one file and "Nom de la société" in
the next. Each layout below is one family of versions whose cells do not move.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl.utils import column_index_from_string

DECLARATION = "Declaration"
SMELTER_LIST = "Smelter List"
PRODUCT_LIST = "Product List"
MINE_LIST = "Mine List"
REVISION = "Revision"
REQUIRED_SHEETS = (DECLARATION, SMELTER_LIST)

VERSION_CELL = "J3"  # Declaration: "Revision 6.5\nApril 25, 2025"
SMELTER_VERSION_CELL = "Q3"  # Smelter List (CMRT): the same text
TITLE_CELL = "B3"  # Revision: the template's title
DECLARATION_ROWS = 30  # rows of the Declaration read: every company cell of every layout lies above
DECLARATION_COLUMNS = 10  # A to J


def col(letter: str) -> int:
    return column_index_from_string(letter)


@dataclass(frozen=True)
class CompanyCells:
    """The company section of the Declaration sheet."""
    company: str = "D8"
    scope: str = "D9"
    description: str = "D10"
    unique_id: str = "D12"
    authority: str = "D13"
    address: str = "D14"
    contact_name: str = "D15"
    contact_email: str = "D16"
    contact_phone: str = "D17"
    authorizer: str = "D18"
    authorizer_title: str = "D19"
    authorizer_email: str = "D20"
    authorizer_phone: str = "D21"
    effective_date: str = "D22"
    minerals: tuple[str, ...] = ()

    def mandatory(self) -> dict[str, str]:
        """Cells the template marks (*), cell → what it holds."""
        return {self.company: "the company name", self.scope: "the declaration scope",
                self.contact_name: "the contact name", self.contact_email: "the contact e-mail",
                self.contact_phone: "the contact telephone", self.authorizer: "the authorizer",
                self.authorizer_email: "the authorizer's e-mail", self.effective_date: "the effective date"}


CMRT_COMPANY = CompanyCells()
EMRT2_COMPANY = CompanyCells(  # EMRT 2.x: minerals in scope in rows 12-13, everything after moves down four rows
    unique_id="D16", authority="D17", address="D18", contact_name="D19", contact_email="D20", contact_phone="D21",
    authorizer="D22", authorizer_title="D23", authorizer_email="D24", authorizer_phone="D25", effective_date="D26",
    minerals=("D12", "E12", "G12", "D13", "E13", "G13"))


@dataclass(frozen=True)
class SmelterColumns:
    """Smelter List columns (1-based). R-T are hidden helpers: only R (the standard smelter name) is read, and
    only when D and C give no name."""
    id_input: int = col("A")
    metal: int = col("B")
    lookup: int = col("C")
    name: int = col("D")
    country: int = col("E")
    smelter_id: int = col("F")
    id_source: int = col("G")
    mine_names: int = col("N")
    mine_countries: int = col("O")
    recycled: int = col("P")
    standard_name: int = col("R")
    last: int = col("T")


@dataclass(frozen=True)
class Layout:
    key: str
    company: CompanyCells
    smelter_header_row: int = 4
    smelter_first_row: int = 5
    smelter_last_row: int = 2504
    product_header_row: int = 5
    product_first_row: int = 6
    product_number: int = col("B")
    product_name: int = col("C")
    requester_number: int | None = None
    requester_name: int | None = None
    product_last_col: int = col("D")
    mine_list: bool = False


LAYOUTS: dict[str, Layout] = {
    "cmrt6": Layout("cmrt6", CMRT_COMPANY),
    "emrt1": Layout("emrt1", CMRT_COMPANY),
    "emrt20": Layout("emrt20", EMRT2_COMPANY, mine_list=True),
    "emrt21": Layout("emrt21", EMRT2_COMPANY, smelter_last_row=2497, requester_number=col("D"),
                     requester_name=col("E"), product_last_col=col("F"), mine_list=True),
}
SMELTER = SmelterColumns()


@dataclass(frozen=True)
class MineColumns:
    """EMRT 2.x Mine List (header row 4, data from row 5)."""
    header_row: int = 4
    first_row: int = 5
    metal: int = col("A")
    smelters: int = col("B")
    mine: int = col("C")
    mine_id: int = col("D")
    country: int = col("F")
    last: int = col("M")


MINES = MineColumns()
