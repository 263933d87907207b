"""The NATS topology space (``nats-tss``, identical to NAS-Bench-201): 5 ops on 6 edges.

Arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` lists, for nodes 1, 2, 3, the op on
the edge from each earlier node. Position ``e`` of the choice tuple is the e-th edge in
that order, its value the index into ``OPS``.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np

from ..datasets import get_dataset
from .base import Arch, SearchSpace
from .costs import CostModel, check_measure, conv_cost, head_cost, resblock_cost

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (to_node, from_node) for each of the 6 positions, in arch-string order
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
NUM_NODES = 4
#: macro skeleton of the topology-space network (NB201: C=16, N=5 cells per stage)
TSS_CHANNELS, TSS_CELLS_PER_STAGE = 16, 5
#: positions grouped by the node they feed (REA's mutation picks a node first)
POSITIONS_BY_NODE = tuple(
    tuple(e for e, (to, _) in enumerate(EDGES) if to == node) for node in range(1, NUM_NODES)
)

_OP_INDEX = {name: i for i, name in enumerate(OPS)}
_TOKEN = re.compile(r"([a-z0-9_]+)~([0-9]+)")


class TopologySpace(SearchSpace):
    name = "nats-tss"
    num_positions = len(EDGES)
    num_choices = len(OPS)
    example = (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    )
    choice_names = OPS
    position_groups = {"ops": tuple(range(len(EDGES)))} | {
        f"{to}<-{src}": (e,) for e, (to, src) in enumerate(EDGES)
    }
    official_archive = "NATS-tss-v1_0-3ffb9-simple"
    search_epochs, final_epochs = 12, 200

    def cost_model(self, dataset: str, measure: str) -> CostModel:
        check_measure(measure)
        return _cost_model(dataset, measure)

    def mutate(self, arch: Arch, rng: np.random.Generator) -> Arch:
        """As the reference REA scripts: a node uniformly, then one of its incoming edges
        uniformly (edges into node 1 change more often than edges into node 3), then a
        different op."""
        node = POSITIONS_BY_NODE[rng.integers(len(POSITIONS_BY_NODE))]
        return self._change(arch, node[rng.integers(len(node))], rng)

    def parse(self, text: str) -> Arch:
        if not isinstance(text, str):
            raise self._fail(text, f"expected a string, got {type(text).__name__}")
        groups = text.split("+")
        if len(groups) != NUM_NODES - 1:
            raise self._fail(text, f"expected {NUM_NODES - 1} nodes separated by '+', found {len(groups)}")
        arch: list[int] = []
        for node, group in enumerate(groups, start=1):
            if len(group) < 2 or group[0] != "|" or group[-1] != "|":
                raise self._fail(text, f"node {node} must be written as |op~j|...| (stray characters?)")
            tokens = group[1:-1].split("|")
            if len(tokens) != node:
                raise self._fail(text, f"node {node} needs {node} incoming edge(s), found {len(tokens)}")
            for source, token in enumerate(tokens):
                m = _TOKEN.fullmatch(token)
                if m is None:
                    raise self._fail(text, f"edge {token!r} is not of the form op~j")
                op, j = m.group(1), int(m.group(2))
                if op not in _OP_INDEX:
                    raise self._fail(text, f"unknown op {op!r}; ops are {', '.join(OPS)}")
                if j >= node:
                    raise self._fail(
                        text, f"node index {j} out of range for node {node} (allowed 0..{node - 1})"
                    )
                if j != source or m.group(2) != str(j):
                    raise self._fail(text, f"node {node} must list its inputs in order ~0..~{node - 1}")
                arch.append(_OP_INDEX[op])
        return tuple(arch)

    def format(self, arch: Arch) -> str:
        arch = self.check(arch)
        parts, e = [], 0
        for node in range(1, NUM_NODES):
            parts.append("|" + "|".join(f"{OPS[arch[e + j]]}~{j}" for j in range(node)) + "|")
            e += node
        return "+".join(parts)

    def canonical(self, arch: Arch) -> str:
        """The NATS-Bench isomorphism key (``to_unique_str(consider_zero=True)`` semantics).

        Each node is the sorted sum of its incoming terms: ``#`` for a zero input (op
        ``none`` or a zero source), the source itself for ``skip_connect``, and
        ``(source)@op`` otherwise. This groups the 15,625 cells into 6,466 classes, the
        official count. It deliberately keeps the official quirks (zero terms stay in a
        sum, and a node's sum is not flattened into the next node's), so classes match
        ``nats_bench``'s ``get_unique_str`` exactly.
        """
        arch = self.check(arch)
        value, e = ["0"], 0
        for node in range(1, NUM_NODES):
            terms = []
            for src in range(node):
                op = OPS[arch[e]]
                e += 1
                if op == "none" or value[src] == "#":
                    terms.append("#")
                elif op == "skip_connect":
                    terms.append(value[src])
                else:
                    terms.append(f"({value[src]})@{op}")
            value.append("+".join(sorted(terms)))
        return value[-1]

    def canonical_ids(self) -> np.ndarray:
        """(size,) int32 isomorphism class of every arch in code order (classes numbered by
        first appearance)."""
        seen: dict[str, int] = {}
        out = np.empty(self.size, np.int32)
        for code, arch in enumerate(self.enumerate()):
            out[code] = seen.setdefault(self.canonical(arch), len(seen))
        return out


def _op_cost(op: str, c: int, hw: int, measure: str) -> float:
    if op == "nor_conv_1x1":
        return conv_cost(c, c, 1, hw, measure)
    if op == "nor_conv_3x3":
        return conv_cost(c, c, 3, hw, measure)
    return 0.0  # none, skip_connect and avg_pool_3x3 have no parameters and free FLOPs


@cache
def _cost_model(dataset: str, measure: str) -> CostModel:
    """Each edge adds its op's cost in all 15 cells; the rest of the network is constant."""
    d = get_dataset(dataset)
    c, r = TSS_CHANNELS, d.resolution
    stages = [(c, r * r), (2 * c, (r // 2) ** 2), (4 * c, (r // 4) ** 2)]
    const = conv_cost(3, c, 3, r * r, measure)  # stem
    const += resblock_cost(c, 2 * c, stages[1][1], measure)
    const += resblock_cost(2 * c, 4 * c, stages[2][1], measure)
    const += head_cost(4 * c, d.num_classes, measure) + d.num_classes
    per_op = [sum(TSS_CELLS_PER_STAGE * _op_cost(op, ch, hw, measure) for ch, hw in stages) for op in OPS]
    unary = np.tile(np.asarray(per_op, np.float64), (len(EDGES), 1))
    return CostModel(const / 1e6, unary / 1e6, None)
