"""What the six NB201 / NATS-Bench weight-sharing baselines share (RSPS, DARTS-V1, DARTS-V2,
GDAS, SETN, ENAS), read from xautodl's ``exps/NATS-algos/search-cell.py`` and
``exps/NAS-Bench-201-algos/*.py`` and written anew.

* The supernet: C=16, N=5; BatchNorm in the cells and the head without affine parameters,
  with running statistics under ``nb201`` and batch statistics everywhere under ``nats``;
  the stem and the two reduction blocks keep PyTorch's default BatchNorm, as the official
  search model (whose cell convs also carry a bias, cancelled by the BatchNorm after them;
  ours have none).
* One set of arch parameters shared by all 15 cells, ``1e-3 * randn(6, 5)``; the answer's
  argmax includes ``none``.
* Weights: SGD, nesterov momentum 0.9, lr 0.025 cosine per iteration to 0.001, wd 5e-4,
  batch 64 (nb201 also clips the gradient norm at 5). Arch: Adam lr 3e-4, betas (0.5,
  0.999), wd 1e-3.
* Candidate selection (RSPS, SETN, ENAS): each candidate is scored on its own validation
  batch (512 images, eval mode) and the best wins, as ``get_best_arch``.
* Oracle mode (ours): with a table estimator instead of a supernet the arch step ascends
  the exact expected 12-epoch validation accuracy under the arch distribution, and
  candidates are scored by the table; no images, seconds on a CPU. It separates "the
  optimiser fails" from "the supernet misleads".

Every random draw (paths, Gumbel noise, candidates, controller samples) comes from one
seeded ``torch.Generator`` whose state is checkpointed. torch is imported lazily so that
listing methods stays fast.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from ..errors import NasbenchEvalError
from .base import OneShotMethod, Option

WS_OPTIONS = {
    **OneShotMethod.options,
    "lr": Option(0.025, "weight SGD learning rate (cosine per iteration)", minimum=0),
    "lr_min": Option(0.001, "learning rate at the end of the cosine", minimum=0),
    "lr_period": Option(0, "cosine period in epochs (0: the search's epochs)", minimum=0),
    "momentum": Option(0.9, "weight SGD nesterov momentum", minimum=0, maximum=1),
    "weight_decay": Option(5e-4, "weight SGD weight decay", minimum=0),
    "grad_clip": Option(0.0, "clip the weight gradient norm (0: off)", minimum=0),
    "bn_running_stats": Option(False, "cell BatchNorm keeps running statistics (else batch statistics)"),
    "arch_lr": Option(3e-4, "arch Adam learning rate", minimum=0),
    "arch_betas": Option([0.5, 0.999], "arch Adam betas"),
    "arch_weight_decay": Option(1e-3, "arch Adam weight decay", minimum=0),
    "arch_eps": Option(1e-8, "arch Adam epsilon", minimum=0),
    "candidates": Option(100, "candidate archs scored on validation batches (RSPS, SETN, ENAS)", minimum=1),
    "select_batch_size": Option(512, "images per candidate-scoring batch", minimum=1),
    "accumulate": Option(
        1, "cut each batch into this many parts and sum their gradients (same result, less memory)", minimum=1
    ),
    "oracle_steps": Option(
        0, "oracle mode: arch steps per epoch (0: as many as the real search's batches)", minimum=0
    ),
}
#: what the NB201 v1.0 scripts change for every method
NB201 = {"grad_clip": 5.0, "bn_running_stats": True}


class WeightSharingMethod(OneShotMethod):
    """Supernet, optimisers, schedule, selection and state of the weight-sharing baselines."""

    options = WS_OPTIONS
    protocol_defaults: ClassVar[dict[str, dict]] = {"nb201": NB201}
    #: learns one (6 x 5) set of arch parameters shared by all cells
    has_alpha: ClassVar[bool] = True
    #: oracle mode needs the estimator's exact expectation (the arch step is a gradient)
    needs_expected: ClassVar[bool] = True

    def __init__(self, space, seed: int, **config):
        super().__init__(space, seed, **config)
        from ..spaces.topology import TopologySpace

        if not isinstance(space.base, TopologySpace):
            raise NasbenchEvalError(f"{self.title} searches the topology space (nats-tss), not {space.label}")
        if not getattr(space, "is_product", True):
            raise NasbenchEvalError(
                f"{self.title} needs a per-position sub-space (KEY=CHOICES), not an arch list"
            )
        self.model = self.oracle = None
        self.epoch, self.step, self.steps = 0, 0, 1

    # -- building ----------------------------------------------------------------------------
    def build(self, dataset: str, device: str, oracle=None) -> None:
        import torch

        from ..nets import build_supernet
        from ..nets.config import BNConfig

        self.device = torch.device(device)
        self.gen = torch.Generator().manual_seed(self.seed)
        self.mask = torch.as_tensor(self.space.choice_mask())
        self.full_space = bool(self.mask.all())
        shape = (self.space.num_positions, self.space.num_choices)
        self.alpha = (1e-3 * torch.randn(shape, generator=self.gen)).to(self.device).requires_grad_(True)
        self.oracle = oracle
        if oracle is None:
            cell_bn = BNConfig(affine=False, track_running_stats=self.config["bn_running_stats"])
            # channels-last: these small convolutions run about twice as fast on CPU (oneDNN) and GPU
            self.model = build_supernet(self.space, dataset, cell_bn, outer_bn=BNConfig()).to(
                self.device, memory_format=torch.channels_last
            )
            from ..train import distributed

            distributed.broadcast_state(self.model)  # under torchrun: every rank starts from rank 0's
            self.weights = list(self.model.parameters())
            c = self.config
            self.w_opt = torch.optim.SGD(
                self.weights,
                lr=c["lr"],
                momentum=c["momentum"],
                weight_decay=c["weight_decay"],
                nesterov=True,
            )
        self.init_arch()
        self.a_opt = self.arch_optimizer(self.arch_parameters())

    def init_arch(self) -> None:
        """Build what the arch step learns besides alpha (ENAS: its controller)."""

    def arch_parameters(self) -> list:
        return [self.alpha]

    def arch_optimizer(self, params):
        import torch

        c = self.config
        return torch.optim.Adam(
            params,
            lr=c["arch_lr"],
            betas=tuple(c["arch_betas"]),
            weight_decay=c["arch_weight_decay"],
            eps=c["arch_eps"],
        )

    # -- schedule ----------------------------------------------------------------------------
    def begin_epoch(self, epoch: int, epochs: int, steps: int) -> None:
        self.epoch, self.step, self.steps = epoch, 0, max(steps, 1)

    def lr(self) -> float:
        """xautodl's cosine: per iteration, period ``lr_period`` (ENAS nb201: 10 of 250 epochs)."""
        c = self.config
        t = self.epoch + self.step / self.steps
        if t >= c["epochs"]:
            return c["lr_min"]
        period = c["lr_period"] or c["epochs"]
        return c["lr_min"] + (c["lr"] - c["lr_min"]) * (1 + math.cos(math.pi * t / period)) / 2

    # -- arch distribution -------------------------------------------------------------------
    def logits(self):
        """Arch parameters with the choices a sub-space excludes at -inf."""
        if self.full_space:
            return self.alpha
        return self.alpha.masked_fill(~self.mask.to(self.alpha.device), float("-inf"))

    def probs(self):
        import torch

        return torch.softmax(self.logits(), dim=-1)

    def uniform_arch(self) -> tuple[int, ...]:
        """One choice per position, uniform over the (sub-)space's choices."""
        import torch

        return tuple(torch.multinomial(self.mask.float(), 1, generator=self.gen).squeeze(1).tolist())

    # -- steps -------------------------------------------------------------------------------
    def weight_kwargs(self) -> dict:
        """How the supernet runs for one weight step (each method's sampling), drawn once per
        step: ``{"arch": ...}``, ``{"cell_archs": ...}`` or ``{"weights": ...}``."""
        raise NotImplementedError

    def arch_weights(self):
        """Per-edge op weights of the arch step (soft: DARTS, SETN; Gumbel: GDAS)."""
        return self.probs()

    def arch_kwargs(self) -> dict:
        return {"weights": self.arch_weights()}

    def parts(self, x, y) -> list:
        """(images, labels, loss weight) of this process's share of a global batch: its rank's
        shard cut into ``accumulate`` parts. The weights make the summed gradient (and, under
        torchrun, its average over ranks) the mean over the global batch."""
        import torch

        from ..train import distributed

        k = self.config["accumulate"]
        if len(y) < k * distributed.world():
            raise NasbenchEvalError(f"a batch of {len(y)} cannot be cut into {k} parts per process")
        x, y, share = distributed.shard(x.contiguous(memory_format=torch.channels_last), y)
        n = len(y)
        return [(a, b, share * len(b) / n) for a, b in zip(x.tensor_split(k), y.tensor_split(k), strict=True)]

    def weight_step(self, x, y) -> dict:
        import torch
        from torch.nn import functional as F

        from ..train import distributed

        if self.model is None:  # oracle mode: no weights
            self.step += 1
            return {}
        for group in self.w_opt.param_groups:
            group["lr"] = self.lr()
        self.model.train()
        kwargs = self.weight_kwargs()
        self.w_opt.zero_grad(set_to_none=True)
        loss_sum = correct = seen = 0
        for xp, yp, weight in self.parts(x, y):
            logits = self.model(xp, **kwargs)
            loss = F.cross_entropy(logits, yp)
            (loss * weight).backward()
            loss_sum = loss_sum + loss.detach() * len(yp)
            correct = correct + (logits.argmax(1) == yp).sum()
            seen += len(yp)
        distributed.average_gradients(self.weights)
        if self.config["grad_clip"]:
            torch.nn.utils.clip_grad_norm_(self.weights, self.config["grad_clip"])
        self.w_opt.step()
        self.step += 1
        return {"train_loss": loss_sum / seen, "train_accuracy": correct.float() * 100 / seen}

    def arch_step(self, x, y) -> dict:
        import torch
        from torch.nn import functional as F

        from ..train import distributed

        params = self.arch_parameters()
        if self.oracle is not None:  # ascend the exact expected table value
            loss = -self.oracle.expected(self.arch_weights()).float() / 100
            grads = torch.autograd.grad(loss, params)
        else:
            self.model.train()
            kwargs = self.arch_kwargs()
            parts = self.parts(x, y)
            grads, loss, seen = None, 0, 0
            for i, (xp, yp, weight) in enumerate(parts):
                part_loss = F.cross_entropy(self.model(xp, **kwargs), yp)
                # only the arch gradient is formed; the mixture weights' graph serves every part
                g = torch.autograd.grad(part_loss * weight, params, retain_graph=i < len(parts) - 1)
                grads = g if grads is None else [a + b for a, b in zip(grads, g, strict=True)]
                loss, seen = loss + part_loss.detach() * len(yp), seen + len(yp)
            loss = loss / seen
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        distributed.average_gradients(params)
        self.a_opt.step()
        return {"arch_loss": loss.detach()}

    # -- the answer --------------------------------------------------------------------------
    def argmax_arch(self) -> tuple[int, ...]:
        return tuple(int(i) for i in self.logits().argmax(-1).tolist())

    def candidates(self) -> list[tuple[int, ...]]:
        """Archs scored to pick the answer (RSPS, SETN, ENAS)."""
        return [self.argmax_arch()]

    def derive(self, batches=None) -> tuple[int, ...]:
        archs = self.candidates()
        if len(archs) == 1:
            return archs[0]
        return archs[int(np.argmax(self.score_candidates(archs, batches)))]

    def score_candidates(self, archs, batches) -> np.ndarray:
        """Accuracy of each arch on its own validation batch (eval mode), or its table value."""
        import torch

        from ..train import distributed

        if self.oracle is not None:
            return np.asarray(self.oracle.score_many(np.asarray(archs)), dtype=float)
        if batches is None:
            raise NasbenchEvalError(f"{self.title} scores candidates on validation batches; none given")
        self.model.eval()
        out = []
        with torch.no_grad():
            for arch in archs:
                x, y = next(batches)
                counts = torch.zeros(2, device=y.device)
                for xp, yp, _ in self.parts(x, y):
                    counts[0] += (self.model(xp, arch=arch).argmax(1) == yp).sum()
                    counts[1] += len(yp)
                counts = distributed.all_sum(counts)
                out.append(counts[0] / counts[1])
        return torch.stack(out).cpu().double().numpy() * 100

    def epoch_info(self) -> dict:
        """What the per-epoch record holds besides the derived arch (e.g. op probabilities)."""
        if not self.has_alpha:
            return {}
        from ..spaces.topology import OPS

        p = self.probs().detach().cpu()
        return {
            "probs": [[round(float(v), 5) for v in row] for row in p],
            "skip_connect_weight": round(float(p[:, OPS.index("skip_connect")].mean()), 5),
        }

    # -- state -------------------------------------------------------------------------------
    def state_dict(self) -> dict:
        state = {
            "alpha": self.alpha.detach().cpu().clone(),
            "a_opt": self.a_opt.state_dict(),
            "gen": self.gen.get_state(),
            **self.extra_state(),
        }
        if self.model is not None:
            state["model"] = self.model.state_dict()
            state["w_opt"] = self.w_opt.state_dict()
        return state

    def load_state_dict(self, state: dict) -> None:
        import torch

        with torch.no_grad():
            self.alpha.copy_(state["alpha"].to(self.alpha.device))
        self.a_opt.load_state_dict(state["a_opt"])
        self.gen.set_state(state["gen"])
        if self.model is not None:
            self.model.load_state_dict(state["model"])
            self.w_opt.load_state_dict(state["w_opt"])
        self.load_extra_state(state)

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass
