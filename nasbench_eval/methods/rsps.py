"""RSPS: random search with parameter sharing (Li & Talwalkar, UAI 2019), as NB201 / NATS-Bench.

Weights train on uniformly random paths: NATS samples every cell on its own per forward
(``forward_urs``: each node's incoming edges get a uniform op each, redrawn while they are
all ``none``); NB201 v1.0 one arch per step shared by all cells. No arch parameters. The
answer: ``candidates`` (100) uniformly random archs, each scored on its own validation
batch. NB201: 250 epochs; NATS: 100.
"""

from __future__ import annotations

from ._weight_sharing import NB201, WS_OPTIONS, WeightSharingMethod
from .base import Option, register


@register
class RSPS(WeightSharingMethod):
    """RSPS (Li & Talwalkar, 2019): uniform random paths, best of 100 random archs."""

    name = "rsps"
    title = "RSPS"
    has_alpha = False
    needs_expected = False
    options = {
        **WS_OPTIONS,
        "sampling": Option(
            "per-cell",
            "per-cell: each cell its own path per forward (NATS); per-step: one arch per step (NB201)",
            choices=("per-cell", "per-step"),
        ),
    }
    protocol_defaults = {"nb201": {**NB201, "epochs": 250, "sampling": "per-step"}}

    def cell_arch(self) -> tuple[int, ...]:
        """One cell's path: per node, its incoming edges redrawn while all are ``none``."""
        import torch

        from ..spaces.topology import EDGES, OPS

        arch = list(self.uniform_arch())
        none = OPS.index("none")
        for node in sorted({to for to, _ in EDGES}):
            edges = [e for e, (to, _) in enumerate(EDGES) if to == node]
            if all(bool(self.mask[e].sum() == 1) and bool(self.mask[e, none]) for e in edges):
                continue  # the sub-space allows nothing else
            while all(arch[e] == none for e in edges):
                for e in edges:
                    arch[e] = int(torch.multinomial(self.mask[e].float(), 1, generator=self.gen))
        return tuple(arch)

    def weight_kwargs(self) -> dict:
        if self.config["sampling"] == "per-step":
            return {"arch": self.uniform_arch()}
        return {"cell_archs": [self.cell_arch() for _ in range(self.model.num_cells)]}

    def arch_step(self, x, y) -> dict:
        return {}  # nothing to learn

    def candidates(self):
        return [self.uniform_arch() for _ in range(self.config["candidates"])]
