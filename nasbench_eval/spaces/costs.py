"""Exact FLOPs and parameter counts, computed analytically (no network is built).

Convention (matches the official NATS-Bench ``flop`` / ``params`` fields to 1e-4, every
dataset): FLOPs count multiply-accumulates of every convolution and the classifier
(weights + bias); BatchNorm, ReLU and pooling are free. Parameters count conv and linear
weights, linear bias and the two affine vectors of every BatchNorm. Both in millions.
NASLib's FLOPs use another convention (arch 284 on cifar10: 12.306 there, 11.71521 here).

Every cost is a *chain model* over the architecture's choice positions::

    cost(arch) = const + sum_p unary[p, arch[p]] + sum_p pairwise[p, arch[p], arch[p+1]]

For the topology space the pairwise part is zero (each edge adds its op's cost in all 15
cells); for the size space a convolution couples the channel counts of adjacent layers.
Because a distribution over architectures that factorises over positions turns this into
a few small contractions, ``CostModel.expected`` is exact and differentiable (numpy or
torch), which later methods (SGNAS, MGAS) use as their hardware loss.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..errors import UnknownNameError

if TYPE_CHECKING:
    from .base import SearchSpace

MEASURES = ("flops", "params")


@dataclass(frozen=True)
class CostModel:
    const: float
    unary: np.ndarray  # (positions, choices)
    pairwise: np.ndarray | None  # (positions - 1, choices, choices) or None

    def evaluate(self, choices: np.ndarray) -> np.ndarray:
        """Costs of an (n, positions) int array of architectures -> (n,) float64."""
        c = np.asarray(choices, dtype=np.int64)
        pos = np.arange(c.shape[1])
        out = self.const + self.unary[pos, c].sum(axis=1)
        if self.pairwise is not None:
            out = out + self.pairwise[pos[:-1], c[:, :-1], c[:, 1:]].sum(axis=1)
        return out

    def expected(self, probs):
        """Exact E[cost] when position p independently takes choice k with probs[..., p, k].

        Accepts numpy arrays or torch tensors (differentiable); leading batch dims allowed.
        """
        unary, pairwise = self.unary, self.pairwise
        if type(probs).__module__.startswith("torch"):
            import torch  # only when the caller already uses torch

            unary = torch.as_tensor(unary, dtype=probs.dtype, device=probs.device)
            if pairwise is not None:
                pairwise = torch.as_tensor(pairwise, dtype=probs.dtype, device=probs.device)
        out = self.const + (probs * unary).sum(-1).sum(-1)
        if pairwise is not None:
            left = (probs[..., :-1, :, None] * pairwise).sum(-2)  # (..., P-1, K)
            out = out + (left * probs[..., 1:, :]).sum(-1).sum(-1)
        return out


def expected_table_value(values: np.ndarray, probs):
    """Exact E[value] of a per-architecture table (in code order) under factorised probs.

    ``values`` has one entry per architecture (e.g. a latency column re-ordered by code);
    the expectation contracts the (K,)*P tensor with the P probability vectors, so it is
    exact, cheap (15,625 entries for tss) and differentiable when ``probs`` is a tensor.
    """
    positions, k = probs.shape[-2], probs.shape[-1]
    batch = probs.shape[:-2]
    t = values
    if type(probs).__module__.startswith("torch"):
        import torch

        t = torch.as_tensor(values, dtype=probs.dtype, device=probs.device)
    # contract one position at a time, most significant first: (..., k) x (k, rest) -> (..., rest)
    out = probs[..., 0, :] @ t.reshape(k, -1)
    for p in range(1, positions):
        out = out.reshape(*batch, k, -1)
        out = (probs[..., p, :, None] * out).sum(-2)
    return out.reshape(batch)


# -- building blocks of the spaces' cost models (counts, not millions) ----------------------
def conv_cost(cin: int, cout: int, k: int, hw: int, measure: str) -> float:
    if measure == "flops":
        return cin * cout * k * k * hw
    return cin * cout * k * k + 2 * cout  # conv weights + the following BatchNorm


def resblock_cost(cin: int, cout: int, hw: int, measure: str) -> float:
    """Stride-2 residual block: ReLU-conv3x3-BN, ReLU-conv3x3-BN, shortcut avgpool+conv1x1."""
    shortcut = cin * cout * hw if measure == "flops" else cin * cout  # no BN on the shortcut
    return conv_cost(cin, cout, 3, hw, measure) + conv_cost(cout, cout, 3, hw, measure) + shortcut


def head_cost(c: int, classes: int, measure: str) -> float:
    """Final BN-ReLU, global pool, linear classifier; its bias (``classes``) is not included
    because it does not depend on the architecture."""
    weights = c * classes
    return weights if measure == "flops" else weights + 2 * c


def check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise UnknownNameError(f"unknown cost measure {measure!r}; expected one of {MEASURES}")


def costs(space: SearchSpace, dataset: str, measure: str, choices=None) -> np.ndarray:
    """Cost of every architecture in code order (``choices=None``) or of given choices."""
    model = space.cost_model(dataset, measure)
    return model.evaluate(space.all_choices() if choices is None else np.atleast_2d(choices))
