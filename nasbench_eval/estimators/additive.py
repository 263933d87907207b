"""A budget-honest surrogate: an additive model fit to N queried archs (``additive:N[:KEY]``).

N archs are drawn uniformly (with the run's seed) from the (sub-)space and their values of
KEY (default: the protocol's 12-epoch validation accuracy) looked up: N queries, the whole
cost. The model is ridge least squares on the one-hot image, score = bias + sum over
positions of w[position, choice], so ``expected`` under factorised probabilities is exact
and differentiable. Generative methods trained against it see N archs, not the table.
"""

from __future__ import annotations

import numpy as np

from ..bench import parse_key
from ..errors import MetricKeyError
from .base import Estimator, by_code
from .spec import ESTIMATORS

RIDGE = 1e-3


@ESTIMATORS.register(
    "additive",
    kind="surrogate",
    description="additive per-choice model fit to N random archs: additive:N[:KEY]",
)
class AdditiveEstimator(Estimator):
    spec_arg = "N[:KEY]"
    differentiable = True

    def __init__(self, bench, key: str, queries: int, seed: int = 0, *, space=None):
        super().__init__(space or bench.space)
        self.bench, self.key, self.queries, self.seed = bench, parse_key(key), int(queries), seed
        self.label = f"additive model of {self.key} ({self.queries} queries)"
        if not 2 <= self.queries <= self.space.size:
            raise MetricKeyError(f"additive:N needs 2 <= N <= {self.space.size:,}, got {queries}")
        rng = np.random.default_rng(seed)
        members = self.space.all_choices()
        rows = members[rng.choice(len(members), self.queries, replace=False)]
        y = by_code(bench, bench.values(self.key))[self.space.codes_of(rows)]
        if np.isnan(y).any():
            raise MetricKeyError(f"{self.key} lacks values for some sampled archs; import a complete table")
        p, k = self.space.num_positions, self.space.num_choices
        x = np.zeros((len(rows), p * k))
        x[np.arange(len(rows))[:, None], np.arange(p) * k + rows] = 1.0
        x = np.hstack([np.ones((len(rows), 1)), x])
        reg = RIDGE * np.eye(x.shape[1])
        reg[0, 0] = 0.0  # the bias is not shrunk
        coef = np.linalg.solve(x.T @ x + reg, x.T @ y)
        self.bias, self.weights = float(coef[0]), coef[1:].reshape(p, k)
        fit = self.score_many(rows)
        self.r2 = float(1 - ((y - fit) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-12))

    @classmethod
    def from_spec(cls, arg: str, context) -> AdditiveEstimator:
        n, _, key = arg.partition(":")
        if not (n.isascii() and n.isdigit()) or len(n) > 9:
            raise MetricKeyError(f"additive needs a number of queries: additive:N[:KEY], got additive:{arg}")
        key = key or f"{context.dataset_records}/x-valid/accuracy/{context.search_space.search_epochs}/mean"
        return cls(context.bench, key, int(n), context.seed, space=context.space)

    def score_many(self, choices, progress=None) -> np.ndarray:
        c = np.atleast_2d(np.asarray(choices, np.int64))
        return self.bias + self.weights[np.arange(c.shape[1]), c].sum(axis=1)

    def expected(self, probs):
        import torch

        w = torch.as_tensor(self.weights, dtype=probs.dtype, device=probs.device)
        return self.bias + (probs * w).sum(-1).sum(-1)

    def training_cost(self) -> tuple[float, str]:
        return self.queries, "queries"

    def describe(self) -> dict:
        return {
            "kind": "additive",
            "spec": f"additive:{self.queries}:{self.key}",
            "key": str(self.key),
            "queries": self.queries,
            "seed": self.seed,
            "fit_r2": self.r2,
            "budget_unit": "queries",
        }
