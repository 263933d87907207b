"""Cost estimators: analytic FLOPs and parameters, and hardware latency tables.

``flops`` / ``params`` use the space's exact chain cost model (no data needed; its
``expected`` is exact and differentiable); ``latency:DEVICE`` reads the benchmark's
hardware table (``DATASET/-/latency_ms:DEVICE/-/-``) and contracts it for ``expected``.
``CostConstraint`` turns any of them into the normalised constraint of generative methods.
"""

from __future__ import annotations

import numpy as np

from ..errors import MetricKeyError
from .base import ColumnEstimator, Estimator, by_code
from .spec import ESTIMATORS


class AnalyticCost(Estimator):
    measure: str
    unit: str
    differentiable = True

    def __init__(self, space, dataset: str):
        super().__init__(space)
        self.dataset = dataset
        self.model = space.cost_model(dataset, self.measure)

    @classmethod
    def from_spec(cls, arg: str, context) -> AnalyticCost:
        if arg:
            raise MetricKeyError(f"{cls.measure} takes no argument (got {cls.measure}:{arg})")
        return cls(context.search_space, context.cost_dataset)

    def score_many(self, choices, progress=None) -> np.ndarray:
        return self.model.evaluate(np.atleast_2d(choices))

    def expected(self, probs):
        return self.model.expected(probs.double())

    def describe(self) -> dict:
        return {"kind": "analytic", "spec": self.measure, "key": f"{self.dataset}/-/{self.measure}/-/-"}


@ESTIMATORS.register("flops", kind="cost", description="exact analytic FLOPs (M multiply-adds)")
class FlopsEstimator(AnalyticCost):
    measure, unit, label = "flops", "M FLOPs", "FLOPs (M multiply-adds)"


@ESTIMATORS.register("params", kind="cost", description="exact analytic parameter count (M)")
class ParamsEstimator(AnalyticCost):
    measure, unit, label = "params", "M params", "parameters (M)"


@ESTIMATORS.register(
    "latency", kind="cost", description="latency from a hardware table, e.g. latency:edgegpu"
)
class LatencyEstimator(ColumnEstimator):
    spec_arg = "DEVICE"
    differentiable = True

    def __init__(self, bench, dataset: str, device: str, *, space=None, require_complete: bool = True):
        self.bench, self.dataset, self.device = bench, dataset, device
        self.key = f"{dataset}/-/latency_ms:{device}/-/-"
        self.unit, self.label = f"ms on {device}", f"latency on {device} (ms)"
        if not bench.has(self.key):
            devices = sorted(
                {
                    k.measure.split(":", 1)[1]
                    for k in bench.keys()
                    if k.dataset == dataset and k.measure.startswith("latency_ms:")
                }
            )
            raise MetricKeyError(
                f"unknown device {device!r}: the benchmark has no {self.key}; available: "
                f"{', '.join(devices) or 'none (import a hardware table, e.g. tss_hardware.csv)'}"
            )
        super().__init__(space or bench.space, by_code(bench, bench.values(self.key)))
        missing = self.missing()
        if require_complete and missing:
            raise MetricKeyError(f"{self.key} lacks {missing} archs; this use needs a value for every arch")

    @classmethod
    def from_spec(cls, arg: str, context) -> LatencyEstimator:
        if not arg:
            raise MetricKeyError("latency needs a device: latency:DEVICE (e.g. latency:edgegpu)")
        return cls(
            context.bench,
            context.cost_dataset,
            arg,
            space=context.space,
            require_complete=context.purpose == "search",
        )

    def describe(self) -> dict:
        return {"kind": "table", "spec": f"latency:{self.device}", "key": self.key}


class CostConstraint:
    """A cost estimator as a generator's constraint: the cost of every arch of the space,
    its achievable range, normalisation to [0, 1] and the exact normalised expectation."""

    def __init__(self, estimator: Estimator):
        if not estimator.differentiable:
            raise MetricKeyError(
                f"{estimator.describe()['spec']} cannot be a constraint (not differentiable)"
            )
        self.estimator = estimator
        space = estimator.space
        self.name = estimator.describe()["spec"]
        self.unit = getattr(estimator, "unit", estimator.label)
        self.by_code = np.full(space.base.size, np.nan)
        codes = space.codes_of(space.all_choices())
        self.by_code[codes] = estimator.score_many(space.all_choices())
        self.lo, self.hi = float(np.nanmin(self.by_code)), float(np.nanmax(self.by_code))

    def normalise(self, cost):
        return (np.asarray(cost, float) - self.lo) / (self.hi - self.lo)

    def expected(self, probs):
        """Normalised exact expected cost (differentiable)."""
        return ((self.estimator.expected(probs) - self.lo) / (self.hi - self.lo)).float()
