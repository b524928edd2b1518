"""Synthetic portfolios: the demo fixture in ``data/`` and portfolios of any size for benchmarks.

Every name here is invented: no real company, mine operator, organisation or person. Victims
appear only as pseudonymous codes (``V-001``).

How a portfolio is made: each incident is given a receipt date spread over about three years before
``today`` and a whole life through the six steps with realistic durations (Step 1 in weeks, the plan
in months, monitoring 6-12 months as the guideline recommends). Everything dated after ``today`` is
cut off, so recent incidents stand early in the process and old ones are closed — the spread over
steps comes from time, not from a script. A share of allegations is closed at Step 1 as not
credible, not actionable or unsubstantiated.
"""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from sqlalchemy import Engine

from remediation.domain.chronology import violations
from remediation.domain.models import (
    Actionability,
    AssessmentRecord,
    AuditProgrammeNotice,
    BudgetLine,
    CasePlan,
    Closure,
    Consultation,
    CorrectiveAction,
    Credibility,
    Expenditure,
    FeedbackRound,
    Funding,
    IncidentIn,
    IncidentRecord,
    Indicator,
    Initiative,
    LessonAction,
    Lessons,
    Measurement,
    Milestone,
    MonitoringReport,
    Plan,
    PlanClosure,
    RelationshipDecision,
    Response,
    SmelterNotice,
    Substantiation,
)
from remediation.domain.policy import DEFAULT_POLICY, Policy
from remediation.domain.record_rules import (
    child_case_problem,
    closure_figures,
    coverage,
    coverage_gap,
    figure_disagreements,
    money_flags,
    step1_closure_problem,
    unexplained_disagreements,
)
from remediation.domain.rules import assess
from remediation.domain.supply_chain import DeclaredProduct, DeclaredSmelter, ParsedDeclaration
from remediation.domain.vocab import (
    ASSISTANCE_TYPES,
    CLOSED_STATUSES,
    FUNDING_SOURCES,
    REMEDY_TYPES,
    STAKEHOLDERS,
    STEPS,
    in_vocab_order,
)
from remediation.domain.workflow import evaluate
from remediation.services.base import Actor, write_audit
from remediation.services.declarations import sha256, store_declaration
from remediation.services.demo_followups import store_demo_followups
from remediation.services.evidence import detect_type
from remediation.storage import schema as t
from remediation.storage.engine import make_engine
from remediation.storage.evidence import insert_document
from remediation.storage.records import insert_records

DEMO_FIXTURE = Path(__file__).resolve().parents[2] / "data" / "demo_portfolio.json"
DEMO_DECLARATIONS = Path(__file__).resolve().parents[2] / "data" / "demo_declarations.json"
DEMO_ACTOR = "demo portfolio loader"

COUNTRIES = {
    "tin": ["Democratic Republic of the Congo", "Rwanda", "Bolivia", "Indonesia", "Myanmar"],
    "tantalum": ["Democratic Republic of the Congo", "Rwanda", "Nigeria", "Brazil"],
    "tungsten": ["Democratic Republic of the Congo", "Rwanda", "Bolivia", "Peru"],
    "gold": ["Ghana", "Peru", "Colombia", "Mali", "Burkina Faso", "Tanzania", "Philippines"],
    "cobalt": ["Democratic Republic of the Congo"],
    "mica": ["Madagascar"],
}
MINERAL_WEIGHTS = {"tin": 26, "tantalum": 18, "tungsten": 16, "gold": 34, "cobalt": 4, "mica": 2}
SMELTERS = {
    "tin": ["Kestrel Tin Smelting", "Saltmarsh Metals", "Ironbark Tin Works"],
    "tantalum": ["Lumen Tantalum Processing", "Northfold Refractory Metals"],
    "tungsten": ["Halden Tungsten Works", "Greyfield Alloys"],
    "gold": ["Corvid Gold Refiners", "Marrow Ridge Refinery", "Sunhollow Precious Metals", "Tallis Bullion"],
    "cobalt": ["Blackwater Cobalt Processing"],
    "mica": ["Quillstone Minerals"],
}
# The demo smelters' RMI-style IDs: invented (CID9xxxxx), never a real facility's. Greyfield Alloys has none: no
# supplier's declaration finds it in the look-up list ("Smelter not listed"), so its incidents match by name only.
SMELTER_COUNTRIES = {
    "Kestrel Tin Smelting": "INDONESIA", "Saltmarsh Metals": "MALAYSIA", "Ironbark Tin Works": "BOLIVIA (PLURINATIONAL STATE OF)",
    "Lumen Tantalum Processing": "CHINA", "Northfold Refractory Metals": "GERMANY", "Halden Tungsten Works": "VIET NAM",
    "Greyfield Alloys": "RWANDA", "Corvid Gold Refiners": "SWITZERLAND", "Marrow Ridge Refinery": "PERU",
    "Sunhollow Precious Metals": "UNITED ARAB EMIRATES", "Tallis Bullion": "GHANA",
    "Blackwater Cobalt Processing": "CHINA", "Quillstone Minerals": "INDIA",
}
UNLISTED_SMELTERS = {"Greyfield Alloys"}
SMELTER_IDS = {name: f"CID9{i:05d}" for i, name in enumerate(
    (n for names in SMELTERS.values() for n in names if n not in UNLISTED_SMELTERS), start=1)}
DEMO_SMELTER_IDS = frozenset(SMELTER_IDS.values())
POOL_COUNTRIES = ["INDONESIA", "BOLIVIA (PLURINATIONAL STATE OF)", "CHINA", "PERU", "RWANDA", "BRAZIL", "MALAYSIA",
                  "THAILAND", "CONGO, DEMOCRATIC REPUBLIC OF THE", "JAPAN", "GERMANY", "SWITZERLAND", "GHANA",
                  "VIET NAM", "INDIA", "UNITED STATES OF AMERICA"]
POOL_WORDS = ["Amberlee", "Brightwater", "Copperfield", "Dunmore", "Eastvale", "Fenwick", "Glenrock", "Harrow",
              "Islay", "Juniper", "Kingsfold", "Larkspur", "Moorcroft", "Norwood", "Oakhaven", "Pinecrest", "Redcliff",
              "Stonebridge", "Thornbury", "Underhill", "Westmarch", "Yarrow", "Zephyr", "Ashgrove", "Birchmount",
              "Coldharbour", "Deepdale", "Elmstead", "Foxley", "Galloway"]
POOL_KINDS = {"tantalum": "Tantalum Processing", "tin": "Tin Smelting", "tungsten": "Tungsten Works",
              "gold": "Gold Refiners", "cobalt": "Cobalt Refinery", "mica": "Mica Processing", "copper": "Copper Smelter",
              "graphite": "Graphite Mill", "lithium": "Lithium Chemicals", "nickel": "Nickel Refinery"}


def smelter_pool(n: int = 200, seed: int = 14) -> list[tuple[str, str, str, str]]:
    """``n`` invented smelters as (smelter ID, metal, name, country): the demo smelters first (their IDs are
    :data:`SMELTER_IDS`), then generated ones (``CID9…``), deterministic. No real facility, no real ID."""
    out = [(cid, next(m for m, names in SMELTERS.items() if name in names), name, SMELTER_COUNTRIES[name])
           for name, cid in SMELTER_IDS.items()]
    rng = random.Random(seed)
    metals, weights = list(POOL_KINDS), [14, 24, 14, 30, 6, 3, 3, 2, 2, 2]
    taken = {name for _, _, name, _ in out}
    while len(out) < n:
        metal = rng.choices(metals, weights)[0]
        name = f"{rng.choice(POOL_WORDS)} {POOL_KINDS[metal]}" + ("" if rng.random() < 0.5 else f" {rng.randint(2, 9)}")
        if name in taken:
            continue
        taken.add(name)
        out.append((f"CID9{len(out) + 1:05d}", metal, name, rng.choice(POOL_COUNTRIES)))
    return out[:n]


