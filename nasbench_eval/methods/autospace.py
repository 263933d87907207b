"""AutoSpace (Zhou et al., ICCV 2021): evolve the search space itself. No search code was
released; this implementation is ours, from the paper's abstract and Fig. 2.

A population of candidate architectures (tss: cells, shared by all 15 cells as in NB201;
sss: width configurations) carries a fitness. Each generation draws K candidates by
tournament, mixes them in one weighted parallel layer, learns the mixing weights by
back-propagation (the *differentiable fitness*), updates each candidate's fitness from its
learned weight, adds children mutated from the best of the mixture and keeps the fittest
``population`` (the top survive). The final population is the learned space.

Choices the paper leaves open, and ours:

* **fitness** of a mixed candidate: ``K * softmax(alpha)_k`` (1 = as good as the mixture's
  average), averaged over its appearances with momentum ``momentum``; a new child inherits
  its parent's fitness, an unseen initial candidate has 1;
* **reference architecture** (tss: the ResNet cell, sss: the largest net): a member of the
  initial population *and* mixed into every generation as the K-th candidate, so weights
  learned in different generations are measured against the same yardstick (our reading
  of "anchors the population"); under a budget it exceeds, ``auto`` mixes no anchor;
* mixing weights start at 0 each generation and take ``steps`` steps of the fitness's own
  optimiser (table: plain gradient descent on accuracy points, so a weight moves in
  proportion to its candidate's advantage; supernet: Adam on the cross-entropy);
* **children**: parents drawn from the mixture in proportion to their learned weights,
  mutated with the space's own mutation (inside a sub-space when given one);
* **constraint**: ``penalty * E_w[relu(cost / max_cost - 1)]``, the mixture's exact expected
  relative cost above the budget (in the fitness's loss unit: table ``penalty=1`` costs one
  accuracy point per 1% over), is added to its loss, so every over-budget candidate
  loses weight (a penalty on the expected cost itself would spare an expensive candidate
  mixed with cheap ones) and a specialised space is learned per budget.

The method reads no files: the fitness (table or supernet, ``estimators.mixture``) and the
constraint's cost per arch are given to ``fit``.
"""

from __future__ import annotations

import json

import numpy as np

from ..errors import NasbenchEvalError
from ..spaces import Arch
from .base import Option, SpaceMethod, register

#: the reference architecture of each space under ``reference=auto``
REFERENCES = {
    "nats-tss": "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|",
    "nats-sss": "64:64:64:64:64",
}


