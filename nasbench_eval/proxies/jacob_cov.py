"""jacob_cov: how decorrelated the input Jacobians of a batch are (NASWOT v1, Mellor et al.)."""

from __future__ import annotations

import numpy as np

from . import PROXIES
from .base import Probe, Proxy, ProxyOption, finite

K = 1e-5


def jacobian_score(jacobian: np.ndarray) -> float:
    """-sum(log(l + k) + 1 / (l + k)) over the eigenvalues l of the correlation matrix of
    the per-image Jacobians (rows), k = 1e-5."""
    with np.errstate(all="ignore"):
        corr = np.corrcoef(np.asarray(jacobian, np.float64))
        if not np.isfinite(corr).all():
            return float("nan")
        eig = np.linalg.eigvalsh(corr)
        return finite(-np.sum(np.log(eig + K) + 1.0 / (eig + K)))


@PROXIES.register("jacob_cov", kind="gradient", description="correlation of input Jacobians (NASWOT v1)")
class JacobCov(Proxy):
    """Jacobians d(sum of logits)/dx of a batch of 64 training images; score of their
    correlation matrix's eigenvalues (zero-cost-nas ``measures/jacob_cov.py``; the matrix
    is symmetric, so eigvalsh replaces eig)."""

    source = "Mellor et al. 2021 (NASWOT v1); mohsaied/zero-cost-nas measures/jacob_cov.py"
    needs = ("input_jacobian",)
    options = {"batch_size": ProxyOption(64, "training images in the batch", 2)}

    def score(self, probe: Probe, options: dict) -> float:
        jac = probe.signals(self.batch_size(options), self.needs)["input_jacobian"]
        return jacobian_score(jac.cpu().numpy())
