"""grasp: -W * (H g) summed, the gradient-signal-preservation score (Wang et al., 2020)."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy, ProxyOption, weight_sum


@PROXIES.register("grasp", kind="gradient", description="sum of -W * Hg (Hessian-gradient product)")
class Grasp(Proxy):
    """sum of -W * (H g) with g = dL/dW held fixed and H the loss Hessian, T = 1, one
    iteration; the sign as zero-cost-nas (``measures/grasp.py``: "accuracy seems negatively
    correlated with this metric, so we add -ve sign"), batch 64."""

    source = "Wang et al. 2020 (GraSP); mohsaied/zero-cost-nas measures/grasp.py"
    needs = ("hessian_grads",)
    options = {"batch_size": ProxyOption(64, "training images in the batch", 2)}

    def score(self, probe: Probe, options: dict) -> float:
        pairs = probe.signals(self.batch_size(options), self.needs)["hessian_grads"]
        return weight_sum(pairs, lambda w, hg: -w * hg)
