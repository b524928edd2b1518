"""Data versions by what changed: which cached figures a write makes stale, read from the database.

Every write records an audit entry (``remediation.services.base.write_audit``, the importers, the demo
loader) in its own transaction, so the audit log, which every app server shares, says what changed and in
which order. Each entry's action falls in one *area*:

* ``records``: incidents and everything recorded about them (steps, plans, money, lessons, documents), the
  settings and the level policy: every portfolio, plans and lessons figure depends on them;
* ``supply``: the smelter register and suppliers' declarations (the supply-chain page, the supplier and
  product filters);
* ``access``: who may sign in; no cached figure depends on it;
* none: a write that changes no data (a document downloaded is audited, nothing else).

:data:`LOG` moves with every entry, for what shows the audit log itself. :data:`GENERAL` moves with each ``records``
entry about no incident but the daily refresh of open incidents (the one that changes the settings or the level
policy: an entry about one incident changes that incident alone), so the settings and policies stay warm when an
incident is written to. :data:`CLOSED` keys what reads only
the incidents closed after remediation (lessons learned): it moves when their number changes, when an entry
about one of them is added, or when a ``records`` entry about no incident is (settings, policy, an unknown
write; not the daily refresh of open incidents, :data:`OPEN_ONLY_ACTIONS`), so a write to an open incident leaves
lessons learned warm (:func:`closed_key`).

*Facets* of ``records`` (:data:`FACETS`) key the whole portfolio's figures finer: what an incident's stage is
(:data:`STAGE`: status, step, who owes the next move and since when, the levels), its plans (:data:`PLANS`: plans
and everything recorded in them), the company's involvement (:data:`INVOLVEMENT`) and the values the sidebar lists
and the earlier incidents match on (:data:`LISTED`: the countries and the smelter/refiner names as written). An entry says which facets its
write changed (``audit_log.facets``: the names, comma-separated; "" for none), as the record's own write compares
the stored row with the new one (``records.replace_record``); an entry that does not say (NULL: every other writer,
every entry about no incident) changed them all. So linking a smelter or correcting a title moves ``records`` but
leaves the pipeline, the headline and the ageing warm; recording a step moves only what depends on the stage.

An entry about one incident (it names the incident) is in ``records``, whatever its action: a change to an
incident's record never changes the register, the declarations or who may sign in, nor any other incident's rows.
So a read of every incident *but one* (the earlier incidents at an incident's smelter or site) keys on
:func:`records_except`, which an entry about that one incident leaves as it was. Any other action this module
does not know counts in every area: a new kind of write can only make caches colder, never stale. An area's version is the id of the newest audit entry in it; a cached read keys on
the versions of the areas it depends on, so a write leaves every other area's figures warm.

:class:`VersionTracker` keeps the versions of one database without rescanning the log: each refresh reads
only the entries after the newest it has seen, less a window (:data:`WINDOW` ids), because on PostgreSQL
ids are taken in one order and committed in another; an entry committed later than :data:`WINDOW` newer ids
is still caught by the caches' lifetime (``ttl``)."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, func, select

from remediation.storage import schema as t

RECORDS, SUPPLY, ACCESS = "records", "supply", "access"
AREAS: tuple[str, ...] = (RECORDS, SUPPLY, ACCESS)
STAGE, PLANS, INVOLVEMENT, LISTED = "stage", "plans", "involvement", "listed"  # facets of records (see above)
FACETS: tuple[str, ...] = (STAGE, PLANS, INVOLVEMENT, LISTED)
# The incidents' columns each row-level facet covers (PLANS: any change to the incident's plans or their tables).
FACET_COLUMNS: dict[str, tuple[str, ...]] = {
    STAGE: ("status", "step", "owed_by", "step_entered_on", "level1", "level2"),
    INVOLVEMENT: ("involvement",),
    LISTED: ("country", "smelter_refiner"),
}
LOG = "log"  # not an area: the newest audit entry of any kind (an incident's audit trail keys on it)
CLOSED = "closed"  # not an area: lessons learned's scope, the incidents closed after remediation
GENERAL = "general"  # not an area: the newest records entry about no incident (the settings and policies key on it)
BY_INCIDENT = "by_incident"  # not an area: the ``records`` entries counted, in all and per incident (records_except)

NO_DATA_ACTIONS = frozenset({"downloaded document"})
# The daily refresh of open incidents' derived state (remediation.services.waiting): ``records``, about no incident,
# yet it never touches a closed one, so it leaves lessons learned's :data:`CLOSED` key as it was.
REFRESH_ACTION = "refreshed what incidents wait for"
OPEN_ONLY_ACTIONS = frozenset({REFRESH_ACTION})
ACTION_AREAS: dict[str, frozenset[str]] = {
    "added user": frozenset({ACCESS}),
    "changed user role": frozenset({ACCESS}),
    "removed user": frozenset({ACCESS}),
    "added a smelter to the register": frozenset({SUPPLY}),
    "imported supplier declaration": frozenset({SUPPLY}),
    "loaded demo declaration": frozenset({SUPPLY}),
    REFRESH_ACTION: frozenset({RECORDS}),
}
WINDOW = 256  # ids re-read below the newest seen (PostgreSQL commits ids out of order)


def areas_of(action: str, about_incident: bool = False) -> frozenset[str]:
    """The areas an audit entry changes, by its action and whether it names an incident: every area for an
    action not known here about no incident."""
    if action in NO_DATA_ACTIONS:
        return frozenset()
    return ACTION_AREAS.get(action, frozenset({RECORDS}) if about_incident else frozenset(AREAS))


def facets_of(stored: str | None) -> tuple[str, ...]:
    """The facets of ``records`` an audit entry's ``facets`` text names: every one when it says nothing (NULL)."""
    if stored is None:
        return FACETS
    named = set(stored.split(","))
    return tuple(f for f in FACETS if f in named)


