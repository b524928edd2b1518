"""What the company's involvement in the harm means for what it must do (guideline lines 346-376, 378-396).

The guideline's chart: a company that *caused* the harm ceases it and remediates; one that *contributed* ceases its
contribution, uses its leverage and contributes to remediation; one *linked* to it through its operations, products
or services uses its leverage to mitigate the risk of the impact continuing. Today's due-diligence laws (EU CSDDD
Art. 12, the German supply chain act) turn the same distinction into what the company must remediate itself and
what it must press its business partners to remediate. A downstream company is most often linked (lines 378-396).
"""

from __future__ import annotations

from dataclasses import dataclass

from remediation.domain.citations import cite
from remediation.domain.vocab import INVOLVEMENTS


@dataclass(frozen=True)
class Meaning:
    involvement: str
    action: str  # in a few words, for a table or a chart
    summary: str  # one sentence: what the company does
    citation: str

    @property
    def label(self) -> str:
        return INVOLVEMENTS[self.involvement]


MEANINGS: dict[str, Meaning] = {
    "caused": Meaning(
        "caused", "remediate directly",
        "The company caused the harm: it ceases or prevents the action causing it and remediates the harm itself, "
        "providing or funding the plans.", cite("involvement_caused")),
    "contributed": Meaning(
        "contributed", "contribute to remediation and use leverage",
        "The company contributed to the harm: it ceases its contribution, contributes to the remediation (funding "
        "and support of the plans) and uses its leverage so that the remaining impact does not continue or recur.",
        cite("involvement_contributed")),
    "directly_linked": Meaning(
        "directly_linked", "use leverage",
        "The company is directly linked through a business relationship: it uses its leverage over the audit "
        "programme and the smelter/refiner so that those who caused or contributed remediate; it may also fund "
        "the plans.", cite("involvement_linked")),
}


def meaning(involvement: str | None) -> Meaning | None:
    """What ``involvement`` means; None when it is not yet determined."""
    return MEANINGS.get(involvement) if involvement else None
