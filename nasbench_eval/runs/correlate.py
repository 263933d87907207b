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
from ..estimators import EstimatorContext, build_estimator, parse_estimator_spec
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


def estimate_columns(
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
    options: dict | None = None,
    progress=lambda it, total: it,
) -> list[tuple[np.ndarray, dict]]:
    """(scores, description) per column of an estimator spec, for the archs at official
    indices ``idx``: one column, or one per proxy of ``zc:A,B,...`` (scored in one pass)."""
    if options and parse_estimator_spec(spec).kind != "zc":
        raise MetricKeyError(f"{spec} takes no --set options (they are for zc: proxies)")
    context = EstimatorContext(
        bench,
        dataset,
        purpose="score",
        data_root=data_root,
        splits_dir=splits_dir,
        device=device,
        verify=verify,
        options={"eval_batches": eval_batches, "recalibrate": recalibrate, "zc": dict(options or {})},
    )
    estimator = build_estimator(spec, context)
    order = np.asarray(bench.order)[idx]
    if (order < 0).any():
        raise MetricKeyError(
            "the benchmark's index order is incomplete; import the meta file or a full table"
        )
    choices = bench.space.all_choices()[order]
    start = time.perf_counter()
    if hasattr(estimator, "score_columns"):
        columns = estimator.score_columns(choices, progress)
        seconds = time.perf_counter() - start
        return [
            (np.asarray(values, np.float64), estimator.describe_column(name, seconds))
            for name, values in columns.items()
        ]
    values = estimator.score_many(choices, progress)
    seconds = time.perf_counter() - start
    described = estimator.describe()
    if described["kind"] == "supernet":
        described = {**described, "seconds": seconds, "archs_per_second": len(idx) / seconds}
    return [(np.asarray(values, np.float64), {**described, "spec": spec})]


def estimate(
    bench: Benchmark, spec: str, dataset: str, idx: np.ndarray, **options
) -> tuple[np.ndarray, dict]:
    """Scores of the archs at official indices ``idx`` by a one-column estimator spec."""
    columns = estimate_columns(bench, spec, dataset, idx, **options)
    if len(columns) != 1:
        raise MetricKeyError(f"{spec} gives {len(columns)} columns; use correlate_many")
    return columns[0]


def correlate(bench: Benchmark, dataset: str, spec: str, **kwargs) -> dict:
    """The correlation record of a one-column estimator spec."""
    records = correlate_many(bench, dataset, spec, **kwargs)
    if len(records) != 1:
        raise MetricKeyError(f"{spec} gives {len(records)} columns; use correlate_many")
    return records[0]


def correlate_many(
    bench: Benchmark,
    dataset: str,
    spec: str,
    *,
    truth: str | None = None,
    archs: str = "all",
    seed: int = 0,
    n_boot: int = 1000,
    **estimator_options,
) -> list[dict]:
    """One correlation record per column of the estimator spec (all scored in one pass)."""
    truth_key = truth or default_truth(bench, dataset)
    idx, selection = select_archs(bench, archs, seed)
    true = bench.query(truth_key, idx)
    return [
        _record(bench, dataset, est, described, truth_key, idx, selection, true, seed, n_boot)
        for est, described in estimate_columns(bench, spec, dataset, idx, **estimator_options)
    ]


def _record(bench, dataset, est, described, truth_key, idx, selection, true, seed, n_boot) -> dict:
    spec = described["spec"]
    ok = ~(np.isnan(true) | np.isnan(est))
    if ok.sum() < 3:
        raise MetricKeyError(f"{spec}: fewer than 3 archs have both an estimate and the truth")
    metrics = rank_metrics(est[ok], true[ok], n_boot=n_boot, seed=seed)
    return {
        "format": "nasbench-eval-correlation",
        "version": 1,
        "space": bench.space.name,
        "dataset": dataset,
        "estimator": described,
        "truth": truth_key,
        "truth_note": _truth_note(truth_key),
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


def _truth_note(key: str) -> str:
    """'200-epoch validation accuracy' etc., from the key's parts."""
    parts = key.split("/")
    if len(parts) != 5:
        return key
    split = {"x-valid": "validation", "ori-test": "test", "x-test": "test"}.get(parts[1], parts[1])
    return f"{parts[3]}-epoch {split} {parts[2]} ({parts[1]}, {parts[4]})"
