"""Networks of the topology space (``nats-tss``): the discrete NB201 network of a cell and
the weight-sharing supernet.

``TopologySupernet(x, arch=choices)`` runs one path (single-path / uniform sampling, RSPS,
SETN, SGNAS); ``TopologySupernet(x, weights=w)`` mixes the ops of every edge with weights
``w`` (6 x 5, shared by all cells as in NB201): soft (DARTS), or hard one-hot with
straight-through gradients from ``gumbel_weights`` (GDAS); ops whose weight is at most
``threshold`` are skipped, so a hard sample costs one op per edge.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..spaces.topology import EDGES, NUM_NODES, OPS, TSS_CELLS_PER_STAGE, TSS_CHANNELS, TopologySpace
from .config import SEARCH_BN
from .discrete import CONV_OPS, Cell, Network, live_edges
from .ops import BNConfig, Head, ReLUConvBN, ResBlock, avg_pool, stem


def build_network(arch, classes: int, bn: BNConfig) -> Network:
    """The benchmark's network of a cell (choice tuple): 3 stages of 5 cells, C = 16."""
    return _tss(tuple(OPS[i] for i in arch), classes, bn)


def _tss(ops, classes, bn, channels=TSS_CHANNELS, cells=TSS_CELLS_PER_STAGE) -> Network:
    layers: list[nn.Module] = []
    c = channels
    for stage in range(3):
        if stage:
            layers.append(ResBlock(c, 2 * c, bn))
            c *= 2
        layers += [Cell(ops, c, c, bn) for _ in range(cells)]
    return Network(layers, Head(c, classes, bn), stem(channels, bn))


class SearchCell(nn.Module):
    """All ops of every edge. ``run`` evaluates a plan grouped by source node: the ReLU and
    the pooling of a node are computed once for all its out-edges, and the same conv op on
    several out-edges of a node runs as one convolution with stacked weights (then each
    edge's own BatchNorm) — the same function as separate ops, with far fewer kernels."""

    def __init__(self, c: int, bn: BNConfig):
        super().__init__()
        self.c = c
        # parameter-free BN without running statistics normalises each channel by itself, so
        # one call over the stacked output equals one call per edge
        self.stateless_bn = not bn.affine and not bn.track_running_stats
        self.edges = nn.ModuleList(
            nn.ModuleDict(
                {"nor_conv_1x1": ReLUConvBN(c, c, 1, 1, bn), "nor_conv_3x3": ReLUConvBN(c, c, 3, 1, bn)}
            )
            for _ in EDGES
        )

    def run(self, x: torch.Tensor, plan: dict) -> torch.Tensor:
        """``plan[src]`` = [(op, [(edge, to, weight or None), ...]), ...]."""
        acc: dict[int, torch.Tensor] = {}
        for src in range(NUM_NODES - 1):
            h = x if src == 0 else acc.pop(src, None)
            relu = pool = None
            for op, items in plan.get(src, ()):
                if h is None:  # a zero node: only its conv edges add something (BN of zeros)
                    h = torch.zeros_like(x)
                if op in CONV_OPS:
                    relu = F.relu(h) if relu is None else relu
                    convs = [self.edges[e][op] for e, _, _ in items]
                    weights = [m[1].weight for m in convs]
                    weight = weights[0] if len(convs) == 1 else torch.cat(weights)
                    y = F.conv2d(relu, weight, None, 1, weight.shape[-1] // 2)
                    if len(convs) == 1:
                        outs = [convs[0][2](y)]
                    elif self.stateless_bn:
                        y = F.batch_norm(y, None, None, training=True, eps=convs[0][2].eps)
                        outs = y.split(self.c, 1)
                    else:  # per-edge BN on dense copies (strided views are slow, esp. channels-last)
                        outs = [
                            m[2](part.contiguous(memory_format=_layout(y)))
                            for m, part in zip(convs, y.split(self.c, 1), strict=True)
                        ]
                elif op == "avg_pool_3x3":
                    pool = avg_pool(h) if pool is None else pool
                    outs = [pool] * len(items)
                else:  # skip_connect
                    outs = [h] * len(items)
                for (_, to, w), out in zip(items, outs, strict=True):
                    if to not in acc:
                        acc[to] = out if w is None else out * w
                    else:  # one fused multiply-add per term
                        acc[to] = acc[to] + out if w is None else torch.addcmul(acc[to], out, w)
        out = acc.get(NUM_NODES - 1)
        return out if out is not None else torch.zeros_like(x)


def _layout(t: torch.Tensor) -> torch.memory_format:
    return (
        torch.channels_last
        if t.is_contiguous(memory_format=torch.channels_last) and not t.is_contiguous()
        else torch.contiguous_format
    )


def path_plan(arch) -> dict:
    """Plan of a single path: the live edges of the arch, grouped by source and op."""
    ops = tuple(OPS[i] for i in arch)
    plan: dict = {}
    for e in live_edges(ops):
        to, src = EDGES[e]
        groups = plan.setdefault(src, {})
        groups.setdefault(ops[e], []).append((e, to, None))
    return {src: list(g.items()) for src, g in plan.items()}


def mixed_plan(weights: torch.Tensor, threshold: float) -> dict:
    """Plan of a weighted mixture: every op above ``threshold`` (``none`` adds nothing)."""
    active = (weights.detach() > threshold).cpu().tolist()  # one host sync per forward
    plan: dict = {}
    for e, (to, src) in enumerate(EDGES):
        for k, op in enumerate(OPS):
            if op != "none" and active[e][k]:
                plan.setdefault(src, {}).setdefault(op, []).append((e, to, weights[e, k]))
    return {src: list(g.items()) for src, g in plan.items()}


class TopologySupernet(nn.Module):
    shares_stem = True  # the stem is the same for every arch: callers may pass stem_out

    def __init__(
        self,
        num_classes: int,
        bn: BNConfig = SEARCH_BN,
        channels: int = TSS_CHANNELS,
        cells: int = TSS_CELLS_PER_STAGE,
        threshold: float = 1e-6,
    ):
        super().__init__()
        self.space = TopologySpace()
        self.threshold = threshold
        self.stem = stem(channels, bn)
        layers, c = [], channels
        for stage in range(3):
            if stage:
                layers.append(ResBlock(c, 2 * c, bn))
                c *= 2
            layers += [SearchCell(c, bn) for _ in range(cells)]
        self.layers = nn.ModuleList(layers)
        self.head = Head(c, num_classes, bn)

    def forward(
        self,
        x: torch.Tensor,
        *,
        arch=None,
        weights: torch.Tensor | None = None,
        stem_out: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``stem_out``: a cached ``self.stem(x)`` (the stem is the same for every arch)."""
        if (arch is None) == (weights is None):
            raise ValueError("give exactly one of arch (single path) or weights (mixed ops)")
        plan = (
            path_plan(self.space.to_arch(arch)) if arch is not None else mixed_plan(weights, self.threshold)
        )
        h = self.stem(x) if stem_out is None else stem_out
        for layer in self.layers:
            h = layer.run(h, plan) if isinstance(layer, SearchCell) else layer(h)
        return self.head(h)
