"""Score architectures by looking them up in the benchmark (the multi-trial protocol).

The search signal is a metric key such as ``cifar10-valid/x-valid/accuracy/12/mean``. When
the benchmark holds training times for every arch, each query costs the official simulated
time (training time for the epochs used + one epoch of validation time, as
``simulate_train_eval``), else one query. Lower fidelities (fewer epochs, for BOHB) are
available when the metric has per-epoch curves.
"""

from __future__ import annotations

import numpy as np

from ..bench import Benchmark, parse_key
from ..datasets import get_dataset
from ..errors import MetricKeyError
from ..spaces import Arch
from .base import Estimate, Estimator

ARCHIVES = {"nats-tss": "NATS-tss-v1_0-3ffb9-simple", "nats-sss": "NATS-sss-v1_0-50262-simple"}


class TableEstimator(Estimator):
    def __init__(self, bench: Benchmark, key: str, *, budget_unit: str | None = None):
        self.bench = bench
        self.key = parse_key(key)
        if self.key.epochs is None:
            raise MetricKeyError(f"search metric {self.key} must name its training epochs")
        self._values = bench.values(self.key)
        covered = int((~np.isnan(self._values)).sum())
        if covered < bench.space.size:
            raise MetricKeyError(
                f"{self.key} covers only {covered:,} of the {bench.space.size:,} {bench.space.name} "
                f"archs; a search needs all of them: import the full official archive "
                f"({ARCHIVES[bench.space.name]}) or a complete table"
            )
        self.max_fidelity = self.key.epochs
        self._code_to_index = self._index_map()
        ds = get_dataset(self.key.dataset).search_records
        self._time_keys = (
            f"{ds}/train/time_s/{self.key.epochs}/mean",
            f"{ds}/x-valid/time_s/{self.key.epochs}/mean",
        )
        has_times = all(bench.has(k) and not np.isnan(bench.values(k)).any() for k in self._time_keys)
        self.budget_unit = budget_unit or ("seconds" if has_times else "queries")
        if self.budget_unit == "seconds" and not has_times:
            raise MetricKeyError(
                f"a budget in seconds needs training times for every arch ({self._time_keys[0]}); "
                "import the official archive or use a budget in queries"
            )
        if self.budget_unit == "seconds":
            self._train_final = np.asarray(bench.values(self._time_keys[0]))
            self._valid_epoch = np.asarray(bench.values(self._time_keys[1])) / self.key.epochs
        try:
            if (bench.curve(self.key)[1] >= 0).all():
                self.fidelities = tuple(range(1, self.key.epochs + 1))
        except MetricKeyError:
            pass  # finals only: full fidelity

    def _index_map(self) -> np.ndarray:
        order = self.bench.order
        if (order < 0).any():
            raise MetricKeyError(
                "the benchmark's index order is incomplete; import the meta file or a full table first"
            )
        out = np.empty(len(order), np.int64)
        out[order] = np.arange(len(order))
        return out

    def index(self, arch: Arch) -> int:
        return int(self._code_to_index[self.bench.space.code(arch)])

    def evaluate(self, arch: Arch, fidelity: int | None = None) -> Estimate:
        i = self.index(arch)
        epochs = self.max_fidelity if fidelity is None else fidelity
        full = epochs == self.max_fidelity
        if not full and epochs not in self.fidelities:
            raise MetricKeyError(f"{self.key} has no per-epoch values for fidelity {epochs}")
        value = float(self._values[i]) if full else self.bench.query(self.key, i, epoch=epochs - 1)
        if self.budget_unit == "queries":
            return Estimate(value, epochs / self.max_fidelity)
        train = self._train_final[i] if full else self.bench.query(self._time_keys[0], i, epoch=epochs - 1)
        return Estimate(value, float(train + self._valid_epoch[i]))

    def describe(self) -> dict:
        return {
            "kind": "table",
            "key": str(self.key),
            "budget_unit": self.budget_unit,
            "fidelities": list(self.fidelities) or [self.max_fidelity],
            "time_keys": list(self._time_keys) if self.budget_unit == "seconds" else None,
        }
