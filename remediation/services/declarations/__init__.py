"""Suppliers' smelter declarations: the RMI's CMRT and EMRT workbooks, read by cell position, imported all or
nothing per file, and the smelter register they feed.

- :mod:`.layout`: where each template version keeps what we read;
- :mod:`.parse`: one workbook to a :class:`~remediation.domain.supply_chain.ParsedDeclaration`, or every problem
  by sheet, row and column;
- :mod:`.importing`: many files into the database, one transaction and one audit entry each, supersession;
- :mod:`.register`: smelters entered by hand.
"""

from remediation.services.declarations.importing import (
    IMPORT_ACTION,
    MAX_FILES,
    FileOutcome,
    import_files,
    import_parsed,
    import_paths,
    parse_paths,
    refresh_current,
    sha256,
    store_declaration,
)
from remediation.services.declarations.parse import (
    DECLARATION_BUDGET,
    DeclarationRefused,
    Problem,
    parse_workbook,
    problems_of,
)
from remediation.services.declarations.register import add_smelter

__all__ = [
    "DECLARATION_BUDGET", "IMPORT_ACTION", "MAX_FILES", "DeclarationRefused", "FileOutcome", "Problem", "add_smelter",
    "import_files", "import_parsed", "import_paths", "parse_paths", "parse_workbook", "problems_of", "refresh_current",
    "sha256", "store_declaration",
]
