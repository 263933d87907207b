"""SGNAS's networks and training loop (torch); the method itself is ``methods/sgnas.py``.

SGNAS (Huang & Chu, CVPR 2021): search by generating, mapped to NB201 / NATS by us.

The released code covers only a MobileNet space; this mapping to the topology space (6
edges x 5 ops) and the size space (5 layers x 8 widths) is nasbench-eval's own.

A small fully-convolutional generator takes a *prior* architecture (its per-choice one-hot
image) and the normalised constraint (a second channel, broadcast) and returns per-choice
logits. It is trained with Adam (lr 1e-3, betas 0.5 / 0.999) and Gumbel-softmax samples
whose temperature starts at 5 and decays by 0.95 per epoch, on

    loss = quality loss (from an estimator) + hardware loss(expected cost, target)

where the expected cost under the generator's distribution is exact (see
``spaces.costs``) and the hardware loss is the paper's asymmetric squared penalty with a
dead zone, on costs normalised to the achievable range (our scaling: the paper's FLOPs
constants do not transfer across spaces). At deployment one batched forward pass maps
every target to an architecture (argmax per position). This module has no I/O: the quality
loss and the cost function are given by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F


class Generator(nn.Module):
    """(prior one-hot image, constraint[, task]) -> per-choice logits, fully convolutional.

    With ``tasks`` > 0 (EAS) a multi-hot task vector (B, tasks) adds a learned per-channel
    bias after the first convolution, so one forward pass maps (task, budget) pairs to
    architectures; without it the parameters are SGNAS's alone."""

    def __init__(self, width: int = 32, tasks: int = 0):
        super().__init__()
        self.task = nn.Linear(tasks, width, bias=False) if tasks else None
        self.body = nn.Sequential(
            nn.Conv2d(2, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, width, 3, padding=1),
            nn.BatchNorm2d(width),
            nn.ReLU(),
            nn.Conv2d(width, 1, 1),
        )

    def forward(
        self, prior: torch.Tensor, constraint: torch.Tensor, task: torch.Tensor | None = None
    ) -> torch.Tensor:
        """prior (B, P, K) one-hot, constraint (B,) in [0, 1], task (B, tasks) multi-hot
        (only with ``tasks``) -> logits (B, P, K)."""
        if (task is None) != (self.task is None):
            raise ValueError("give a task exactly when the generator was built with tasks")
        c = constraint[:, None, None, None].expand(-1, 1, *prior.shape[1:])
        x = torch.cat([prior[:, None], c], 1)
        if task is None:
            return self.body(x)[:, 0]
        h = self.body[0](x) + self.task(task.float())[:, :, None, None]
        return self.body[1:](h)[:, 0]


def hardware_loss(
    expected: torch.Tensor, target: torch.Tensor, *, under: float, over: float, dead_zone: float
) -> torch.Tensor:
    """Asymmetric squared penalty outside a dead zone (over the target costs more)."""
    above = F.relu(expected - target - dead_zone)
    below = F.relu(target - dead_zone - expected)
    return (over * above**2 + under * below**2).mean()


