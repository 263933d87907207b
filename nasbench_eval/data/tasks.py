"""Tasks over CIFAR-100's 20 superclasses (EAS: one supernet for any group of classes).

A *task* is a set of superclasses; its classes are the fine classes they hold (5 each).
``TaskDropout`` trains a network so that its shared weights stay good for any task: per
batch, each superclass is dropped with probability ``p`` (at least one stays), its images
leave the batch and its classes' logits are masked (set to -inf), so the cross-entropy of
the batch is the one of the remaining task alone (our choice among the paper's options:
removed, not relabelled). The drops come from the batch stream's own generator, whose
state the trainer checkpoints, so a resumed run drops the same superclasses.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from ..errors import NasbenchEvalError


def class_mask(groups: np.ndarray, task) -> np.ndarray:
    """(num_classes,) bool: the classes of the superclasses in ``task``."""
    groups = np.asarray(groups)
    task = np.asarray(sorted(set(int(t) for t in task)), np.int64)
    if len(task) == 0 or task.min() < 0 or task.max() > groups.max():
        raise NasbenchEvalError(f"a task is a non-empty set of superclasses 0..{groups.max()}, got {task}")
    return np.isin(groups, task)


class TaskDropout:
    """A batch stream (``DeviceBatches``) whose batches keep a random subset of superclasses;
    ``forward(inner)`` masks the logits of the dropped ones."""

    def __init__(self, batches, groups: np.ndarray, p: float):
        if not 0 <= p < 1:
            raise NasbenchEvalError(f"task dropout must be in [0, 1), got {p}")
        self.batches, self.p = batches, p
        self.groups = torch.as_tensor(np.asarray(groups), dtype=torch.long, device=batches.device)
        self.num_groups = int(self.groups.max()) + 1
        self.kept: torch.Tensor | None = None  # (num_classes,) bool of the current batch

    # the trainer reads and sets these on its stream
    @property
    def generator(self) -> torch.Generator:
        return self.batches.generator

    @property
    def channels_last(self) -> bool:
        return self.batches.channels_last

    @channels_last.setter
    def channels_last(self, value: bool) -> None:
        self.batches.channels_last = value

    def __len__(self) -> int:
        return len(self.batches)

    def draw(self) -> torch.Tensor:
        """(num_groups,) bool of the superclasses kept for one batch (never none)."""
        drop = torch.rand(self.num_groups, generator=self.generator) < self.p
        if drop.all():
            drop[int(torch.randint(self.num_groups, (1,), generator=self.generator))] = False
        return ~drop

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for x, y in self.batches:
            kept_groups = self.draw().to(self.groups.device)
            keep = kept_groups[self.groups[y]]
            if not bool(keep.any()):  # every image of this batch was in a dropped superclass
                continue
            self.kept = kept_groups[self.groups]
            yield x[keep], y[keep]

    def forward(self, inner):
        """``inner``'s forward with the logits of the current batch's dropped classes at -inf."""

        def masked(model, x, generator):
            logits = inner(model, x, generator)
            return logits.masked_fill(~self.kept, float("-inf"))

        return masked
