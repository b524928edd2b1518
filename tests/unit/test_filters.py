"""The sidebar filters in words (``PortfolioFilter.describe``), as chart subtitles, captions and the board pack
state them: the open/closed choice is named where it applies, and only there."""

import pytest

from remediation.storage.queries import PortfolioFilter


@pytest.mark.parametrize(("flt", "with_status", "expected"), [
    (PortfolioFilter(), True, "all incidents"),
    (PortfolioFilter(status="open"), True, "open incidents"),
    (PortfolioFilter(status="closed", mineral=("gold",), country=("Ghana",)), True,
     "closed incidents; filters: Gold; Ghana"),
    (PortfolioFilter(status="open"), False, "all incidents"),  # figures that ignore the choice
    (PortfolioFilter(status="open", mineral=("tin",)), False, "filters: Tin"),
])
def test_describe(flt, with_status, expected):
    assert flt.describe(with_status=with_status) == expected
