"""naswot: log-determinant of the ReLU activation-pattern kernel (Mellor et al., ICML 2021)."""

from __future__ import annotations

import numpy as np

from . import PROXIES
from .base import Probe, Proxy, ProxyOption, finite


def kernel_logdet(kernel: np.ndarray) -> float:
    """log|det K| (``np.linalg.slogdet``, as the reference ``hooklogdet``)."""
    _, logdet = np.linalg.slogdet(np.asarray(kernel, np.float64))
    return finite(logdet)


@PROXIES.register("naswot", kind="activation", description="log det of the ReLU pattern kernel (NASWOT)")
class Naswot(Proxy):
    """K = sum over ReLUs of c c^T + (1-c)(1-c)^T with c = 1[ReLU input > 0] per image;
    score log|det K|. Batch 128 (BayesWatch/nas-without-training ``score_networks.py``); only
    ReLUs on live paths count, as the reference's visited-by-backward gate."""

    source = "Mellor et al. 2021 (NASWOT); BayesWatch/nas-without-training score_networks.py"
    needs = ("relu_kernel",)
    options = {"batch_size": ProxyOption(128, "training images in the batch", 2)}

    def score(self, probe: Probe, options: dict) -> float:
        kernel = probe.signals(self.batch_size(options), self.needs)["relu_kernel"]
        return kernel_logdet(kernel.cpu().numpy())
