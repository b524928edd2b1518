"""Every guideline citation in the code is one of the registry's (:mod:`remediation.domain.citations`).

Scans every ``.py`` file under ``remediation/`` and ``pages/`` and ``app.py``:

* every cited range — ``line 953``, ``lines 942-944``, also split over two lines or listed
  (``lines 942-944, 957-959``) — is exactly the (first, last) of some registry entry, in code, comments and
  docstrings alike, and no ``~`` approximation remains;
* no string a user reads types a citation by hand: outside docstrings and comments, ``lines N`` and
  ``footnote N`` come from :func:`~remediation.domain.citations.cite` (or ``CITATIONS[key].lines``).

The registry itself is left out: it defines the citations, and ``test_citations.py`` checks it against the
guideline's text."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from remediation.domain.citations import CITATIONS

ROOT = Path(__file__).resolve().parents[2]
REGISTRY = ROOT / "remediation" / "domain" / "citations.py"
FILES = sorted(p for p in [*(ROOT / "remediation").rglob("*.py"), *(ROOT / "pages").rglob("*.py"), ROOT / "app.py"]
               if p != REGISTRY)
RANGES = {(c.first, c.last) for c in CITATIONS.values()}

_RANGE = r"(\d{3,4})(?:\s*[-–]\s*(\d{3,4}))?"  # first, last
_MORE = r"\d{3,4}(?:\s*[-–]\s*\d{3,4})?"
# "line 953", "lines 942-944", "line ~1240", "lines\n   1390-1393" (wrapped), then ", 957-959" or "and 1424-1428"
# (or "|1412-1420": the alternatives of an f-string expression, as string_texts renders them).
CITED = re.compile(rf"\blines?\s+(~\s*)?{_RANGE}((?:\s*(?:,|\band\b|\|)\s*{_MORE})*)", re.IGNORECASE)
MORE = re.compile(_RANGE)
APPROXIMATION = re.compile(r"\blines?\s*~\s*\d", re.IGNORECASE)
# In a string a user reads, "guideline lines 942-944", "lines 1393-1396" or "footnote 22" must come from cite().
HAND_TYPED = re.compile(r"\blines?\s+~?\s*\d{3,4}|\bfootnote\s+\d", re.IGNORECASE)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def ranges(text: str) -> Iterator[tuple[int, str, tuple[int, int]]]:
    """(offset, matched text, (first, last)) for every range cited in ``text``."""
    for m in CITED.finditer(text):
        first = int(m.group(2))
        yield m.start(), m.group(0), (first, int(m.group(3) or first))
        for more in MORE.finditer(m.group(4) or ""):
            a = int(more.group(1))
            yield m.start(), m.group(0), (a, int(more.group(2) or a))


def string_texts(tree: ast.AST) -> Iterator[tuple[int, str, bool]]:
    """(line, text, is_docstring) for every string literal. Adjacent literals arrive joined (the parser joins
    them); in an f-string each ``{...}`` stands for the string constants inside it, so a number typed in an
    expression (``{'1401-1410' if lvl == 1 else '1412-1420'}``) is seen beside the words before it."""
    docstrings = {id(node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                  and isinstance(node.value.value, str)}
    parts_of_fstrings = {id(v) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for v in node.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in parts_of_fstrings:
            yield node.lineno, node.value, id(node) in docstrings
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) else
                "|".join(c.value for c in ast.walk(v) if isinstance(c, ast.Constant) and isinstance(c.value, str))
                for v in node.values)
            yield node.lineno, text, False


def sources() -> Iterator[tuple[Path, str, ast.AST]]:
    for path in FILES:
        source = path.read_text(encoding="utf-8")
        yield path, source, ast.parse(source, filename=str(path))


def test_the_scan_sees_the_code():
    names = {rel(p) for p in FILES}
    assert {"app.py", "remediation/domain/rules.py", "remediation/domain/workflow.py", "pages/triage.py"} <= names
    assert rel(REGISTRY) not in names


def test_every_cited_range_is_a_registered_one():
    wrong = []
    for path, source, tree in sources():
        seen = set()
        for offset, text, cited in ranges(source):  # code, comments and docstrings as written
            seen.add(" ".join(text.split()))
            if cited not in RANGES:
                wrong.append(f"{rel(path)}:{source.count(chr(10), 0, offset) + 1}: {' '.join(text.split())!r} "
                             f"cites {cited[0]}-{cited[1]}")
        for line, value, _ in string_texts(tree):  # literals split over several lines, read joined
            for _, text, cited in ranges(value):
                if cited not in RANGES and " ".join(text.split()) not in seen:
                    wrong.append(f"{rel(path)}:{line}: {' '.join(text.split())!r} cites {cited[0]}-{cited[1]} "
                                 "(in a string split over lines)")
    assert not wrong, ("cited ranges that are not in remediation.domain.citations (cite a key instead):\n"
                       + "\n".join(wrong))


def test_no_approximate_citation_remains():
    found = [f"{rel(path)}:{n}: {line.strip()!r}" for path, source, _ in sources()
             for n, line in enumerate(source.splitlines(), 1) if APPROXIMATION.search(line)]
    assert not found, "'~' approximations: cite the registered range instead:\n" + "\n".join(found)


def test_no_user_facing_string_types_a_citation_by_hand():
    found = [f"{rel(path)}:{line}: {value.strip()[:160]!r}" for path, _, tree in sources()
             for line, value, docstring in string_texts(tree) if not docstring and HAND_TYPED.search(value)]
    assert not found, ("strings a user reads cite by hand; use cite('key') or CITATIONS[key].lines from "
                       "remediation.domain.citations:\n" + "\n".join(sorted(found)))


def test_the_scanners_catch_what_they_are_for():
    """The patterns themselves, on the mistakes this file guards against."""
    assert [c for _, _, c in ranges("(guideline lines 937-940)")] == [(937, 940)]
    assert [c for _, _, c in ranges("(guideline line ~1240)")] == [(1240, 1240)]
    assert [c for _, _, c in ranges("outcomes (guideline lines\n    1401-1425)")] == [(1401, 1425)]
    assert [c for _, _, c in ranges("(lines 937-960, 1425-1429)")] == [(937, 960), (1425, 1429)]
    assert [c for _, _, c in ranges("(Lines 942-944 and 957–959)")] == [(942, 944), (957, 959)]
    assert [c for _, _, c in ranges("(guideline lines 1401-1410|1412-1420)")] == [(1401, 1410), (1412, 1420)]
    assert not list(ranges("1000 incidents over 300 lines"))
    tree = ast.parse('"""lines 942-944"""\n'
                     'x = "closed (guideline lines " "937-940)"\n'
                     'y = f"evidence (guideline lines {\'1401-1410\' if lvl == 1 else \'1412-1420\'})"\n'
                     'z = f"closed ({cite(\'step1_closed_documented\')})"\n'
                     'w = "Footnote 22: severity"\n')
    flagged = [(line, docstring) for line, value, docstring in string_texts(tree)
               if HAND_TYPED.search(value) and not docstring]
    assert flagged == [(2, False), (3, False), (5, False)]
