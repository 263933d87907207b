"""snip: connection sensitivity |W * dL/dW| summed (Lee et al., 2019; as zero-cost-nas)."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy, ProxyOption, weight_sum


@PROXIES.register("snip", kind="gradient", description="sum of |W * dL/dW|")
class Snip(Proxy):
    """sum of |W * dL/dW| over Conv2d/Linear weights: the gradient of the loss with respect
    to a multiplicative mask of ones (zero-cost-nas ``measures/snip.py``), batch 64."""

    source = "Lee et al. 2019 (SNIP); mohsaied/zero-cost-nas measures/snip.py"
    needs = ("weight_grads",)
    options = {"batch_size": ProxyOption(64, "training images in the batch", 2)}

    def score(self, probe: Probe, options: dict) -> float:
        pairs = probe.signals(self.batch_size(options), self.needs)["weight_grads"]
        return weight_sum(pairs, lambda w, g: (w * g).abs())
