"""Networks of the size space (``nats-sss``): the discrete network of a channel
configuration and the channel-slicing supernet.

``SizeSupernet(x, arch=choices)`` runs every layer at its chosen width, slicing one 64-wide
weight; ``SizeSupernet(x, weights=w)`` takes one-hot (straight-through) width weights
(5 x 8): each layer runs at its chosen width and its output is scaled by that choice's
weight (value 1), so gradients reach every width logit (SGNAS).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from ..spaces.size import CELL, CHANNELS, NUM_LAYERS, SizeSpace
from ..spaces.topology import EDGES, NUM_NODES, OPS, TopologySpace
from .config import SEARCH_BN
from .discrete import Cell, Network
from .ops import BNConfig, Head, ResBlock, stem


def build_network(arch, classes: int, bn: BNConfig) -> Network:
    """The benchmark's network of a channel configuration (choice tuple)."""
    return _sss(tuple(CHANNELS[i] for i in arch), classes, bn)


def _sss(channels: tuple[int, ...], classes, bn) -> Network:
    cell_ops = tuple(OPS[i] for i in TopologySpace().parse(CELL))
    layers: list[nn.Module] = []
    prev = channels[0]
    for layer, c in enumerate(channels):
        layers.append(ResBlock(prev, c, bn) if layer % 2 else Cell(cell_ops, prev, c, bn))
        prev = c
    return Network(layers, Head(prev, classes, bn), stem(channels[0], bn))


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
    shares_stem = False  # the stem's width is the arch's first choice

    def __init__(self, num_classes: int, bn: BNConfig = SEARCH_BN, cmax: int = max(CHANNELS)):
        super().__init__()
        self.space = SizeSpace()
        self.stem = SlicedConv(3, cmax, 3, 1, bn, relu=False)
        self.layers = nn.ModuleList(
            SlicedResBlock(cmax, bn) if i % 2 else SlicedCell(cmax, bn) for i in range(NUM_LAYERS)
        )
        self.head_bn = bn.make(cmax)
        self.classifier = nn.Linear(cmax, num_classes)

    def forward(
        self, x: torch.Tensor, *, arch=None, weights: torch.Tensor | None = None, stem_out=None
    ) -> torch.Tensor:
        """``arch``: the choice tuple (widths); or ``weights`` (5 x 8), one-hot per layer with
        straight-through gradients (SGNAS): each layer runs at its chosen width and its output
        is scaled by that choice's weight (value 1), so gradients reach every width logit."""
        if (arch is None) == (weights is None):
            raise ValueError("give exactly one of arch (a width per layer) or weights (one-hot per layer)")
        if stem_out is not None:
            raise ValueError("the size-space supernet has no shared stem (its width is the arch's)")
        scales = [None] * NUM_LAYERS
        if weights is not None:
            hard = weights.detach()
            if not torch.all((hard == 0) | (hard == 1)) or not torch.all(hard.sum(-1) == 1):
                raise ValueError("size-space weights must be one-hot per layer (straight-through samples)")
            arch = hard.argmax(-1).tolist()
            scales = [weights[layer, i] for layer, i in enumerate(arch)]
        channels = tuple(CHANNELS[i] for i in self.space.check(arch))
        h = self.stem(x, channels[0])
        for layer, c, scale in zip(self.layers, channels, scales, strict=True):
            h = layer(h, c)
            if scale is not None:
                h = h * scale
        h = F.relu(_bn(h, self.head_bn)).mean((2, 3))
        return F.linear(h, self.classifier.weight[:, : h.shape[1]], self.classifier.bias)

    def mixture(self, x: torch.Tensor, archs, probs: torch.Tensor) -> torch.Tensor:
        """AutoSpace's weighted parallel layer for width configurations: adjacent widths couple
        through every convolution, so the K channel-sliced networks are mixed at their output
        (``sum_k probs[k] * net_k(x)``, ours)."""
        return sum(p * self(x, arch=a) for p, a in zip(probs, archs, strict=True))
