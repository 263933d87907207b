"""The multi-trial runner: ask, estimate, tell, until the budget is spent; then the record.

As in the reference scripts, the evaluation that crosses the budget still counts: the run
stops once the cumulative cost reaches the limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import NasbenchEvalError
from ..estimators import Estimator, build_estimator
from ..methods import MultiTrialMethod, get_method
from ..records import Budget, FinalArch, RunRecord, Trajectory
from ..spaces import Arch
from .spec import RunSpec, benchmark, estimator_context, record_header, report_metrics

#: a safety net only: budgets are capped (runs.options.MAX_BUDGET) and stop runs long before
MAX_STEPS = 100_000


@dataclass(frozen=True)
class BudgetLimit:
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
    method: MultiTrialMethod, estimator: Estimator, budget: BudgetLimit, *, max_steps: int = MAX_STEPS
) -> SearchResult:
    if budget.unit != estimator.budget_unit:
        raise NasbenchEvalError(f"budget in {budget.unit} but the estimator counts {estimator.budget_unit}")
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


def build(spec: RunSpec):
    """(protocol, estimator) of a spec: fails fast on bad names or missing metrics."""
    protocol = spec.resolved_protocol()
    bench = benchmark(spec)
    estimator = build_estimator(spec.estimator or protocol.search_key, estimator_context(spec, bench))
    return protocol, estimator


def run(spec: RunSpec, seed: int, checkpoint=None) -> tuple[RunRecord, dict]:
    """One seeded search -> (record, extra timing facts)."""
    protocol, estimator = build(spec)
    bench = benchmark(spec)
    budget = BudgetLimit(spec.budget or protocol.budget(estimator.budget_unit), estimator.budget_unit)
    method_cls = get_method(spec.method)
    config = spec.method_config()
    prior_spec = method_cls.prior_spec(config)
    prior = build_estimator(prior_spec, estimator_context(spec, bench)) if prior_spec else None
    method = method_cls(
        spec.search_space(),
        np.random.default_rng(seed),
        max_fidelity=estimator.max_fidelity,
        fidelities=estimator.fidelities,
        prior=_with_progress(prior.score_many) if prior else None,
        **config,
    )
    result = run_search(method, estimator, budget)
    final_index = bench.index_of(result.final)
    record = RunRecord(
        **record_header(spec, method_cls, protocol, seed, method.config),
        estimator=estimator.describe(),
        budget=Budget(budget.limit, budget.unit, result.used),
        final=FinalArch(
            final_index, bench.space.format(result.final), float(estimator.evaluate(result.final).value)
        ),
        final_metrics=report_metrics(bench, protocol, final_index),
        trajectory=Trajectory(
            index=[bench.index_of(a) for a in result.archs],
            fidelity=result.fidelities,
            estimate=[None if math.isnan(v) else v for v in result.estimates],
            cumulative_cost=result.cumulative_cost,
        ),
        prior_estimator=prior.describe() if prior else None,
    )
    return record, {}


def _with_progress(score_many):
    """A zero-cost prior that shows a progress bar while it scores archs the cache lacks
    (a terminal only; computing 3,000 synflow scores takes about a minute on 2 cores)."""
    from tqdm import tqdm

    def scored(choices):
        return score_many(
            choices,
            lambda it, total: tqdm(
                it, total=total, desc="warm-up: scoring archs", unit="arch", leave=False, disable=None
            ),
        )

    return scored