@register
class AutoSpace(SpaceMethod):
    """AutoSpace (Zhou et al., 2021, ours): evolve a sub-space with a differentiable fitness."""

    name = "autospace"
    title = "AutoSpace"
    options = {
        "fitness": Option(
            "table",
            "table: the exact expected 12-epoch validation accuracy of the mixture (ours, no images); "
            "supernet: mixture weights trained with real weight sharing on --data-root (the paper's)",
            choices=("table", "supernet"),
        ),
        "population": Option(100, "candidates kept: the learned space's size", minimum=4),
        "generations": Option(300, "mixtures learned", minimum=1),
        "k": Option(4, "candidates mixed per generation (the reference included)", minimum=2),
        "tournament": Option(5, "population members drawn per tournament pick", minimum=1),
        "children": Option(2, "new candidates per generation", minimum=0),
        "steps": Option(20, "mixing-weight steps per generation", minimum=1),
        "arch_lr": Option(
            None,
            "learning rate of the mixing weights [default: the fitness's: table 0.1 (gradient "
            "descent), supernet 0.05 (Adam)]",
            types=(int, float),
        ),
        "momentum": Option(
            0.5, "fitness average: new = m * old + (1 - m) * K * weight", minimum=0, maximum=1
        ),
        "reference": Option(
            "auto",
            "auto (tss: the ResNet cell, sss: 64:64:64:64:64), none, or an arch string",
        ),
        "constraint": Option(None, "flops, params or latency:DEVICE (None: no constraint)", types=(str,)),
        "max_cost": Option(None, "the budget in the constraint's unit", types=(int, float)),
        "penalty": Option(1.0, "weight of the expected relative cost above max_cost", minimum=0),
        "product_choices": Option(
            2, "choices kept per position in the product form of the learned space", minimum=1
        ),
        "batch_size": Option(64, "supernet fitness: images per step", minimum=1),
        "weight_lr": Option(0.025, "supernet fitness: SGD learning rate of the weights", minimum=0),
        "weight_decay": Option(5e-4, "supernet fitness: SGD weight decay", minimum=0),
    }

    def __init__(self, space, seed: int, **config):
        super().__init__(space, seed, **config)
        cfg = self.config
        if (cfg["constraint"] is None) != (cfg["max_cost"] is None):
            raise NasbenchEvalError("autospace: give both constraint and max_cost, or neither")
        if cfg["max_cost"] is not None and cfg["max_cost"] <= 0:
            raise NasbenchEvalError(f"autospace: max_cost must be positive, got {cfg['max_cost']}")
        if cfg["population"] > space.size:
            raise NasbenchEvalError(
                f"autospace: population {cfg['population']} exceeds the {space.size} archs of {space.label}"
            )
        self.reference = self._reference(cfg["reference"])
        self.anchor = self.reference  # the arch mixed into every generation (None: none)
        self.rng = np.random.default_rng(seed)
        members = [] if self.reference is None else [self.reference]
        seen = set(members)
        while len(members) < cfg["population"]:
            arch = space.sample(self.rng)
            if arch not in seen:
                seen.add(arch)
                members.append(arch)
        self.members: list[Arch] = members
        self.fitness = np.ones(len(members))
        self.seen = np.zeros(len(members), np.int64)  # times each member was mixed
        self.generation = 0
        self.log: list[dict] = []
        self.evaluated: set[Arch] = set()  # distinct archs ever mixed (the fitness's queries)

    def _reference(self, text: str) -> Arch | None:
        if text == "none":
            return None
        if text == "auto":
            text = REFERENCES.get(self.space.name, "none")
            if text == "none" or not self.space.contains(self.space.base.parse(text)):
                return None  # a sub-space without the default reference: no anchor
        try:
            return self.space.parse(text)
        except NasbenchEvalError as exc:
            raise NasbenchEvalError(f"autospace reference: {exc}") from None

    # -- one generation ------------------------------------------------------------------------
    def tournament(self, count: int) -> list[int]:
        """``count`` distinct members, each the fittest of ``tournament`` random draws (ties:
        the first drawn)."""
        picked: list[int] = []
        free = [i for i in range(len(self.members)) if self.members[i] != self.anchor]
        count = min(count, len(free))
        while len(picked) < count:
            pool = [i for i in free if i not in picked]
            draw = self.rng.choice(len(pool), min(self.config["tournament"], len(pool)), replace=False)
            picked.append(pool[max(draw, key=lambda d: self.fitness[pool[d]])])
        return picked

    def update_fitness(self, picked: list[int], weights: np.ndarray) -> None:
        """Each mixed member's fitness moves to ``K * weight`` (its first value is taken as is);
        ``weights`` are all K of the mixture, the anchor's last."""
        m = self.config["momentum"]
        value = len(weights) * np.asarray(weights, float)
        for i, v in zip(picked, value[: len(picked)], strict=True):
            self.fitness[i] = v if self.seen[i] == 0 else m * self.fitness[i] + (1 - m) * v
            self.seen[i] += 1

    def reproduce(self, parents: list[Arch], weights: np.ndarray, parent_fitness: list[float]) -> None:
        """Children mutated from parents drawn by weight join; the fittest ``population`` stay."""
        have = set(self.members)
        p = np.asarray(weights, float) / np.sum(weights)
        for _ in range(self.config["children"]):
            for _try in range(20):
                j = int(self.rng.choice(len(parents), p=p))
                child = self.space.mutate(parents[j], self.rng)
                if child not in have:
                    have.add(child)
                    self.members.append(child)
                    self.fitness = np.append(self.fitness, parent_fitness[j])
                    self.seen = np.append(self.seen, 0)
                    break
        self.survive()

    def survive(self) -> None:
        """Truncation: the ``population`` fittest members stay (stable order on ties)."""
        order = np.argsort(-self.fitness, kind="stable")[: self.config["population"]]
        order = np.sort(order)  # keep the members' order of arrival
        self.members = [self.members[i] for i in order]
        self.fitness, self.seen = self.fitness[order], self.seen[order]

    def mixture_loss(self, fitness, archs: np.ndarray, probs, excess):
        """The loss the mixing weights descend: the fitness's, plus the budget penalty
        (``excess``: each candidate's relative cost above the budget in loss units, or None)."""
        loss = fitness.loss(archs, probs)
        return loss if excess is None else loss + self.config["penalty"] * (probs * excess).sum()

    def mix(self, fitness, archs: np.ndarray, cost: np.ndarray | None) -> tuple[np.ndarray, float]:
        """Learn the mixing weights of ``archs`` (K, P) in ``steps`` steps of the fitness's
        optimiser. Returns (weights, last loss)."""
        import torch

        cfg = self.config
        alpha = torch.zeros(len(archs), dtype=torch.float64, requires_grad=True)
        lr = cfg["arch_lr"] if cfg["arch_lr"] is not None else fitness.arch_lr
        optimizer = torch.optim.Adam if fitness.arch_optimizer == "adam" else torch.optim.SGD
        opt = optimizer([alpha], lr=lr)
        fitness.begin(archs)
        excess = None
        if cost is not None:
            relative = torch.relu(torch.as_tensor(cost, dtype=torch.float64) / cfg["max_cost"] - 1.0)
            excess = relative * fitness.penalty_unit
        loss_value = float("nan")
        for _ in range(cfg["steps"]):
            loss = self.mixture_loss(fitness, archs, torch.softmax(alpha, 0), excess)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_value = float(loss.detach())
        return torch.softmax(alpha.detach(), 0).numpy(), loss_value

    def fit(self, fitness, constraint=None, *, on_generation=None, state: dict | None = None) -> list[dict]:
        """``constraint``: the cost of every arch by code (the budget's unit), or None."""
        if (constraint is None) != (self.config["max_cost"] is None):
            raise NasbenchEvalError("autospace: max_cost needs the constraint's costs (and only then)")
        if state is not None:
            self.load_state_dict(state)
        ref = self.reference
        if ref is not None and constraint is not None and self.config["reference"] == "auto":
            over = constraint[self.space.code(ref)] > self.config["max_cost"]
            self.anchor = None if over else ref  # an over-budget yardstick would only be penalised
        while self.generation < self.config["generations"]:
            picked = self.tournament(self.config["k"] - (self.anchor is not None))
            archs = [self.members[i] for i in picked]
            if self.anchor is not None:
                archs.append(self.anchor)
            choices = np.asarray(archs, np.int64)
            cost = None if constraint is None else constraint[self.space.codes_of(choices)]
            weights, loss = self.mix(fitness, choices, cost)
            self.evaluated.update(archs)
            parent_fitness = [float(self.fitness[i]) for i in picked]
            self.update_fitness(picked, weights)
            if self.anchor is not None:
                parent_fitness.append(float(len(archs) * weights[-1]))
            self.reproduce(archs, weights, parent_fitness)
            self.generation += 1
            entry = {
                "generation": self.generation,
                "loss": round(loss, 6),
                "weights": [round(float(w), 4) for w in weights],
                "best_fitness": round(float(self.fitness.max()), 4),
                "evaluated": len(self.evaluated),
            }
            self.log.append(entry)
            if on_generation:
                on_generation(self.generation, entry)
        return self.log

    # -- the answer ------------------------------------------------------------------------------
    def learned_space(self) -> tuple[np.ndarray, np.ndarray]:
        order = np.argsort(-self.fitness, kind="stable")
        return np.asarray([self.members[i] for i in order], np.int64), self.fitness[order].copy()

    def product_form(self) -> np.ndarray:
        """(num_positions, num_choices) bool: per position, the ``product_choices`` choices
        with the largest summed fitness over the learned space's members."""
        archs, fit = self.learned_space()
        votes = np.zeros((self.space.num_positions, self.space.num_choices))
        for p in range(self.space.num_positions):
            np.add.at(votes[p], archs[:, p], fit)
        votes[~self.space.choice_mask()] = -np.inf
        keep = np.argsort(-votes, axis=1, kind="stable")[:, : self.config["product_choices"]]
        mask = np.zeros_like(votes, bool)
        np.put_along_axis(mask, keep, True, axis=1)
        return mask & np.isfinite(votes)

    def search_cost(self) -> tuple[float, str]:
        return self.config["generations"], "generations"

    # -- state -------------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "members": json.dumps([list(a) for a in self.members]),
            "fitness": json.dumps(self.fitness.tolist()),
            "seen": json.dumps(self.seen.tolist()),
            "evaluated": json.dumps(sorted(list(a) for a in self.evaluated)),
            "generation": self.generation,
            "numpy_rng": json.dumps(self.rng.bit_generator.state),
            "log": json.dumps(self.log),
        }

    def load_state_dict(self, state: dict) -> None:
        self.members = [tuple(a) for a in json.loads(state["members"])]
        self.fitness = np.asarray(json.loads(state["fitness"]), float)
        self.seen = np.asarray(json.loads(state["seen"]), np.int64)
        self.evaluated = {tuple(a) for a in json.loads(state["evaluated"])}
        self.generation = int(state["generation"])
        self.rng.bit_generator.state = json.loads(state["numpy_rng"])
        self.log = json.loads(state["log"])
