"""The estimator interface every search method is scored through."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from ..spaces import Arch


@dataclass(frozen=True)
class Estimate:
    value: float  # the search signal, e.g. 12-epoch validation accuracy (higher is better)
    cost: float  # what this evaluation spends of the budget (seconds or queries)


class Estimator(ABC):
    #: 'seconds' when the estimator knows simulated training times, else 'queries'
    budget_unit: str
    #: largest fidelity (training epochs) the estimator can score at
    max_fidelity: int | None = None
    #: fidelities it can score below the maximum (empty: full fidelity only)
    fidelities: tuple[int, ...] = ()

    @abstractmethod
    def evaluate(self, arch: Arch, fidelity: int | None = None) -> Estimate:
        """Score one architecture; ``fidelity`` = epochs of training (None = the maximum)."""

    @abstractmethod
    def describe(self) -> dict:
        """JSON-ready description for run records."""
