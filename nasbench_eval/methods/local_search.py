"""Local search as in NASLib (White et al., 2020): best improvement over all neighbours.

Start from the best of ``num_init`` random archs; evaluate every single-position neighbour
of the current arch (in a random order), move to the best one if it improves, and on a
local optimum restart from ``num_init`` new random archs. Neighbours are the space's own,
so sub-spaces are respected.
"""

from __future__ import annotations

from .base import MultiTrialMethod, Option, Query, register


@register
class LocalSearch(MultiTrialMethod):
    """Local search (NASLib): best-improvement descent, random restart at a local optimum."""

    name = "ls"
    title = "LS"
    options = {"num_init": Option(10, "random archs evaluated at the start and at every restart", minimum=1)}

    def __init__(self, space, rng, **kw):
        super().__init__(space, rng, **kw)
        self.current: tuple[float, tuple] | None = None  # (value, arch) the descent stands on
        self._queue: list[tuple] = []
        self._results: list[tuple[float, tuple]] = []
        self.restarts = 0

    def ask(self) -> Query:
        if not self._queue and self.current is not None:
            neighbours = self.space.neighbours(self.current[1])
            self._queue = [neighbours[i] for i in self.rng.permutation(len(neighbours))]
            if not neighbours:  # an isolated arch of a sparse sub-space: a local optimum
                self.current = None
                self.restarts += 1
        if not self._queue:
            self._queue = [self.random_arch() for _ in range(self.config["num_init"])]
        return Query(self._queue.pop(0))

    def tell(self, query: Query, value: float) -> None:
        super().tell(query, value)
        self._results.append((value, query.arch))
        if self._queue:
            return
        best = max(self._results, key=lambda r: (r[0] == r[0], r[0]))  # NaN ranks last
        self._results = []
        if self.current is None or best[0] > self.current[0]:
            self.current = best
        else:  # a local optimum: restart
            self.current = None
            self.restarts += 1
