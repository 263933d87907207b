"""Sweep metrics: violations are reported on their own and never earn negative regret."""

import numpy as np
import pytest

from nasbench_eval.analysis.sweep import regrets


def test_an_over_budget_arch_cannot_have_negative_regret():
    cost = np.array([10.0, 20.0, 30.0, 40.0])
    acc = np.array([80.0, 85.0, 90.0, 95.0])
    # target 20 (tolerance 5%): feasible archs cost <= 21, the best of them is 85
    assert regrets(cost, acc, [20.0], [1], [20.0], 0.05) == [0.0]  # on budget, the best feasible
    assert regrets(cost, acc, [20.0], [0], [10.0], 0.05) == [5.0]  # under budget, worse
    assert regrets(cost, acc, [20.0], [3], [40.0], 0.05) == [0.0]  # over budget and better: 0, not -10
    assert regrets(cost, acc, [20.0], [2], [30.0], 0.05) == [0.0]
    assert regrets(cost, acc, [5.0], [0], [10.0], 0.05) == [
        pytest.approx(np.nan, nan_ok=True)
    ]  # none feasible


def test_summary_counts_violations(tss):
    from nasbench_eval.analysis.sweep import sweep_summary
    from nasbench_eval.estimators import CostConstraint, EstimatorContext, build_estimator

    constraint = CostConstraint(build_estimator("flops", EstimatorContext(tss, "cifar10")))
    flops = constraint.by_code[np.asarray(tss.order)]
    picks = [int(np.argmin(flops)), int(np.argmax(flops)), int(np.argsort(flops)[7000])]
    achieved = flops[picks]
    targets = np.array([achieved[0] * 1.2, achieved[1] / 1.5, achieved[2]])  # under, 50% over, on
    s = sweep_summary(
        tss, constraint, targets, achieved, picks, {"C10 test": "cifar10/ori-test/accuracy/200/mean"}
    )
    assert s["violations"]["share"] == pytest.approx(1 / 3)
    assert s["violations"]["mean_relative_overshoot"] == pytest.approx(0.5)
    acc = tss.values("cifar10/ori-test/accuracy/200/mean")
    best_feasible = acc[flops <= targets[1] * 1.05].max()
    assert s["regret"]["C10 test"]["per_target"][1] == pytest.approx(max(best_feasible - acc[picks[1]], 0))
    assert s["share_within_5pct"] == pytest.approx(1 / 3)
