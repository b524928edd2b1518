"""The level-of-response policy: the guideline's matrix and its open numbers, as versioned data.

The guideline is not prescriptive (DOMAIN.md): a company adopts it as its own policy. So the matrix
(guideline lines 1064-1076), the severe violation types (footnote 22, lines 1082-1084), the number of
affected persons that makes an incident severe (footnote 22 gives no number) and the margin for
"cut ties well before the incident became public" (footnote 23, lines 1091-1093, no number either) are
all fields of a :class:`Policy`, stored as rows of ``policy_versions``, never constants in the rules.

Our copy of the guideline lost the symbols of the matrix's past-trading rows; the default policy
ships them as DOMAIN.md infers them and marks those cells ``inferred`` so every view can say so.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from remediation.domain.citations import CITATIONS, cite
from remediation.domain.text import SafeText
from remediation.domain.vocab import SCENARIOS, Requirement, Scenario, ViolationType

Text = Annotated[str, SafeText]  # the one text rule (remediation.domain.text)


class MatrixCell(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    level1: Requirement
    level2: Requirement
    inferred: bool = Field(
        default=False,
        description="True where the cell is our reading of the guideline, not its stated text.",
    )
    source: Text = Field(default="", description="Where the cell comes from.")


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: int = Field(ge=1)
    name: Text = Field(min_length=1, max_length=200)
    adopted_on: date | None = None
    adopted_by: Text = ""
    notes: Text = ""
    matrix: dict[Scenario, MatrixCell]
    severe_types: tuple[ViolationType, ...] = Field(
        description=f"Violation types that are severe by type ({cite('footnote22_severe_types')})."
    )
    repeated_is_severe: bool = Field(
        default=True,
        description=f"A repeated (not isolated) incident is severe ({cite('footnote22_occurrence_and_persons')}).",
    )
    severe_affected_persons: int = Field(
        ge=1,
        description="An incident affecting at least this many persons is severe by number "
        f"({cite('footnote22_occurrence_and_persons')}; the guideline gives no number, so this is the company's "
        "choice).",
    )
    public_margin_days: int = Field(
        ge=0,
        description="Ties must be cut at least this many days before the incident became public, or "
        f"past trading counts as current ({cite('footnote23_cut_ties')}; 'well before' has no number in the "
        "guideline).",
    )
    occurrence_window_years: int = Field(
        default=3, ge=1, le=50,
        description="Earlier incidents at the same smelter/refiner or site within this many years before an incident "
        "are shown as a suggestion that it is repeated, not isolated (high occurrence, "
        f"{cite('footnote22_occurrence_and_persons')}; the guideline gives no period, so this is the company's "
        "choice). Policies stored before this setting existed read the default.",
    )

    @model_validator(mode="after")
    def _every_scenario_has_a_cell(self) -> "Policy":
        missing = [s for s in SCENARIOS if s not in self.matrix]
        if missing:
            raise ValueError(f"matrix: no cell for scenario(s) {', '.join(missing)}")
        return self

    def cell(self, scenario: Scenario) -> MatrixCell:
        return self.matrix[scenario]

    def occurrence_since(self, incident_date: date) -> date:
        """The first day of the window in which earlier incidents suggest "repeated": ``occurrence_window_years``
        before ``incident_date`` (29 February falls back to 28 February)."""
        year = incident_date.year - self.occurrence_window_years
        try:
            return incident_date.replace(year=year)
        except ValueError:  # 29 February in a year that has none
            return incident_date.replace(year=year, day=28)


DEFAULT_POLICY = Policy(
    version=1,
    name="IOM Remediation Guidelines (2018), default reading",
    adopted_on=date(2018, 1, 1),
    adopted_by="system",
    notes=(
        "Shipped default. Current-trading row as stated in the guideline "
        f"({CITATIONS['current_trading_row'].lines}); the past-trading rows are inferred because the symbols of "
        "the printed matrix were lost from our copy. "
        "Severity threshold and 'well before' margin are company choices: the guideline gives no numbers."
    ),
    matrix={
        "current_trading": MatrixCell(
            level1="mandatory", level2="recommended", inferred=False,
            source=f"stated in the text, {cite('current_trading_row')}",
        ),
        "past_recent_severe": MatrixCell(
            level1="mandatory", level2="recommended", inferred=True,
            source=f"inferred: matrix at {cite('level_matrix')} lost its symbols in our copy",
        ),
        "past_other": MatrixCell(
            level1="recommended", level2="recommended", inferred=True,
            source=f"inferred: matrix at {cite('level_matrix')} lost its symbols in our copy",
        ),
    },
    severe_types=("human_trafficking_sexual", "human_trafficking_forced_labour", "debt_bondage"),
    repeated_is_severe=True,
    severe_affected_persons=10,
    public_margin_days=90,
    occurrence_window_years=3,
)
