"""The supply-chain Sankey at many suppliers (#18): no two node labels of a column touch, however thin the nodes."""

from __future__ import annotations

import os
import re
from datetime import date
from itertools import pairwise

import pandas as pd
import pytest

from remediation.reports import board_pack, supply_charts
from remediation.storage.supply_chain import Flows

LINE = 17  # px: a 13 px label's line


def _flows(suppliers: int) -> Flows:
    """One smelter reaching ``suppliers`` suppliers, one of them carrying nearly everything, then one product."""
    labels = [("Smelter A (CID000001)", "smelter")] + [
        (f"Supplier number {i} Trading Ltd", "supplier") for i in range(suppliers)] + [("Product X", "product")]
    values = [60] + [1] * (suppliers - 1)
    targets = list(range(1, suppliers + 1))
    links = pd.DataFrame({"source": [0] * suppliers + targets, "target": targets + [suppliers + 1] * suppliers,
                          "value": values + values, "rank": [1] * 2 * suppliers})
    nodes = pd.DataFrame({"label": [label for label, _ in labels], "stage": [s for _, s in labels],
                          "value": [sum(values), *values, sum(values)]})
    return Flows(nodes, links, 1, suppliers, 1)


@pytest.mark.parametrize("suppliers", [13, 21])  # the default 12 largest and "other suppliers"; a slider's 20
def test_supplier_labels_do_not_touch(suppliers):
    fig = supply_charts.flows(_flows(suppliers), date(2026, 12, 1), "open incidents")
    rendered = board_pack._render_svgs([(fig, 1000, int(fig.layout.height))])
    if not rendered:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("kaleido could not render: no Chromium")
        pytest.skip("kaleido could not render: no Chromium")
    svg = rendered[0].decode()
    columns: dict[float, list[float]] = {}
    for x, y, label_y in re.findall(r'class="sankey-node" transform="translate\(([\d.]+),([\d.]+)\)".*?'
                                    r'class="node-label"[^>]*transform="translate\([-\d.]+,([-\d.]+)\)"', svg):
        columns.setdefault(round(float(x)), []).append(float(y) + float(label_y))
    middle = max(columns.values(), key=len)
    assert len(middle) == suppliers
    middle.sort()
    gaps = [b - a for a, b in pairwise(middle)]
    assert min(gaps) >= LINE, gaps
