"""Score architectures by looking them up in the benchmark (the multi-trial protocol).

The search signal is a metric key such as ``cifar10-valid/x-valid/accuracy/12/mean``. When
the benchmark holds training times for every arch, each query costs the official simulated
time (training time for the epochs used + one epoch of validation time, as
``simulate_train_eval``; with training times only, e.g. ``tss_train_time.csv``, the
training time, and the record says the validation pass is missing), else one query.
Lower fidelities (fewer epochs, for BOHB) are available when the metric has per-epoch
curves. ``expected`` is the exact expectation of the column under factorised probabilities
(SGNAS's table variant: an oracle that reads the whole column).
"""

from __future__ import annotations

import numpy as np

from ..bench import Benchmark, parse_key
from ..datasets import get_dataset
from ..errors import MetricKeyError
from ..spaces import Arch, SearchSpace
from .base import ColumnEstimator, Estimate, by_code
from .spec import ESTIMATORS


@ESTIMATORS.register(
    "table",
    kind="lookup",
    description="a benchmark metric key, e.g. "
    "cifar10-valid/x-valid/accuracy/12/mean (also written without 'table:')",
)
class TableEstimator(ColumnEstimator):
    spec_arg = "KEY"
    differentiable = True
    expected_reads_all = True

    def __init__(
        self,
        bench: Benchmark,
        key: str,
        *,
        budget_unit: str | None = None,
        space: SearchSpace | None = None,
        require_complete: bool = True,
    ):
        self.bench = bench
        self.key = parse_key(key)
        self.label = str(self.key)
        self._values = bench.values(self.key)
        super().__init__(space or bench.space, by_code(bench, self._values))
        if require_complete:
            self._check_complete()
        self.max_fidelity = self.key.epochs
        ds = get_dataset(self.key.dataset).search_records
        self._time_keys = (
            f"{ds}/train/time_s/{self.key.epochs}/mean",
            f"{ds}/x-valid/time_s/{self.key.epochs}/mean",
        )
        complete = [
            self.key.epochs is not None and bench.has(k) and not np.isnan(bench.values(k)).any()
            for k in self._time_keys
        ]
        has_times, self.has_valid_time = complete
        self.budget_unit = budget_unit or ("seconds" if has_times else "queries")
        if self.budget_unit == "seconds" and not has_times:
            raise MetricKeyError(
                f"a budget in seconds needs training times for every arch ({self._time_keys[0]}); "
                "import the official archive or tss_train_time.csv, or use a budget in queries"
            )
        if self.budget_unit == "seconds":
            self._train_final = np.asarray(bench.values(self._time_keys[0]))
            self._valid_epoch = (
                np.asarray(bench.values(self._time_keys[1])) / self.key.epochs
                if self.has_valid_time
                else np.zeros(bench.space.size)
            )
        if self.key.epochs is not None:
            try:
                if (bench.curve(self.key)[1] >= 0).all():
                    self.fidelities = tuple(range(1, self.key.epochs + 1))
            except MetricKeyError:
                pass  # finals only: full fidelity

    @classmethod
    def from_spec(cls, arg: str, context) -> TableEstimator:
        return cls(
            context.bench,
            arg,
            budget_unit=context.budget_unit,
            space=context.space,
            require_complete=context.purpose == "search",
        )

    def _check_complete(self) -> None:
        if self.key.epochs is None and not self.key.is_analytic:
            raise MetricKeyError(f"search metric {self.key} must name its training epochs")
        if (self.bench.order < 0).any():
            raise MetricKeyError(
                "the benchmark's index order is incomplete; import the meta file or a full table first"
            )
        covered = self.space.size - self.missing()
        if covered < self.space.size:
            raise MetricKeyError(
                f"{self.key} covers only {covered:,} of the {self.space.size:,} {self.space.label} "
                f"archs; a search needs all of them: import the full official archive "
                f"({self.space.official_archive}) or a complete table"
            )

    def index(self, arch: Arch) -> int:
        return int(self.bench.index_by_code[self.bench.space.code(arch)])

    def evaluate(self, arch: Arch, fidelity: int | None = None) -> Estimate:
        i = self.index(arch)
        epochs = self.max_fidelity if fidelity is None else fidelity
        full = epochs == self.max_fidelity
        if not full and epochs not in self.fidelities:
            raise MetricKeyError(f"{self.key} has no per-epoch values for fidelity {epochs}")
        value = float(self._values[i]) if full else self.bench.query(self.key, i, epoch=epochs - 1)
        if self.budget_unit == "queries":
            return Estimate(value, epochs / self.max_fidelity if self.max_fidelity else 1.0)
        train = self._train_final[i] if full else self.bench.query(self._time_keys[0], i, epoch=epochs - 1)
        return Estimate(value, float(train + self._valid_epoch[i]))

    def training_cost(self) -> tuple[float, str]:
        return self.space.size, f"archs (the whole {self.key.epochs}-epoch table)"

    def describe(self) -> dict:
        return {
            "kind": "table",
            "spec": str(self.key),
            "key": str(self.key),
            "budget_unit": self.budget_unit,
            "fidelities": list(self.fidelities) or [self.max_fidelity],
            "time_keys": list(self._time_keys) if self.budget_unit == "seconds" else None,
            "validation_time": None
            if self.budget_unit != "seconds"
            else "included (one epoch of x-valid time per query, as simulate_train_eval)"
            if self.has_valid_time
            else "not in the data: simulate_train_eval adds one validation epoch per query "
            "(2.4-4.2 s on the official sample archs 0, 11, 284), not counted here",
        }
