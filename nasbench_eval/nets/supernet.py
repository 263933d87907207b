"""Weight-sharing supernets over both spaces, with one calling convention.

``TopologySupernet(x, arch=ops)`` runs one path (single-path / uniform sampling, RSPS,
SETN, SGNAS); ``TopologySupernet(x, weights=w)`` mixes the ops of every edge with weights
``w`` (6 x 5, shared by all cells as in NB201): soft (DARTS), or hard one-hot with
straight-through gradients from ``gumbel_weights`` (GDAS); ops whose weight is at most
``threshold`` are skipped, so a hard sample costs one op per edge. ``SizeSupernet(x,
channels=(c0..c4))`` slices every layer from one 64-wide weight.

BatchNorm follows ``BNConfig``; NATS-Bench searches with affine and running statistics off.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..datasets import get_dataset
from ..spaces import SearchSpace
from ..spaces.costs import TSS_CELLS_PER_STAGE, TSS_CHANNELS
from ..spaces.size import CELL, CHANNELS
from ..spaces.topology import EDGES, NUM_NODES, OPS, TopologySpace
from .discrete import CONV_OPS, live_edges
from .ops import BNConfig, Head, ReLUConvBN, ResBlock, avg_pool, stem

SEARCH_BN = BNConfig(affine=False, track_running_stats=False)


def gumbel_weights(
    logits: torch.Tensor, tau: float, *, hard: bool, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Gumbel-softmax sample per row; ``hard`` gives one-hot values with soft gradients."""
    u = torch.rand(logits.shape, generator=generator, device=logits.device, dtype=logits.dtype)
    g = -torch.log((-torch.log(u.clamp_min(1e-20))).clamp_min(1e-20))
    soft = torch.softmax((logits + g) / tau, dim=-1)
    if not hard:
        return soft
    one_hot = torch.zeros_like(soft).scatter_(-1, soft.argmax(-1, keepdim=True), 1.0)
    return one_hot - soft.detach() + soft


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


# -- size space: channel slicing ------------------------------------------------------------
def _bn(x: torch.Tensor, bn: nn.BatchNorm2d) -> torch.Tensor:
    """BatchNorm on the first ``x.shape[1]`` channels (running statistics updated in place)."""
    c = x.shape[1]

    def sl(t):
        return None if t is None else t[:c]

    factor = 0.0
    if bn.training and bn.track_running_stats:
        bn.num_batches_tracked += 1
        factor = 1.0 / float(bn.num_batches_tracked) if bn.momentum is None else bn.momentum
    use_batch = bn.training or bn.running_mean is None
    return F.batch_norm(
        x, sl(bn.running_mean), sl(bn.running_var), sl(bn.weight), sl(bn.bias), use_batch, factor, bn.eps
    )


class SlicedConv(nn.Module):
    """ReLU-Conv-BN (or a bare conv) whose in/out channels are sliced from the widest."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int, bn: BNConfig | None, relu: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride, kernel // 2, bias=False)
        self.bn = bn.make(cout) if bn is not None else None
        self.relu = relu

    def forward(self, x: torch.Tensor, cout: int) -> torch.Tensor:
        w = self.conv.weight[:cout, : x.shape[1]]
        y = F.conv2d(F.relu(x) if self.relu else x, w, None, self.conv.stride, self.conv.padding)
        return _bn(y, self.bn) if self.bn is not None else y


class SlicedCell(nn.Module):
    def __init__(self, cmax: int, bn: BNConfig):
        super().__init__()
        ops = tuple(OPS[i] for i in TopologySpace().parse(CELL))
        self.ops = ops
        self.convs = nn.ModuleDict(
            {
                str(e): SlicedConv(cmax, cmax, 3 if op == "nor_conv_3x3" else 1, 1, bn)
                for e, op in enumerate(ops)
                if op != "none"
            }
        )

    def forward(self, x: torch.Tensor, cout: int) -> torch.Tensor:
        nodes = {0: x}
        for e, (to, src) in enumerate(EDGES):
            op, h = self.ops[e], nodes[src]
            if op == "skip_connect" and h.shape[1] == cout:
                pass  # identity
            else:
                h = self.convs[str(e)](h, cout)
            nodes[to] = nodes[to] + h if to in nodes else h
        return nodes[NUM_NODES - 1]


class SlicedResBlock(nn.Module):
    def __init__(self, cmax: int, bn: BNConfig):
        super().__init__()
        self.conv_a = SlicedConv(cmax, cmax, 3, 2, bn)
        self.conv_b = SlicedConv(cmax, cmax, 3, 1, bn)
        self.shortcut = SlicedConv(cmax, cmax, 1, 1, None, relu=False)

    def forward(self, x: torch.Tensor, cout: int) -> torch.Tensor:
        return self.conv_b(self.conv_a(x, cout), cout) + self.shortcut(F.avg_pool2d(x, 2, 2), cout)


class SizeSupernet(nn.Module):
    def __init__(self, num_classes: int, bn: BNConfig = SEARCH_BN, cmax: int = max(CHANNELS)):
        super().__init__()
        self.stem = SlicedConv(3, cmax, 3, 1, bn, relu=False)
        self.layers = nn.ModuleList(
            SlicedResBlock(cmax, bn) if i % 2 else SlicedCell(cmax, bn) for i in range(5)
        )
        self.head_bn = bn.make(cmax)
        self.classifier = nn.Linear(cmax, num_classes)

    def forward(
        self, x: torch.Tensor, *, channels=None, width_weights: torch.Tensor | None = None
    ) -> torch.Tensor:
        """``channels``: the five widths; or ``width_weights`` (5 x 8), one-hot per layer with
        straight-through gradients (SGNAS): each layer runs at its chosen width and its output
        is scaled by that choice's weight (value 1), so gradients reach every width logit."""
        scales = [None] * 5
        if width_weights is not None:
            hard = width_weights.detach()
            if not torch.all((hard == 0) | (hard == 1)) or not torch.all(hard.sum(-1) == 1):
                raise ValueError("width_weights must be one-hot per layer (straight-through samples)")
            sel = hard.argmax(-1).tolist()
            channels = [CHANNELS[i] for i in sel]
            scales = [width_weights[layer, i] for layer, i in enumerate(sel)]
        channels = tuple(int(c) for c in channels)
        h = self.stem(x, channels[0])
        for layer, c, scale in zip(self.layers, channels, scales, strict=True):
            h = layer(h, c)
            if scale is not None:
                h = h * scale
        h = F.relu(_bn(h, self.head_bn)).mean((2, 3))
        return F.linear(h, self.classifier.weight[:, : h.shape[1]], self.classifier.bias)


def build_supernet(space: SearchSpace, dataset: str, bn: BNConfig = SEARCH_BN, **kw) -> nn.Module:
    classes = get_dataset(dataset).num_classes
    if space.name == "nats-tss":
        return TopologySupernet(classes, bn, **kw)
    return SizeSupernet(classes, bn, **kw)
