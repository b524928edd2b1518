"""Incidents in and out of spreadsheets: import a grievance log (CSV or XLSX), export the same format.

Companies keep grievance logs in spreadsheets. The format (:mod:`.format`) is the intake of an incident
(:class:`~remediation.domain.models.IncidentIn`) with one readable column per field: vocabulary values as
their identifier or their label (``gold`` or ``Gold``), violation types as a ``;``-separated list, yes/no for
booleans, dates as ``YYYY-MM-DD`` (or Excel date cells). What :func:`export_incidents` writes is exactly this
format, so an export is always a valid import, and importing it gives the same incidents.

The modules, in the order a file goes through them:

- :mod:`.reading` checks size and type and hands the bytes to the reader of its format
  (:mod:`.read_csv`, :mod:`.read_xlsx`);
- :mod:`.mapping` suggests which column holds which field; :mod:`.cells` reads each cell as its field;
- :mod:`.validate` is the dry run: every row validated, each problem with its row and column;
- :mod:`.apply` writes the new incidents in one transaction, or nothing;
- :mod:`.export` writes the same format back out;
- :mod:`.followups` and :mod:`.company_work`: the XLSX workbook's other sheets, keyed by the incident's code
  (follow-ups; corrective action, milestones, relationship decisions, lessons review and actions), and
  :mod:`.plan_work` for a recorded plan's (remedy types, consultations, case plan consent, feedback, reporting
  chain), sharing :mod:`.sheets`. A CSV is one table: the incidents only.

Decisions (each tested in ``tests/unit/test_transfer.py`` and ``tests/db/test_import.py``):

* **The incident code is the key.** A row whose code is already recorded with the same content is
  *already present*: skipped, never duplicated, so re-importing a file is harmless. A row whose code
  is recorded with different content is a **conflict, and refused**: an import never changes a
  recorded incident (the step forms do that, with their gates and audit). A code twice in one file is
  refused too.
* **Encodings.** CSV is read as UTF-8 (with or without a byte-order mark) or as UTF-16 with a
  byte-order mark (Excel's "Unicode text"), which are unambiguous. Anything else is refused with the
  line of the first byte that is not UTF-8. We do *not* fall back to cp1252: it decodes any bytes
  without error, so a guess would silently garble names, and a grievance log is evidence.
* **Formula cells.** A cell that begins with ``=`` is text to us, and imported as text. On export, text
  a spreadsheet would run is neutralised with a leading ``'`` (:func:`remediation.services.spreadsheets.neutralise`);
  text that itself begins with ``'`` gets one more ``'``. Import undoes exactly that
  (:func:`~.format.unprotect_cell`), so export → import is the identity on every text.
* **Line breaks** in text are stored as ``\\n``.
* **Control characters** are refused at import.
* **Limits.** A file over :data:`~.format.MAX_BYTES` or with more than :data:`~.format.MAX_ROWS` rows is
  refused: the size is checked before reading, the row count while reading.
* **Who may import**: the editor role (:func:`remediation.services.access.require`, "importing incidents"),
  checked in the import's transaction like every service.
"""

from remediation.services.transfer.apply import IMPORT_ACTION, ImportResult, apply_import
from remediation.services.transfer.cells import CellError, read_cell
from remediation.services.transfer.company_work import (
    COMPANY_WORK_SHEETS,
    CompanyWorkPlan,
    plan_company_work,
    plan_file_company_work,
)
from remediation.services.transfer.export import export_incidents, incidents_frame, to_bytes
from remediation.services.transfer.followups import FOLLOWUP_SHEET, FollowUpPlan, plan_file_followups
from remediation.services.transfer.format import (
    COLUMNS,
    EXTENSIONS,
    KINDS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_ROWS,
    REQUIRED,
    ImportRefused,
    RowError,
    export_value,
    format_of,
    protect_cell,
    unprotect_cell,
)
from remediation.services.transfer.mapping import field_for, suggest_mapping
from remediation.services.transfer.reading import read_path, read_table
from remediation.services.transfer.validate import ImportPlan, PlannedRow, plan_import

__all__ = [
    "COLUMNS", "REQUIRED", "KINDS", "MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS", "EXTENSIONS", "IMPORT_ACTION", "CellError",
    "ImportPlan", "ImportRefused", "ImportResult", "PlannedRow", "RowError", "apply_import", "export_incidents",
    "export_value", "field_for", "format_of", "incidents_frame", "plan_import", "protect_cell", "read_cell",
    "read_path", "read_table", "suggest_mapping", "to_bytes", "unprotect_cell", "FOLLOWUP_SHEET", "FollowUpPlan",
    "plan_file_followups", "COMPANY_WORK_SHEETS", "CompanyWorkPlan", "plan_company_work", "plan_file_company_work",
]
