"""MGAS (Liu, Saxena, Cao, Zhao, Ruan, 2023): multi-granularity differentiable search with
learned remaining ratios, in stages. The official code (lxy12357/MG_DARTS) covers the DARTS
space; this mapping to the NB201 skeleton is ours (``nets/masked.py`` holds the units).

Single-level: one loss on training batches, ``CE + lambda * (size / size at the start +
sum over levels of exp(-threshold))``, trains the weights (SGD), the unit scores and the
thresholds (SGD at their own learning rates, as MG_DARTS; projected into [0, 0.99] so that a
unit's score can always cross its threshold again: MG_DARTS's surrogate is 0 beyond 1).
``lambda`` follows the size every step: x (1 + lambda_rate) while the searched part is
above its target size, / (1 + lambda_rate) below (ours; MG_DARTS adapts it every second
epoch from counts of pruned ops, too slowly for searches of a few epochs per stage).

Stages (ours, after MG_DARTS's memory-saving search): stage 1 trains the network up to the
first NB201 stage through an auxiliary head and prunes its cells, then stage 2 (cells of
stage 2, earlier cells re-pruned and regrown), stage 3, and a last stage over the whole
network. A stage ends when its cells reach the target share of their starting size, or when
its epochs (``epochs // 4``, the last stage the rest) run out. After every epoch the op units
whose mask is 0 are pruned for good (their scores no longer matter); in stages after the
first, ``regrow`` x the pruned op units of earlier stages, those with the highest score,
are restored with their score set just above the threshold.

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
        "lambda0": Option(1e-3, "initial weight of the size term", minimum=0),
        "lambda_rate": Option(
            0.01, "lambda's change per step (x (1 + rate) above the target, / (1 + rate) below)", minimum=0
        ),
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
            raise NasbenchEvalError(
                "mgas needs one size target: --set target_params=M or --set target_flops=M"
            )
        self.measure = "params" if targets[0] == "target_params" else "flops"
        self.target = float(self.config[targets[0]])
        self.stage, self.stage_epoch, self.lam = (
            (0 if self.config["staged"] else STAGES - 1),
            0,
            self.config["lambda0"],
        )
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

    def relative_size(self, masks):
        """The searched cells' remaining cost over their starting cost (differentiable)."""
        stages = self.searched_stages()
        size = sum(self.model.stage_size(s, self.measure, masks) for s in stages)
        return size / sum(self.stage_start[s] for s in stages)

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
            rel = self.relative_size(masks)
            stages = list(self.searched_stages())
            thresholds = sum(torch.exp(-t[stages]).sum() for t in self.model.thresholds.values())
            loss = ce + self.lam * (rel.float() + thresholds)
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
        # lambda follows the size every step: up while above the target share, down below
        rate = 1 + self.config["lambda_rate"]
        self.lam = self.lam * rate if float(rel.detach()) > self.share else self.lam / rate
        return {
            "train_loss": ce.detach(),
            "train_accuracy": (logits.argmax(1) == y).float().mean().detach() * 100,
        }

    def on_epoch(self, epoch: int, epochs: int) -> None:
        import torch

        with torch.no_grad():
            masks = self.model.masks()
            for cell, m in zip(self.model.cells(), masks, strict=True):
                cell.pruned_ops.copy_(torch.maximum(cell.pruned_ops, 1 - m["op"]))
            rel = float(self.relative_size(self.model.masks()))
        above = rel > self.share
        self.stage_epoch += 1
        last = self.stage == STAGES - 1
        budget = epochs - epoch if last else max(1, epochs // STAGES) - self.stage_epoch
        if not last and (not above or budget <= 0):
            self.stage, self.stage_epoch = self.stage + 1, 0
        if 0 < self.stage < STAGES - 1:
            self.regrow_earlier()

    def regrow_earlier(self) -> list[tuple[int, int, int]]:
        """Restore ``regrow`` x the pruned op units of the stages before the current one, those
        with the highest scores; returns them as (cell, edge, op)."""
        import torch

        from ..spaces.topology import TSS_CELLS_PER_STAGE

        cells = self.model.cells()[: self.stage * TSS_CELLS_PER_STAGE]
        pruned = [
            (i, e, o) for i, c in enumerate(cells) for e, o in (c.pruned_ops[:, 1:] > 0).nonzero().tolist()
        ]
        n = int(self.config["regrow"] * len(pruned))
        if not n:
            return []
        scores = torch.stack([cells[i].alpha[e, o + 1] for i, e, o in pruned])
        chosen = [pruned[j] for j in torch.argsort(scores, descending=True, stable=True)[:n].tolist()]
        # just above the threshold (sigmoid = threshold + 0.05, within (0.05, 0.99))
        with torch.no_grad():
            for i, e, o in chosen:
                t = float(self.model.thresholds["op"][i // TSS_CELLS_PER_STAGE])
                keep = min(max(t, 0.0) + 0.05, 0.99)
                cells[i].pruned_ops[e, o + 1] = 0
                cells[i].alpha[e, o + 1] = float(np.log(keep / (1 - keep)))
        return [(i, e, o + 1) for i, e, o in chosen]

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
            "stage": self.ran_stage + 1,
            "activation_MiB": round((self.saved_bytes or 0) / 2**20, 3),  # first step, batch_size images
            **peak,
            "lambda": self.lam,
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
            "stage_epoch": self.stage_epoch,
            "lambda": self.lam,
        }

    def load_state_dict(self, state: dict) -> None:
        self.model.load_state_dict(state["model"])
        self.w_opt.load_state_dict(state["w_opt"])
        self.u_opt.load_state_dict(state["u_opt"])
        self.stage, self.stage_epoch, self.lam = (
            int(state["stage"]),
            int(state["stage_epoch"]),
            float(state["lambda"]),
        )