def facets_text(facets) -> str | None:
    """What ``audit_log.facets`` stores for a write that changed ``facets`` (None: not known, so every one)."""
    return None if facets is None else ",".join(f for f in FACETS if f in set(facets))


def _moved_by(action: str, about_incident: bool, facets: str | None) -> tuple[str, ...]:
    """Every version an entry moves: its areas, the facets of ``records`` it changed, and :data:`LOG`."""
    areas = areas_of(action, about_incident)
    return (*areas, *(facets_of(facets) if RECORDS in areas else ()), LOG)


def versions(engine: Engine) -> dict:
    """Every area's and facet's version, computed from the whole audit log (the reference :class:`VersionTracker`
    keeps up with incrementally)."""
    out: dict = dict.fromkeys((*AREAS, *FACETS, LOG), 0)
    a = t.audit_log.c
    general = 0
    with engine.connect() as conn:
        about = a.incident_code.is_not(None)
        for action, about_incident, facets, newest in conn.execute(
                select(a.action, about, a.facets, func.max(a.id)).group_by(a.action, about, a.facets)):
            for area in _moved_by(action, bool(about_incident), facets):
                out[area] = max(out[area], newest)
            if _general(action, bool(about_incident)):
                general = max(general, newest)
        out[CLOSED] = closed_key(conn, general)
    out[GENERAL] = general
    return out


def _general(action: str, about_incident: bool) -> bool:
    """A ``records`` entry about no incident that may concern a closed one (it moves :data:`CLOSED`)."""
    return RECORDS in areas_of(action, about_incident) and not about_incident and action not in OPEN_ONLY_ACTIONS


def closed_key(conn, general: int) -> str:
    """:data:`CLOSED`'s version: the number of incidents closed after remediation, the newest audit entry about
    one of them that changed data, and ``general`` (the newest ``records`` entry about no incident). An incident that joins the
    set adds an entry about it (the newest moves); one that leaves it lowers the number, or, if another joins
    at once, that one's entry moves the newest."""
    i, a = t.incidents.c, t.audit_log.c
    closed = i.status == "closed_remediated"
    n = conn.execute(select(func.count()).where(closed)).scalar_one()
    newest = conn.execute(select(func.coalesce(func.max(a.id), 0))
                          .select_from(t.audit_log.join(t.incidents, a.incident_id == i.id))
                          .where(closed, a.action.not_in(NO_DATA_ACTIONS))).scalar_one()
    return f"{n}-{newest}-{general}"


