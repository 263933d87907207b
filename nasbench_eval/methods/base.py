"""One lifecycle for every search method (NASLib's optimizer idea, as ask/tell).

A method is built with a search space, a seeded ``numpy.random.Generator`` and its
hyper-parameters; the driver repeatedly ``ask``s for a query, scores it with an estimator
and ``tell``s the method the result, until the budget is spent. Methods never read files,
print or look at the clock: that keeps them exactly reproducible from their seed.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import NasbenchEvalError, UnknownNameError
from ..spaces import Arch, SearchSpace


@dataclass(frozen=True)
class Query:
    arch: Arch
    fidelity: int | None = None  # training epochs; None = the estimator's maximum


class Method(ABC):
    name: ClassVar[str]
    title: ClassVar[str]
    #: hyper-parameters and their defaults (the protocol's values)
    defaults: ClassVar[dict] = {}

    def __init__(
        self,
        space: SearchSpace,
        rng: np.random.Generator,
        *,
        max_fidelity: int | None = None,
        fidelities: tuple[int, ...] = (),
        **config,
    ):
        unknown = set(config) - set(self.defaults)
        if unknown:
            raise UnknownNameError(
                f"{self.name}: unknown hyper-parameter(s) {sorted(unknown)}; known: {sorted(self.defaults)}"
            )
        self.space = space
        self.rng = rng
        self.max_fidelity = max_fidelity
        self.fidelities = fidelities
        self.config = {**self.defaults, **config}
        self._best: tuple[float, Arch] | None = None

    @abstractmethod
    def ask(self) -> Query:
        """The next architecture (and fidelity) to evaluate."""

    def tell(self, query: Query, value: float) -> None:
        """Record a result; the base class tracks the best full-fidelity estimate."""
        full = query.fidelity is None or query.fidelity == self.max_fidelity
        if full and not np.isnan(value) and (self._best is None or value > self._best[0]):
            self._best = (value, query.arch)

    def result(self) -> Arch:
        """The method's answer: by default the best full-fidelity estimate seen."""
        if self._best is None:
            raise NasbenchEvalError(f"{self.name} finished without a full-fidelity evaluation")
        return self._best[1]

    def random_arch(self) -> Arch:
        return tuple(int(c) for c in self.rng.integers(0, self.space.num_choices, self.space.num_positions))
