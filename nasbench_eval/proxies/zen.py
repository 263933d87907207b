"""zen: expressivity of the pre-pooling features under a small input perturbation (Lin et al., 2021)."""

from __future__ import annotations

import math

from . import PROXIES
from .base import Probe, Proxy, ProxyOption, arch_seed, finite


@PROXIES.register("zen", kind="data-free", description="log ||f(x) - f(x + 0.01 e)|| + BN scaling (Zen-NAS)")
class Zen(Proxy):
    """Weights re-drawn from N(0, 1) (BN gamma 1, beta 0, biases 0); x, e ~ N(0, 1);
    score = log mean_n sum |f(x) - f(x + gamma e)| + sum over BatchNorms of
    log sqrt(mean running_var), f the feature map before global pooling, BatchNorm in
    train mode with fresh running statistics (momentum 0.1) updated by both forwards, as
    idstcv/ZenNAS ``compute_zen_score.py`` (batch 16, gamma 1e-2). ZenNAS averages 32
    repeats; we default to 1 (NASLib's choice; ``repeat=32`` for theirs), and BatchNorms on
    edges that cannot reach the output run too (the reference nets compute every edge)."""

    source = "Lin et al. 2021 (Zen-NAS); idstcv/ZenNAS ZeroShotProxy/compute_zen_score.py"
    uses_images = False
    options = {
        "batch_size": ProxyOption(16, "Gaussian inputs per forward", 1),
        "repeat": ProxyOption(1, "independent draws averaged (ZenNAS: 32)", 1),
        "mixup_gamma": ProxyOption(1e-2, "perturbation scale", 0),
    }

    def score(self, probe: Probe, options: dict) -> float:
        import torch

        from ..datasets import get_dataset

        net = probe.build()
        for cell in net.modules():
            if hasattr(cell, "compute_all"):
                cell.compute_all = True
        side = get_dataset(probe.dataset).resolution
        gen = torch.Generator().manual_seed(arch_seed(probe.seed, probe.code, salt="zen"))
        shape = (int(options["batch_size"]), 3, side, side)
        return zen_score(net, net.features, shape, gen, float(options["mixup_gamma"]), int(options["repeat"]))


def gaussian_init(net, gen) -> None:
    """Zen-NAS's re-initialisation: Conv/Linear weights N(0, 1), biases 0, BN gamma 1, beta 0."""
    import torch
    from torch import nn

    with torch.no_grad():
        for m in net.modules():
            if isinstance(m, nn.Conv2d | nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen))
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d) and m.affine:
                m.weight.fill_(1.0)
                m.bias.zero_()


def zen_score(net, features, shape, gen, gamma: float = 1e-2, repeat: int = 1) -> float:
    """Mean over ``repeat`` draws of log mean_n sum|f(x) - f(x + gamma e)| + sum over BNs of
    log sqrt(mean running_var), ``features`` = f, in train mode (running stats not reset
    between repeats, as the reference)."""
    import torch
    from torch import nn

    device = next(net.parameters()).device
    bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
    scores = []
    with torch.no_grad():
        for _ in range(repeat):
            gaussian_init(net, gen)
            x = torch.randn(shape, generator=gen).to(device)
            e = torch.randn(shape, generator=gen).to(device)
            delta = float((features(x) - features(x + gamma * e)).abs().flatten(1).sum(1).mean())
            bn_term = sum(math.log(math.sqrt(float(m.running_var.mean()))) for m in bns)
            scores.append(math.log(delta) + bn_term if delta > 0 else float("nan"))
    return finite(sum(scores) / len(scores))
