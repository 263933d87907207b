"""fisher: the channel-wise Fisher information of the activations (Theis et al., 2018)."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy, ProxyOption


@PROXIES.register("fisher", kind="gradient", description="channel Fisher information of layer outputs")
class Fisher(Proxy):
    """sum over Conv2d/Linear layers and output channels k of 0.5 mean_n(sum_hw a g)^2, each
    channel weighted by its fan-in (zero-cost-nas broadcasts the channel value to the
    channel's weights, then sums: ``measures/fisher.py`` + ``reshape_elements``), batch 64."""

    source = "Theis et al. 2018; Turner et al. 2020; mohsaied/zero-cost-nas measures/fisher.py"
    needs = ("fisher",)
    options = {"batch_size": ProxyOption(64, "training images in the batch", 2)}

    def score(self, probe: Probe, options: dict) -> float:
        per_layer = probe.signals(self.batch_size(options), self.needs)["fisher"]
        return float(sum(per_layer))  # one device sync