PRODUCT_LINES = ["Aurora smartphone", "Nimbus laptop", "Vega tablet", "Orion smartwatch", "Lyra earbuds",
                 "Atlas server", "Comet e-bike controller", "Halo camera", "Pulse fitness band", "Drift drone",
                 "Echo speaker", "Terra charger"]
SUPPLIER_FIRST = ["Arbor", "Beacon", "Cobalt Ridge", "Delta", "Ember", "Fairway", "Granite", "Harbor", "Indigo",
                  "Jasper", "Keystone", "Lattice", "Meridian", "Nova", "Onyx", "Prism", "Quartz", "Radiant", "Summit",
                  "Tidewater", "Umbra", "Vertex", "Willow", "Xenon", "Yardley", "Zenith"]
SUPPLIER_SECOND = ["Circuits", "Components", "Electronics", "Interconnect", "Micro", "Solder Supply", "Precision Parts",
                   "Display Systems", "Power Devices", "Assembly", "Battery Works", "Metals Trading"]
SUPPLIER_FORMS = ["Ltd", "Co., Ltd.", "GmbH", "Inc.", "S.A.", "Pte. Ltd.", "K.K."]
CMRT_BY_YEAR = {2023: "6.3", 2024: "6.31", 2025: "6.4", 2026: "6.5"}
EMRT_BY_YEAR = {2023: "1.2", 2024: "1.3", 2025: "2.0", 2026: "2.1"}


