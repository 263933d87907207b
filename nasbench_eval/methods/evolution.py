"""Regularised evolution (Real et al., 2019) as run in NAS-Bench-201 / NATS-Bench.

The population is filled with random architectures; then each cycle samples ``sample_size``
members without replacement, mutates the best of them and replaces the oldest member.
The mutation picks a node uniformly, then one of its incoming edges uniformly, then a
different op (so edges into node 1 change more often than edges into node 3), exactly
like the reference scripts; for the size space, a layer and a different width.
"""

from __future__ import annotations

from collections import deque

from ..spaces.topology import EDGES
from .base import Method, Query


class RegularizedEvolution(Method):
    name = "rea"
    title = "REA"
    defaults = {"population_size": 10, "sample_size": 3}

    def __init__(self, space, rng, **kw):
        super().__init__(space, rng, **kw)
        self.population: deque = deque()
        self._positions_by_node = None
        if space.name == "nats-tss":
            nodes = sorted({to for to, _ in EDGES})
            self._positions_by_node = [[e for e, (to, _) in enumerate(EDGES) if to == n] for n in nodes]

    def mutate(self, arch):
        if self._positions_by_node is not None:
            node = self._positions_by_node[self.rng.integers(len(self._positions_by_node))]
            pos = node[self.rng.integers(len(node))]
        else:
            pos = int(self.rng.integers(self.space.num_positions))
        choice = int(self.rng.integers(self.space.num_choices - 1))
        choice += choice >= arch[pos]  # uniform over the other choices
        return arch[:pos] + (choice,) + arch[pos + 1 :]

    def ask(self) -> Query:
        size, k = self.config["population_size"], self.config["sample_size"]
        if len(self.population) < size:
            return Query(self.random_arch())
        members = self.rng.choice(len(self.population), size=k, replace=False)
        parent = max((self.population[i] for i in members), key=lambda m: m[0])
        return Query(self.mutate(parent[1]))

    def tell(self, query: Query, value: float) -> None:
        super().tell(query, value)
        self.population.append((value, query.arch))
        if len(self.population) > self.config["population_size"]:
            self.population.popleft()
