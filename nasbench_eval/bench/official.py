"""Turn one architecture's official record into named metrics.

An official NATS-Bench / NAS-Bench-201 record maps a training budget ``hp`` ('01', '12',
'90', '200'; NB201 calls them 'less' and 'full') to the state of an ``ArchResults``: for
every (dataset, seed) a ``ResultsCount`` with per-epoch train/eval accuracy, loss and time,
plus flop, params and latency. We keep every curve and name each by its metric key:

* ``{dataset}/train/{accuracy,top5_accuracy,loss,time_s}/{E}/{agg}``
* ``{dataset}/{split}/{accuracy,loss,time_s}/{E}/{agg}`` for each evaluated split
* ``{dataset}/-/latency_s/{E}/{agg}``

``agg`` is ``seedN`` for each trial and ``mean`` over the trials (averaged exactly as the
official API does: sum in seed order / count). ``time_s`` is cumulative seconds, so its
final value is the total time and the per-epoch time is ``total / E``. FLOPs and params are
not stored: the analytic cost model serves them, and the importer checks them instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

#: official record field -> measure, for the training-set curves
_TRAIN_FIELDS = (("train_acc1es", "accuracy"), ("train_acc5es", "top5_accuracy"), ("train_losses", "loss"))
_EVAL_FIELDS = (("eval_acc1es", "accuracy"), ("eval_losses", "loss"))


@dataclass
class Metric:
    key: str
    curve: np.ndarray  # (epochs,) float64; NaN where the record has no value

    @property
    def final(self) -> float:
        return float(self.curve[-1])


@dataclass
class CostCheck:
    """The flop/params the record claims per dataset (official legacy fix applied)."""

    dataset: str
    flops: float
    params: float


def _curve(values, epochs: int, split: str | None = None) -> np.ndarray:
    if not values:
        return np.full(epochs, np.nan)
    keys = range(epochs) if split is None else [f"{split}@{i}" for i in range(epochs)]
    return np.array([values.get(k, np.nan) for k in keys], dtype=np.float64)


def _per_result(res: dict, epochs: int) -> Iterator[tuple[str, str, np.ndarray]]:
    """(split, measure, curve) for one ResultsCount state."""
    for field, measure in _TRAIN_FIELDS:
        if res.get(field):
            yield "train", measure, _curve(res[field], epochs)
    if res.get("train_times"):
        yield "train", "time_s", np.cumsum(_curve(res["train_times"], epochs))
    for split in res.get("eval_names") or ():
        for field, measure in _EVAL_FIELDS:
            if res.get(field):
                yield split, measure, _curve(res[field], epochs, split)
        if res.get("eval_times"):
            yield split, "time_s", np.cumsum(_curve(res["eval_times"], epochs, split))


def _latency(res: dict) -> float:
    lat = res.get("latency")
    return float(sum(lat) / len(lat)) if lat else -1.0


def _legacy_fixed(values: list[float], seeds: list[int]) -> float:
    """The official API's answer when seeds disagree (NATS-Bench issue #16): seed 888."""
    if len({f"{v:.5f}" for v in values}) > 1 and 888 in seeds:
        return values[seeds.index(888)]
    return sum(values) / len(values)


def record_metrics(record: dict) -> tuple[str, list[Metric], list[CostCheck]]:
    """(arch string, metrics, cost claims) of one per-arch record ``{hp: ArchResults state}``."""
    arch = None
    metrics: list[Metric] = []
    checks: list[CostCheck] = []
    for hp, state in record.items():
        epochs = int(hp)
        arch = state["arch_str"] if arch is None else arch
        if state["arch_str"] != arch:
            raise ValueError(f"hp {hp} describes {state['arch_str']}, hp of another describes {arch}")
        for dataset, seeds in state["dataset_seed"].items():
            per_seed: dict[tuple[str, str], list[np.ndarray]] = {}
            latencies, flops, params = [], [], []
            for seed in seeds:
                res = state["all_results"][(dataset, seed)]
                if int(res["epochs"]) != epochs:
                    raise ValueError(f"{dataset} seed {seed} ran {res['epochs']} epochs, hp says {hp}")
                for split, measure, curve in _per_result(res, epochs):
                    per_seed.setdefault((split, measure), []).append(curve)
                    metrics.append(Metric(f"{dataset}/{split}/{measure}/{epochs}/seed{seed}", curve))
                lat = _latency(res)
                if lat > 0:
                    metrics.append(Metric(f"{dataset}/-/latency_s/{epochs}/seed{seed}", np.array([lat])))
                    latencies.append(lat)
                flops.append(float(res["flop"]))
                params.append(float(res["params"]))
            for (split, measure), curves in per_seed.items():
                if len(curves) == len(seeds):
                    total = curves[0].copy()
                    for c in curves[1:]:
                        total += c
                    metrics.append(Metric(f"{dataset}/{split}/{measure}/{epochs}/mean", total / len(curves)))
            if latencies:
                metrics.append(
                    Metric(
                        f"{dataset}/-/latency_s/{epochs}/mean", np.array([sum(latencies) / len(latencies)])
                    )
                )
            checks.append(
                CostCheck(dataset, _legacy_fixed(flops, list(seeds)), _legacy_fixed(params, list(seeds)))
            )
    return arch, metrics, checks
