"""Controllability, constraint violations and regret of a generative method's sweep (one
arch per cost target).

* Controllability: Kendall tau between targets and achieved costs, the median relative
  error, and the share of targets met within the tolerance (beside the share that any arch
  of the space could meet).
* Violations: a generated arch whose cost exceeds the target by more than the tolerance.
  Reported on their own: their share and the mean relative overshoot.
* Regret per target: the best test accuracy among the archs that satisfy the constraint
  (cost at most target x (1 + tolerance)) minus the generated arch's. A violating arch can
  be more accurate than every feasible one; its regret is then 0, never negative, so
  breaking the constraint never lowers the median.
"""

from __future__ import annotations

import math

import numpy as np


def regrets(cost_by_index, acc, targets, indices, achieved, tolerance: float) -> list[float]:
    out = []
    for t, i, c in zip(targets, indices, achieved, strict=True):
        feasible = cost_by_index <= t * (1 + tolerance)
        if not feasible.any():
            out.append(math.nan)
            continue
        r = float(acc[feasible].max() - acc[i])
        out.append(max(r, 0.0) if c > t * (1 + tolerance) else r)
    return out


def sweep_summary(
    bench, constraint, targets, achieved, indices, test_keys: dict[str, str], *, tolerance: float = 0.05
) -> dict:
    """``constraint``: ``by_code`` costs of the space (NaN outside a sub-space)."""
    from scipy import stats

    targets, achieved = np.asarray(targets, float), np.asarray(achieved, float)
    rel = np.abs(achieved - targets) / targets
    over = achieved > targets * (1 + tolerance)
    space_costs = np.sort(constraint.by_code[~np.isnan(constraint.by_code)])
    pos = np.clip(np.searchsorted(space_costs, targets), 1, len(space_costs) - 1)
    nearest = np.minimum(np.abs(space_costs[pos] - targets), np.abs(space_costs[pos - 1] - targets))
    out = {
        "kendall_tau_target_vs_achieved": float(stats.kendalltau(targets, achieved).statistic)
        if len(targets) > 2
        else None,
        "median_relative_error": float(np.median(rel)),
        "share_within_5pct": float(np.mean(rel <= tolerance)),
        "achievable_within_5pct": float(np.mean(nearest / targets <= tolerance)),
        "violations": {
            "share": float(over.mean()),
            "mean_relative_overshoot": float(np.mean(achieved[over] / targets[over] - 1))
            if over.any()
            else None,
        },
        "regret": {},
    }
    cost_by_index = constraint.by_code[bench.order]
    for label, key in test_keys.items():
        if not bench.has(key) or np.isnan(bench.values(key)).any():
            continue
        per_target = regrets(
            cost_by_index, np.asarray(bench.values(key)), targets, indices, achieved, tolerance
        )
        out["regret"][label] = {
            "key": key,
            "median": float(np.nanmedian(per_target)),
            "per_target": per_target,
        }
    return out
