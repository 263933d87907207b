"""The one loop every method runs in: ask, estimate, tell, until the budget is spent.

As in the reference scripts, the evaluation that crosses the budget still counts: the run
stops once the cumulative cost reaches the limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..estimators import Estimator
from ..methods import Method
from ..spaces import Arch


@dataclass(frozen=True)
class Budget:
    limit: float
    unit: str  # 'seconds' or 'queries'


@dataclass
class SearchResult:
    archs: list[Arch] = field(default_factory=list)
    fidelities: list[int | None] = field(default_factory=list)
    estimates: list[float] = field(default_factory=list)
    cumulative_cost: list[float] = field(default_factory=list)
    final: Arch | None = None

    @property
    def used(self) -> float:
        return self.cumulative_cost[-1] if self.cumulative_cost else 0.0


def run_search(
    method: Method, estimator: Estimator, budget: Budget, *, max_steps: int = 1_000_000
) -> SearchResult:
    if budget.unit != estimator.budget_unit:
        raise ValueError(f"budget in {budget.unit} but the estimator counts {estimator.budget_unit}")
    out = SearchResult()
    used = 0.0
    while used < budget.limit and len(out.archs) < max_steps:
        query = method.ask()
        estimate = estimator.evaluate(query.arch, query.fidelity)
        used += estimate.cost
        method.tell(query, estimate.value)
        out.archs.append(query.arch)
        out.fidelities.append(query.fidelity)
        out.estimates.append(estimate.value)
        out.cumulative_cost.append(used)
    out.final = method.result()
    return out
