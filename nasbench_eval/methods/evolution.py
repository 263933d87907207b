"""Regularised evolution (Real et al., 2019) as run in NAS-Bench-201 / NATS-Bench.

The population is filled with random architectures; then each cycle samples ``sample_size``
members without replacement, mutates the best of them and replaces the oldest member.
The mutation is the space's own (``SearchSpace.mutate``): for the topology space a node
uniformly, then one of its incoming edges, then a different op, exactly like the reference
scripts; for the size space a layer and a different width.

``warmup=N`` (Abdelfattah et al. 2021, "zero-cost warmup"): N random archs are ranked by a
zero-cost proxy (``warmup_estimator``, default zc:synflow; free, outside the budget) and the
best ``population_size`` of them, not random archs, fill the first population.
"""

from __future__ import annotations

from collections import deque

import numpy as np

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
        "warmup": Option(
            0, "random archs ranked by warmup_estimator to seed the population (0: off)", minimum=0
        ),
        "warmup_estimator": Option("zc:synflow", "the zero-cost estimator that ranks the warm-up archs"),
    }

    def __init__(self, space, rng, **kw):
        super().__init__(space, rng, **kw)
        if self.config["sample_size"] > self.config["population_size"]:
            raise NasbenchEvalError("rea option sample_size must not exceed population_size")
        self.population: deque = deque()
        self._seeds: list | None = None  # the warm-up's best archs, evaluated first

    @classmethod
    def prior_spec(cls, config: dict) -> str | None:
        return config["warmup_estimator"] if config["warmup"] else None

    def _warm_start(self) -> list:
        """The best ``population_size`` of ``warmup`` random archs by the prior (NaN last)."""
        if not self.config["warmup"]:
            return []
        if self.prior is None:
            raise NasbenchEvalError("rea warmup needs a prior estimator (the runner passes it)")
        archs = self.space.sample(self.rng, self.config["warmup"])
        scores = np.asarray(self.prior(np.asarray(archs)), float)
        order = np.argsort(-np.where(np.isnan(scores), -np.inf, scores), kind="stable")
        return [archs[i] for i in order[: self.config["population_size"]]]

    def mutate(self, arch):
        return self.space.mutate(arch, self.rng)

    def ask(self) -> Query:
        size, k = self.config["population_size"], self.config["sample_size"]
        if len(self.population) < size:
            if self._seeds is None:
                self._seeds = self._warm_start()
            return Query(self._seeds.pop(0) if self._seeds else self.random_arch())
        members = self.rng.choice(len(self.population), size=k, replace=False)
        # NaN (a proxy that cannot score an arch) ranks last, never first by accident
        parent = max((self.population[i] for i in members), key=lambda m: -np.inf if np.isnan(m[0]) else m[0])
        return Query(self.mutate(parent[1]))

    def tell(self, query: Query, value: float) -> None:
        super().tell(query, value)
        self.population.append((value, query.arch))
        if len(self.population) > self.config["population_size"]:
            self.population.popleft()
