"""Networks of the topology space (``nats-tss``): the discrete NB201 network of a cell and
the weight-sharing supernet.

``TopologySupernet(x, arch=choices)`` runs one path (single-path / uniform sampling, RSPS,
SETN, SGNAS); ``TopologySupernet(x, weights=w)`` mixes the ops of every edge with weights
``w`` (6 x 5, shared by all cells as in NB201): soft (DARTS), or hard one-hot with
straight-through gradients from ``gumbel_weights`` (GDAS); ops whose weight is at most
``threshold`` are skipped, so a hard sample costs one op per edge; with ``rest=True`` the
skipped ops still add their weight as a scalar (zero in value, GDAS's gradient path).
``cell_archs`` gives every search cell its own path (RSPS under the NATS protocol).
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
        """``plan[src]`` = [(op, [(edge, to, weight or None), ...]), ...]; ``plan["rest"][to]``
        (optional) = a scalar added to node ``to``."""
        acc: dict[int, torch.Tensor] = dict(plan.get("rest", {}))
        for src in range(NUM_NODES - 1):
            h = x if src == 0 else acc.pop(src, None)
            if h is not None and h.dim() == 0:  # a node that only holds scalars
                h = torch.zeros_like(x) + h
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
        if out is None:
            return torch.zeros_like(x)
        return torch.zeros_like(x) + out if out.dim() == 0 else out


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


def mixed_plan(weights: torch.Tensor, threshold: float, rest: bool = False) -> dict:
    """Plan of a weighted mixture: every op above ``threshold`` (``none`` adds nothing).
    ``rest``: the weights of the skipped ops are added to their target node as scalars."""
    active = (weights.detach() > threshold).cpu().tolist()  # one host sync per forward
    plan: dict = {}
    skipped: dict[int, list] = {}
    for e, (to, src) in enumerate(EDGES):
        for k, op in enumerate(OPS):
            if op != "none" and active[e][k]:
                plan.setdefault(src, {}).setdefault(op, []).append((e, to, weights[e, k]))
            elif rest and not active[e][k]:
                skipped.setdefault(to, []).append(weights[e, k])
    out: dict = {src: list(g.items()) for src, g in plan.items()}
    if skipped:
        out["rest"] = {to: torch.stack(ws).sum() for to, ws in skipped.items()}
    return out


class TopologySupernet(nn.Module):
    shares_stem = True  # the stem is the same for every arch: callers may pass stem_out

    def __init__(
        self,
        num_classes: int,
        bn: BNConfig = SEARCH_BN,
        channels: int = TSS_CHANNELS,
        cells: int = TSS_CELLS_PER_STAGE,
        threshold: float = 1e-6,
        outer_bn: BNConfig | None = None,
    ):
        """``outer_bn``: BatchNorm of the stem and the reduction blocks (default ``bn``; the
        official search model keeps them at PyTorch's default, affine with running stats)."""
        super().__init__()
        self.space = TopologySpace()
        self.threshold = threshold
        outer = bn if outer_bn is None else outer_bn
        self.stem = stem(channels, outer)
        layers, c = [], channels
        for stage in range(3):
            if stage:
                layers.append(ResBlock(c, 2 * c, outer))
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
        cell_archs=None,
        rest: bool = False,
        stem_out: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """``stem_out``: a cached ``self.stem(x)`` (the stem is the same for every arch)."""
        if sum(a is not None for a in (arch, weights, cell_archs)) != 1:
            raise ValueError("give exactly one of arch (single path), weights (mixed ops) or cell_archs")
        if cell_archs is not None:
            plans = iter([path_plan(self.space.to_arch(a)) for a in cell_archs])
        else:
            plan = path_plan(self.space.to_arch(arch)) if arch is not None else None
            plan = plan if plan is not None else mixed_plan(weights, self.threshold, rest)
        h = self.stem(x) if stem_out is None else stem_out
        for layer in self.layers:
            if isinstance(layer, SearchCell):
                h = layer.run(h, next(plans) if cell_archs is not None else plan)
            else:
                h = layer(h)
        return self.head(h)

    def mixture(self, x: torch.Tensor, archs, probs: torch.Tensor) -> torch.Tensor:
        """AutoSpace's weighted parallel layer: every search cell outputs
        ``sum_k probs[k] * cell_k(h)``, cell_k being the single path of ``archs[k]`` on the
        shared weights (NB201 shares one cell, so all 15 cells mix the same K cells)."""
        plans = [path_plan(self.space.to_arch(a)) for a in archs]
        h = self.stem(x)
        for layer in self.layers:
            if isinstance(layer, SearchCell):
                outs = [layer.run(h, plan) for plan in plans]
                h = sum(p * out for p, out in zip(probs, outs, strict=True))
            else:
                h = layer(h)
        return self.head(h)

    @property
    def num_cells(self) -> int:
        return sum(isinstance(layer, SearchCell) for layer in self.layers)