def generate_declarations(n_suppliers: int = 36, seed: int = 2026, today: date | None = None,
                          smelters: int = 120, rows: tuple[int, int] = (12, 45)) -> list[dict]:
    """``n_suppliers`` fictional suppliers' declarations, as the workbooks would have been parsed, oldest first:
    one to three a supplier (the older ones superseded), each listing ``rows`` smelters of :func:`smelter_pool`
    (drifting a little from year to year, so some smelters are only in past declarations), a few "Smelter not
    listed" and "not yet identified" rows, and company-, product- or user-defined scope over :data:`PRODUCT_LINES`.
    Each item: ``{"file_name", "declaration": ParsedDeclaration}``."""
    today = today or date.today()
    rng = random.Random(seed)
    pool = smelter_pool(smelters)
    cmrt_pool = [p for p in pool if p[1] in ("tin", "tantalum", "tungsten", "gold")]
    emrt_pool = [p for p in pool if p[1] in ("cobalt", "mica", "copper", "graphite", "lithium", "nickel")]
    names: set[str] = set()
    out: list[dict] = []
    for i in range(n_suppliers):
        while True:
            supplier = f"{rng.choice(SUPPLIER_FIRST)} {rng.choice(SUPPLIER_SECOND)} {rng.choice(SUPPLIER_FORMS)}"
            if supplier not in names:
                break
        names.add(supplier)
        emrt = i % 9 == 4
        candidates = emrt_pool if emrt else cmrt_pool
        # The demo's own smelters (those with incidents) are in a few suppliers' declarations each, so suppliers
        # and product lines differ in what they reach; the others fill the lists.
        plain = [c for c in candidates if c[0] not in DEMO_SMELTER_IDS]
        listed = rng.sample(plain, min(len(plain), rng.randint(*rows)))
        listed += [c for c in candidates if c[0] in DEMO_SMELTER_IDS and rng.random() < 0.15]
        scope = rng.choices(["company", "product", "user_defined"], [4, 5, 1])[0]
        products = rng.sample(PRODUCT_LINES, rng.randint(1, 3)) if scope != "company" else []
        count = rng.choices([1, 2, 3], [4, 4, 2])[0]
        first_year = today.year - count + 1
        for k in range(count):
            year = first_year + k
            effective = min(date(year, rng.randint(1, 12), rng.randint(1, 28)), today)
            if k:  # a year on: a few smelters dropped, a few added
                for _ in range(max(1, len(listed) // 10)):
                    listed.remove(rng.choice(listed))
                listed += rng.sample([c for c in candidates if c not in listed], max(1, len(listed) // 10))
                if k == count - 1 and i % 4 == 1:  # some suppliers stopped sourcing from a demo smelter: past links
                    named = [c for c in listed if c[0] in DEMO_SMELTER_IDS]
                    for c in named[:2]:
                        listed.remove(c)
            version = (EMRT_BY_YEAR if emrt else CMRT_BY_YEAR).get(year, "2.1" if emrt else "6.5")
            rows_out = [DeclaredSmelter(row=5 + j, metal=metal, smelter_id=cid, name=name, country=country,
                                        id_source="RMI (synthetic demo ID)")
                        for j, (cid, metal, name, country) in enumerate(listed)]
            extra = []
            if not emrt and rng.random() < 0.35:
                extra.append(("tungsten", "Greyfield Alloys", "RWANDA") if rng.random() < 0.5 else
                             (rng.choice(["tin", "gold"]), f"{rng.choice(POOL_WORDS)} Recyclers", rng.choice(POOL_COUNTRIES)))
            for metal, name, country in extra:
                rows_out.append(DeclaredSmelter(row=5 + len(rows_out), metal=metal, name=name, country=country,
                                                listing="not_listed"))
            if rng.random() < 0.2:
                rows_out.append(DeclaredSmelter(row=5 + len(rows_out), metal=rows_out[0].metal, name="Unknown",
                                                country="Unknown" if not emrt else "", listing="not_yet_identified"))
            declaration = ParsedDeclaration(
                template="EMRT" if emrt else "CMRT", version=version,
                layout=("emrt21" if version == "2.1" else "emrt20" if version.startswith("2") else "emrt1") if emrt
                else "cmrt6", company=supplier, scope=scope,
                scope_description="Parts shipped for our consumer devices" if scope == "user_defined" else "",
                effective_date=effective, smelters=tuple(rows_out),
                products=tuple(DeclaredProduct(row=6 + j, number=f"{supplier[:3].upper()}-{100 + j}", name=product)
                               for j, product in enumerate(products)))
            slug = "-".join(supplier.lower().replace(".", "").replace(",", "").split()[:2])
            out.append({"file_name": f"{slug}-{declaration.template.lower()}-{effective.isoformat()}.xlsx",
                        "declaration": declaration})
    return sorted(out, key=lambda item: (item["declaration"].effective_date, item["file_name"]))


def write_declarations_fixture(items: list[dict], path: Path = DEMO_DECLARATIONS, note: str = "") -> None:
    body = {"note": note, "declarations": [{"file_name": x["file_name"],
                                            "declaration": x["declaration"].model_dump(mode="json", exclude_defaults=True)}
                                           for x in items]}
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def read_declarations_fixture(path: Path = DEMO_DECLARATIONS) -> list[dict]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [{"file_name": x["file_name"], "declaration": ParsedDeclaration.model_validate(x["declaration"])}
            for x in data["declarations"]]


def load_declarations_into(engine: Engine, items: list[dict], actor: str = DEMO_ACTOR) -> int:
    """Store demo declarations as the import would (supersession, the register), one audit entry each."""
    who = Actor(actor)
    with engine.begin() as conn:
        for item in items:
            parsed = item["declaration"]
            digest = sha256(parsed.model_dump_json().encode())
            declaration_id, supplier, current, _ = store_declaration(conn, parsed, file_name=item["file_name"],
                                                                     digest=digest, imported_by=actor)
            write_audit(conn, who, "loaded demo declaration", [{"field": "declaration", "before": None,
                                                               "after": {"file": item["file_name"], "supplier": supplier}}])
    return len(items)


def _linked(code: str) -> bool:
    """About one demo incident in six is not linked to the register yet, so the demo shows linking (with its
    suggestions) as a lead meets it; deterministic, without a draw from the incidents' random streams."""
    return zlib.crc32(code.encode()) % 6 != 0


PROGRAMMES = {"tin": "rmi_rmap", "tantalum": "rmi_rmap", "tungsten": "rmi_rmap", "gold": "lbma",
              "cobalt": "rmi_rmap", "mica": "other"}
SITE_WORDS = ["Kanyama", "Lubero", "Mwali", "Sanjo", "Tukuma", "Bereko", "Ankasa", "Rio Piedra", "Sumbe",
              "Kitoma", "Lawra", "Nyungwe", "Oroya", "Batanga", "Keluang"]
SOURCES = ["Local civil-society monitor", "Investigative journalist", "Worker hotline report",
           "Upstream programme field team", "Trade union", "Community leader", "Audit programme whistle-blower channel"]
FACILITATORS = [("Bridgeway Remediation Partners", "international_ngo"), ("Safe Passage Network", "local_ngo"),
                ("Hearth & Harbour Foundation", "local_ngo"), ("Tessellate Rights Institute", "international_ngo"),
                ("Common Ground Relief Agency", "international_organisation")]
COORDINATORS = ["Provincial Social Welfare Office", "Haven Shelter Collective", "Open Hands Community Trust",
                "Child Safe Futures", "St. Lumen Outreach Centre"]
CHILD_PROTECTION = ["Child Safe Futures", "Provincial Child Protection Unit", "Little Harbour Child Rights Network"]
SHORTFALL_NOTES = {
    "declined_assistance": "The other identified victims declined assistance after counselling on their options.",
    "could_not_be_located": "The other identified victims had left the area and could not be located by the "
                            "coordinator.",
    "assisted_through_another_programme": "The other identified victims are assisted through a government "
                                          "reintegration programme already in place.",
}
PROVIDERS = ["District Health Clinic", "Legal Aid Circle", "Skills for Tomorrow Centre", "Haven Shelter Collective"]
TITLES = {
    "human_trafficking_sexual": "Trafficking for sexual exploitation near {site}",
    "human_trafficking_forced_labour": "Trafficked workers held at {site}",
    "debt_bondage": "Debt bondage of ore carriers at {site}",
    "forced_labour": "Forced labour in pits at {site}",
    "worst_forms_child_labour": "Children working underground at {site}",
    "commercial_sexual_exploitation": "Sexual exploitation around the {site} camp",
    "forced_marriage": "Forced marriages linked to the {site} camp",
    "other_labour_violation": "Wage theft and unsafe conditions at {site}",
}
VIOLATION_WEIGHTS = {"human_trafficking_sexual": 6, "human_trafficking_forced_labour": 10, "debt_bondage": 16,
                     "forced_labour": 18, "worst_forms_child_labour": 22, "commercial_sexual_exploitation": 6,
                     "forced_marriage": 4, "other_labour_violation": 18}
INITIATIVES = [
    ("Skills development for at-risk workers", "contextual_factors",
     "At-risk workers complete soft- and hard-skills training", "Workers completing training", "persons", 0, 150),
    ("Teacher capacity building on exploitation", "strengthen_services",
     "Teachers in mining communities trained to identify and refer child victims", "Teachers trained", "teachers", 0, 60),
    ("No recruitment fees paid by workers", "contextual_factors",
     "Recruitment fees repaid and a zero-fee recruitment policy adopted by suppliers",
     "Workers reimbursed for recruitment fees", "% of identified workers", 0, 100),
    ("Programme for children left behind", "strengthen_services",
     "Children of mine workers attend day care instead of the work site", "Children enrolled in day care", "children", 0, 80),
    ("Awareness raising among miners", "contextual_factors",
     "Miners aware of exploitation risks and of the grievance channel",
     "Miners reached by awareness sessions", "persons", 0, 1200),
    ("Shelter capacity for child victims", "strengthen_services",
     "The local shelter can house and support child victims safely", "Shelter places available", "beds", 6, 20),
]
QUALITATIVE = [("Community referral protocol adopted", "Referral protocol agreed with local authorities"),
               ("Grievance channel trusted by workers", "Workers report using the grievance channel")]
BUDGET_CATEGORIES = {1: ["Direct assistance", "Case management", "Medical and psychosocial care", "Monitoring"],
                     2: ["Programme activities", "Staff", "Training materials", "Monitoring and evaluation"]}
LESSON_TAGS = ["funding delays", "victim trust", "law enforcement cooperation", "child protection",
               "data protection", "community engagement", "smelter cooperation", "remote monitoring",
               "recruitment fees", "security constraints", "reintegration", "coordination"]
CHALLENGES = ["Funding arrived four months late, delaying reintegration support.",
              "Victims feared retaliation and were reluctant to engage at first.",
              "Law enforcement capacity in the province was limited.",
              "Road access to the site was cut during the rainy season.",
              "Coordination between service providers needed a weekly call to work."]
RECOMMENDATIONS = ["Agree the funding split before the plan is approved.",
                   "Budget for a child-protection specialist from the start.",
                   "Use the upstream programme's field team for monitoring visits.",
                   "Set up the grievance channel with community leaders, not only the mine operator.",
                   "Hold a mid-term review at month six."]


# --- the company's own work (issue #13) --------------------------------------------------------------
# A downstream company is most often linked to the harm through its business relationships (guideline lines
# 378-396); now and then it contributed (sourcing pressure) and rarely caused it. Some incidents are not yet
# determined.
INVOLVEMENT_WEIGHTS = {"directly_linked": 64, "contributed": 14, "caused": 2, None: 20}
MILESTONES = ["Third-party audit of the supplier", "Worker interviews at the site", "Supplier code of conduct signed",
              "Grievance channel opened for workers", "Traceability of the site's output checked",
              "Supplier's recruitment practices reviewed"]
TERMINATION_REASONS = ["Bondage continued after two written warnings.",
                       "The operator refused the audit programme's site visit."]
MINE_REASONS = {"continue": "The operator accepted the corrective action plan and quarterly site visits.",
                "suspend": "Purchases suspended until the corrective action plan is verified."}
SMELTER_REASONS = {"continue": "The smelter/refiner leads remediation; leverage used through the business review.",
                   "suspend": "New orders suspended until the smelter/refiner funds the remediation plan.",
                   "disengage": "No remediation after two business reviews and a request to the audit programme."}
DO_NO_HARM_FINDINGS = ["Workers can sell to the cooperative's other buyers; the facilitator monitors incomes.",
                       "Victims' assistance is funded independently of the relationship; no retaliation risk found."]
CONSULTATION_NOTES = {"victims": "Through the victim service coordinator; in private, with consent.",
                      "affected_communities": "Community meeting with local leaders.",
                      "government": "Provincial labour inspectorate.",
                      "mine_operator": "Site management."}
REMEDY_WEIGHTS = {1: {"rehabilitation": 0.95, "compensation": 0.4, "restitution": 0.3, "satisfaction": 0.2},
                  2: {"non_repetition": 0.9, "rehabilitation": 0.3, "satisfaction": 0.25}}
FEEDBACK_SUMMARIES = ["Most feel safer and value the follow-up visits.", "Requests for faster payment of support.",
                      "Training found useful; some asked for other trades.", "Mixed views on the pace of change."]
LESSON_ACTIONS = [
    ("Add debt-bondage questions to supplier audits", "Sourcing team", "Supplier audit checklist revised"),
    ("Budget a contingency for remediation plans", "Sustainability lead", "Remediation budget policy updated"),
    ("Agree reporting dates with the audit programme", "Sustainability lead", ""),
    ("Map the province's service providers before the next plan", "Human rights manager", ""),
    ("Train buyers on leverage and escalation", "Procurement", "Buyer training added to onboarding"),
]


class _Life:
    """Builds one incident's record event by event, stopping at the first event after ``today``."""

    def __init__(self, rng: random.Random, today: date, policy: Policy, spread: random.Random | None = None,
                 pool: dict[str, list[tuple[str, str]]] | None = None):
        self.rng, self.today, self.policy = rng, today, policy
        self.spread, self.pool = spread, pool

    def days(self, lo: int, hi: int) -> timedelta:
        return timedelta(days=self.rng.randint(lo, hi))

    def money(self, lo: int, hi: int, step: int = 500) -> Decimal:
        return Decimal(self.rng.randrange(lo, hi, step))

    def build(self, code: str, received: date) -> IncidentRecord:
        rng = self.rng
        mineral = rng.choices(list(MINERAL_WEIGHTS), weights=list(MINERAL_WEIGHTS.values()))[0]
        violations = list(dict.fromkeys(rng.choices(list(VIOLATION_WEIGHTS), weights=list(VIOLATION_WEIGHTS.values()),
                                                    k=rng.choice([1, 1, 1, 2, 2, 3]))))
        site = f"{rng.choice(SITE_WORDS)}-{rng.randint(1, 40)} artisanal site"
        # Most allegations are reported within months; some concern events years back (not recent).
        incident_date = received - (self.days(300, 900) if rng.random() < 0.2 else self.days(15, 240))
        affected = rng.choice([1, 2, 3, 4, 5, 6, 8, 12, 15, 25, 40, 60])
        children = 0 if "worst_forms_child_labour" not in violations else rng.randint(1, affected)
        public = received + self.days(0, 200) if rng.random() < 0.55 else None
        # The draws in the order they have always been made, so a seed gives the same portfolio.
        summary = (f"Allegation received from a {rng.choice(SOURCES).lower()} concerning {affected} persons at "
                   f"{site} ({mineral}). Fictional demo data.")
        country = rng.choice(COUNTRIES[mineral])
        smelter = rng.choice(SMELTERS[mineral])
        source = rng.choice(SOURCES)
        smelter_id = SMELTER_IDS.get(smelter) if _linked(code) else None
        if self.spread is not None and self.pool and self.pool.get(mineral):  # a large portfolio: every pool smelter
            smelter_id, smelter = self.spread.choice(self.pool[mineral])
        incident = IncidentIn(
            code=code, title=TITLES[violations[0]].format(site=site.split(" artisanal")[0]), summary=summary,
            mineral=mineral, country=country, site=site, smelter_refiner=smelter, smelter_id=smelter_id,
            audit_programme=PROGRAMMES[mineral], violation_types=violations, allegation_source=source,
            date_received=received, incident_date=incident_date,
            became_public_date=public if public and public <= self.today else None,
            affected_persons=affected, children_affected=children, repeated=rng.random() < 0.4,
        )
        # The company's own work (issue #13) draws from a stream of its own, seeded by the code, so the draws above
        # and in the steps below stay as they were and a seed still gives the same portfolio.
        self.work = random.Random(zlib.crc32(f"company-work:{code}:{received.isoformat()}".encode()))
        incident.involvement = self.work.choices(list(INVOLVEMENT_WEIGHTS), weights=list(INVOLVEMENT_WEIGHTS.values()))[0]
        rec = IncidentRecord(incident=incident)
        self._verify(rec)
        return rec

    def _on(self, d: date) -> bool:
        return d <= self.today

    def _verify(self, rec: IncidentRecord) -> None:
        rng, inc = self.rng, rec.incident
        d = inc.date_received + self.days(3, 20)
        if not self._on(d):
            return
        credible = rng.random() > 0.08
        rec.verification.credibility = Credibility(
            credible=credible, decided_on=d,
            notes="Source known to the company; details consistent with field reports." if credible
            else "Anonymous claim with no verifiable detail; no reasonable grounds.")
        if not credible:
            return
        d += self.days(2, 15)
        if not self._on(d):
            return
        actionable = rng.random() > 0.07
        rec.verification.actionability = Actionability(
            actionable=actionable, decided_on=d,
            notes=f"Supplier list links the site to {inc.smelter_refiner}." if actionable
            else "No link to any current or past supply-chain partner.")
        if not actionable:
            return
        d += self.days(1, 7)
        if not self._on(d):
            return
        rec.verification.notice = AuditProgrammeNotice(notified_on=d)
        d += self.days(25, 90)
        if not self._on(d):
            return
        substantiated = rng.random() > 0.12
        if not substantiated:
            rec.verification.substantiation = Substantiation(
                substantiated=False, decided_on=d, notes="Site visit found no evidence of the alleged practice.")
            return
        link = "current" if rng.random() < 0.5 else "past"
        stopped = None
        if link == "past":
            stopped = min(inc.incident_date + self.days(20, 600), d)
        rec.verification.substantiation = Substantiation(
            substantiated=True, decided_on=d, trading_link=link, stopped_trading_date=stopped,
            notes="Investigation under the grievance mechanism confirmed the allegation.")
        inc.trading_link, inc.stopped_trading_date = link, stopped
        self._respond(rec, d)

    def _respond(self, rec: IncidentRecord, d: date) -> None:
        d += self.days(5, 20)
        if not self._on(d):
            return
        a = assess(rec.incident.triage_input(), self.policy)
        rec.assessments.append(AssessmentRecord(
            assessed_on=d, scenario=a.scenario, level1=a.level1, level2=a.level2, severe=a.severe, recent=a.recent,
            treated_as_current=a.treated_as_current, policy_version=a.policy_version, reasons=a.reasons))
        d += self.days(3, 20)
        if not self._on(d):
            return
        terminated = self.rng.random() < 0.3
        rec.response = Response(corrective_action=CorrectiveAction(
            description=("Relationship with the responsible mine operator terminated; enhanced due diligence on "
                         "remaining suppliers in the province." if terminated else
                         "Corrective action plan with the supplier: third-party site visits every quarter and "
                         "worker interviews."),
            relationship_terminated=terminated, decided_on=d))
        self._corrective_work(rec, d, terminated)
        d += self.days(2, 10)
        if not self._on(d):
            return
        rec.response.smelter_notice = SmelterNotice(notified_on=d)
        self._plan(rec, d, a.level1, a.level2)

    def _plan(self, rec: IncidentRecord, d: date, level1: str, level2: str) -> None:
        rng = self.rng
        levels = [lvl for lvl, req in ((1, level1), (2, level2))
                  if req == "mandatory" or (req == "recommended" and rng.random() < 0.55)] or [2]
        designed = d + self.days(20, 60)
        if not self._on(designed):
            return
        facilitator, ftype = rng.choice(FACILITATORS)
        plans = []
        for level in levels:
            plan = Plan(level=level, facilitator=facilitator, facilitator_type=ftype,
                        victim_service_coordinator=rng.choice(COORDINATORS) if level == 1 else "",
                        currency="USD", estimated_cost=Decimal(0), designed_on=designed)
            if level == 1:
                self._case_plans(rec, plan, designed)
            else:
                self._initiatives(plan, designed)
            cost = self.money(15_000, 90_000) if level == 1 else self.money(40_000, 350_000, 1000)
            shares = [rng.randint(1, 5) for _ in BUDGET_CATEGORIES[level]]
            amounts = [Decimal(int(cost * s / sum(shares) / 100) * 100) for s in shares]
            amounts[-1] += cost - sum(amounts)
            plan.budget_lines = [BudgetLine(category=c, amount=a) for c, a in zip(BUDGET_CATEGORIES[level], amounts)]
            plan.estimated_cost = cost
            plans.append(plan)
        rec.plans = plans
        self._engagement(rec, plans, designed)
        # Approval chain: RF → SR → AP.
        chain = designed
        for field in ("submitted_by_facilitator_on", "submitted_by_smelter_on", "approved_by_audit_programme_on"):
            chain += self.days(3, 25)
            if not self._on(chain):
                return
            for plan in plans:
                setattr(plan.approval, field, chain)
        self._implement(rec, chain)

    def _case_plans(self, rec: IncidentRecord, plan: Plan, designed: date) -> None:
        rng, inc = self.rng, rec.incident
        n = min(inc.affected_persons, rng.randint(1, 8))
        for i in range(n):
            child = i < inc.children_affected
            consent = (rng.random() > 0.25) if child else None  # some guardians refuse: the best interest decides
            organisation = rng.choice(CHILD_PROTECTION) if consent is False else ""
            plan.case_plans.append(CasePlan(
                victim_code=f"V-{i + 1:03d}", age_group="child" if child else "adult",
                assistance_types=rng.sample(list(ASSISTANCE_TYPES), rng.randint(2, 4)),
                provider=rng.choice(PROVIDERS), referral_date=designed + self.days(0, 10)
                if designed + timedelta(days=10) <= self.today else None,
                guardian_consent=consent,
                best_interest_determined_on=designed if consent is False else None,
                best_interest_determined_by=organisation, child_protection_organisation=organisation))
        w = self.work
        for case in plan.case_plans:  # most consent and are heard; a few records are incomplete
            case.informed_consent = w.choices([True, False, None], weights=[88, 4, 8])[0]
            case.wishes_shaped_plan = w.choices([True, False, None], weights=[78, 12, 10])[0]

    def _initiatives(self, plan: Plan, designed: date) -> None:
        rng = self.rng
        for title, kind, result, ind_name, unit, base, target in rng.sample(INITIATIVES, rng.randint(1, 3)):
            due = designed + self.days(270, 540)
            indicators = [Indicator(name=ind_name, kind="quantitative", unit=unit, baseline_value=base,
                                    baseline_date=designed, target_value=target, target_date=due)]
            if rng.random() < 0.35:
                q_name, _ = rng.choice(QUALITATIVE)
                indicators.append(Indicator(name=q_name, kind="qualitative", baseline_date=designed, target_date=due))
            plan.initiatives.append(Initiative(title=title, kind=kind, expected_result=result, due_date=due,
                                               indicators=indicators))

    def _implement(self, rec: IncidentRecord, approved: date) -> None:
        rng = self.rng
        d = approved
        for plan in rec.plans:
            pledged_total = Decimal(0)
            sources = rng.sample(list(FUNDING_SOURCES), rng.randint(1, 3))
            for i, source in enumerate(sources):
                on = approved + self.days(5, 60)
                if not self._on(on):
                    continue
                share = (plan.estimated_cost - pledged_total) if i == len(sources) - 1 else \
                    Decimal(int(plan.estimated_cost / len(sources) / 100) * 100)
                received = Decimal(int(share * Decimal(rng.choice([0.5, 0.75, 1, 1])) / 100) * 100)
                plan.funding.append(Funding(source=source, funder=f"{FUNDING_SOURCES[source]} contribution",
                                            pledged=share, received=received, pledged_on=on))
                pledged_total += share
                d = max(d, on)
        if any(p.pledged < p.estimated_cost for p in rec.plans):
            return  # implementation starts once funding is secured
        start = d + self.days(5, 30)
        if not self._on(start):
            return
        months = rng.randint(6, 12)
        if rng.random() < 0.08:
            months = rng.randint(3, 5)  # a plan closed early, with the guideline's warning
        end = start + timedelta(days=30 * months)
        for plan in rec.plans:
            plan.implementation_started_on = start
            self._run(plan, start, end)
        final = end + (self.days(90, 240) if rng.random() < 0.15 else self.days(5, 30))  # some reports come late
        if not self._on(final):
            return
        for plan in rec.plans:
            plan.closure = PlanClosure(final_report_on=final)
        self._close(rec, final)

    def _run(self, plan: Plan, start: date, end: date) -> None:
        rng = self.rng
        pace = rng.choice([0.7, 0.85, 1.0, 1.0, 1.1])  # spending and progress relative to plan
        months = max(1, (end - start).days // 30)
        quarters = range(0, months, 3)
        per_quarter = plan.estimated_cost * Decimal(str(pace)) / len(quarters)
        for q, m in enumerate(quarters):
            on = start + timedelta(days=30 * m + 85)
            if not self._on(on):
                break
            line = plan.budget_lines[q % len(plan.budget_lines)]
            plan.expenditures.append(Expenditure(spent_on=on, amount=per_quarter.quantize(Decimal("0.01"), ROUND_DOWN),
                                                 category=line.category, description=f"Quarter {q + 1}"))
        for q in range(0, months, 3):
            period_start = start + timedelta(days=30 * q)
            period_end = min(period_start + timedelta(days=89), end)
            received = period_end + self.days(5, 20)
            if not self._on(received):
                break
            plan.monitoring_reports.append(MonitoringReport(
                period_start=period_start, period_end=period_end, received_on=received,
                summary=("Victims safe and engaged with their case plans; follow-up visits held." if plan.level == 1
                         else "Activities on schedule; site visit and beneficiary interviews held.")))
            self._pass_on(plan.monitoring_reports[-1])
            if q % 6 == 3 or (q == 0 and months <= 3):
                self._feedback(plan, period_end)
            for initiative in plan.initiatives:
                for ind in initiative.indicators:
                    if not self._on(period_end) or period_end < ind.baseline_date:
                        continue
                    span = (ind.target_date - ind.baseline_date).days
                    share = min(1.0, (period_end - ind.baseline_date).days / span) * pace
                    if ind.kind == "quantitative":
                        value = ind.baseline_value + (ind.target_value - ind.baseline_value) * share
                        value = round(max(ind.baseline_value, value * rng.uniform(0.85, 1.1)), 1)
                        ind.measurements.append(Measurement(measured_on=period_end, value=value))
                    else:
                        status = "achieved" if share >= 0.95 else ("in_progress" if share > 0.1 else "not_started")
                        ind.measurements.append(Measurement(measured_on=period_end, status=status,
                                                            narrative="Reported by the facilitator."))

    def _close(self, rec: IncidentRecord, final: date) -> None:
        rng = self.rng
        d = final + self.days(5, 25)
        if not self._on(d):
            return
        for plan in rec.plans:
            c = plan.closure
            c.financial_report_on = d
            if plan.level == 1:
                c.referral_confirmed_on = d
                c.assistance_summary = (f"{len(plan.case_plans)} case plans: shelter, health care, counselling and "
                                        "reintegration support delivered; follow-up by the coordinator.")
                c.monitoring_summary = "Most victims report being satisfied with the assistance received."
                cover = coverage(rec)
                if cover is not None and cover.shortfall:  # a reason for every shortfall, before closure
                    c.coverage_shortfall_reason = rng.choice(list(SHORTFALL_NOTES))
                    c.coverage_shortfall_note = SHORTFALL_NOTES[c.coverage_shortfall_reason]
            else:
                # Declared as the figures say; now and then a "yes" the figures do not bear out, explained.
                c.outcomes_verified = True
                c.monitoring_documented = True
                for figure in closure_figures(plan):
                    setattr(c, figure.answer, figure.computed)
                disagree = [f for f in closure_figures(plan) if f.computed is False]
                if disagree and rng.random() < 0.3:
                    setattr(c, disagree[0].answer, True)
                    c.figures_explanation = ("The facilitator counted the extension agreed with the audit programme; "
                                             "the figures are as recorded.")
        d += self.days(10, 40)
        if not self._on(d):
            return
        rec.closure = Closure(verified_by_audit_programme_on=d)
        d += self.days(3, 15)
        if not self._on(d):
            return
        rec.closure.closure_report_on, rec.closure.recommend_close = d, True
        d += self.days(2, 20)
        if not self._on(d):
            return
        rec.closure.closed_on = d
        d += self.days(10, 60)
        if not self._on(d) or rng.random() < 0.15:
            return
        answers = ["yes", "yes", "yes", "partly", "no"]
        rec.lessons = Lessons(
            reviewed_on=d, objectives_met=rng.choice(answers), victims_satisfied=rng.choice(answers),
            communities_benefited=rng.choice(answers), budget_sufficient=rng.choice(answers),
            challenges=rng.choice(CHALLENGES), risks_and_mitigations="Retaliation against victims: relocation "
            "support and confidential reporting.", monitoring_tools="Quarterly site visits; beneficiary interviews.",
            communication_channels="Monthly call between facilitator, smelter/refiner and audit programme.",
            recommendations=rng.choice(RECOMMENDATIONS), tags=rng.sample(LESSON_TAGS, rng.randint(1, 3)))
        self._lesson_actions(rec, d)

    # --- the company's own work (issue #13): its own random stream, ``self.work`` ------------------------

    def _corrective_work(self, rec: IncidentRecord, decided: date, terminated: bool) -> None:
        """Milestones and status of the corrective action; the mine operator's and the smelter/refiner's
        relationship decisions, ending ones after a do-no-harm check."""
        w, ca = self.work, rec.response.corrective_action
        for title in w.sample(MILESTONES, w.randint(1, 3)):
            due = decided + timedelta(days=w.randint(30, 200))
            done = due - timedelta(days=w.randint(0, 20))
            ca.milestones.append(Milestone(title=title, due_on=due,
                                           done_on=done if done <= self.today and w.random() < 0.8 else None))
        done_dates = [m.done_on for m in ca.milestones]
        if all(done_dates):
            completed = max(done_dates) + timedelta(days=w.randint(3, 20))
            if completed <= self.today:
                ca.status, ca.completed_on = "completed", completed
                verified = completed + timedelta(days=w.randint(10, 45))
                if verified <= self.today and w.random() < 0.6:
                    ca.status, ca.verified_on = "verified", verified
        if ca.status == "planned" and (any(done_dates) or decided + timedelta(days=30) <= self.today):
            ca.status = "in_progress"
        checked = decided - timedelta(days=w.randint(1, 5))
        if terminated:
            decision = RelationshipDecision(
                party="mine_operator", decision="terminate", decided_on=decided, reasons=w.choice(TERMINATION_REASONS),
                do_no_harm_checked_on=checked, do_no_harm_findings=w.choice(DO_NO_HARM_FINDINGS))
        else:
            kind = w.choices(["continue", "suspend"], weights=[55, 45])[0]
            decision = RelationshipDecision(party="mine_operator", decision=kind, decided_on=decided,
                                            reasons=MINE_REASONS[kind])
        rec.response.relationship_decisions.append(decision)
        on = decided + timedelta(days=w.randint(1, 15))
        if on > self.today:
            return
        kind = w.choices(["continue", "suspend", "disengage"], weights=[84, 13, 3])[0]
        rec.response.relationship_decisions.append(RelationshipDecision(
            party="smelter_refiner", decision=kind, decided_on=on, reasons=SMELTER_REASONS[kind],
            **({"do_no_harm_checked_on": on - timedelta(days=w.randint(2, 10)),
                "do_no_harm_findings": w.choice(DO_NO_HARM_FINDINGS)} if kind == "disengage" else {})))

    def _engagement(self, rec: IncidentRecord, plans: list[Plan], designed: date) -> None:
        """Stakeholders consulted in each plan's design, and the remedy types it provides."""
        w = self.work
        for plan in plans:
            usual = ["victims", "mine_operator", "government"] if plan.level == 1 else \
                ["affected_communities", "government", "ngos"]
            others = [s for s in STAKEHOLDERS if s not in usual]
            chosen = [s for s in usual if w.random() < 0.85] + w.sample(others, w.randint(0, 2))
            for stakeholder in chosen:
                plan.consultations.append(Consultation(
                    stakeholder=stakeholder, consulted_on=designed - timedelta(days=w.randint(0, 18)),
                    notes=CONSULTATION_NOTES.get(stakeholder, "")))
            plan.consultations.sort(key=lambda c: c.consulted_on)
            if w.random() < 0.9:  # a few plans do not say yet
                weights = REMEDY_WEIGHTS[plan.level]
                plan.remedy_types = in_vocab_order([r for r, p in weights.items() if w.random() < p], REMEDY_TYPES) \
                    or [max(weights, key=weights.get)]

    def _pass_on(self, report: MonitoringReport) -> None:
        """The reporting chain: most reports travel facilitator → smelter/refiner → audit programme → company
        within weeks; some stall with the smelter/refiner or the audit programme."""
        w = self.work
        report.sent_to_smelter_on = report.received_on
        on = report.received_on + timedelta(days=w.randint(3, 20))
        if on > self.today or w.random() < 0.08:
            return
        report.sent_to_audit_programme_on = on
        on += timedelta(days=w.randint(5, 30))
        if on > self.today or w.random() < 0.1:
            return
        report.sent_to_company_on = on

    def _feedback(self, plan: Plan, collected: date) -> None:
        """Aggregate feedback: from victims (Level 1) or beneficiaries (Level 2), counts only."""
        w = self.work
        if collected > self.today or w.random() < 0.2:
            return
        if plan.level == 1:
            respondents = max(1, len(plan.case_plans) - w.randint(0, 2))
        else:
            respondents = w.randint(12, 90)
        satisfied = min(respondents, round(respondents * w.uniform(0.45, 0.95)))
        plan.feedback.append(FeedbackRound(collected_on=collected, source="victims" if plan.level == 1 else
                                           "beneficiaries", respondents=respondents, satisfied=satisfied,
                                           summary=w.choice(FEEDBACK_SUMMARIES)))

    def _lesson_actions(self, rec: IncidentRecord, reviewed: date) -> None:
        """Actions the review raised: most done on time, some open past their due date."""
        w = self.work
        for title, owner, change in w.sample(LESSON_ACTIONS, w.choices([0, 1, 2, 3], weights=[20, 40, 30, 10])[0]):
            due = reviewed + timedelta(days=w.randint(30, 200))
            action = LessonAction(title=title, owner=owner, due_on=due)
            closed = due + timedelta(days=w.randint(-25, 20))
            if closed <= self.today and closed >= reviewed and w.random() < 0.7:
                action.status, action.closed_on = ("done", closed) if w.random() < 0.92 else ("dropped", closed)
                if action.status == "done" and change:
                    action.due_diligence_change = change
            elif due <= self.today + timedelta(days=60) and w.random() < 0.5:
                action.status = "in_progress"
            rec.lessons.actions.append(action)


def generate(n: int, seed: int = 7, today: date | None = None, policy: Policy = DEFAULT_POLICY,
             span_days: int = 1100, shard: tuple[int, int] = (0, 1), smelters: int | None = None
             ) -> Iterator[IncidentRecord]:
    """``n`` fictional incidents, deterministic for a given ``seed`` and ``today``.

    The demo's incidents name its sixteen smelters, most linked to the register; with ``smelters`` (a large
    portfolio) they spread over that many smelters of :func:`smelter_pool`, all linked, each incident drawing
    from a random stream of its own so the rest of its life stays the same.

    Each incident draws from its own random stream, seeded by ``seed`` and its position, so
    ``shard=(k, m)`` yields exactly the incidents ``k, k+m, k+2m, …`` of the whole portfolio: shards can
    be generated in parallel processes and together equal the unsharded portfolio.
    """
    today = today or date.today()
    rng = random.Random(seed)
    # Skewed toward recent receipts: early steps last weeks, late ones months, and a portfolio shows both.
    received_dates = sorted(today - timedelta(days=2 + int(span_days * rng.random() ** 1.4)) for _ in range(n))
    per_year: dict[int, int] = {}
    codes = []
    for received in received_dates:
        per_year[received.year] = per_year.get(received.year, 0) + 1
        codes.append(f"INC-{received.year}-{per_year[received.year]:03d}")
    k, m = shard
    pool: dict[str, list[tuple[str, str]]] = {}
    for cid, metal, name, _ in (smelter_pool(smelters) if smelters else []):
        pool.setdefault(metal, []).append((cid, name))
    for i in range(k, n, m):
        life = _Life(random.Random(seed * 1_000_003 + i), today, policy,
                     random.Random(seed * 7_919 + i) if smelters else None, pool)
        yield life.build(codes[i], received_dates[i])


# --- loading --------------------------------------------------------------------------------------

SHARD_WAIT_MS = 600_000  # a generating shard waits up to 10 minutes for the other's write batch (SQLite)


def load_records_into(engine: Engine, records, actor: str = DEMO_ACTOR, batch: int = 5000,
                      today: date | None = None, documents: bool = False, followups: bool = True,
                      wait_ms: int | None = None) -> int:
    """Insert ``records`` in batches, one transaction per batch, with one audit entry per incident.

    With ``followups`` (the default), the open incidents get the company's chases of the party that owes what
    they wait for (:mod:`remediation.services.demo_followups`).

    With ``documents``, each incident also gets the small generated documents behind its reports
    (:func:`demo_documents`), in the same transaction, named in its audit entry.

    ``wait_ms``: a SQLite busy timeout for this load's connections only, for an engine of its own (the generator's
    shards); never on the app's engine, whose pooled connections would keep it (a save would then wait minutes
    for a lock instead of saying the database is busy)."""
    from sqlalchemy import insert


    count = 0
    buffer: list[IncidentRecord] = []

    def flush() -> None:
        nonlocal count
        with engine.begin() as conn:
            if wait_ms and conn.dialect.name == "sqlite":  # a generating shard (its own engine, disposed after):
                conn.exec_driver_sql(f"PRAGMA busy_timeout={int(wait_ms)}")  # wait for the other's batch
            ids = insert_records(conn, buffer, today)
            attached = {i: _store_demo_documents(conn, i, r, actor) if documents else [] for i, r in zip(ids, buffer)}
            if followups:
                store_demo_followups(conn, list(zip(ids, buffer)), today)
            conn.execute(insert(t.audit_log), [
                {"actor": actor, "role": None, "incident_id": i, "incident_code": r.incident.code,
                 "action": "loaded incident", "changes": [{"field": "source", "before": None, "after": actor}] + (
                     [{"field": "documents", "before": None, "after": ", ".join(attached[i])}] if attached[i] else [])}
                for i, r in zip(ids, buffer)])
        count += len(buffer)
        buffer.clear()

    for record in records:
        buffer.append(record)
        if len(buffer) >= batch:
            flush()
    if buffer:
        flush()
    return count


def _load_shard(url: str, n: int, seed: int, today: date | None, shard: tuple[int, int],
                smelters: int | None = None) -> int:
    engine = make_engine(url)  # a process of its own: never reuse the parent's connections
    try:
        return load_records_into(engine, generate(n, seed=seed, today=today, shard=shard, smelters=smelters),
                                 today=today, wait_ms=SHARD_WAIT_MS)
    finally:
        engine.dispose()


def generate_into(url: str, n: int, seed: int = 7, today: date | None = None, workers: int | None = None,
                  smelters: int | None = None) -> int:
    """Generate ``n`` incidents into the (migrated) database at ``url``, one process per core.

    Generating is CPU-bound Python; each process generates and writes its own shard, so on two cores
    the time is about half (SQLite serialises the write batches; PostgreSQL takes them in parallel).
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    workers = max(1, min(workers or os.cpu_count() or 1, n // 2000 or 1))
    if workers == 1:
        return _load_shard(url, n, seed, today, (0, 1), smelters)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(_load_shard, url, n, seed, today, (k, workers), smelters) for k in range(workers)]
        return sum(f.result() for f in futures)


def read_fixture(path: Path = DEMO_FIXTURE) -> list[IncidentRecord]:
    """The demo fixture, each incident validated by the models."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [IncidentRecord.model_validate(item) for item in data["incidents"]]


def write_fixture(records: list[IncidentRecord], path: Path = DEMO_FIXTURE, note: str = "") -> None:
    body = {"note": note, "incidents": [r.model_dump(mode="json", exclude_defaults=True) for r in records]}
    path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def coverage_gaps(records: list[IncidentRecord], today: date | None = None, per_open_step: int = 2) -> list[str]:
    """What a demo portfolio lacks: open incidents in each step, each closed outcome, each 3TG mineral."""
    from collections import Counter


    states = [evaluate(r, today) for r in records]
    open_steps = Counter(s.step for s in states if s.is_open)
    outcomes = Counter(s.status for s in states)
    minerals = Counter(r.incident.mineral for r in records)
    gaps = [f"fewer than {per_open_step} open at step {n}" for n in STEPS if n < 6 and open_steps[n] < per_open_step]
    gaps += [f"no incident {o}" for o in CLOSED_STATUSES if not outcomes[o]]
    gaps += [f"no {m} incident" for m in ("tin", "tantalum", "tungsten", "gold") if not minerals[m]]
    if not any(s.status == "closed_remediated" and s.missing for s in states):
        gaps.append("no closed incident still owing lessons")
    gaps += [f"{r.incident.code}: {v.message}" for r in records for v in violations(r, today)]
    gaps += [f"{r.incident.code}: {p}" for r in records for p in rule_problems(r)]
    # each flag of issue #12 shown at least once
    plans = [p for r in records for p in r.plans]
    if not any(c.age_group == "child" and c.guardian_consent is False for p in plans for c in p.case_plans):
        gaps.append("no child's case plan decided by the best interest (guardian's consent refused)")
    if not any((cv := coverage(r)) is not None and cv.shortfall and r.closure.closed_on for r in records):
        gaps.append("no closed Level 1 plan with an explained coverage shortfall")
    if not any(figure_disagreements(p) for p in plans if p.closure.figures_explanation):
        gaps.append("no Level 2 closure whose declared answers disagree with the figures (explained)")
    if not any(money_flags(p) for p in plans if p.closure.financial_report_on):
        gaps.append("no plan closed with a money flag")
    if not any("past the 12-month window" in w and "Level 1" in w for s in states for w in s.warnings):
        gaps.append("no Level 1 plan past the 12-month monitoring window")
    return gaps


def rule_problems(record: IncidentRecord) -> list[str]:
    """What a record breaks of issue #12's rules beyond the dates: Step 1 closures without reasons, children's
    plans without the best interest, coverage unexplained at verification, figures unexplained."""
    v, out = record.verification, []
    for which, decision, ok in (("credibility", v.credibility, "credible"), ("actionability", v.actionability,
                                                                              "actionable"),
                                ("substantiation", v.substantiation, "substantiated")):
        if decision is not None and not getattr(decision, ok) and (p := step1_closure_problem(which, decision.notes)):
            out.append(p)
    out += [p for plan in record.plans for c in plan.case_plans if (p := child_case_problem(c))]
    if record.closure.verified_by_audit_programme_on is not None:
        if (gap := coverage_gap(record)) is not None:
            out.append(gap)
        out += unexplained_disagreements(record)
    return out


def load_demo_fixture(engine: Engine) -> int:
    """The demo portfolio: its incidents with the documents behind their reports (generated as they load, see
    :func:`demo_documents`) and its suppliers' declarations (``data/demo_declarations.json``)."""
    n = load_records_into(engine, read_fixture(), documents=True)
    if DEMO_DECLARATIONS.exists():
        load_declarations_into(engine, read_declarations_fixture())
    return n


# --- evidence documents ---------------------------------------------------------------------------
# Generated from each incident's own facts as the portfolio loads, not stored in the fixture: the fixture stays
# reviewable text, a document can never disagree with the fact it stands behind, and every closed incident
# shows the documents behind its reports. Only the demo fixture gets them: a benchmark portfolio of 100,000
# incidents measures incidents, not files.

def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF of a few lines of ASCII text, written out by hand (a valid file any reader opens)."""
    def esc(text: str) -> str:
        return text.encode("ascii", "replace").decode().replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = "BT /F1 11 Tf 56 780 Td 15 TL " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        ("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
         "/Resources << /Font << /F1 5 0 R >> >> >>"),
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode("ascii")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode("ascii")
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode("ascii")
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode("ascii")
    return out


_DEMO_NOTE = "Fictional demo document, generated from the demo portfolio. Redacted: no victim is named."


def demo_documents(record: IncidentRecord) -> list[tuple[str, int | None, str, bytes]]:
    """``(kind, level, file name, content)`` of the documents behind ``record``'s reports: the investigation report,
    the level assessment, corrective action, each plan and its approvals, monitoring reports, final and financial
    reports, the closure report and the lessons review, for whichever of them the record has."""
    inc = record.incident
    code = inc.code
    docs: list[tuple[str, int | None, str, bytes]] = []

    def pdf(kind: str, level: int | None, name: str, title: str, *lines: str) -> None:
        docs.append((kind, level, f"{code}-{name}.pdf", _pdf([f"{code}: {title}", "", *lines, "", _DEMO_NOTE])))

    def text(kind: str, level: int | None, name: str, body: str) -> None:
        docs.append((kind, level, f"{code}-{name}", (body + "\n" + _DEMO_NOTE + "\n").encode("utf-8")))

    s = record.verification.substantiation
    if s is not None:
        pdf("investigation_report", None, "investigation-report", "investigation report (audit programme)",
            f"Finding: {'substantiated' if s.substantiated else 'unsubstantiated'}, decided {s.decided_on}.",
            f"Smelter/refiner: {inc.smelter_refiner}. Affected persons: {inc.affected_persons}.")
    latest = record.latest_assessment
    if latest is not None:
        text("level_assessment", None, "level-assessment.txt",
             f"{code}: level assessment of {latest.assessed_on} (policy version {latest.policy_version})\n"
             f"Level 1: {latest.level1}; Level 2: {latest.level2}.")
    ca = record.response.corrective_action
    if ca is not None:
        text("corrective_action", None, "corrective-action.txt",
             f"{code}: corrective action decided {ca.decided_on}\nRelationship terminated: "
             f"{'yes' if ca.relationship_terminated else 'no'}.")
    for plan in record.plans:
        lv = plan.level
        pdf("plan", lv, f"level{lv}-plan", f"Level {lv} remediation action plan",
            f"Facilitator: {plan.facilitator}. Designed {plan.designed_on}.",
            f"Budget: {plan.currency} {plan.budget:,.2f}.")
        ap = plan.approval
        if ap.approved_by_audit_programme_on is not None:
            text("plan_approval", lv, f"level{lv}-plan-approval.eml",
                 f"From: audit.programme@demo.invalid\nTo: remediation@demo.invalid\n"
                 f"Date: {ap.approved_by_audit_programme_on:%d %b %Y} 10:00:00 +0000\n"
                 f"Subject: {code} Level {lv} plan approved\nMIME-Version: 1.0\n"
                 f"Content-Type: text/plain; charset=utf-8\n\n"
                 f"The audit programme approves the Level {lv} remediation action plan of {code} on "
                 f"{ap.approved_by_audit_programme_on}.")
        for n, report in enumerate(plan.monitoring_reports, 1):
            pdf("monitoring_report", lv, f"level{lv}-monitoring-{n}", f"Level {lv} monitoring report {n}",
                f"Period {report.period_start} to {report.period_end}, received {report.received_on}.")
        c = plan.closure
        if c.final_report_on is not None:
            pdf("final_report", lv, f"level{lv}-final-report", f"Level {lv} final report (remediation facilitator)",
                f"Dated {c.final_report_on}. Facilitator: {plan.facilitator}.")
        if c.financial_report_on is not None:
            rows = "\n".join(f"{e.spent_on},{e.category.replace(',', ' ')},{e.amount}" for e in plan.expenditures)
            docs.append(("financial_report", lv, f"{code}-level{lv}-financial-report.csv", (
                f"spent_on,category,amount_{plan.currency}\n{rows}\ntotal as of {c.financial_report_on},,{plan.spent}\n"
                f"note,\"{_DEMO_NOTE}\",\n").encode()))
    cl = record.closure
    if cl.closure_report_on is not None:
        pdf("closure_report", None, "closure-report", "closure report (audit programme)",
            f"Dated {cl.closure_report_on}; recommends closing: {'yes' if cl.recommend_close else 'no'}.")
    if record.lessons is not None:
        text("lessons_review", None, "lessons-review.txt",
             f"{code}: lessons-learned review of {record.lessons.reviewed_on}\n"
             f"Objectives met: {record.lessons.objectives_met}; budget sufficient: {record.lessons.budget_sufficient}.")
    return docs


def _store_demo_documents(conn, incident_id: int, record: IncidentRecord, actor: str) -> list[str]:
    names = []
    for kind, level, name, content in demo_documents(record):
        detected = detect_type(content, name)  # the demo's documents pass the same check as an upload
        insert_document(conn, incident_id=incident_id, kind=kind, level=level, file_name=name,
                        file_type=detected.key, media_type=detected.media_type, size=len(content),
                        sha256=hashlib.sha256(content).hexdigest(), content=content, uploaded_by=actor)
        names.append(name)
    return names
