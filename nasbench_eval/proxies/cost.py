"""flops and params as proxies: the exact analytic costs, so ``zc:flops`` sits beside the others."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy


class _Cost(Proxy):
    uses_images = False
    uses_network = False
    measure: str

    def score(self, probe: Probe, options: dict) -> float:
        return float(self.score_choices(probe.space, probe.dataset, [probe.arch])[0])

    def score_choices(self, space, dataset: str, choices):
        """Many archs at once (no network): the space's exact cost model."""
        from ..datasets import get_dataset

        return space.cost_model(get_dataset(dataset).cost_name, self.measure).evaluate(choices)


@PROXIES.register("flops", kind="cost", description="exact analytic FLOPs (M)")
class Flops(_Cost):
    """Exact analytic FLOPs of the benchmark's network (the space's cost model)."""

    source = "analytic cost model (nasbench_eval.spaces.costs)"
    measure = "flops"


@PROXIES.register("params", kind="cost", description="exact analytic parameters (M)")
class Params(_Cost):
    """Exact analytic parameter count of the benchmark's network (the space's cost model)."""

    source = "analytic cost model (nasbench_eval.spaces.costs)"
    measure = "params"
