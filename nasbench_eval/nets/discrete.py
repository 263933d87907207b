"""Discrete NB201 networks: the cell both spaces use, the macro network, the builder.

Edges with op ``none`` are dropped and nodes that cannot reach the cell output are never
computed (their value would be discarded), so a forward pass does only the work the
architecture needs. Parameters match the benchmark's networks exactly (counted in tests
against the analytic cost model).
"""

from __future__ import annotations

import torch
from torch import nn

from ..datasets import get_dataset
from ..spaces import SearchSpace
from ..spaces.topology import EDGES, NUM_NODES
from .ops import BNConfig, Head, ReLUConvBN, avg_pool

CONV_OPS = ("nor_conv_1x1", "nor_conv_3x3")


def live_edges(ops: tuple[str, ...]) -> list[int]:
    """Positions of the edges whose result reaches the cell output, in evaluation order.

    A node fed only by ``none`` edges, or by skip/pool edges from such nodes, is exactly
    zero and its skip/pool out-edges add nothing. A conv edge from a zero node still adds
    BN(0), a learned per-channel constant, as in the official networks, so it is kept.
    """
    nonzero = {0}
    for e, (to, src) in enumerate(EDGES):
        if ops[e] != "none" and (src in nonzero or ops[e] in CONV_OPS):
            nonzero.add(to)
    useful = {NUM_NODES - 1}
    keep = []
    for e in reversed(range(len(EDGES))):
        to, src = EDGES[e]
        if to in useful and ops[e] != "none" and (src in nonzero or ops[e] in CONV_OPS):
            keep.append(e)
            if src in nonzero:
                useful.add(src)
    return sorted(keep)


class Cell(nn.Module):
    """A discrete cell; edges from node 0 map cin -> cout, the others cout -> cout.

    Every non-``none`` edge has its layers (so parameters equal the benchmark's net), but
    ``forward`` evaluates only ``live_edges``: the others cannot change the output. Set
    ``compute_all`` to run every edge (as the reference implementation does, e.g. to count
    FLOPs the official way).
    """

    def __init__(self, ops: tuple[str, ...], cin: int, cout: int, bn: BNConfig):
        super().__init__()
        self.ops, self.cout = ops, cout
        self.live = live_edges(ops)
        self.all = [e for e in range(len(EDGES)) if ops[e] != "none"]
        self.compute_all = False
        layers = {}
        for e in self.all:
            c_in = cin if EDGES[e][1] == 0 else cout
            op = ops[e]
            if op in CONV_OPS:
                layers[str(e)] = ReLUConvBN(c_in, cout, 1 if op == "nor_conv_1x1" else 3, 1, bn)
            elif c_in != cout:  # skip or pool from a narrower input: a 1x1 conv adapts it
                layers[str(e)] = ReLUConvBN(c_in, cout, 1, 1, bn)
        self.layers = nn.ModuleDict(layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes: dict[int, torch.Tensor] = {0: x}
        for e in self.all if self.compute_all else self.live:
            to, src = EDGES[e]
            h = nodes.get(src)
            if h is None:  # a zero node feeding a conv edge
                h = x.new_zeros((x.shape[0], self.cout, x.shape[2], x.shape[3]))
            layer = self.layers[str(e)] if str(e) in self.layers else None
            if layer is not None:
                h = layer(h)
            if self.ops[e] == "avg_pool_3x3":
                h = avg_pool(h)
            nodes[to] = nodes[to] + h if to in nodes else h
        out = nodes.get(NUM_NODES - 1)
        return out if out is not None else x.new_zeros((x.shape[0], self.cout, x.shape[2], x.shape[3]))


class Network(nn.Module):
    def __init__(self, stages: list[nn.Module], head: Head, stem_module: nn.Module):
        super().__init__()
        self.stem = stem_module
        self.body = nn.Sequential(*stages)
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.stem(x)))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The feature map before global average pooling (Zen-NAS scores it)."""
        return self.head.features(self.body(self.stem(x)))


BENCHMARK_BN = BNConfig()  # affine + running statistics, as the benchmark's trained nets


def build_network(space: SearchSpace, arch, dataset: str, bn: BNConfig = BENCHMARK_BN) -> Network:
    """The benchmark's network for ``arch`` (string or choice tuple) on ``dataset``."""
    from .registry import NETWORKS

    arch = space.to_arch(arch)
    return NETWORKS.get(space.name).network(arch, get_dataset(dataset).num_classes, bn)
