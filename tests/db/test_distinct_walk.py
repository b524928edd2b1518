"""The sidebar's choices and the earlier-incidents match read distinct values by walking an index
(``queries.distinct_sorted``, issue #15: PostgreSQL reads the whole table for a plain DISTINCT): the same values in
the same order as ``SELECT DISTINCT … ORDER BY``, on SQLite and PostgreSQL, whatever the values' case and accents."""

from __future__ import annotations

from sqlalchemy import select, update

from remediation.storage import queries
from remediation.storage import schema as t

c = t.incidents.c


def _plain(conn, col) -> list:
    return list(conn.execute(select(col).distinct().order_by(col)).scalars())


def test_the_walk_gives_what_select_distinct_gives(demo_engine):
    with demo_engine.connect() as conn:
        codes = _plain(conn, c.code)[:6]
    awkward = ["brazil", "Brazil ", "Ürdün", "Zambia", "a", "Côte d'Ivoire"]  # case, spaces and accents sort apart
    with demo_engine.begin() as conn:
        for code, value in zip(codes, awkward):
            conn.execute(update(t.incidents).where(c.code == code).values(country=value, smelter_refiner=value))
    with demo_engine.connect() as conn:
        for col in (c.country, c.smelter_refiner, c.mineral, c.status):  # NOT NULL, each leading an index
            walked = queries.distinct_sorted(conn, col)
            assert walked == _plain(conn, col) and len(walked) > 1, col.name
        assert set(awkward) <= set(queries.distinct_sorted(conn, c.country))
        for col in (c.title, c.smelter_id):  # no index of its own, or NULLs: the plain query, the same answer
            assert queries.distinct_sorted(conn, col) == _plain(conn, col)
        assert queries.distinct_values(demo_engine, "country") == queries.distinct_sorted(conn, c.country)


def test_an_empty_table_has_no_values(engine):
    with engine.connect() as conn:
        assert queries.distinct_sorted(conn, c.country) == [] == _plain(conn, c.country)
