"""What every page file must do, checked on its source: hand over to the entry script first.

Streamlit runs a file in pages/ on its own (its legacy folder mode) until some session has run the
entry script's st.navigation; a fresh server whose first visitor follows a deep link would otherwise
serve every session without the sidebar (see pages/_nav.ensure_entry_script)."""

import ast
from pathlib import Path

import pytest

PAGES = sorted(p for p in (Path(__file__).resolve().parents[2] / "pages").glob("*.py") if not p.name.startswith("_"))


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_the_first_statement_after_the_imports_is_ensure_entry_script(page):
    body = [node for node in ast.parse(page.read_text()).body
            if not isinstance(node, (ast.Import, ast.ImportFrom))
            and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]  # docstring
    first = body[0]
    assert isinstance(first, ast.Expr) and isinstance(first.value, ast.Call), f"{page.name}: {ast.dump(first)[:80]}"
    assert getattr(first.value.func, "id", None) == "ensure_entry_script", page.name


def test_every_page_file_is_registered():
    import sys

    sys.path.insert(0, str(PAGES[0].parents[1]))
    from pages._nav import PAGES as REGISTERED

    assert {p.stem for p in PAGES} == set(REGISTERED)


def test_every_url_path_is_the_page_file_name():
    """Before any session has run st.navigation, Streamlit resolves a first deep link by file name: a page
    whose URL differs from its file answered a fresh server's first /import with 'Page not found'."""
    import re

    app = (PAGES[0].parents[1] / "app.py").read_text()
    pairs = re.findall(r'st\.Page\(PAGES\["(\w+)"\][^)]*?url_path="(\w+)"', app)
    assert pairs and all(name == path for name, path in pairs), pairs
