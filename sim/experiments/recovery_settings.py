"""The settings of the recovery half-life a comparison of regimes reports beside its outcomes (ODD §8, §9 D-Q2):
a scenario's ``[recovery]`` table. The runs and the report's section are ``sim.experiments.recovery_section``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Recovery(BaseModel):
    """How fast each regime follows a shift in needs, measured beside the comparison: every regime of the design
    runs again on the batch's first ``replicates`` seeds (common random numbers) with needs shifting once, in
    ``shock_month``, by ``size`` in a share ``share`` of the units (ODD §7.14)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replicates: int = Field(10, ge=2, le=10_000, description="runs per regime (at least two, for an interval)")
    shock_month: int = Field(192, ge=13, description="month the needs shift: after the burn-in (month 192 is "
                             "the end of year 16), at least a year in, so that the year before is the baseline")
    size: float = Field(0.3, ge=-1.0, le=1.0, description="how far preferred designs move in the units hit")
    share: float = Field(0.5, gt=0.0, le=1.0, description="share of the units hit")
    steps: int | None = Field(None, ge=1, le=100_000, description="months per run (default: the scenario's)")

    def months(self, scenario_steps: int) -> int:
        """Months per run: ``steps``, or the scenario's."""
        return self.steps or scenario_steps
