"""Weight-sharing supernets, one calling convention for every space.

``model(x, arch=choices)`` runs one path; ``model(x, weights=w)`` takes per-position
weights (num_positions x num_choices): a soft mixture where the space's supernet supports
it (tss), or one-hot straight-through samples (both spaces). The supernets themselves live
with their space's networks (``nets/topology.py``, ``nets/size.py``).

BatchNorm follows ``BNConfig``; NATS-Bench searches with affine and running statistics off.
"""

from __future__ import annotations

import torch
from torch import nn

from ..datasets import get_dataset
from ..spaces import SearchSpace
from .config import SEARCH_BN
from .ops import BNConfig


def gumbel_weights(
    logits: torch.Tensor, tau: float, *, hard: bool, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Gumbel-softmax sample per row; ``hard`` gives one-hot values with soft gradients."""
    where = generator.device if generator is not None else logits.device  # a CPU generator may drive CUDA
    u = torch.rand(logits.shape, generator=generator, device=where, dtype=logits.dtype).to(logits.device)
    g = -torch.log((-torch.log(u.clamp_min(1e-20))).clamp_min(1e-20))
    soft = torch.softmax((logits + g) / tau, dim=-1)
    if not hard:
        return soft
    one_hot = torch.zeros_like(soft).scatter_(-1, soft.argmax(-1, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft


def build_supernet(space: SearchSpace, dataset: str, bn: BNConfig = SEARCH_BN, **kw) -> nn.Module:
    """The space's supernet. Every supernet takes ``model(x, arch=choices)`` (one path) or
    ``model(x, weights=w)`` (per-position weights, num_positions x num_choices); its
    ``shares_stem`` says whether ``stem_out=`` (a cached stem output) is accepted."""
    from .registry import NETWORKS

    return NETWORKS.get(space.name).supernet(get_dataset(dataset).num_classes, bn, **kw)
