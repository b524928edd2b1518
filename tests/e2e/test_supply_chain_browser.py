"""The "Done means" walk of issue #14 in a real browser, as a new user would take it: import forty suppliers'
workbooks (one in French, one of an older template version, one broken); open an incident and see which suppliers
and products it reaches, current or past; filter the portfolio to one product line; show the board which suppliers
carry the most open Level 1 incidents. Screenshots go to test-artifacts/ for review."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from remediation.services.demo import read_fixture
from remediation.storage import engine as db
from remediation.storage import supply_chain as sc
from remediation.storage.queries import PortfolioFilter, portfolio

from .helpers import assert_no_app_exception, wait_for_app

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data" / "declarations"))
import make_workbooks as mw  # noqa: E402

pytestmark = pytest.mark.e2e


def forty_workbooks(folder: Path) -> list[Path]:
    """37 suppliers as the generator mixes them, plus one in French, one CMRT 6.01 and one broken file."""
    files = dict(mw.supplier_workbooks(37, rows=25, filler_to=80, seed=414))
    files["fournisseur-francais-cmrt-6.5.xlsx"] = mw.build(mw.typical(
        "CMRT", "6.5", language="fr", company="Fournisseur Synthétique SA", seed=4141, n_smelters=20, filler_to=80))
    files["older-supplier-cmrt-6.01.xlsx"] = mw.build(mw.typical(
        "CMRT", "6.01", company="Older Template Ltd", seed=4142, n_smelters=20, filler_to=80))
    broken = mw.typical("CMRT", "6.5", company="Broken Supplier Ltd", seed=4143, filler_to=80)
    broken.smelters[2] = mw.Smelter(metal="Tin", lookup=broken.smelters[2].lookup, name=broken.smelters[2].name,
                                    country=broken.smelters[2].country, cid="CID12X45")
    files["broken-supplier.xlsx"] = mw.build(broken)
    paths = []
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths.append(folder / name)
    assert len(paths) == 40
    return paths


def test_done_means_walk(streamlit_app, page, artifacts_dir, tmp_path):
    from playwright.sync_api import expect

    url = f"sqlite:///{tmp_path / 'walk.db'}"
    server = streamlit_app("app.py", database_url=url, env={"REMEDIATION_DEMO": "1"})
    page.set_viewport_size({"width": 1440, "height": 900})

    # 1. Import forty suppliers' workbooks at once.
    folder = tmp_path / "workbooks"
    folder.mkdir()
    paths = forty_workbooks(folder)
    page.goto(server.url + "/imports")
    wait_for_app(page, timeout=60_000)
    expect(page.get_by_text("Import suppliers' declarations (CMRT and EMRT)")).to_be_visible()
    page.locator("[data-testid='stFileUploader'] input[type='file']").nth(1).set_input_files([str(p) for p in paths])
    button = page.get_by_role("button", name="Import 40 workbooks")
    expect(button).to_be_visible(timeout=60_000)
    button.click()
    wait_for_app(page, timeout=300_000)
    assert_no_app_exception(page)
    expect(page.get_by_text("40 files: 39 imported, 0 already imported, 1 refused", exact=False)).to_be_visible()
    refused = page.get_by_text("broken-supplier.xlsx: refused, 1 problem")
    expect(refused).to_be_visible()
    refused.click()
    # The refusal's list item (the results grid repeats the text in a cell once its accessible DOM is drawn,
    # which made a page-wide get_by_text match twice under load: a strict-mode violation).
    expect(page.get_by_role("listitem").filter(
        has_text="Smelter List!F7: 'CID12X45' is not an RMI smelter ID")).to_be_visible()
    page.screenshot(path=str(artifacts_dir / "declarations-import.png"), full_page=True)

    engine = db.make_engine(url)
    names = set(sc.suppliers(engine)["supplier"])
    assert {"Fournisseur Synthétique SA", "Older Template Ltd"} <= names and "Broken Supplier Ltd" not in names

    # 2. Open an incident: which suppliers and products it reaches, current or past.
    code = next(r.incident.code for r in read_fixture()
                if r.incident.smelter_id and (x := sc.incident_exposure(engine, r.incident.code)).current and x.past)
    exposure = sc.incident_exposure(engine, code)
    page.goto(f"{server.url}/incident?incident={code}")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    expect(page.get_by_role("heading", name="Supply-chain exposure")).to_be_visible()
    summary = page.get_by_text(f"Smelter/refiner linked to {exposure.smelter_id}")
    expect(summary).to_contain_text(f"{exposure.current} supplier")
    expect(summary).to_contain_text(f"{exposure.past} only in earlier declarations")
    grid = page.locator("[data-testid='stDataFrame']").filter(has_text=exposure.suppliers["supplier"].iloc[0]).first
    grid.scroll_into_view_if_needed()
    expect(grid).to_contain_text("Current")
    expect(grid).to_contain_text("Past")
    page.screenshot(path=str(artifacts_dir / "incident-exposure.png"), full_page=True)

    # 3. Filter the portfolio to one product line, from the sidebar.
    product = "Halo camera"
    page.goto(server.url + "/?status=All")
    wait_for_app(page, timeout=60_000)
    sidebar = page.locator("[data-testid='stSidebar']")
    box = sidebar.locator("[data-testid='stMultiSelect']").filter(has_text="Product")
    box.click()
    page.keyboard.type(product)
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_app(page, timeout=60_000)
    expected, matching = portfolio(engine, PortfolioFilter(product=(product,)))
    assert 0 < matching < len(read_fixture())
    expect(page.get_by_text(f"{matching} incidents · all", exact=True)).to_be_visible()
    assert "product=Halo" in page.url
    page.screenshot(path=str(artifacts_dir / "portfolio-product.png"), full_page=True)

    # 4. Board mode: the suppliers carrying the most open Level 1 incidents.
    top = sc.supplier_exposure(engine).sort_values(["level1_mandatory", "open"], ascending=False).iloc[0]
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(server.url + "/supply_chain?board=true")
    wait_for_app(page, timeout=60_000)
    assert_no_app_exception(page)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_contain_text("Suppliers carrying the most open Level 1 incidents")
    expect(chart).to_contain_text(top["supplier"][:30])
    expect(page.locator("[data-testid='stForm']")).to_have_count(0)
    page.screenshot(path=str(artifacts_dir / "board-supply-chain.png"))
    engine.dispose()
