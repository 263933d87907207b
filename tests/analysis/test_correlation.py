"""Rank-correlation metrics against scipy on known data."""

import numpy as np
import pytest
from scipy import stats

from nasbench_eval.analysis.correlation import precision_at_k, rank_metrics


def test_rank_metrics_on_known_data():
    x = np.arange(200, dtype=float)
    m = rank_metrics(x, 2 * x + 1, n_boot=20)
    assert m["kendall_tau"] == 1 and m["spearman_rho"] == 1 and m["precision_at_10"] == 1
    assert rank_metrics(-x, x, n_boot=0)["kendall_tau"] == -1
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=500), rng.normal(size=500)
    b = a + b
    m = rank_metrics(a, b, n_boot=200)
    assert m["kendall_tau"] == pytest.approx(stats.kendalltau(a, b).statistic)
    assert m["pearson_r"] == pytest.approx(stats.pearsonr(a, b).statistic)
    assert m["kendall_tau_ci95"][0] < m["kendall_tau"] < m["kendall_tau_ci95"][1]
    top = np.argsort(-b)[:50]
    assert m["kendall_tau_top10pct"] == pytest.approx(stats.kendalltau(a[top], b[top]).statistic)
    assert m["sparse_kendall_tau"] == pytest.approx(stats.kendalltau(np.round(a, 1), b).statistic)


def test_precision_at_k():
    truth = np.array([9, 8, 7, 1, 2, 3], float)
    est = np.array([9, 1, 8, 7, 2, 3], float)  # top-3 by estimate: 0, 2, 3
    assert precision_at_k(est, truth, 3) == pytest.approx(2 / 3)
