"""The loop the hypothesis tests of kept figures share: apply random writes one by one, checking after each."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from remediation.services.base import Refused


def apply_each(engine, writes: Iterable[tuple[Callable, int]], check: Callable[[], None]) -> None:
    """Run each ``(write, n)`` on ``engine``, then ``check()``. A write the rules refuse writes nothing: the check
    after it is still a case."""
    for write, n in writes:
        try:
            write(engine, n)
        except Refused:
            pass
        check()
