"""A page part kept as one cached view (pages._data.view) and reads run at once (pages._data.together): the view is
built once per data version and arguments, built again when either moves, and shared; the reads give their results
in order, run beside each other, and raise as they raised (issue #15)."""

from __future__ import annotations

import threading
from datetime import date

import pytest

from pages import _data
from remediation.storage.queries import PortfolioFilter


@pytest.fixture
def versions(monkeypatch):
    """The data versions the view keys on, moved by the test as a write would move them."""
    found = {"closed": 1, "supply": 1}
    monkeypatch.setattr(_data, "_key", lambda areas: "db#" + ".".join(f"{a}{found[a]}" for a in areas))
    _data._view.clear()
    yield found
    _data._view.clear()


def test_a_view_is_built_once_per_data_version_and_arguments_and_shared(versions):
    built = []

    def build(flt, by, today):
        built.append((flt, by, today))
        return {"rows": [len(built)]}

    gold = PortfolioFilter(mineral=("gold",))
    first = _data.view("test.view", ("closed", "supply"), build, gold, "mineral", date(2026, 12, 1))
    again = _data.view("test.view", ("closed", "supply"), build, PortfolioFilter(mineral=("gold",)), "mineral",
                       date(2026, 12, 1))
    assert again is first and len(built) == 1  # equal arguments: the same object, for every session

    other = _data.view("test.view", ("closed", "supply"), build, gold, "level", date(2026, 12, 1))
    assert other == {"rows": [2]} and built[-1] == (gold, "level", date(2026, 12, 1))
    _data.view("test.view", ("closed", "supply"), build, PortfolioFilter(), "mineral", date(2026, 12, 1))
    _data.view("test.view", ("closed", "supply"), build, gold, "mineral", date(2026, 12, 2))
    assert len(built) == 4  # another filter, another day: built again

    versions["closed"] += 1  # a write to a closed incident
    moved = _data.view("test.view", ("closed", "supply"), build, gold, "mineral", date(2026, 12, 1))
    assert moved is not first and moved == {"rows": [5]}
    versions["supply"] += 1
    _data.view("test.view", ("closed", "supply"), build, gold, "mineral", date(2026, 12, 1))
    assert len(built) == 6
    _data.view("test.view", ("closed",), build, gold, "mineral", date(2026, 12, 1))
    versions["supply"] += 1  # an area the view does not key on: still warm
    _data.view("test.view", ("closed",), build, gold, "mineral", date(2026, 12, 1))
    assert len(built) == 7


def test_views_of_different_names_never_share(versions):
    a = _data.view("test.a", ("closed",), lambda x: ("a", x), 1)
    b = _data.view("test.b", ("closed",), lambda x: ("b", x), 1)
    assert (a, b) == (("a", 1), ("b", 1))


def test_reads_together_keep_their_order_and_run_beside_each_other():
    meet = threading.Barrier(3, timeout=10)  # only reached if the three run at the same time

    def read(n):
        meet.wait()
        return n * 10

    assert _data.together(lambda: read(1), lambda: read(2), lambda: read(3)) == [10, 20, 30]
    assert _data.together(lambda: 7) == [7] and _data.together() == []


def test_a_read_that_fails_together_raises_its_own_error():
    def fails():
        raise LookupError("no such incident")

    with pytest.raises(LookupError, match="no such incident"):
        _data.together(lambda: 1, fails, lambda: 3)


def test_emptying_the_caches_empties_every_shared_cache_but_the_engines(versions):
    """The benchmark's cold runs start from this: a cache of pages._data it missed would make a cold run warm."""
    from streamlit.runtime.caching.cache_type import CacheType
    from streamlit.runtime.caching.cache_utils import CachedFunc

    shared = {name for name, value in vars(_data).items()
              if isinstance(value, CachedFunc) and value._info.cache_type is CacheType.RESOURCE}
    assert shared - {"_bootstrapped"} == {name for name in shared if getattr(_data, name) in _data.SHARED_CACHES}
    built = []
    _data.view("test.cold", ("closed",), lambda: built.append(1))
    _data.view("test.cold", ("closed",), lambda: built.append(1))
    _data.empty_caches()
    _data.view("test.cold", ("closed",), lambda: built.append(1))
    assert built == [1, 1]
