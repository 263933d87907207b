"""The NATS topology space (``nats-tss``, identical to NAS-Bench-201): 5 ops on 6 edges.

Arch string ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`` lists, for nodes 1, 2, 3, the op on
the edge from each earlier node. Position ``e`` of the choice tuple is the e-th edge in
that order, its value the index into ``OPS``.
"""

from __future__ import annotations

import re

import numpy as np

from .base import Arch, SearchSpace

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (to_node, from_node) for each of the 6 positions, in arch-string order
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))
NUM_NODES = 4

_OP_INDEX = {name: i for i, name in enumerate(OPS)}
_TOKEN = re.compile(r"([a-z0-9_]+)~([0-9]+)")


class TopologySpace(SearchSpace):
    name = "nats-tss"
    num_positions = len(EDGES)
    num_choices = len(OPS)
    example = (
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
    )

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
