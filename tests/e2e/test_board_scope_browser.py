"""Board mode says one scope: no page's own caption names a different one than the scope line (#18)."""

from __future__ import annotations

import re

import pytest

from remediation.domain.workflow import evaluate
from remediation.services.demo import read_fixture

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

# How PortfolioFilter.describe() words a scope: "all incidents", "open incidents; filters: …", after "; " or alone
SCOPE_WORDS = re.compile(r"(?:^|; )(all|open|closed) incidents(?=[;.]|$)")


@pytest.mark.parametrize("status", ["open", "all"])
def test_no_caption_says_another_scope_than_the_scope_line(streamlit_app, browser, artifacts_dir, tmp_path, status):
    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    at_step4 = next(r for r in read_fixture() if (s := evaluate(r)).is_open and s.step == 4)
    query = f"board=true&status={status}"
    pages = {"portfolio": "/", "incident": f"/incident?incident={at_step4.incident.code}&", "plans": "/plans",
             "lessons": "/lessons", "triage": f"/triage?from={at_step4.incident.code}&", "policy": "/policy",
             "supply_chain": "/supply_chain", "admin": "/admin", "imports": "/imports"}
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    try:
        for name, path in pages.items():
            page.goto(server.url + path + ("" if path.endswith("&") else "?") + query)
            wait_for_app(page, timeout=60_000)
            assert_no_app_exception(page)
            captions = [t.strip() for t in page.locator("[data-testid='stCaptionContainer']").all_inner_texts()]
            scope_lines = [c for c in captions if c.startswith("Scope: ")]
            assert len(scope_lines) == 1, (name, scope_lines)
            said = {m.group(1) for m in SCOPE_WORDS.finditer(scope_lines[0].removeprefix("Scope: "))} or {"all"}
            assert said == {status}, (name, scope_lines)
            for caption in captions:
                if caption is scope_lines[0]:
                    continue
                assert "Scope:" not in caption, (name, caption)
                others = {m.group(1) for m in SCOPE_WORDS.finditer(caption)} - said
                assert not others, (name, caption)
            # a figure ignoring the open/closed choice says what it counts, never "all incidents" under another scope
            if status != "all":
                for svg in page.locator(".main-svg .gtitle").evaluate_all("els => els.map(e => e.textContent)"):
                    assert "all incidents" not in svg, (name, svg)
            if status == "open":
                page.screenshot(path=str(artifacts_dir / f"board-scope-{name}.png"), full_page=True)
    finally:
        context.close()
