"""The rank-correlation protocol: one estimator against the benchmark's ground truth.

Estimators: any estimator spec (``estimators.spec``): a metric key, ``flops``, ``params``,
``latency:DEVICE``, ``supernet:JOB_DIR``, ``file:PATH.csv[:COLUMN]``. Ground truth: the
200-epoch validation accuracy (mean over seeds) where the benchmark has it for every arch,
else the 200-epoch test accuracy; the record says which. Archs: all, a random subset drawn
with a recorded seed, or indices from a file; archs whose estimate or truth is missing are
dropped and counted.
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from ..analysis.correlation import rank_metrics
from ..bench import Benchmark
from ..datasets import get_dataset
from ..errors import BenchmarkFileError, MetricKeyError
from ..estimators import EstimatorContext, build_estimator
from ..provenance import provenance, timestamp


def default_truth(bench: Benchmark, dataset: str) -> str:
    epochs = bench.space.final_epochs
    for split in ("x-valid", get_dataset(dataset).test_split):
        key = f"{dataset}/{split}/accuracy/{epochs}/mean"
        if bench.has(key) and not np.isnan(bench.values(key)).any():
            return key
    raise MetricKeyError(
        f"the benchmark has no complete 200-epoch accuracy for {dataset}; import a table or pass --truth KEY"
    )


def select_archs(bench: Benchmark, archs: str, seed: int) -> tuple[np.ndarray, str]:
    """'all', a count N (random subset, seeded) or a file of official indices."""
    n = bench.space.size
    if archs == "all":
        return np.arange(n), "all"
    if archs.isascii() and archs.isdigit():
        k = int(archs)
        if not 3 <= k <= n:
            raise MetricKeyError(f"--archs N must be between 3 and {n}")
        return np.sort(np.random.default_rng(seed).choice(n, k, replace=False)), f"random {k}, seed {seed}"
    path = Path(archs)
    try:
        idx = np.array([int(line) for line in path.read_text().split() if line.strip()], np.int64)
    except (OSError, ValueError) as exc:
        raise BenchmarkFileError(f"--archs: cannot read indices from {path}: {exc}") from None
    bench.indices(idx)  # range check
    return idx, f"file {path}"


def estimate(
    bench: Benchmark,
    spec: str,
    dataset: str,
    idx: np.ndarray,
    *,
    data_root=None,
    splits_dir=None,
    eval_batches: int = 10,
    recalibrate: int = 0,
    device: str = "cpu",
    verify: bool = True,
    progress=lambda it, total: it,
) -> tuple[np.ndarray, dict]:
    """Scores of the archs at official indices ``idx`` by any estimator spec."""
    context = EstimatorContext(
        bench,
        dataset,
        purpose="score",
        data_root=data_root,
        splits_dir=splits_dir,
        device=device,
        verify=verify,
        options={"eval_batches": eval_batches, "recalibrate": recalibrate},
    )
    estimator = build_estimator(spec, context)
    order = np.asarray(bench.order)[idx]
    if (order < 0).any():
        raise MetricKeyError(
            "the benchmark's index order is incomplete; import the meta file or a full table"
        )
    start = time.perf_counter()
    values = estimator.score_many(bench.space.all_choices()[order], progress)
    seconds = time.perf_counter() - start
    described = estimator.describe()
    if described["kind"] == "supernet":
        described = {**described, "seconds": seconds, "archs_per_second": len(idx) / seconds}
    return np.asarray(values, np.float64), described


def correlate(
    bench: Benchmark,
    dataset: str,
    spec: str,
    *,
    truth: str | None = None,
    archs: str = "all",
    seed: int = 0,
    n_boot: int = 1000,
    **estimator_options,
) -> dict:
    truth_key = truth or default_truth(bench, dataset)
    idx, selection = select_archs(bench, archs, seed)
    true = bench.query(truth_key, idx)
    est, described = estimate(bench, spec, dataset, idx, **estimator_options)
    ok = ~(np.isnan(true) | np.isnan(est))
    if ok.sum() < 3:
        raise MetricKeyError(f"{spec}: fewer than 3 archs have both an estimate and the truth")
    metrics = rank_metrics(est[ok], true[ok], n_boot=n_boot, seed=seed)
    return {
        "format": "nasbench-eval-correlation",
        "version": 1,
        "space": bench.space.name,
        "dataset": dataset,
        "estimator": {**described, "spec": spec},
        "truth": truth_key,
        "truth_note": "200-epoch validation accuracy"
        if "/x-valid/" in truth_key
        else "200-epoch test accuracy (the benchmark has no complete validation column)",
        "archs": {
            "selection": selection,
            "requested": int(len(idx)),
            "used": int(ok.sum()),
            "dropped_missing": int((~ok).sum()),
        },
        "metrics": metrics,
        "benchmark_sources": [{"path": s["path"], "md5": s["md5"]} for s in bench.sources],
        "provenance": {**provenance(), "created": timestamp()},
        "indices": idx[ok].tolist(),
        "estimates": [None if math.isnan(v) else float(v) for v in est[ok]],
    }
