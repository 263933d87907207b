"""Run one search per seed (in worker processes when asked) and write the records."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ..bench import open_benchmark
from ..errors import MetricKeyError
from ..estimators import TableEstimator
from ..methods import get_method
from .driver import Budget, run_search
from .protocols import METHOD_DEFAULTS, get_protocol
from .record import provenance, record_path, write_record


@dataclass(frozen=True)
class RunSpec:
    method: str
    space: str = "nats-tss"
    protocol: str = "nats"
    dataset: str = "cifar10"
    budget: float | None = None  # None: the protocol's budget
    budget_unit: str | None = None  # None: seconds if the benchmark has times, else queries
    config: dict = field(default_factory=dict)
    home: str | None = None

    def validate(self) -> None:
        """Fail fast (before any worker starts) on a bad name or a missing metric."""
        get_method(self.method)
        get_protocol(self.protocol, self.space, self.dataset)
        _estimator(self)


_BENCH: dict = {}


def _estimator(spec: RunSpec) -> TableEstimator:
    key = (spec.space, spec.home)
    if key not in _BENCH:
        _BENCH[key] = open_benchmark(spec.space, spec.home)
    protocol = get_protocol(spec.protocol, spec.space, spec.dataset)
    return TableEstimator(_BENCH[key], protocol.search_key, budget_unit=spec.budget_unit)


def run_one(spec: RunSpec, seed: int) -> dict:
    """One seeded search -> the record (not yet written)."""
    start = time.perf_counter()
    protocol = get_protocol(spec.protocol, spec.space, spec.dataset)
    estimator = _estimator(spec)
    bench = estimator.bench
    budget = Budget(spec.budget or protocol.budget(estimator.budget_unit), estimator.budget_unit)
    method_cls = get_method(spec.method)
    config = {**METHOD_DEFAULTS.get((spec.method, spec.protocol), {}), **spec.config}
    method = method_cls(
        bench.space,
        np.random.default_rng(seed),
        max_fidelity=estimator.max_fidelity,
        fidelities=estimator.fidelities,
        **config,
    )
    result = run_search(method, estimator, budget)
    final_index = estimator.index(result.final)
    metrics = {}
    for key in protocol.report_keys().values():
        value = bench.query(key, final_index) if bench.has(key) else math.nan
        metrics[key] = None if math.isnan(value) else value
    return {
        "method": spec.method,
        "method_title": method_cls.title,
        "space": spec.space,
        "protocol": spec.protocol,
        "search_dataset": spec.dataset,
        "seed": seed,
        "config": {**asdict(spec), "config": method.config},
        "estimator": estimator.describe(),
        "budget": {"limit": budget.limit, "unit": budget.unit, "used": result.used},
        "benchmark": {
            "space": bench.space.name,
            "sources": [{"path": s["path"], "md5": s["md5"]} for s in bench.sources],
        },
        "provenance": provenance(),
        "trajectory": {
            "index": [estimator.index(a) for a in result.archs],
            "fidelity": result.fidelities,
            "estimate": [None if math.isnan(v) else v for v in result.estimates],
            "cumulative_cost": result.cumulative_cost,
        },
        "final": {
            "index": final_index,
            "arch": bench.space.format(result.final),
            "estimate": float(estimator.evaluate(result.final).value),
        },
        "final_metrics": metrics,
        "wall_time_s": time.perf_counter() - start,
    }


def _run_and_write(args) -> Path:
    spec, seed, path, overwrite = args
    write_record(path, run_one(spec, seed), overwrite=overwrite)
    return path


def parse_seeds(text: str) -> list[int]:
    """'0-99', '3', '1,5,7' or '0-4,10' -> sorted unique seeds."""
    seeds: set[int] = set()
    try:
        for part in text.split(","):
            lo, _, hi = part.strip().partition("-")
            seeds.update(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise MetricKeyError(f"seeds must look like 0-99 or 1,5,7, got {text!r}") from None
    if not seeds:
        raise MetricKeyError("no seeds given")
    return sorted(seeds)


def run_seeds(
    spec: RunSpec,
    seeds: Iterable[int],
    out: Path,
    *,
    workers: int = 1,
    overwrite: bool = False,
    progress: Callable = lambda it, total: it,
) -> tuple[list[Path], list[Path]]:
    """Run every seed without a record yet (all with ``overwrite``); returns (written, kept)."""
    spec.validate()
    jobs, kept = [], []
    for seed in seeds:
        path = record_path(out, spec.method, spec.space, spec.protocol, spec.dataset, seed)
        if path.exists() and not overwrite:
            kept.append(path)
        else:
            jobs.append((spec, seed, path, overwrite))
    if workers <= 1 or len(jobs) <= 1:
        written = [_run_and_write(j) for j in progress(jobs, len(jobs))]
    else:
        with ProcessPoolExecutor(workers) as pool:
            written = list(progress(pool.map(_run_and_write, jobs, chunksize=4), len(jobs)))
    return written, kept
