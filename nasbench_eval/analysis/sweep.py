"""Controllability and regret of a generative method's sweep (one arch per cost target).

Controllability: Kendall tau between targets and achieved costs, the median relative
error, and the share of targets met within the tolerance (next to the share that any arch
of the space could meet). Regret per target: the best test accuracy among the archs whose
cost is at most the target plus the tolerance, minus the generated arch's.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def sweep_summary(
    bench, constraint, targets, achieved, indices, test_keys: dict[str, str], *, tolerance: float = 0.05
) -> dict:
    """``constraint``: ``by_code`` costs of the space (NaN outside a sub-space)."""
    rel = np.abs(achieved - targets) / targets
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
        "regret": {},
    }
    cost_by_index = constraint.by_code[bench.order]
    for label, key in test_keys.items():
        if not bench.has(key) or np.isnan(bench.values(key)).any():
            continue
        acc = np.asarray(bench.values(key))
        regrets = []
        for t, i in zip(targets, indices, strict=True):
            ok = cost_by_index <= t * (1 + tolerance)
            regrets.append(float(acc[ok].max() - acc[i]) if ok.any() else math.nan)
        out["regret"][label] = {"key": key, "median": float(np.nanmedian(regrets)), "per_target": regrets}
    return out
