"""MGAS (Liu, Saxena, Cao, Zhao, Ruan, 2023): multi-granularity differentiable search with
learned remaining ratios, in stages. The official code (lxy12357/MG_DARTS) covers the DARTS
space; this mapping to the NB201 skeleton is ours (``nets/masked.py`` holds the units).

Single-level: one loss on training batches, ``CE + sum over the searched NB201 stages of
lambda_s * (the stage's size / its size at the start + sum over levels of exp(-threshold))``,
trains the weights (SGD), the unit scores and the thresholds (SGD at their own learning
rates, as MG_DARTS; projected into [0, 0.99] so that a unit's score can always cross its
threshold again: MG_DARTS's surrogate is 0 beyond 1). Each stage's ``lambda_s`` follows its
size every step: x (1 + lambda_rate) while the stage is above its target share, / (1 +
lambda_fall x lambda_rate) below (ours; MG_DARTS adapts one lambda every second epoch from
counts of pruned ops, too slowly for searches of a few epochs per stage, and one lambda for
all stages kept pruning a stage that had met its share).

Stages (ours, after MG_DARTS's memory-saving search): stage 1 trains the network up to the
first NB201 stage through an auxiliary head and prunes its cells, then stage 2 (cells of
stage 2, earlier cells re-pruned and regrown), stage 3, and a last stage over the whole
network. A stage ends in the step its cells reach the target share of their starting size,
or after ``epochs // 4`` epochs' worth of steps (the last stage runs to the end). Scores
that sit together cross a rising threshold together, so a stage can end far below its share:
its pruned op units are then refilled, highest score first, while it stays within the share;
and every step a stage spends below its share zeroes its scores' and thresholds' momentum,
which would carry the pruning on (ours). At a stage's end and after every epoch the op
units whose mask is 0 are pruned for good (their scores no longer matter); in stages 2-3,
``regrow`` x the pruned op units of earlier stages, those with the highest score, are
restored with their score set just above the threshold.

The answer for the table is the op level projected to an NB201 cell: per edge, the op with
the highest mean ``sigmoid(alpha) * mask`` over the 15 cells (``none`` where every op of an
edge is pruned).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from ..errors import NasbenchEvalError
from .base import OneShotMethod, Option, register

STAGES = 4  # the three NB201 stages, then the whole network


@register
class MGAS(OneShotMethod):
    """MGAS (Liu et al., 2023, ours on NB201): op, filter and weight masks with learned thresholds."""

    name = "mgas"
    title = "MGAS"
    needs_expected = False
    options = {
        **OneShotMethod.options,
        "epochs": Option(40, "search epochs over all stages", minimum=STAGES),
        "target_params": Option(
            None, "target size: parameters (M) of the remaining network", types=(int, float)
        ),
        "target_flops": Option(None, "target size: FLOPs (M) of the remaining network", types=(int, float)),
        "levels": Option("all", "granularities searched (ablations)", choices=("op", "op+filter", "all")),
        "lr": Option(0.025, "weight SGD learning rate (cosine per epoch)", minimum=0),
        "momentum": Option(0.9, "SGD momentum (weights, scores, thresholds)", minimum=0, maximum=1),
        "weight_decay": Option(3e-4, "weight SGD weight decay", minimum=0),
        "grad_clip": Option(5.0, "clip the weight gradient norm (0: off)", minimum=0),
        "score_lr": Option(1.0, "op and filter score learning rate (MG_DARTS: 1)", minimum=0),
        # MG_DARTS: 0.1 and 0.001; ours are one threshold per level and stage, shared by every
        # unit of it, whose summed surrogate gradients are far larger: 100x smaller rates
        "threshold_lr": Option(1e-3, "op and filter threshold learning rate", minimum=0),
        "weight_threshold_lr": Option(1e-5, "weight-level threshold learning rate", minimum=0),
        "lambda0": Option(1e-2, "initial weight of the size term (each NB201 stage its own)", minimum=0),
        "lambda_rate": Option(
            0.03, "each stage's lambda: x (1 + rate) per step while the stage is above its share", minimum=0
        ),
        "lambda_fall": Option(10.0, "below its share: / (1 + lambda_fall x rate) per step (ours)", minimum=0),
        "regrow": Option(
            0.2, "share of earlier stages' pruned op units regrown per epoch", minimum=0, maximum=1
        ),
        "staged": Option(True, "search stage by stage (else the whole network from the start)"),
    }

    def __init__(self, space, seed: int, **config):
        super().__init__(space, seed, **config)
        from ..spaces.topology import TopologySpace

        if not isinstance(space.base, TopologySpace) or not space.choice_mask().all():
            raise NasbenchEvalError(f"MGAS searches the whole topology space (nats-tss), not {space.label}")
        targets = [k for k in ("target_params", "target_flops") if self.config[k] is not None]
        if len(targets) != 1:
            raise NasbenchEvalError("mgas needs one size target: --target-params M or --target-flops M")
        self.measure = "params" if targets[0] == "target_params" else "flops"
        self.target = float(self.config[targets[0]])
        self.stage, self.stage_steps = (0 if self.config["staged"] else STAGES - 1), 0
        self.stage_budget = math.inf  # steps per stage (epochs // 4 epochs), known at the first epoch
        self.lam = [float(self.config["lambda0"])] * 3  # one per NB201 stage
        self.model = None
        self.ran_stage = self.stage
        self.saved_bytes = None

    # -- building ----------------------------------------------------------------------------
    def build(self, dataset: str, device: str, oracle=None) -> None:
        import torch

        from ..datasets import get_dataset
        from ..nets.masked import ABLATIONS, MaskedNB201

        if oracle is not None:
            raise NasbenchEvalError("mgas trains its masked network on images: it has no table-oracle mode")
        d = get_dataset(dataset)
        self.dataset, self.device = dataset, torch.device(device)
        torch.manual_seed(self.seed)
        self.model = MaskedNB201(d.num_classes, d.resolution, ABLATIONS[self.config["levels"]]).to(
            self.device
        )
        with torch.no_grad():
            full = float(self.model.size(self.measure, dataset))
            self.stage_start = [float(self.model.stage_size(s, self.measure)) for s in range(3)]
        const = full - sum(self.stage_start)
        if not const < self.target < full:
            raise NasbenchEvalError(
                f"mgas: target {self.measure} {self.target:g} M must lie between the fixed part "
                f"({const:.4f} M) and the whole network ({full:.4f} M)"
            )
        self.full, self.const = full, const
        self.share = (self.target - const) / (full - const)  # of the searched cells' cost that remains
        c = self.config
        units = self.model.unit_parameters()
        self.w_opt = torch.optim.SGD(
            self.model.weight_parameters(), lr=c["lr"], momentum=c["momentum"], weight_decay=c["weight_decay"]
        )
        self.u_opt = torch.optim.SGD(
            [
                {"params": units["op"] + units["filter"] + units["weight"], "lr": c["score_lr"]},
                {
                    "params": [self.model.thresholds["op"], self.model.thresholds["filter"]],
                    "lr": c["threshold_lr"],
                },
                {"params": [self.model.thresholds["weight"]], "lr": c["weight_threshold_lr"]},
            ],
            momentum=c["momentum"],
        )

    # -- search ------------------------------------------------------------------------------
    def begin_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        self.stage_budget = max(1, epochs // STAGES) * steps
        self.ran_stage = self.stage  # the stage this epoch searches (on_epoch may move on)
        self.saved_bytes = None
        if self.device.type == "cuda":
            import torch

            torch.cuda.reset_peak_memory_stats(self.device)
        lr = 0.5 * self.config["lr"] * (1 + math.cos(math.pi * epoch / epochs))
        for g in self.w_opt.param_groups:
            g["lr"] = lr

    def searched_stages(self) -> range:
        """The NB201 stages (0-2) whose cells the current search stage prunes."""
        return range(3) if self.stage == STAGES - 1 else range(self.stage + 1)

    def relative_sizes(self, masks) -> dict:
        """Per searched NB201 stage: its cells' remaining cost over their starting cost
        (differentiable)."""
        return {
            s: self.model.stage_size(s, self.measure, masks) / self.stage_start[s]
            for s in self.searched_stages()
        }

    def weight_step(self, x, y) -> dict:
        import torch
        from torch import nn
        from torch.nn import functional as F

        from ..train.memory import SavedBytes

        measure = self.saved_bytes is None  # the epoch's first step measures its activation memory
        with SavedBytes() if measure else contextlib.nullcontext() as saved:
            masks = self.model.masks()
            logits = self.model(x, masks, stages=min(self.stage + 1, 3))
            ce = F.cross_entropy(logits, y)
            rel = self.relative_sizes(masks)
            size_term = sum(
                self.lam[s] * (r.float() + sum(torch.exp(-t[s]) for t in self.model.thresholds.values()))
                for s, r in rel.items()
            )
            loss = ce + size_term
        if measure:
            self.saved_bytes = saved.bytes
        self.w_opt.zero_grad(set_to_none=True)
        self.u_opt.zero_grad(set_to_none=True)
        loss.backward()
        if self.config["grad_clip"]:
            nn.utils.clip_grad_norm_(self.model.weight_parameters(), self.config["grad_clip"])
        self.w_opt.step()
        self.u_opt.step()
        with torch.no_grad():  # projected: a threshold stays where sigmoid(score) can still cross it
            for t in self.model.thresholds.values():
                t.clamp_(0.0, 0.99)
        # each stage's lambda follows its size every step: up while above the share, down faster below
        rate, fall = self.config["lambda_rate"], self.config["lambda_fall"]
        above = {s: float(r.detach()) > self.share for s, r in rel.items()}
        for s, up in above.items():
            self.lam[s] = self.lam[s] * (1 + rate) if up else self.lam[s] / (1 + fall * rate)
        for s, up in above.items():  # below its share a stage stops where it is (no momentum)
            if not up:
                self.brake(s)
        self.stage_steps += 1
        last = self.stage == STAGES - 1
        if not last and (not above[self.stage] or self.stage_steps >= self.stage_budget):
            self.next_stage()  # its share met, or its steps spent: the next stage starts now
        return {
            "train_loss": ce.detach(),
            "train_accuracy": (logits.argmax(1) == y).float().mean().detach() * 100,
        }

    def prune_for_good(self) -> None:
        """Op units whose mask is 0 now stay pruned (their scores no longer matter)."""
        import torch

        with torch.no_grad():
            for cell, m in zip(self.model.cells(), self.model.masks(), strict=True):
                cell.pruned_ops.copy_(torch.maximum(cell.pruned_ops, 1 - m["op"]))

    def next_stage(self) -> None:
        """End the current stage (its share met, or its epochs spent): prune, refill an
        overshoot, move on, regrow."""
        self.prune_for_good()
        self.refill(self.stage)
        self.stage, self.stage_steps = self.stage + 1, 0
        if self.stage < STAGES - 1:
            self.regrow_earlier()

    def on_epoch(self, epoch: int, epochs: int) -> None:
        self.prune_for_good()
        if self.stage == STAGES - 1:
            return
        if 0 < self.stage:
            self.regrow_earlier()

    def refill(self, stage: int) -> list[tuple[int, int, int]]:
        """Units whose scores sit together cross a rising threshold in the same step, so a stage
        can end far below its share. Restore its pruned op units, highest score first, each
        one only if the stage stays within its share (ours); returns them as (cell, edge, op)."""
        import torch

        if stage >= 3:
            return []
        limit = self.share * self.stage_start[stage]
        restored = []
        cells = self.model.cells()
        with torch.no_grad():
            size = float(self.model.stage_size(stage, self.measure, self.model.masks()))
            for i, e, o in self._pruned_by_score(self._stage_cells(stage)):
                if size >= limit:
                    break
                old = self._revive(i, e, o)
                cells[i].alpha[e, o] = max(old, float(cells[i].alpha[e, o]))  # never lowered
                grown = float(self.model.stage_size(stage, self.measure, self.model.masks()))
                if grown > limit:  # too large: pruned again
                    cells[i].pruned_ops[e, o], cells[i].alpha[e, o] = 1, old
                else:
                    size = grown
                    restored.append((i, e, o))
                    self._still(cells[i].alpha, (e, o))
            for t in self.model.thresholds.values():  # the stage's thresholds stop where they are
                self._still(t, stage)
        return restored

    def brake(self, stage: int) -> None:
        """Zero the momentum of an NB201 stage's unit scores and thresholds: a stage below its
        share stops pruning at once (momentum would carry it far below; ours)."""
        cells = self.model.cells()
        for i in self._stage_cells(stage):
            cell = cells[i]
            for p in (cell.alpha, *cell.filter_scores.values(), *cell.weight_scores.values()):
                self._still(p, slice(None))
        for t in self.model.thresholds.values():
            self._still(t, stage)

    def _still(self, param, index) -> None:
        """Zero the optimiser's momentum of one entry (a restored unit, a stage's threshold)."""
        buf = self.u_opt.state.get(param, {}).get("momentum_buffer")
        if buf is not None:
            buf[index] = 0

    def regrow_earlier(self) -> list[tuple[int, int, int]]:
        """Restore ``regrow`` x the pruned op units of the stages before the current one, those
        with the highest scores; returns them as (cell, edge, op)."""
        import torch

        from ..spaces.topology import TSS_CELLS_PER_STAGE

        pruned = self._pruned_by_score(range(self.stage * TSS_CELLS_PER_STAGE))
        chosen = pruned[: int(self.config["regrow"] * len(pruned))]
        with torch.no_grad():
            for i, e, o in chosen:
                self._revive(i, e, o)
        return chosen

    def _stage_cells(self, stage: int) -> range:
        """The indices of an NB201 stage's cells."""
        from ..spaces.topology import TSS_CELLS_PER_STAGE

        return range(stage * TSS_CELLS_PER_STAGE, (stage + 1) * TSS_CELLS_PER_STAGE)

    def _pruned_by_score(self, cell_indices) -> list[tuple[int, int, int]]:
        """The pruned op units (cell, edge, op; ``none`` is no unit) of these cells, highest
        score first (ties in cell, edge, op order)."""
        cells = self.model.cells()
        pruned = [
            (i, e, o + 1)
            for i in cell_indices
            for e, o in (cells[i].pruned_ops[:, 1:] > 0).nonzero().tolist()
        ]
        alpha = {i: cells[i].alpha.detach().cpu() for i in cell_indices}  # one host copy per cell
        scores = [float(alpha[i][e, o]) for i, e, o in pruned]
        return [pruned[j] for j in sorted(range(len(pruned)), key=lambda j: -scores[j])]

    def _revive(self, i: int, e: int, o: int) -> float:
        """Un-prune one op unit, its score set just above its stage's threshold (sigmoid =
        threshold + 0.05, within (0.05, 0.99)); returns the score it had."""
        from ..spaces.topology import TSS_CELLS_PER_STAGE

        cell = self.model.cells()[i]
        keep = min(max(float(self.model.thresholds["op"][i // TSS_CELLS_PER_STAGE]), 0.0) + 0.05, 0.99)
        old = float(cell.alpha[e, o])
        cell.pruned_ops[e, o] = 0
        cell.alpha[e, o] = float(np.log(keep / (1 - keep)))
        return old

    def derive(self, batches=None) -> tuple[int, ...]:
        import torch

        from ..nets.masked import project

        with torch.no_grad():
            gates = [
                torch.sigmoid(c.alpha) * m["op"]
                for c, m in zip(self.model.cells(), self.model.masks(), strict=True)
            ]
        return project(torch.stack(gates).cpu().numpy())

    def epoch_info(self) -> dict:
        import torch

        from ..nets.masked import mask_counts

        with torch.no_grad():
            masks = self.model.masks()
            sizes = {m: round(float(self.model.size(m, self.dataset, masks)), 6) for m in ("params", "flops")}
        peak = {}
        if self.device.type == "cuda":
            peak = {"cuda_peak_MiB": round(torch.cuda.max_memory_allocated(self.device) / 2**20, 1)}
        return {
            "stage": self.ran_stage + 1,  # at the epoch's start
            "stage_end": self.stage + 1,  # at its end (a stage that meets its share ends mid-epoch)
            "activation_MiB": round((self.saved_bytes or 0) / 2**20, 3),  # first step, batch_size images
            **peak,
            "lambda": [round(x, 6) for x in self.lam],
            "remaining": mask_counts(masks),
            "thresholds": {
                k: [round(float(x), 6) for x in v.detach()] for k, v in self.model.thresholds.items()
            },
            **{f"{m}_M": v for m, v in sizes.items()},
            "target": {self.measure: self.target},
        }

    def artifacts(self) -> dict:
        """What the runner writes beside the record: the mask file of the pruned network."""
        import torch

        with torch.no_grad():
            masks = self.model.masks()
            sizes = {m: float(self.model.size(m, self.dataset, masks)) for m in ("params", "flops")}
        meta = {
            "method": self.name,
            "dataset": self.dataset,
            "levels": self.config["levels"],
            "params_M": sizes["params"],
            "flops_M": sizes["flops"],
            "target": {self.measure: self.target},
            "cell": self.space.format(self.derive()),
        }
        return {"masks": self.model.to_arrays(meta)}

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        return {
            "model": self.model.state_dict(),
            "w_opt": self.w_opt.state_dict(),
            "u_opt": self.u_opt.state_dict(),
            "stage": self.stage,
            "stage_steps": self.stage_steps,
            "lambda": list(self.lam),
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.w_opt.load_state_dict(state["w_opt"])
        self.u_opt.load_state_dict(state["u_opt"])
        self.stage, self.stage_steps = int(state["stage"]), int(state["stage_steps"])
        self.lam = [float(x) for x in state["lambda"]]
