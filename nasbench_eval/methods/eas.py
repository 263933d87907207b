"""EAS (Liu, Zhuang, Tan et al., 2021, "Elastic Architecture Search for Diverse Tasks with
Different Resources"): no code was released; this mapping to the NATS spaces is ours.

One supernet, trained on all CIFAR-100 classes with task dropout (``supernet train
--task-dropout``), stays good for any group of superclasses. A generator (SGNAS's, with a
multi-hot task input) maps (task, budget) to an architecture: it is trained on the frozen
supernet's cross-entropy *on the task's images among the task's classes* under
straight-through samples, plus SGNAS's hardware loss on the exact expected cost. At
deployment one forward pass gives an architecture per scenario. With the task input fixed
to "all superclasses" the same generator is the all-task baseline (SGNAS).

Choices of ours: a training task holds a uniform number of superclasses in
``task_superclasses`` (drawn uniformly without replacement), one task per sample.
"""

from __future__ import annotations

import numpy as np

from ..errors import NasbenchEvalError
from .base import Option, register
from .sgnas import SGNAS


def random_tasks(rng: np.random.Generator, n: int, groups: int, sizes: tuple[int, int]) -> np.ndarray:
    """(n, groups) multi-hot tasks, each of a uniform size in ``sizes`` (inclusive)."""
    lo, hi = sizes
    out = np.zeros((n, groups), np.float32)
    for i, k in enumerate(rng.integers(lo, hi + 1, n)):
        out[i, rng.choice(groups, int(k), replace=False)] = 1.0
    return out


@register
class EAS(SGNAS):
    """EAS (Liu et al., 2021, ours): one generator pass per (task, budget) scenario."""

    name = "eas"
    title = "EAS"
    #: its quality must score tasks (a supernet of superclasses), not only archs
    needs_task_quality = True
    options = {
        **SGNAS.options,
        "task_superclasses": Option([1, 4], "a training task holds between these many superclasses"),
        "scenarios": Option(50, "deployment scenarios (random task x budget, seeded)", minimum=1),
        "rea_queries": Option(
            50, "per-scenario baseline: REA queries of the task's supernet view (0: skip)", minimum=0
        ),
        "scenarios_file": Option(
            None,
            "CSV of deployment scenarios, header 'task,budget'; task: superclass indices joined "
            "by '+' (e.g. 3+17); budget in the constraint's unit (replaces the random scenarios)",
            types=(str,),
        ),
        "finetune_epochs": Option(
            0, "also score every scenario's archs after fine-tuning on the task's training images", minimum=0
        ),
        # a task of one superclass holds 1/20 of the held-out images: draw more batches than SGNAS
        "supernet_batches": Option(
            40, "supernet estimator: x-valid batches (task views re-batch)", minimum=1
        ),
    }

    def __init__(self, space, seed: int, **config):
        super().__init__(space, seed, **config)
        lo, hi = self.config["task_superclasses"]
        if not 1 <= lo <= hi or lo != int(lo) or hi != int(hi):
            raise NasbenchEvalError(
                f"eas: task_superclasses must be [lo, hi] with 1 <= lo <= hi, got {[lo, hi]}"
            )
        self.groups = 0
        self._views: dict = {}

    def _prepare(self, quality) -> None:
        if getattr(quality, "groups", None) is None:
            raise NasbenchEvalError(
                "eas needs a supernet of a dataset with superclasses: --estimator supernet:JOB of "
                "'supernet train --dataset cifar100 --task-dropout P'"
            )
        self.groups = int(np.max(quality.groups)) + 1

    def _generator_options(self) -> dict:
        return {"tasks": self.groups}

    def _train_options(self) -> dict:
        return {"tasks": self.draw_tasks}

    def draw_tasks(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lo, hi = (int(v) for v in self.config["task_superclasses"])
        return random_tasks(rng, n, self.groups, (lo, min(hi, self.groups)))

    def task_view(self, quality, task_row: np.ndarray):
        """The supernet's view of one task (multi-hot row), cached: training and REA share it."""
        from ..data.tasks import class_mask  # torch: only when a run starts

        key = tuple(int(g) for g in np.flatnonzero(task_row))
        if key not in self._views:
            self._views[key] = quality.for_task(class_mask(quality.groups, key))
        return self._views[key]

    def _quality_loss(self, quality):
        per_step = self.config["supernet_archs_per_step"]

        def loss(soft, probs, task):
            rows = task.numpy()
            total = 0.0
            for i in range(min(per_step, soft.shape[0])):
                total = total + self.task_view(quality, rows[i]).straight_through_loss(soft[i : i + 1], 1)
            return total / per_step

        return loss

    def generate(self, targets: np.ndarray, constraint, tasks: np.ndarray | None = None) -> np.ndarray:
        """One pass: an arch per (task, target); ``tasks`` (n, groups) multi-hot, default every
        superclass (the all-task baseline)."""
        if tasks is None:
            tasks = np.ones((len(targets), self.groups), np.float32)
        return super().generate(targets, constraint, tasks=tasks)

    def state_dict(self) -> dict:
        return {**super().state_dict(), "groups": self.groups}

    def load_state_dict(self, state: dict) -> None:
        super().load_state_dict(state)
        self.groups = int(state["groups"])
