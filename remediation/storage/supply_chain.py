"""The read side of the supply chain: the smelter register, suppliers and their declarations, and exposure —
which suppliers and products an incident reaches, currently or in the past (guideline: an allegation is
actionable when it links to a current or past supply-chain partner, ``actionable_definition``; the audit
programme then assesses current or past trading, ``trading_link_assessment``).

Exposure is matched by **smelter ID**: an incident linked to ``CID…`` reaches every supplier whose declaration
lists that ID. Through the supplier's **latest** declaration (of that template) the link is *current*; through
earlier declarations only, *past*. A company-scope declaration reaches all of the supplier's products, a
product-scope one the products it lists. Declared rows without an ID ("Smelter not listed") can only match by
name: they are shown apart, as unconfirmed.

Portfolio-wide figures are computed per smelter first (one pass over the incidents, grouped by smelter ID) and
then joined to the distinct supplier-smelter and product-smelter pairs: an incident has one smelter, so summing
per-smelter counts over a supplier's distinct smelters counts each incident once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

import pandas as pd
from sqlalchemy import Engine, and_, case, func, literal, or_, select

from remediation.domain.supply_chain import ALL_PRODUCTS, LEVEL_RANKS, LISTING, METALS, SCOPES, normalise_name
from remediation.domain.vocab import STATUSES
from remediation.storage import schema as t
from remediation.storage.queries import PortfolioFilter, distinct_sorted

PRODUCTS_SHOWN = 8  # products named per supplier in the incident's exposure; the rest are counted
SUGGESTION_THRESHOLD = 0.5


def _rank():
    """SQL: the highest level of response an incident requires, as :data:`LEVEL_RANKS` ranks it."""
    c = t.incidents.c
    return case((c.level1 == "mandatory", 5), (c.level1 == "recommended", 4), (c.level2 == "mandatory", 3),
                (c.level2 == "recommended", 2), (c.level1.is_not(None), 1), else_=0)


def _declared_products(conn, declaration_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    p = t.declaration_products.c
    for i in range(0, len(declaration_ids), 1000):
        for declaration_id, product in conn.execute(
                select(p.declaration_id, p.product).where(p.declaration_id.in_(declaration_ids[i:i + 1000]))
                .order_by(p.declaration_id, p.row)):
            out.setdefault(declaration_id, []).append(product)
    return out


def products_text(scope: str, products: list[str], description: str = "") -> str:
    """What a declaration covers, in words: all products, or the products it lists."""
    if scope == "company":
        return ALL_PRODUCTS
    named = "; ".join(products[:PRODUCTS_SHOWN]) + (f"; and {len(products) - PRODUCTS_SHOWN} more"
                                                     if len(products) > PRODUCTS_SHOWN else "")
    if scope == "user_defined":
        return f"User defined: {description}" + (f" ({named})" if named else "") if description else (named or "—")
    return named or "—"


# --- the register ----------------------------------------------------------------------------------------

def register(engine: Engine) -> pd.DataFrame:
    """Every smelter in the register with how many suppliers declare it now and before, and its incidents."""
    sm, ds, d, c = t.smelters.c, t.declaration_smelters.c, t.declarations.c, t.incidents.c
    declared = (select(ds.smelter_id, d.supplier_id, func.max(case((d.is_current, 1), else_=0)).label("current"))
                .select_from(t.declaration_smelters.join(t.declarations)).where(ds.smelter_id.is_not(None))
                .group_by(ds.smelter_id, d.supplier_id).subquery())
    by_smelter = (select(declared.c.smelter_id, func.sum(declared.c.current).label("current"),
                         func.count().label("any")).group_by(declared.c.smelter_id).subquery())
    incidents = (select(c.smelter_id, func.count().label("incidents"),
                        func.count().filter(c.status == "open").label("open"))
                 .where(c.smelter_id.is_not(None)).group_by(c.smelter_id).subquery())
    with engine.connect() as conn:
        rows = conn.execute(
            select(sm.smelter_id, sm.metal, sm.name, sm.country, sm.source,
                   func.coalesce(by_smelter.c.current, 0), func.coalesce(by_smelter.c.any, 0),
                   func.coalesce(incidents.c.incidents, 0), func.coalesce(incidents.c.open, 0))
            .select_from(t.smelters.outerjoin(by_smelter, by_smelter.c.smelter_id == sm.smelter_id)
                         .outerjoin(incidents, incidents.c.smelter_id == sm.smelter_id))
            .order_by(sm.smelter_id)).all()
    df = pd.DataFrame(rows, columns=["smelter_id", "metal", "name", "country", "source", "suppliers_current",
                                     "suppliers_any", "incidents", "open_incidents"])
    df["suppliers_past"] = df["suppliers_any"] - df["suppliers_current"]
    df["metal"] = df["metal"].map(METALS).fillna(df["metal"])
    df["source"] = df["source"].map({"declarations": "Suppliers' declarations", "entered": "Entered by hand"})
    return df.drop(columns="suppliers_any")


def register_options(engine: Engine) -> dict[str, str]:
    """smelter ID → "CID900012 · Kestrel Tin Smelting (Tin, INDONESIA)", for pickers."""
    sm = t.smelters.c
    with engine.connect() as conn:
        rows = conn.execute(select(sm.smelter_id, sm.name, sm.metal, sm.country).order_by(sm.name)).all()
    return {r.smelter_id: f"{r.smelter_id} · {r.name} ({METALS.get(r.metal, r.metal)}"
                          f"{', ' + r.country if r.country else ''})" for r in rows}


def smelter(engine: Engine, smelter_id: str) -> dict | None:
    sm = t.smelters.c
    with engine.connect() as conn:
        row = conn.execute(select(sm.smelter_id, sm.metal, sm.name, sm.country, sm.source)
                           .where(sm.smelter_id == smelter_id)).mappings().first()
    return dict(row) if row else None


# --- suggestions for linking an incident to the register --------------------------------------------------

def _names(engine: Engine) -> pd.DataFrame:
    """Every name a smelter ID is known by: the register's and each declaration's (suppliers spell names
    differently), with metal and country."""
    sm, ds = t.smelters.c, t.declaration_smelters.c
    with engine.connect() as conn:
        register_rows = conn.execute(select(sm.smelter_id, sm.name_key, sm.name, sm.metal, sm.country)).all()
        aliases = conn.execute(select(ds.smelter_id, ds.name_key).where(ds.smelter_id.is_not(None)).distinct()).all()
    names = pd.DataFrame(register_rows, columns=["smelter_id", "name_key", "name", "metal", "country"])
    alias = pd.DataFrame(aliases, columns=["smelter_id", "name_key"]).merge(
        names.drop(columns="name_key"), on="smelter_id", how="inner")
    return pd.concat([names, alias], ignore_index=True).drop_duplicates(["smelter_id", "name_key"])


def _score(key: str, candidate: str) -> float:
    if not key or not candidate:
        return 0.0
    if key == candidate:
        return 1.0
    a, b = set(key.split()), set(candidate.split())
    return len(a & b) / len(a | b)


def _country_key(text: str) -> str:
    return normalise_name(text).replace(" of the", "").replace("the ", "")


def _suggest(names: pd.DataFrame, name: str, country: str, mineral: str, limit: int) -> list[dict]:
    key = normalise_name(name)
    found: dict[str, dict] = {}
    for row in names.itertuples():
        score = _score(key, row.name_key)
        if score < SUGGESTION_THRESHOLD:
            continue
        why = ["same name" if score == 1.0 else f"similar name ({score:.0%} of words shared)"]
        if mineral and row.metal == mineral:
            score += 0.2
            why.append(f"same metal ({METALS.get(row.metal, row.metal)})")
        elif mineral and mineral in METALS and row.metal != mineral:
            score -= 0.5  # a tin incident is not at a gold refiner
            why.append(f"different metal ({METALS.get(row.metal, row.metal)})")
        if country and row.country and _country_key(country) == _country_key(row.country):
            score += 0.1
            why.append("same country")
        best = found.get(row.smelter_id)
        if best is None or score > best["score"]:
            found[row.smelter_id] = {"smelter_id": row.smelter_id, "name": row.name, "metal": row.metal,
                                     "country": row.country, "score": round(score, 3), "why": ", ".join(why)}
    ranked = sorted(found.values(), key=lambda s: (-s["score"], s["smelter_id"]))
    return [s for s in ranked if s["score"] >= SUGGESTION_THRESHOLD][:limit]


def smelter_suggestions(engine: Engine, name: str, country: str = "", mineral: str = "", limit: int = 5
                        ) -> list[dict]:
    """Register entries that may be the smelter named ``name``: by normalised name (the register's and every
    name declarations use for the ID), then the same metal and country. Best first, each with why."""
    return _suggest(_names(engine), name, country, mineral, limit)


def unlinked_incidents(engine: Engine, limit: int = 500) -> tuple[pd.DataFrame, int]:
    """Incidents not linked to the register yet (newest first, at most ``limit``), each with its best suggestion;
    and how many there are. Suggestions are computed once per distinct name, country and mineral."""
    c = t.incidents.c
    where = c.smelter_id.is_(None)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).where(where)).scalar_one()
        rows = conn.execute(select(c.code, c.title, c.smelter_refiner, c.country, c.mineral, c.status,
                                   c.date_received).where(where).order_by(c.date_received.desc(), c.code.desc())
                            .limit(limit)).all()
    df = pd.DataFrame(rows, columns=["code", "title", "smelter_refiner", "country", "mineral", "status",
                                     "date_received"])
    names = _names(engine)
    best: dict[tuple, dict | None] = {}
    for key in {(r.smelter_refiner, r.country, r.mineral) for r in df.itertuples()}:
        found = _suggest(names, *key, limit=1)
        best[key] = found[0] if found else None
    suggestions = [best[(r.smelter_refiner, r.country, r.mineral)] for r in df.itertuples()]
    df["suggested_id"] = [s["smelter_id"] if s else None for s in suggestions]
    df["suggested"] = [f"{s['smelter_id']} · {s['name']}" if s else "" for s in suggestions]
    df["why"] = [s["why"] if s else "no register entry with a similar name" for s in suggestions]
    df["status"] = df["status"].map(STATUSES)
    return df, total


# --- suppliers and declarations ----------------------------------------------------------------------------

def suppliers(engine: Engine) -> pd.DataFrame:
    """Each supplier: its current declarations, how many it has sent, what the current ones list."""
    s, d, ds = t.suppliers.c, t.declarations.c, t.declaration_smelters.c
    with engine.connect() as conn:
        decl = conn.execute(select(d.id, d.supplier_id, s.name, d.template, d.version, d.scope, d.effective_date,
                                   d.is_current, d.product_rows, d.imported_at)
                            .join_from(t.declarations, t.suppliers).order_by(s.name, d.effective_date)).all()
        counts = conn.execute(
            select(d.supplier_id, func.count(func.distinct(ds.smelter_id)),
                   func.count().filter(ds.listing != "listed"))
            .select_from(t.declaration_smelters.join(t.declarations)).where(d.is_current)
            .group_by(d.supplier_id)).all()
    df = pd.DataFrame(decl, columns=["id", "supplier_id", "supplier", "template", "version", "scope",
                                     "effective_date", "current", "products", "imported_at"])
    smelters = {sid: (n, special) for sid, n, special in counts}
    out = []
    for supplier_id, group in df.groupby("supplier_id", sort=False):
        current = group[group["current"]]
        out.append({
            "supplier_id": supplier_id, "supplier": group["supplier"].iloc[0],
            "current": "; ".join(f"{r.template} {r.version}, effective {r.effective_date}, "
                                 f"{SCOPES[r.scope].split(' (')[0].lower()} scope" for r in current.itertuples()),
            "latest_effective": current["effective_date"].max(),
            "declarations": len(group), "superseded": int((~group["current"]).sum()),
            "smelters": smelters.get(supplier_id, (0, 0))[0], "not_identified": smelters.get(supplier_id, (0, 0))[1],
            "products": int(current["products"].sum()),
            "company_scope": bool((current["scope"] == "company").any()),
            "last_imported": group["imported_at"].max()})
    return pd.DataFrame(out, columns=["supplier_id", "supplier", "current", "latest_effective", "declarations",
                                      "superseded", "smelters", "not_identified", "products", "company_scope",
                                      "last_imported"])


def declarations(engine: Engine, supplier_id: int | None = None, limit: int = 2000) -> pd.DataFrame:
    """Imported declarations, newest import first (one supplier's, or all)."""
    s, d = t.suppliers.c, t.declarations.c
    query = (select(d.id, s.name.label("supplier"), d.template, d.version, d.scope, d.effective_date, d.is_current,
                    d.smelter_rows, d.product_rows, d.file_name, d.imported_at, d.imported_by, d.warnings)
             .join_from(t.declarations, t.suppliers).order_by(d.imported_at.desc(), d.id.desc()).limit(limit))
    if supplier_id is not None:
        query = query.where(d.supplier_id == supplier_id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    df = pd.DataFrame(rows, columns=["id", "supplier", "template", "version", "scope", "effective_date", "is_current",
                                     "smelter_rows", "product_rows", "file_name", "imported_at", "imported_by",
                                     "warnings"])
    df["status"] = df["is_current"].map({True: "Current", False: "Superseded"})
    df["scope"] = df["scope"].map(SCOPES)
    df["warnings"] = [len(w or []) for w in df["warnings"]]
    return df


def declaration_detail(engine: Engine, declaration_id: int) -> tuple[dict, pd.DataFrame, pd.DataFrame] | None:
    """One declaration: what it says of itself, its smelter rows and its products."""
    s, d, ds, p = t.suppliers.c, t.declarations.c, t.declaration_smelters.c, t.declaration_products.c
    with engine.connect() as conn:
        head = conn.execute(select(d, s.name.label("supplier")).join_from(t.declarations, t.suppliers)
                            .where(d.id == declaration_id)).mappings().first()
        if head is None:
            return None
        smelter_rows = conn.execute(select(ds.row, ds.metal, ds.smelter_id, ds.name, ds.country, ds.listing,
                                           ds.mine_names, ds.mine_countries)
                                    .where(ds.declaration_id == declaration_id).order_by(ds.row)).all()
        products = conn.execute(select(p.row, p.number, p.name, p.requester_number, p.requester_name)
                                .where(p.declaration_id == declaration_id).order_by(p.row)).all()
    sm = pd.DataFrame(smelter_rows, columns=["row", "metal", "smelter_id", "name", "country", "listing", "mines",
                                             "mine_countries"])
    sm["metal"] = sm["metal"].map(METALS)
    sm["listing"] = sm["listing"].map(LISTING)
    return dict(head), sm, pd.DataFrame(products, columns=["row", "number", "name", "requester_number",
                                                           "requester_name"])


# --- one incident's exposure -------------------------------------------------------------------------------

@dataclass(frozen=True)
class IncidentExposure:
    """Which suppliers and products one incident reaches.

    ``suppliers``: one row per supplier whose declarations list the incident's smelter ID — ``link`` current or
    past, the declaration that lists it (template, version, effective date), the supplier's current declaration
    where the smelter is no longer listed, the products reached, the mines declared. ``by_name``: declared rows
    without a smelter ID whose name matches (unconfirmed). ``earlier``: earlier incidents at the same smelter
    ID, site or smelter name and country (evidence of high occurrence, footnote 22; :func:`earlier_incidents`)."""
    code: str
    smelter_id: str | None
    smelter: dict | None
    suppliers: pd.DataFrame
    by_name: pd.DataFrame
    earlier: pd.DataFrame

    @property
    def current(self) -> int:
        return int((self.suppliers["link"] == "current").sum()) if not self.suppliers.empty else 0

    @property
    def past(self) -> int:
        return int((self.suppliers["link"] == "past").sum()) if not self.suppliers.empty else 0


_SUPPLIER_COLUMNS = ["supplier", "link", "template", "version", "declared_effective", "current_effective", "scope",
                     "products", "mines"]


def _exposure_rows(conn, where) -> pd.DataFrame:
    """Per supplier (and template), the link of the declared rows matching ``where``: current when the
    supplier's current declaration lists it, else past (through its latest declaration that does)."""
    s, d, ds = t.suppliers.c, t.declarations.c, t.declaration_smelters.c
    rows = conn.execute(
        select(d.id, d.supplier_id, s.name, d.template, d.version, d.scope, d.scope_description, d.effective_date,
               d.is_current, ds.mine_names, ds.mine_countries)
        .select_from(t.declaration_smelters.join(t.declarations).join(t.suppliers)).where(where)
        .order_by(s.name, d.effective_date.desc(), d.id.desc())).all()
    if not rows:
        return pd.DataFrame(columns=_SUPPLIER_COLUMNS)
    current_of = {(sid, tpl): (eff, version) for sid, tpl, eff, version in conn.execute(
        select(d.supplier_id, d.template, d.effective_date, d.version).where(
            d.is_current, d.supplier_id.in_({r.supplier_id for r in rows})))}
    chosen: dict[tuple, object] = {}
    for r in rows:  # newest first: the first row per supplier and template is the one that counts
        key = (r.supplier_id, r.template)
        if key not in chosen or (r.is_current and not chosen[key].is_current):
            chosen[key] = r
    products = _declared_products(conn, [r.id for r in chosen.values()])
    out = []
    for (supplier_id, template), r in chosen.items():
        current = current_of.get((supplier_id, template))
        mines = "; ".join(x for x in (r.mine_names, f"({r.mine_countries})" if r.mine_countries else "") if x)
        out.append({"supplier": r.name, "link": "current" if r.is_current else "past", "template": r.template,
                    "version": r.version, "declared_effective": r.effective_date,
                    "current_effective": None if r.is_current or current is None else current[0],
                    "scope": r.scope, "products": products_text(r.scope, products.get(r.id, []), r.scope_description),
                    "mines": mines})
    df = pd.DataFrame(out, columns=_SUPPLIER_COLUMNS)
    return df.sort_values(["link", "supplier"], key=lambda col: col.map({"current": 0, "past": 1}) if col.name == "link"
                          else col.str.casefold()).reset_index(drop=True)


_EARLIER_COLUMNS = ["code", "title", "incident_date", "status", "match"]
SAME_SMELTER_ID, SAME_SMELTER_NAME, SAME_SITE = "same smelter ID", "same smelter name and country", "same site"


@dataclass(frozen=True)
class EarlierIncidents:
    """Earlier incidents at the same smelter/refiner or site as the incident ``code``: evidence that a violation is
    repeated rather than isolated (high occurrence, guideline footnote 22, ``footnote22_occurrence_and_persons``).

    ``incidents``: the newest first (at most the ``limit`` asked for), ``code``, ``title``, ``incident_date``,
    ``status``, ``match`` (why it counts). ``at_smelter`` and ``at_site`` count all of them, whatever the limit: an
    incident at the same smelter counts there even if it is also at the same site. ``since``: the window's first
    day (None: no window)."""
    code: str
    since: date | None
    incidents: pd.DataFrame
    at_smelter: int
    at_site: int

    @property
    def total(self) -> int:
        return self.at_smelter + self.at_site


def _earlier(conn, incident, since: date | None = None, limit: int = 50, countries: Sequence[str] | None = None,
             smelter_names: Sequence[str] | None = None) -> EarlierIncidents:
    """Incidents dated before ``incident`` (its incident date, strictly; on or after ``since`` if given) at:

    * the same smelter/refiner: the same register smelter ID when this incident is linked; and, linked or not, an
      incident not linked to another ID whose smelter/refiner has the same normalised name
      (:func:`~remediation.domain.supply_chain.normalise_name`) in the same country;
    * or the same site (case and surrounding spaces ignored) in the same country.
    """
    c = t.incidents.c
    country = _country_key(incident.country)
    every_country = distinct_sorted(conn, c.country) if countries is None else countries
    countries = [x for x in every_country if _country_key(x) == country]
    key = normalise_name(incident.smelter_refiner)
    if key and smelter_names is None:
        smelter_names = distinct_sorted(conn, c.smelter_refiner)
    names = [n for n in smelter_names if normalise_name(n) == key] if key else []
    matches = []
    if incident.smelter_id:
        matches.append((c.smelter_id == incident.smelter_id, SAME_SMELTER_ID))
    if names and countries:
        same_name = [c.smelter_refiner.in_(names), c.country.in_(countries)]
        if incident.smelter_id:  # an incident linked to another smelter ID is another smelter, whatever its name
            same_name.append(or_(c.smelter_id.is_(None), c.smelter_id == incident.smelter_id))
        matches.append((and_(*same_name), SAME_SMELTER_NAME))
    site = incident.site.strip().lower()
    if site and countries:
        matches.append((and_(func.lower(func.trim(c.site)) == site, c.country.in_(countries)), SAME_SITE))
    if not matches:
        return EarlierIncidents(incident.code, since, pd.DataFrame(columns=_EARLIER_COLUMNS), 0, 0)
    why = case(*matches, else_=literal("")).label("match")
    where = [or_(*(m for m, _ in matches)), c.code != incident.code, c.incident_date < incident.incident_date]
    if since is not None:
        where.append(c.incident_date >= since)
    # One pass over the matches: the counts are window sums over every match, taken before the limit applies (a
    # second, grouped query walked the same rows again: a whole country's incidents for the site, at 100,000)
    at_smelter = func.sum(case((why.in_([SAME_SMELTER_ID, SAME_SMELTER_NAME]), 1), else_=0)).over()
    at_site = func.sum(case((why == SAME_SITE, 1), else_=0)).over()
    rows = conn.execute(select(c.code, c.title, c.incident_date, c.status, why, at_smelter, at_site).where(*where)
                        .order_by(c.incident_date.desc(), c.code).limit(limit)).all()
    if rows:
        counts = (int(rows[0][5]), int(rows[0][6]))
    elif limit > 0:  # nothing matched
        counts = (0, 0)
    else:  # no row asked for: the counts alone
        found = dict(conn.execute(select(why, func.count()).where(*where).group_by(why)).all())
        counts = (found.get(SAME_SMELTER_ID, 0) + found.get(SAME_SMELTER_NAME, 0), found.get(SAME_SITE, 0))
    df = pd.DataFrame([r[:5] for r in rows], columns=_EARLIER_COLUMNS)
    df["status"] = df["status"].map(STATUSES)
    return EarlierIncidents(incident.code, since, df, *counts)


class IncidentKeys(NamedTuple):
    """What :func:`earlier_than` needs of the incident itself (its record's values)."""
    code: str
    smelter_id: str | None
    smelter_refiner: str
    site: str
    country: str
    incident_date: date


def earlier_than(engine: Engine, incident: IncidentKeys, since: date | None = None, limit: int = 50,
                 countries: Sequence[str] | None = None, smelter_names: Sequence[str] | None = None
                 ) -> EarlierIncidents:
    """:func:`earlier_incidents` of an incident given by its keys (as its record holds them) instead of its code:
    it reads every incident but that one, so a cache of it keyed by
    :func:`remediation.storage.versions.records_except` (and these keys) stays exact when that incident is written
    to, and warm."""
    with engine.connect() as conn:
        return _earlier(conn, incident, since, limit, countries, smelter_names)


_INCIDENT_KEYS = (t.incidents.c.code, t.incidents.c.smelter_id, t.incidents.c.smelter_refiner, t.incidents.c.site,
                  t.incidents.c.country, t.incidents.c.incident_date)


def earlier_incidents(engine: Engine, code: str, since: date | None = None, limit: int = 50,
                      countries: Sequence[str] | None = None, smelter_names: Sequence[str] | None = None
                      ) -> EarlierIncidents | None:
    """Earlier incidents at the same smelter/refiner or site as the incident ``code`` (None for an unknown code),
    dated on or after ``since`` when given (the level policy's window,
    :meth:`remediation.domain.policy.Policy.occurrence_since`). A suggestion for "repeated": it never sets it.

    ``countries`` and ``smelter_names``: every incident's distinct countries and smelter/refiner names
    (:func:`remediation.storage.queries.distinct_values`), when the caller has them already (the sidebar's
    filters read them on every page); read here when not given."""
    with engine.connect() as conn:
        incident = conn.execute(select(*_INCIDENT_KEYS).where(t.incidents.c.code == code.strip().upper())).first()
        if incident is None:
            return None
        return _earlier(conn, incident, since, limit, countries, smelter_names)


@dataclass(frozen=True)
class SmelterExposure:
    """The supply-chain half of :class:`IncidentExposure`: what the register and the declarations say about the
    smelter an incident names (``smelter_id``, linked or None, and the name the allegation gives). It reads no
    incident table, so a write to an incident's records leaves it as it was."""
    smelter_id: str | None
    smelter: dict | None
    suppliers: pd.DataFrame
    by_name: pd.DataFrame


def _smelter_exposure(conn, smelter_id: str | None, smelter_refiner: str) -> SmelterExposure:
    ds = t.declaration_smelters.c
    register_row = None
    if smelter_id:
        sm = t.smelters.c
        found = conn.execute(select(sm.smelter_id, sm.metal, sm.name, sm.country, sm.source)
                             .where(sm.smelter_id == smelter_id)).mappings().first()
        register_row = dict(found) if found else None
    linked = _exposure_rows(conn, ds.smelter_id == smelter_id) if smelter_id \
        else pd.DataFrame(columns=_SUPPLIER_COLUMNS)
    keys = {normalise_name(smelter_refiner)} | ({normalise_name(register_row["name"])} if register_row else set())
    by_name = _exposure_rows(conn, and_(ds.smelter_id.is_(None), ds.name_key.in_(keys - {""})))
    return SmelterExposure(smelter_id, register_row, linked, by_name)


def smelter_exposure(engine: Engine, smelter_id: str | None, smelter_refiner: str) -> SmelterExposure:
    """The register's entry for ``smelter_id`` (None: not linked), the suppliers whose declarations list it, and
    the rows declared without an ID under the name ``smelter_refiner`` (or the register's name): an incident's
    exposure less its earlier incidents. Reads the register and the declarations only."""
    with engine.connect() as conn:
        return _smelter_exposure(conn, smelter_id, smelter_refiner)


def incident_exposure(engine: Engine, code: str) -> IncidentExposure | None:
    """The exposure of the incident ``code`` (None for an unknown code)."""
    c = t.incidents.c
    with engine.connect() as conn:
        incident = conn.execute(select(*_INCIDENT_KEYS).where(c.code == code.strip().upper())).first()
        if incident is None:
            return None
        part = _smelter_exposure(conn, incident.smelter_id, incident.smelter_refiner)
        earlier = _earlier(conn, incident).incidents
    return IncidentExposure(incident.code, incident.smelter_id, part.smelter, part.suppliers, part.by_name, earlier)


# --- the portfolio's exposure --------------------------------------------------------------------------------

def _open_by_smelter(conn, flt: PortfolioFilter) -> pd.DataFrame:
    """Open incidents matching ``flt`` per linked smelter: count, Level 1 mandatory, highest rank."""
    c = t.incidents.c
    rows = conn.execute(
        select(c.smelter_id, func.count(), func.count().filter(c.level1 == "mandatory"), func.max(_rank()))
        .where(flt.where(with_status=False), c.status == "open", c.smelter_id.is_not(None))
        .group_by(c.smelter_id)).all()
    return pd.DataFrame(rows, columns=["smelter_id", "open", "level1_mandatory", "rank"])


def _supplier_pairs(conn) -> pd.DataFrame:
    """Distinct (supplier, smelter ID, current?) over every declaration."""
    s, d, ds = t.suppliers.c, t.declarations.c, t.declaration_smelters.c
    rows = conn.execute(
        select(d.supplier_id, s.name, ds.smelter_id, d.is_current)
        .select_from(t.declaration_smelters.join(t.declarations).join(t.suppliers))
        .where(ds.smelter_id.is_not(None)).distinct()).all()
    return pd.DataFrame(rows, columns=["supplier_id", "supplier", "smelter_id", "current"])


def _aggregate(pairs: pd.DataFrame, by_smelter: pd.DataFrame, key: str) -> pd.DataFrame:
    merged = pairs.merge(by_smelter, on="smelter_id", how="inner")
    if merged.empty:
        return pd.DataFrame(columns=[key, "open", "level1_mandatory", "rank", "smelters"])
    return merged.groupby(key, as_index=False).agg(open=("open", "sum"), level1_mandatory=("level1_mandatory", "sum"),
                                                   rank=("rank", "max"), smelters=("smelter_id", "nunique"))


def supplier_exposure(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Suppliers ranked by the highest level of response their open incidents require, then by open incidents:
    ``supplier``, ``open`` (open incidents at a smelter its current declarations list), ``level1_mandatory``,
    ``highest`` (label), ``smelters`` (with open incidents), ``past_open`` (open incidents at smelters only its
    earlier declarations listed). Suppliers with no open incident are left out."""
    with engine.connect() as conn:
        by_smelter = _open_by_smelter(conn, flt)
        pairs = _supplier_pairs(conn)
    columns = ["supplier", "open", "level1_mandatory", "rank", "highest", "smelters", "past_open"]
    if pairs.empty or by_smelter.empty:
        return pd.DataFrame(columns=columns)
    current = pairs[pairs["current"]].drop_duplicates(["supplier", "smelter_id"])
    now = set(zip(current["supplier"], current["smelter_id"]))
    past = pairs[~pairs["current"]].drop_duplicates(["supplier", "smelter_id"])
    past = past[pd.Series([(s, sid) not in now for s, sid in zip(past["supplier"], past["smelter_id"])],
                          index=past.index, dtype=bool)]  # a Series: an empty list would select columns
    out = _aggregate(current, by_smelter, "supplier")
    past_open = _aggregate(past, by_smelter, "supplier")[["supplier", "open"]].rename(columns={"open": "past_open"})
    out = out.merge(past_open, on="supplier", how="outer").fillna({"open": 0, "level1_mandatory": 0, "rank": 0,
                                                                   "smelters": 0, "past_open": 0})
    for col in ("open", "level1_mandatory", "rank", "smelters", "past_open"):
        out[col] = out[col].astype(int)
    out["highest"] = out["rank"].map(LEVEL_RANKS)
    out.loc[out["open"] == 0, "highest"] = "—"
    return out.sort_values(["rank", "open", "past_open", "supplier"], ascending=[False, False, False, True]) \
        .reset_index(drop=True)[columns]


def _product_pairs(conn) -> pd.DataFrame:
    """Distinct (product, supplier, smelter ID) over current declarations; company-scope declarations as
    "All products of <supplier>"."""
    s, d, ds, p = t.suppliers.c, t.declarations.c, t.declaration_smelters.c, t.declaration_products.c
    listed = conn.execute(
        select(p.product, s.name, ds.smelter_id)
        .select_from(t.declaration_products.join(t.declarations).join(t.suppliers)
                     .join(t.declaration_smelters, ds.declaration_id == p.declaration_id))
        .where(d.is_current, d.scope != "company", ds.smelter_id.is_not(None)).distinct()).all()
    company = conn.execute(
        select(s.name, ds.smelter_id).select_from(t.declaration_smelters.join(t.declarations).join(t.suppliers))
        .where(d.is_current, d.scope == "company", ds.smelter_id.is_not(None)).distinct()).all()
    rows = [(product, supplier, sid, False) for product, supplier, sid in listed]
    rows += [(f"All products of {supplier}", supplier, sid, True) for supplier, sid in company]
    return pd.DataFrame(rows, columns=["product", "supplier", "smelter_id", "company"])


def product_exposure(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> pd.DataFrame:
    """Products ranked like :func:`supplier_exposure`, through suppliers' current declarations: ``product``,
    ``suppliers`` (names), ``open``, ``level1_mandatory``, ``highest``. A company-wide declaration appears as
    "All products of <supplier>"."""
    with engine.connect() as conn:
        by_smelter = _open_by_smelter(conn, flt)
        pairs = _product_pairs(conn)
    columns = ["product", "suppliers", "open", "level1_mandatory", "rank", "highest", "smelters"]
    if pairs.empty or by_smelter.empty:
        return pd.DataFrame(columns=columns)
    reached = pairs[pairs["smelter_id"].isin(set(by_smelter["smelter_id"]))]
    names = reached.groupby("product")["supplier"].agg(lambda s: ", ".join(sorted(set(s)))).rename("suppliers")
    out = _aggregate(pairs.drop_duplicates(["product", "smelter_id"]), by_smelter, "product").merge(
        names, left_on="product", right_index=True, how="left")
    out["highest"] = out["rank"].map(LEVEL_RANKS)
    return out.sort_values(["rank", "open", "product"], ascending=[False, False, True]).reset_index(drop=True)[columns]


@dataclass(frozen=True)
class ExposureHeadline:
    open_incidents: int  # open incidents matching the filters
    linked: int  # … linked to a register smelter ID
    reaching_current: int  # … at a smelter some supplier's current declaration lists
    reaching_past_only: int  # … at a smelter only earlier declarations list
    suppliers_current: int  # suppliers whose current declarations list a smelter with an open incident
    level1_current: int  # open incidents requiring Level 1 (mandatory) that reach a current supplier
    products: int  # products (and company-wide declarations) reached through current declarations
    declarations: int  # imported declarations (all suppliers, all time)
    suppliers: int  # suppliers with a declaration


def exposure_headline(engine: Engine, flt: PortfolioFilter = PortfolioFilter()) -> ExposureHeadline:
    c, d = t.incidents.c, t.declarations.c
    where = and_(flt.where(with_status=False), c.status == "open")
    with engine.connect() as conn:
        open_n, linked = conn.execute(select(func.count(), func.count(c.smelter_id)).where(where)).one()
        by_smelter = _open_by_smelter(conn, flt)
        pairs = _supplier_pairs(conn)
        products = _product_pairs(conn)
        n_decl, n_suppliers = conn.execute(select(func.count(), func.count(func.distinct(d.supplier_id)))).one()
    current_ids = set(pairs.loc[pairs["current"], "smelter_id"]) if not pairs.empty else set()
    any_ids = set(pairs["smelter_id"]) if not pairs.empty else set()
    hit = by_smelter[by_smelter["smelter_id"].isin(current_ids)]
    past_only = by_smelter[by_smelter["smelter_id"].isin(any_ids - current_ids)]
    reached = set(by_smelter["smelter_id"])
    return ExposureHeadline(
        open_incidents=open_n, linked=linked, reaching_current=int(hit["open"].sum()),
        reaching_past_only=int(past_only["open"].sum()),
        suppliers_current=int(pairs[pairs["current"] & pairs["smelter_id"].isin(reached)]["supplier"].nunique())
        if not pairs.empty else 0,
        level1_current=int(hit["level1_mandatory"].sum()),
        products=int(products[products["smelter_id"].isin(reached)]["product"].nunique()) if not products.empty else 0,
        declarations=n_decl, suppliers=n_suppliers)


@dataclass(frozen=True)
class Flows:
    """A smelter → supplier → product flow chart's data: ``nodes`` (label, stage, open incidents reaching it) and
    ``links`` (source and target node positions, open incidents, highest rank), plus what was grouped."""
    nodes: pd.DataFrame
    links: pd.DataFrame
    smelters: int
    suppliers: int
    products: int


def _top(values: pd.Series, n: int, other: str) -> dict:
    """Keep the ``n`` largest labels; the rest become ``other``."""
    ranked = values.sort_values(ascending=False)
    keep = set(ranked.index[:n])
    rest = len(ranked) - len(keep)
    return {label: (label if label in keep else other.format(n=rest)) for label in ranked.index}


def exposure_flows(engine: Engine, flt: PortfolioFilter = PortfolioFilter(), *, smelters: int = 12,
                   suppliers: int = 12, products: int = 10) -> Flows:
    """Open incidents flowing from smelter to supplier (current declarations) to product, the largest ``smelters``,
    ``suppliers`` and ``products`` shown by name and the rest grouped ("12 other smelters"), so the chart reads at
    50 suppliers and 200 smelters. An incident reaches every supplier that declares its smelter, and every product
    those declarations cover: a link's value is the open incidents reaching that pair."""
    with engine.connect() as conn:
        by_smelter = _open_by_smelter(conn, flt)
        pairs = _supplier_pairs(conn)
        product_pairs = _product_pairs(conn)
        sm = t.smelters.c
        names = dict(conn.execute(select(sm.smelter_id, sm.name)).all())
    empty = Flows(pd.DataFrame(columns=["label", "stage", "value"]),
                  pd.DataFrame(columns=["source", "target", "value", "rank"]), 0, 0, 0)
    if pairs.empty or by_smelter.empty:
        return empty
    current = pairs[pairs["current"]].drop_duplicates(["supplier", "smelter_id"])
    sl = current.merge(by_smelter, on="smelter_id")
    if sl.empty:
        return empty
    sl["smelter"] = [f"{names.get(i, i)} ({i})" for i in sl["smelter_id"]]
    sp = product_pairs.merge(by_smelter, on="smelter_id")
    sp.loc[sp["company"], "product"] = ALL_PRODUCTS  # one node for every company-wide declaration
    smelter_map = _top(sl.groupby("smelter")["open"].first(), smelters, "{n} other smelters")
    supplier_map = _top(sl.groupby("supplier")["open"].sum(), suppliers, "{n} other suppliers")
    product_map = _top(sp.groupby("product")["open"].sum(), products, "{n} other products") if not sp.empty else {}
    sl["s_node"], sl["p_node"] = sl["smelter"].map(smelter_map), sl["supplier"].map(supplier_map)
    first = sl.groupby(["s_node", "p_node"], as_index=False).agg(value=("open", "sum"), rank=("rank", "max"))
    if not sp.empty:
        sp["s_node"], sp["p_node"] = sp["supplier"].map(supplier_map), sp["product"].map(product_map)
        sp = sp.dropna(subset=["s_node"]).drop_duplicates(["s_node", "p_node", "smelter_id"])
        second = sp.groupby(["s_node", "p_node"], as_index=False).agg(value=("open", "sum"), rank=("rank", "max"))
    else:
        second = pd.DataFrame(columns=["s_node", "p_node", "value", "rank"])
    labels = ([(n, "smelter") for n in dict.fromkeys(first["s_node"])] + [(n, "supplier") for n in dict.fromkeys(
        first["p_node"])] + [(n, "product") for n in dict.fromkeys(second["p_node"])])
    position = {label: i for i, label in enumerate(labels)}
    links = pd.concat([
        pd.DataFrame({"source": [position[(a, "smelter")] for a in first["s_node"]],
                      "target": [position[(b, "supplier")] for b in first["p_node"]],
                      "value": first["value"], "rank": first["rank"]}),
        pd.DataFrame({"source": [position[(a, "supplier")] for a in second["s_node"]],
                      "target": [position[(b, "product")] for b in second["p_node"]],
                      "value": second["value"], "rank": second["rank"]})], ignore_index=True)
    value = links.groupby("target")["value"].sum().to_dict()
    out_value = links.groupby("source")["value"].sum().to_dict()
    nodes = pd.DataFrame([{"label": label, "stage": stage, "value": int(max(value.get(i, 0), out_value.get(i, 0)))}
                          for i, (label, stage) in enumerate(labels)])
    return Flows(nodes, links.astype({"value": int, "rank": int}), sl["smelter"].nunique(), sl["supplier"].nunique(),
                 sp["product"].nunique() if not sp.empty else 0)


def exposure_as_of(engine: Engine) -> date | None:
    """The newest effective date among current declarations: the exposure is as current as that."""
    d = t.declarations.c
    with engine.connect() as conn:
        return conn.execute(select(func.max(d.effective_date)).where(d.is_current)).scalar_one()
