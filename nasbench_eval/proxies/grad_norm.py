"""grad_norm: the summed per-layer L2 norms of the loss gradient (Abdelfattah et al., 2021)."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy, ProxyOption, weight_sum


@PROXIES.register("grad_norm", kind="gradient", description="sum over layers of ||dL/dW||_2")
class GradNorm(Proxy):
    """sum over Conv2d/Linear layers of ||dL/dW||_2; L = cross-entropy of one batch of 64
    training images (zero-cost-nas ``measures/grad_norm.py``, defaults of ``nasbench2_pred.py``)."""

    source = "Abdelfattah et al. 2021, mohsaied/zero-cost-nas measures/grad_norm.py"
    needs = ("weight_grads",)
    options = {"batch_size": ProxyOption(64, "training images in the batch", 2)}

    def score(self, probe: Probe, options: dict) -> float:
        pairs = probe.signals(self.batch_size(options), self.needs)["weight_grads"]
        return weight_sum(pairs, lambda w, g: g.double().norm())
