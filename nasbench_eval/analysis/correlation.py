"""How well does an estimate rank architectures like the ground truth? One function.

Kendall tau, Spearman rho and Pearson r come from ``scipy.stats`` (ties as scipy handles
them); precision@k is the share of the true top-k found in the estimated top-k; "top 10%"
recomputes tau on the archs in the best 10% by ground truth; "sparse" tau rounds the
estimates to one decimal first (as in the NAS-Bench-201 / few-shot literature); the 95%
interval for tau is a percentile bootstrap over archs with a fixed seed.
"""

from __future__ import annotations

import numpy as np


def precision_at_k(estimate: np.ndarray, truth: np.ndarray, k: int) -> float:
    k = min(k, len(truth))
    top_true = set(np.argsort(-truth, kind="stable")[:k].tolist())
    top_est = set(np.argsort(-estimate, kind="stable")[:k].tolist())
    return len(top_true & top_est) / k


def rank_metrics(
    estimate, truth, *, ks=(10, 50, 100), top_fraction: float = 0.1, n_boot: int = 1000, seed: int = 0
) -> dict:
    from scipy import stats  # imported on use: the command line starts without scipy

    est, tru = np.asarray(estimate, float), np.asarray(truth, float)
    if est.shape != tru.shape or len(est) < 3:
        raise ValueError("need matching estimate/truth arrays with at least 3 archs")
    out = {
        "n": int(len(est)),
        "kendall_tau": float(stats.kendalltau(est, tru).statistic),
        "spearman_rho": float(stats.spearmanr(est, tru).statistic),
        "pearson_r": float(stats.pearsonr(est, tru).statistic),
    }
    for k in ks:
        out[f"precision_at_{k}"] = precision_at_k(est, tru, k)
    top = np.argsort(-tru, kind="stable")[: max(3, int(round(top_fraction * len(tru))))]
    out["kendall_tau_top10pct"] = float(stats.kendalltau(est[top], tru[top]).statistic)
    out["sparse_kendall_tau"] = float(stats.kendalltau(np.round(est, 1), tru).statistic)
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(n_boot):
        i = rng.integers(0, len(est), len(est))
        boot.append(stats.kendalltau(est[i], tru[i]).statistic)
    lo, hi = np.nanpercentile(boot, [2.5, 97.5]) if n_boot else (np.nan, np.nan)
    out["kendall_tau_ci95"] = [float(lo), float(hi)]
    out["bootstrap"] = {"resamples": n_boot, "seed": seed}
    return out
