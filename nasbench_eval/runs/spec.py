"""What one ``run`` asks for (``RunSpec``) and what every kind's runner shares: the opened
benchmark (once per process), the estimator context, the reported metrics."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..bench import Benchmark, open_benchmark
from ..estimators import EstimatorContext
from ..methods import get_method
from ..protocols import Protocol, generative_protocol, get_protocol
from ..provenance import provenance
from ..spaces import SearchSpace, get_space


@dataclass(frozen=True)
class RunSpec:
    method: str
    space: str = "nats-tss"
    protocol: str | None = None  # None: nats (multi-trial, one-shot); by dataset (generative)
    dataset: str = "cifar10"
    estimator: str | None = None  # an estimator spec; None: the protocol's search metric
    budget: float | None = None  # None: the protocol's budget
    budget_unit: str | None = None  # None: seconds if the benchmark has times, else queries
    subspace: str | None = None  # a sub-space spec or file
    config: dict = field(default_factory=dict)  # method options (override the defaults)
    home: str | None = None
    data_root: str | None = None
    splits_dir: str | None = None
    device: str = "cpu"
    verify: bool = True

    @property
    def kind(self) -> str:
        return get_method(self.method).kind

    def resolved_protocol(self) -> Protocol:
        name = self.protocol
        if name is None:
            name = generative_protocol(self.dataset) if self.kind == "generative" else "nats"
        return get_protocol(name, self.space, self.dataset)

    def search_space(self) -> SearchSpace:
        return get_space(self.space, self.subspace)

    def method_config(self) -> dict:
        return get_method(self.method).resolve_config(self.config, self.resolved_protocol().name)

    def describe(self) -> dict:
        """The run's spec for records (the method's options are recorded on their own)."""
        out = {k: v for k, v in asdict(self).items() if k != "config"}
        out["space"] = get_space(self.space).name
        out["protocol"] = self.resolved_protocol().name
        return out


_BENCH: dict = {}


def benchmark(spec: RunSpec) -> Benchmark:
    """The benchmark of the spec's space, opened once per process."""
    key = (get_space(spec.space).name, spec.home)
    if key not in _BENCH:
        _BENCH[key] = open_benchmark(spec.space, spec.home)
    return _BENCH[key]


def estimator_context(
    spec: RunSpec, bench: Benchmark, options: dict | None = None, seed: int = 0
) -> EstimatorContext:
    return EstimatorContext(
        bench,
        spec.dataset,
        space=spec.search_space() if spec.subspace else None,
        purpose="search",
        budget_unit=spec.budget_unit,
        data_root=spec.data_root,
        splits_dir=spec.splits_dir,
        device=spec.device,
        verify=spec.verify,
        options=options or {},
        seed=seed,
    )


def report_metrics(bench: Benchmark, protocol: Protocol, index: int) -> dict[str, float | None]:
    """The six conventional columns of one arch (None where the benchmark lacks them)."""
    out = {}
    for key in protocol.report_keys().values():
        value = bench.query(key, int(index)) if bench.has(key) else math.nan
        out[key] = None if math.isnan(value) else value
    return out


def benchmark_ref(bench: Benchmark) -> dict:
    return {
        "space": bench.space.name,
        "sources": [{"path": s["path"], "md5": s["md5"]} for s in bench.sources],
    }


def record_header(spec: RunSpec, method_cls, protocol: Protocol, seed: int, config: dict) -> dict:
    """The fields every kind's record shares (what ran, on what, from which code and data)."""
    return {
        "method": spec.method,
        "method_title": method_cls.title,
        "kind": method_cls.kind,
        "space": protocol.space,
        "subspace": spec.subspace,
        "protocol": protocol.name,
        "search_dataset": spec.dataset,
        "seed": seed,
        "config": config,
        "run": spec.describe(),
        "benchmark": benchmark_ref(benchmark(spec)),
        "provenance": provenance(),
    }
