"""Which column of a file holds which field: suggested from the headers and their aliases."""

from __future__ import annotations

import re
from collections.abc import Iterable

from remediation.services.transfer.format import ALIASES, COLUMNS


def _header_key(text) -> str:
    return " ".join(re.sub(r"[^0-9a-z]+", " ", str(text).casefold()).split())


def suggest_mapping(columns: Iterable) -> dict[str, str]:
    """Field → the file's column that most likely holds it: the field's name or header first
    (``smelter_refiner``, ``Smelter/refiner``, ``SMELTER REFINER``), then a known alias
    (``Received on``); case, spaces and punctuation are ignored. Each column serves one field."""
    columns = [str(c) for c in columns]
    keys = {c: _header_key(c) for c in columns}
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for candidates in (lambda f: (_header_key(f), _header_key(COLUMNS[f])),
                       lambda f: tuple(_header_key(a) for a in ALIASES[f])):
        for f in COLUMNS:
            if f in mapping:
                continue
            wanted = candidates(f)
            for key in wanted:  # in the order given: the first candidate is the strongest
                match = next((c for c in columns if keys[c] == key and c not in taken), None)
                if match is not None:
                    mapping[f] = match
                    taken.add(match)
                    break
    return mapping


def field_for(name: str) -> str | None:
    """The field a user means by ``name``: its identifier or its header (``smelter_refiner``,
    ``Smelter/refiner``), else None."""
    key = _header_key(name)
    return next((f for f in COLUMNS if key in (_header_key(f), _header_key(COLUMNS[f]))), None)


# --- cells → values -----------------------------------------------------------------------------

