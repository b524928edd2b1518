"""What-if triage on a projector (1024×768): the verdict, the matrix and the input labels show every word
whole, on one line, and nothing is clipped."""

from __future__ import annotations

import pytest

from .helpers import assert_no_app_exception, wait_for_app

pytestmark = pytest.mark.e2e

# For each text element of the verdict, the matrix and the input labels: is it clipped (scrollWidth above
# clientWidth), and does any word of it lie on more than one line (a Range over the word has rects on two lines)?
LAYOUT_FAULTS = r"""
() => {
  const scopes = ['[class*="st-key-verdict"]', '[class*="st-key-triage_matrix"]', '[class*="st-key-triage_inputs"] label',
                  '[data-testid="stSegmentedControl"]'];
  const faults = [];
  for (const scope of scopes) {
    for (const root of document.querySelectorAll(scope)) {
      for (const el of root.querySelectorAll('p, span, h3, label, button, div[data-testid="stMarkdownContainer"]')) {
        if (!el.offsetParent || !el.innerText.trim()) continue;
        if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible'
            || el.scrollWidth > el.clientWidth + 1 && el.tagName === 'BUTTON')
          faults.push(`clipped: "${el.innerText.slice(0, 60)}" (${el.scrollWidth} > ${el.clientWidth})`);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          if (node.parentElement !== el) continue;
          const re = /\S+/g; let m;
          while ((m = re.exec(node.data))) {
            const range = document.createRange();
            range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
            const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (tops.size > 1) faults.push(`word split across lines: "${m[0]}"`);
          }
        }
      }
    }
  }
  const inputs = document.querySelector('[class*="st-key-triage_inputs"]').getBoundingClientRect();
  for (const el of document.querySelectorAll('[class*="st-key-triage_inputs"] button, [class*="st-key-triage_inputs"] label')) {
    const r = el.getBoundingClientRect();
    if (r.width && (r.right > inputs.right + 1 || r.left < inputs.left - 1))
      faults.push(`outside the inputs column: "${el.innerText.slice(0, 60)}"`);
  }
  return faults;
}
"""


def test_triage_reads_whole_at_1024x768(streamlit_app, browser, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    server = streamlit_app("app.py", database_url=f"sqlite:///{tmp_path / 'fresh.db'}")
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(f"{server.url}/triage")
        wait_for_app(page, timeout=60_000)
        assert_no_app_exception(page)
        expect(page.locator(".st-key-verdict")).to_contain_text("Level 1 recommended · Level 2 recommended")
        page.screenshot(path=str(artifacts_dir / "triage-1024-default.png"), full_page=True)
        assert page.evaluate(LAYOUT_FAULTS) == []
        page.get_by_text("Repeated (not an isolated event)").click()
        wait_for_app(page)
        expect(page.locator(".st-key-verdict")).to_contain_text("Level 1 MANDATORY · Level 2 recommended")
        page.screenshot(path=str(artifacts_dir / "triage-1024.png"), full_page=True)
        assert page.evaluate(LAYOUT_FAULTS) == []
    finally:
        context.close()
