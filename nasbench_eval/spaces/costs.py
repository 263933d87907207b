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
from functools import cache

import numpy as np

from ..datasets import get_dataset
from ..errors import UnknownNameError
from .base import SearchSpace
from .size import CHANNELS, NUM_LAYERS
from .topology import OPS, TopologySpace

MEASURES = ("flops", "params")

#: macro skeleton of the topology-space network (NB201: C=16, N=5 cells per stage)
TSS_CHANNELS, TSS_CELLS_PER_STAGE = 16, 5


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


# -- building blocks (counts, not millions) ------------------------------------------------
def _conv(cin: int, cout: int, k: int, hw: int, measure: str) -> float:
    if measure == "flops":
        return cin * cout * k * k * hw
    return cin * cout * k * k + 2 * cout  # conv weights + the following BatchNorm


def _resblock(cin: int, cout: int, hw: int, measure: str) -> float:
    """Stride-2 residual block: ReLU-conv3x3-BN, ReLU-conv3x3-BN, shortcut avgpool+conv1x1."""
    shortcut = cin * cout * hw if measure == "flops" else cin * cout  # no BN on the shortcut
    return _conv(cin, cout, 3, hw, measure) + _conv(cout, cout, 3, hw, measure) + shortcut


def _head(c: int, classes: int, measure: str) -> float:
    """Final BN-ReLU, global pool, linear classifier; its bias (``classes``) is not included
    because it does not depend on the architecture."""
    weights = c * classes
    return weights if measure == "flops" else weights + 2 * c


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise UnknownNameError(f"unknown cost measure {measure!r}; expected one of {MEASURES}")


def _tss_op(op: str, c: int, hw: int, measure: str) -> float:
    if op == "nor_conv_1x1":
        return _conv(c, c, 1, hw, measure)
    if op == "nor_conv_3x3":
        return _conv(c, c, 3, hw, measure)
    return 0.0  # none, skip_connect and avg_pool_3x3 have no parameters and free FLOPs


def _tss_model(dataset: str, measure: str) -> CostModel:
    d = get_dataset(dataset)
    c, r = TSS_CHANNELS, d.resolution
    stages = [(c, r * r), (2 * c, (r // 2) ** 2), (4 * c, (r // 4) ** 2)]
    const = _conv(3, c, 3, r * r, measure)  # stem
    const += _resblock(c, 2 * c, stages[1][1], measure)
    const += _resblock(2 * c, 4 * c, stages[2][1], measure)
    const += _head(4 * c, d.num_classes, measure) + d.num_classes
    per_op = [sum(TSS_CELLS_PER_STAGE * _tss_op(op, ch, hw, measure) for ch, hw in stages) for op in OPS]
    unary = np.tile(np.asarray(per_op, np.float64), (TopologySpace.num_positions, 1))
    return CostModel(const / 1e6, unary / 1e6, None)


def _sss_cell(cin: int, cout: int, hw: int, measure: str) -> float:
    """The fixed size-space cell: 5 conv3x3 edges and one skip from node 0 to node 3.

    Edges leaving node 0 map cin -> cout; the skip becomes a 1x1 conv + BN when they differ.
    """
    total = 2 * _conv(cin, cout, 3, hw, measure) + 3 * _conv(cout, cout, 3, hw, measure)
    if cin != cout:
        total += _conv(cin, cout, 1, hw, measure)
    return total


def _sss_model(dataset: str, measure: str) -> CostModel:
    d = get_dataset(dataset)
    r = d.resolution
    hw = [r * r, (r // 2) ** 2, (r // 2) ** 2, (r // 4) ** 2, (r // 4) ** 2]  # per layer output
    k = len(CHANNELS)
    unary = np.zeros((NUM_LAYERS, k))
    pairwise = np.zeros((NUM_LAYERS - 1, k, k))
    for i, c in enumerate(CHANNELS):
        unary[0, i] = _conv(3, c, 3, hw[0], measure) + _sss_cell(c, c, hw[0], measure)
        unary[-1, i] = _head(c, d.num_classes, measure)
        for j, c_next in enumerate(CHANNELS):
            for layer in range(1, NUM_LAYERS):
                block = _resblock if layer % 2 else _sss_cell
                pairwise[layer - 1, i, j] = block(c, c_next, hw[layer], measure)
    const = float(d.num_classes)  # classifier bias
    return CostModel(const / 1e6, unary / 1e6, pairwise / 1e6)


@cache
def cost_model(space_name: str, dataset: str, measure: str) -> CostModel:
    """The chain cost model of ``measure`` ('flops' or 'params', millions) on ``dataset``."""
    _check_measure(measure)
    if space_name == "nats-tss":
        return _tss_model(dataset, measure)
    if space_name == "nats-sss":
        return _sss_model(dataset, measure)
    raise UnknownNameError(f"no cost model for space {space_name!r}")


def costs(space: SearchSpace, dataset: str, measure: str, choices=None) -> np.ndarray:
    """Cost of every architecture in code order (``choices=None``) or of given choices."""
    model = cost_model(space.name, dataset, measure)
    return model.evaluate(space.all_choices() if choices is None else np.atleast_2d(choices))
