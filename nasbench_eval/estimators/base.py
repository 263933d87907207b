"""The estimator interface: every way of scoring architectures (table lookup, analytic
costs, hardware tables, supernets, external score files) behind one surface.

* ``score_many(choices)``: the batch interface, (n, num_positions) choice rows -> (n,)
  scores (NaN = no score); the one every estimator implements.
* ``evaluate(arch, fidelity)``: one arch for a search, with what it costs of the budget.
* ``expected(probs)``: where an estimator can, the exact expected score under per-position
  probabilities (a torch tensor (..., positions, choices)), differentiable; generative and
  differentiable methods train against it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from ..spaces import Arch, SearchSpace


@dataclass(frozen=True)
class Estimate:
    value: float  # the search signal, e.g. 12-epoch validation accuracy (higher is better)
    cost: float  # what this evaluation spends of the budget (seconds or queries)


class Estimator(ABC):
    #: 'seconds' when the estimator knows simulated training times, else 'queries'
    budget_unit: str = "queries"
    #: largest fidelity (training epochs) the estimator can score at
    max_fidelity: int | None = None
    #: fidelities it can score below the maximum (empty: full fidelity only)
    fidelities: tuple[int, ...] = ()
    #: whether ``expected`` is available
    differentiable: bool = False
    #: what the score is, for axis labels and tables
    label: str = "score"
    #: ``expected`` reads the estimator's whole table: a method trained against it has seen
    #: every arch's score (an oracle, not comparable with query-budgeted searches)
    expected_reads_all: bool = False

    def training_cost(self) -> tuple[float, str] | None:
        """What training a method against ``expected`` costs, if the estimator knows (e.g.
        the queries a surrogate was fit on); None: the method's own count applies."""
        return None

    def __init__(self, space: SearchSpace):
        self.space = space

    @abstractmethod
    def score_many(self, choices, progress=None) -> np.ndarray:
        """Scores of many archs: (n, num_positions) int choices -> (n,) float64."""

    def evaluate(self, arch: Arch, fidelity: int | None = None) -> Estimate:
        """Score one arch for a search; each evaluation costs one query."""
        if fidelity not in (None, self.max_fidelity):
            raise ValueError(f"{type(self).__name__} scores at full fidelity only")
        return Estimate(float(self.score_many(np.asarray([arch]))[0]), 1.0)

    def expected(self, probs):
        """Exact E[score] under factorised per-position probabilities (differentiable)."""
        raise NotImplementedError(f"{type(self).__name__} has no differentiable expectation")

    @abstractmethod
    def describe(self) -> dict:
        """JSON-ready description for records (always with 'kind' and 'spec')."""


class ColumnEstimator(Estimator):
    """Scores read from one per-arch column in code order (benchmark metrics, hardware
    tables, score files): batch lookups, and the exact expectation by contracting the column."""

    def __init__(self, space: SearchSpace, column_by_code: np.ndarray):
        super().__init__(space)
        self._by_code = column_by_code
        self._table = None

    def missing(self) -> int:
        """How many archs of the (sub-)space have no value."""
        return int(np.isnan(self._by_code[self.space.codes_of(self.space.all_choices())]).sum())

    def score_many(self, choices, progress=None) -> np.ndarray:
        return self._by_code[self.space.codes_of(choices)]

    def expected(self, probs):
        import torch

        from ..spaces.costs import expected_table_value

        if self._table is None:
            self._table = torch.as_tensor(self._by_code, dtype=torch.float64)
        return expected_table_value(self._table, probs.double())


def by_code(bench, by_index: np.ndarray) -> np.ndarray:
    """A per-arch column in official index order -> the same column in code order."""
    order = np.asarray(bench.order)
    out = np.full(bench.space.size, np.nan)
    known = order >= 0
    out[order[known]] = np.asarray(by_index, np.float64)[known]
    return out
