"""Regularised evolution (Real et al., 2019) as run in NAS-Bench-201 / NATS-Bench.

The population is filled with random architectures; then each cycle samples ``sample_size``
members without replacement, mutates the best of them and replaces the oldest member.
The mutation is the space's own (``SearchSpace.mutate``): for the topology space a node
uniformly, then one of its incoming edges, then a different op, exactly like the reference
scripts; for the size space a layer and a different width.
"""

from __future__ import annotations

from collections import deque

from ..errors import NasbenchEvalError
from .base import MultiTrialMethod, Option, Query, register


@register
class RegularizedEvolution(MultiTrialMethod):
    """Regularised evolution (Real et al., 2019) as in NAS-Bench-201 / NATS-Bench."""

    name = "rea"
    title = "REA"
    options = {
        "population_size": Option(10, "members kept (the oldest is removed)", minimum=1),
        "sample_size": Option(3, "members sampled per cycle; the best is mutated", minimum=1),
    }

    def __init__(self, space, rng, **kw):
        super().__init__(space, rng, **kw)
        if self.config["sample_size"] > self.config["population_size"]:
            raise NasbenchEvalError("rea option sample_size must not exceed population_size")
        self.population: deque = deque()

    def mutate(self, arch):
        return self.space.mutate(arch, self.rng)

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
