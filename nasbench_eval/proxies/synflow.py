"""synflow: synaptic flow of the all-ones input through |W| (Tanaka et al., 2020)."""

from __future__ import annotations

from . import PROXIES
from .base import Probe, Proxy, layers_with_weights, weight_sum


def synflow_network(net):
    """The net as synflow scores it: BatchNorm removed, every parameter and buffer made
    non-negative (|theta|), float64."""
    import torch
    from torch import nn

    for module in list(net.modules()):
        for child_name, child in list(module.named_children()):
            if isinstance(child, nn.BatchNorm2d):
                setattr(module, child_name, nn.Identity())
    with torch.no_grad():
        for t in net.state_dict().values():
            t.abs_()
    return net.double()


@PROXIES.register("synflow", kind="data-free", description="sum of |W * dR/dW|, R = sum of outputs on ones")
class Synflow(Proxy):
    """sum of |W * dR/dW| over Conv2d/Linear weights, R = sum of the logits of one all-ones
    input, with BatchNorm removed, |theta| and float64 (Tanaka et al. 2020; zero-cost-nas
    ``measures/synflow.py``). Uses no images. Differs from zero-cost-nas on purpose: its
    NB201 model keeps BatchNorm in the two reduction blocks (``nasbench2_ops.reduction``
    ignores ``use_bn``); here BatchNorm is removed everywhere, as the definition says."""

    source = "Tanaka et al. 2020 (SynFlow); mohsaied/zero-cost-nas measures/synflow.py"
    uses_images = False

    def score(self, probe: Probe, options: dict) -> float:
        from ..datasets import get_dataset

        side = get_dataset(probe.dataset).resolution
        return synflow_score(probe.build(), (1, 3, side, side))


def synflow_score(net, input_shape) -> float:
    """sum of |W * dR/dW| of ``synflow_network(net)`` on one all-ones input."""
    import torch

    net = synflow_network(net)
    device = next(net.parameters()).device
    x = torch.ones(*input_shape, dtype=torch.float64, device=device)
    weights = [m.weight for m in layers_with_weights(net)]
    grads = torch.autograd.grad(net(x).sum(), weights, allow_unused=True)
    return weight_sum(zip(weights, grads, strict=True), lambda w, g: (w * g).abs())
