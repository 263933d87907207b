"""flops and params as proxies: the exact analytic costs, so ``zc:flops`` sits beside the others."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy


class _Cost(Proxy):
    uses_images = False
    uses_network = False
    measure: str

    def score(self, probe: Probe, options: dict) -> float:
        from ..datasets import get_dataset

        model = probe.space.cost_model(get_dataset(probe.dataset).cost_name, self.measure)
        return float(model.evaluate([probe.arch])[0])


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