@dataclass
class PriorPool:
    """Random architectures grouped by the anchor (constraint value) their cost is nearest."""

    anchors: np.ndarray  # normalised constraint values
    members: list[np.ndarray]  # per anchor: (n, P) int choices

    @classmethod
    def build(cls, choices: np.ndarray, normalised_cost: np.ndarray, n_anchors: int) -> PriorPool:
        anchors = np.linspace(0.0, 1.0, n_anchors)
        nearest = np.abs(normalised_cost[:, None] - anchors[None]).argmin(1)
        members = []
        for a in range(n_anchors):
            group = choices[nearest == a]
            if len(group) == 0:  # an empty anchor borrows the closest archs overall
                group = choices[np.argsort(np.abs(normalised_cost - anchors[a]))[:8]]
            members.append(group)
        return cls(anchors, members)

    def draw(self, constraint: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        idx = np.abs(constraint[:, None] - self.anchors[None]).argmin(1)
        return np.stack([self.members[a][rng.integers(len(self.members[a]))] for a in idx])

    def first(self, constraint: np.ndarray) -> np.ndarray:
        """Deterministic priors for deployment: each anchor's first member."""
        idx = np.abs(constraint[:, None] - self.anchors[None]).argmin(1)
        return np.stack([self.members[a][0] for a in idx])


def _masked(logits: torch.Tensor, mask: np.ndarray | None) -> torch.Tensor:
    """Sub-spaces: choices that do not exist get a logit of -1e9 (probability 0)."""
    if mask is None:
        return logits
    return logits.masked_fill(~torch.as_tensor(mask, dtype=torch.bool), -1e9)


def one_hot(choices: np.ndarray, k: int) -> torch.Tensor:
    return F.one_hot(torch.as_tensor(choices, dtype=torch.long), k).float()


@dataclass
class TrainLog:
    epochs: list[dict] = field(default_factory=list)


def train_generator(
    gen: Generator,
    pool: PriorPool,
    num_choices: int,
    quality_loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    expected_cost: Callable[[torch.Tensor], torch.Tensor],
    *,
    rng: np.random.Generator,
    torch_gen: torch.Generator,
    config: dict,
    start_epoch: int = 0,
    optimizer: torch.optim.Optimizer | None = None,
    on_epoch: Callable[[int, dict], None] | None = None,
    mask: np.ndarray | None = None,
    tasks: Callable[[np.random.Generator, int], np.ndarray] | None = None,
) -> TrainLog:
    """Train ``gen``: ``quality_loss(soft_sample, probs)`` and ``expected_cost(probs)`` (the
    normalised expected cost) are the caller's; ``on_epoch`` may checkpoint. With ``tasks``
    (EAS), each step draws a multi-hot task per sample (``tasks(rng, n)``, (n, T)) that the
    generator sees and ``quality_loss(soft, probs, task)`` is given."""
    cfg = config
    opt = optimizer or torch.optim.Adam(gen.parameters(), lr=cfg["lr"], betas=tuple(cfg["betas"]))
    log = TrainLog()
    for epoch in range(start_epoch, cfg["epochs"]):
        tau = cfg["tau_start"] * cfg["tau_decay"] ** epoch
        sums = {"quality": 0.0, "hardware": 0.0}
        gen.train()
        for _ in range(cfg["steps_per_epoch"]):
            target = rng.random(cfg["batch_size"])
            prior = one_hot(pool.draw(target, rng), num_choices)
            t = torch.as_tensor(target, dtype=torch.float32)
            task = None if tasks is None else torch.as_tensor(tasks(rng, len(target)), dtype=torch.float32)
            logits = _masked(gen(prior, t) if task is None else gen(prior, t, task), mask)
            probs = torch.softmax(logits, -1)
            u = torch.rand(logits.shape, generator=torch_gen).clamp(1e-10, 1 - 1e-10)
            soft = torch.softmax((logits - torch.log(-torch.log(u))) / tau, -1)
            q = quality_loss(soft, probs) if task is None else quality_loss(soft, probs, task)
            hw = hardware_loss(
                expected_cost(probs),
                t,
                under=cfg["under_weight"],
                over=cfg["over_weight"],
                dead_zone=cfg["dead_zone"],
            )
            opt.zero_grad(set_to_none=True)
            (q + hw).backward()
            opt.step()
            sums["quality"] += float(q.detach())
            sums["hardware"] += float(hw.detach())
        entry = {"epoch": epoch + 1, "tau": tau, **{k: v / cfg["steps_per_epoch"] for k, v in sums.items()}}
        log.epochs.append(entry)
        if on_epoch:
            on_epoch(epoch + 1, entry)
    return log


@torch.no_grad()
def generate(
    gen: Generator,
    pool: PriorPool,
    num_choices: int,
    constraints: np.ndarray,
    *,
    cost_by_code: np.ndarray | None = None,
    targets: np.ndarray | None = None,
    tolerance: float = 0.05,
    top: int = 2,
    mask: np.ndarray | None = None,
    tasks: np.ndarray | None = None,
) -> np.ndarray:
    """One batched forward pass: normalised constraints (n,) -> architectures (n, P).

    Plain SGNAS takes the argmax per position. With ``cost_by_code`` and raw ``targets``
    (our addition, constrained decoding) the most probable of the ``top``^P combinations of
    each position's best choices whose cost is within ``tolerance`` of the target is taken
    instead, when one exists; else the argmax.
    """
    gen.eval()
    prior = one_hot(pool.first(constraints), num_choices)
    c = torch.as_tensor(constraints, dtype=torch.float32)
    task = None if tasks is None else torch.as_tensor(tasks, dtype=torch.float32)
    logits = _masked(gen(prior, c) if task is None else gen(prior, c, task), mask)
    best = logits.argmax(-1).numpy()
    if cost_by_code is None:
        return best
    logp = torch.log_softmax(logits, -1).numpy()
    n, positions, k = logp.shape
    order = np.argsort(-logp, axis=-1)[..., :top]  # (n, P, top)
    grid = np.stack(np.meshgrid(*[np.arange(top)] * positions, indexing="ij"), -1).reshape(-1, positions)
    cand = np.take_along_axis(order, np.broadcast_to(grid.T[None], (n, positions, len(grid))), -1)
    cand = cand.transpose(0, 2, 1)  # (n, C, P)
    score = logp[np.arange(n)[:, None, None], np.arange(positions)[None, None, :], cand].sum(-1)
    codes = (cand * (k ** np.arange(positions - 1, -1, -1))).sum(-1)
    ok = np.abs(cost_by_code[codes] - targets[:, None]) <= tolerance * targets[:, None]
    pick = np.where(ok, score, -np.inf).argmax(1)
    return np.where(ok.any(1)[:, None], cand[np.arange(n), pick], best)
