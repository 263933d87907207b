"""One estimator spec, parsed in one place and used by ``run``, ``correlate``, ``plot`` and
the generative methods alike.

    KEY                    a benchmark metric key (table lookup), also ``table:KEY``
    flops | params         the analytic cost of the arch on the dataset
    latency:DEVICE         a hardware table (e.g. latency:edgegpu)
    supernet:JOB_DIR       inherited weights of a ``supernet train`` job
    file:PATH.csv[:COLUMN] external per-arch scores (an ``index`` or ``arch`` column)

Each kind is a class registered in ``ESTIMATORS`` with a ``from_spec(arg, context)``
constructor; a new estimator is one file plus its ``@ESTIMATORS.register``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..datasets import get_dataset
from ..errors import MetricKeyError
from ..registry import Registry
from ..spaces import SearchSpace
from .base import Estimator

ESTIMATORS: Registry[type[Estimator]] = Registry("estimator")


@dataclass(frozen=True)
class EstimatorContext:
    """What building an estimator may need beyond its spec."""

    bench: object  # the opened Benchmark
    dataset: str  # the dataset scores refer to (cifar10 searches read cifar10-valid records)
    space: SearchSpace | None = None  # a sub-space view; default the benchmark's space
    purpose: str = "search"  # 'search' needs a score for every arch; 'score' allows gaps
    budget_unit: str | None = None  # forced budget unit (table estimator)
    data_root: str | None = None
    splits_dir: str | None = None
    device: str = "cpu"
    verify: bool = True
    options: dict = field(default_factory=dict)  # e.g. eval_batches, recalibrate (supernets)
    seed: int = 0  # for estimators that sample (e.g. the archs a surrogate is fit on)

    @property
    def search_space(self) -> SearchSpace:
        return self.space or self.bench.space

    @property
    def dataset_records(self) -> str:
        """Whose records a search on the dataset reads (cifar10 -> cifar10-valid)."""
        return get_dataset(self.dataset).search_records

    @property
    def cost_dataset(self) -> str:
        """Cost and hardware tables name cifar10-valid nets cifar10."""
        return get_dataset(self.dataset).cost_name


@dataclass(frozen=True)
class EstimatorSpec:
    kind: str
    arg: str  # what follows 'kind:' ('' when nothing does)
    text: str  # the spec as written

    def __str__(self) -> str:
        return self.text


def parse_estimator_spec(text: str) -> EstimatorSpec:
    """``flops``, ``latency:edgegpu``, ``supernet:jobs/sn``, ``file:x.csv:score`` or a metric key."""
    if not isinstance(text, str) or not text.strip():
        raise MetricKeyError("an estimator spec must be a non-empty string")
    text = text.strip()
    kind, _, arg = text.partition(":")
    if kind in ESTIMATORS:
        return EstimatorSpec(ESTIMATORS.resolve(kind), arg, text)
    if "/" in text:  # a bare metric key
        return EstimatorSpec("table", text, text)
    kinds = ", ".join(f"{e.name}:{getattr(e.obj, 'spec_arg', '')}".rstrip(":") for e in ESTIMATORS.entries())
    raise MetricKeyError(f"unknown estimator {text!r}; expected a metric key or one of {kinds}")


def build_estimator(spec: str | EstimatorSpec, context: EstimatorContext) -> Estimator:
    spec = spec if isinstance(spec, EstimatorSpec) else parse_estimator_spec(spec)
    return ESTIMATORS.get(spec.kind).from_spec(spec.arg, context)
