"""vote: the majority vote of synflow, jacob_cov and snip (Abdelfattah et al., 2021)."""

from __future__ import annotations

import numpy as np

from . import PROXIES
from .base import Probe, Proxy, ProxyOption


def majority_wins(scores: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """For each arch (row of ``scores``, one column per voter), the share of reference archs
    it beats by majority: at least half of the voters score it strictly higher (ties vote
    against, as the paper's notebook). NaN where a voter's score is NaN."""
    scores, reference = np.atleast_2d(scores), np.atleast_2d(reference)
    reference = reference[~np.isnan(reference).any(1)]
    out = np.full(len(scores), np.nan)
    need = scores.shape[1] / 2
    for i, row in enumerate(scores):
        if not np.isnan(row).any() and len(reference):
            out[i] = float(((row[None, :] > reference).sum(1) >= need).mean())
    return out


@PROXIES.register("vote", kind="composite", description="majority vote of synflow, jacob_cov and snip")
class Vote(Proxy):
    """Majority vote of synflow, jacob_cov and snip (Abdelfattah et al. 2021, section 5). The
    paper votes on pairs; a per-arch score needs something to vote against, so ours is the
    share of a fixed, seeded reference sample of archs (``reference``, drawn from the whole
    space with the proxy seed) that the arch beats by majority (Copeland score). The report
    also gives the paper's own pairwise-order agreement, computed from the three columns."""

    source = "Abdelfattah et al. 2021 (vote); reference-sample Copeland score: ours"
    voters = ("synflow", "jacob_cov", "snip")
    uses_images = True
    options = {"reference": ProxyOption(256, "archs in the fixed sample every arch is voted against", 1)}

    def score(self, probe: Probe, options: dict) -> float:
        raise NotImplementedError("vote is scored by the zc estimator from its voters' columns")