class VersionTracker:
    """The areas' versions of one database, kept up to date by reading only the newest audit entries.

    Starts with every area at the newest entry's id (all of it may have changed before this process saw
    it, and its caches are empty anyway); thread-safe.

    :data:`CLOSED` is kept up with the same way, never by reading the whole log again (a join of the log with the
    incidents: 0.1-0.3 s on PostgreSQL at 100,000, after every write to any incident): the tracker knows which
    incidents are closed after remediation, and its key moves when a new entry names an incident that is closed
    now or was (it joined, changed or left the set), or when :func:`_general` entry arrives (then the set is read
    again). Its value differs from :func:`closed_key`'s; both move together."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._versions: dict[str, int] | None = None
        self._newest = 0
        self._seen: set[int] = set()  # ids in the window below the newest, already counted
        self._general = 0  # the newest records entry about no incident (see closed_key)
        self._closed: set[int] = set()  # the incidents closed after remediation, as of the entries seen
        self._closed_newest = 0  # the newest entry that joined, changed or left that set
        self._started = 0  # the newest entry when this tracker started: part of every records_except key
        self._records_moves = 0  # records entries seen since (one more when the log was made again)
        self._moves_about: dict[str, int] = {}  # of those, the ones about each incident (by code); copied on write

    def refresh(self, engine: Engine) -> dict:
        a = t.audit_log.c
        with self._lock:
            with engine.connect() as conn:
                newest = conn.execute(select(func.coalesce(func.max(a.id), 0))).scalar_one()
                if self._versions is None:
                    self._versions = dict.fromkeys((*AREAS, *FACETS, LOG), newest)
                    self._newest = self._general = self._closed_newest = newest
                    self._seen = set(conn.execute(select(a.id).where(a.id > newest - WINDOW)).scalars())
                    self._closed = _closed_ids(conn)
                    self._versions[CLOSED] = self._closed_key()
                    self._started = newest
                    self._versions[GENERAL] = self._general
                    self._versions[BY_INCIDENT] = self._by_incident()
                    return dict(self._versions)
                if newest < self._newest:  # the log was emptied (a database made again at this URL): all new
                    self._versions = {area: version + 1 for area, version in self._versions.items()
                                      if area not in (CLOSED, BY_INCIDENT)}
                    self._records_moves += 1
                    self._newest, self._seen = newest, set()
                    self._general += 1
                    self._closed, self._closed_newest = _closed_ids(conn), self._closed_newest + 1
                rows = conn.execute(select(a.id, a.action, a.incident_code, a.incident_id, a.facets)
                                    .where(a.id > self._newest - WINDOW)).all()
                fresh = [row for row in rows if row[0] not in self._seen]
                general_before = self._general
                about = {row[3] for row in fresh if row[3] is not None and row[1] not in NO_DATA_ACTIONS}
                closed_now = _closed_ids(conn, about) if about else set()
                moved_about: dict[str, int] = {}
                for entry, action, incident, incident_id, facets in fresh:
                    self._seen.add(entry)
                    if RECORDS in areas_of(action, incident is not None):
                        self._records_moves += 1
                        if incident is not None:
                            moved_about[incident] = moved_about.get(incident, self._moves_about.get(incident, 0)) + 1
                    for area in _moved_by(action, incident is not None, facets):
                        # an entry committed late (a smaller id than one seen) still moves its area on
                        self._versions[area] = _moved(self._versions[area], entry)
                    if _general(action, incident is not None):
                        self._general = _moved(self._general, entry)
                    if incident_id in about and (incident_id in closed_now or incident_id in self._closed):
                        self._closed_newest = _moved(self._closed_newest, entry)  # joined, changed or left
                    self._newest = max(self._newest, entry)
                self._closed = (self._closed - about) | closed_now
                unnamed = any(row[2] is not None and row[3] is None and row[1] not in NO_DATA_ACTIONS for row in fresh)
                if self._general != general_before or unnamed:  # settings, an import, a write of unknown kind, an
                    # entry whose incident is gone (its id set to NULL): read the whole set again
                    again = _closed_ids(conn)
                    if again != self._closed:
                        self._closed_newest = _moved(self._closed_newest, self._newest)
                    self._closed = again
                if moved_about:  # a new dict: the one an earlier refresh returned stays as it was
                    self._moves_about = {**self._moves_about, **moved_about}
            self._seen = {i for i in self._seen if i > self._newest - WINDOW}
            self._versions[CLOSED] = self._closed_key()
            self._versions[GENERAL] = self._general
            self._versions[BY_INCIDENT] = self._by_incident()
            return dict(self._versions)

    def _by_incident(self) -> tuple[int, int, dict[str, int]]:
        return self._started, self._records_moves, self._moves_about

    def _closed_key(self) -> str:
        return f"{len(self._closed)}-{self._closed_newest}-{self._general}"


def records_except(found: dict, code: str) -> str:
    """A version of every incident's records but the incident ``code``'s, from a :meth:`VersionTracker.refresh`:
    it moves with each ``records`` entry, unless the entry is about that incident (a step recorded on it, its
    smelter linked), which changes that incident's rows alone. A read that leaves the incident itself out, and takes
    what it needs of it as arguments, keys on it and stays warm when that incident is written to."""
    started, moves, about = found[BY_INCIDENT]
    return f"{started}.{moves - about.get(code, 0)}"


def _moved(version: int, entry: int) -> int:
    """A version after ``entry``: the entry's id, or one more when it is not newer (committed late)."""
    return max(version + 1, entry) if entry <= version else entry


def _closed_ids(conn, among: set[int] | None = None) -> set[int]:
    """The ids of the incidents closed after remediation (of ``among`` only, when given)."""
    i = t.incidents.c
    query = select(i.id).where(i.status == "closed_remediated")
    if among is None:
        return set(conn.execute(query).scalars())
    found: set[int] = set()
    ids = sorted(among)
    for start in range(0, len(ids), 1000):
        found |= set(conn.execute(query.where(i.id.in_(ids[start:start + 1000]))).scalars())
    return found
