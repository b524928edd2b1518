"""Company settings stored in the database, with defaults: the indicative time frame for each step
and the small-count threshold below which victims' counts are suppressed.

The time frames answer UNGP principle 31's *predictable* criterion (guideline lines 566-570; DOMAIN.md,
cross-cutting principles): a grievance mechanism states an indicative time frame for each stage. The
guideline gives one number only — 6 to 12 months of monitoring (lines 1393-1396) — so the rest are
defaults a company is expected to adjust.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from remediation.domain.evidence import DEFAULT_DOCUMENTS_REQUIRED, NEXT_STEP
from remediation.domain.vocab import EVIDENCE_KINDS, STEPS, EvidenceKind, ReportingCadence

DEFAULT_TIME_FRAMES: dict[int, int] = {
    1: 90,   # credibility, actionability, notification and the audit programme's investigation
    2: 30,   # level assessment, corrective action, notice to the smelter/refiner
    3: 90,   # facilitator contracted, plan designed, costed and approved
    4: 365,  # funding, implementation, 6-12 months of monitoring, final report
    5: 60,   # closure evidence, verification, closure report, closing
    6: 60,   # lessons learned captured after closing
}


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    time_frames: dict[int, int] = Field(
        default_factory=lambda: dict(DEFAULT_TIME_FRAMES),
        description="Indicative days allowed in each step before an incident counts as overdue.",
    )
    small_count_threshold: int = Field(
        default=5, ge=1, le=100,
        description="Counts of victims below this are shown as '<N' in board views and exports.",
    )

    document_size_limit_mb: int = Field(
        default=20, ge=1, le=200,
        description="Largest evidence document accepted, in megabytes (MB, 1,000,000 bytes).",
    )
    documents_required: list[EvidenceKind] = Field(
        default_factory=lambda: list(DEFAULT_DOCUMENTS_REQUIRED),
        description="Kinds of evidence document that must be attached before the step that follows them is recorded.",
    )

    reporting_cadence: ReportingCadence = Field(
        default="quarterly",
        description="How often the reporting chain passes a monitoring report on (facilitator → smelter/refiner → "
                    "audit programme → company) while a plan is implemented; a report missing past it is an item "
                    "the incident waits for, owed by whoever should have sent it.",
    )

    @field_validator("documents_required")
    @classmethod
    def _known_kinds(cls, v: list[str]) -> list[str]:
        unknown = [k for k in v if k not in NEXT_STEP]
        if unknown:
            raise ValueError(f"documents_required: {', '.join(map(repr, unknown))} precede(s) no step; choose from "
                             + ", ".join(NEXT_STEP))
        return [k for k in EVIDENCE_KINDS if k in v]  # vocabulary order, no repeats

    @property
    def document_size_limit(self) -> int:
        """The size limit in bytes."""
        return self.document_size_limit_mb * 1_000_000

    @field_validator("time_frames")
    @classmethod
    def _every_step(cls, v: dict[int, int]) -> dict[int, int]:
        missing = [n for n in STEPS if n not in v]
        if missing:
            raise ValueError(f"a time frame is needed for step(s) {', '.join(map(str, missing))}")
        bad = [n for n, days in v.items() if n not in STEPS or not 1 <= days <= 3650]
        if bad:
            raise ValueError(f"time frames must be between 1 and 3650 days (step {', '.join(map(str, bad))})")
        return {n: v[n] for n in STEPS}

    def suppress(self, count: int) -> str:
        """A victims' count as a board may see it: below the threshold it is '<N' (0 stays 0)."""
        return f"<{self.small_count_threshold}" if 0 < count < self.small_count_threshold else f"{count:,}"
