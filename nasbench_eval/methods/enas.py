"""ENAS (Pham et al., ICML 2018) on the NB201 cell, as NB201 / NATS-Bench run it.

A controller (2-layer LSTM, hidden 32, op embeddings, logits / temperature 5 then
2.5 * tanh, uniform init in [-0.1, 0.1]) samples the 6 ops in sequence. Each weight step
trains the path the controller samples. After each epoch the controller trains on
validation batches: 50 updates of 20 samples, reward = accuracy + 1e-4 entropy, baseline
b = b0 - (1 - 0.99)(b0 - reward) where b0 is the previous epoch's mean baseline (in the first
epoch b = accuracy; quirks of the official code, kept), loss = -log p (reward - b) / 20,
gradient norm clipped at 5. The answer: the best of ``candidates`` (100) sampled archs,
each on its own validation batch.
NB201: 250 epochs, lr 0.05 to 0.0005 with a 10-epoch cosine period, wd 2.5e-4, batch 128,
controller Adam lr 1e-3, betas (0, 0.999), eps 1e-3; NATS: the common settings with the
controller's Adam at lr 1e-3, wd 0, eps 1e-3 (its run commands).
"""

from __future__ import annotations

from ._weight_sharing import NB201, WS_OPTIONS, WeightSharingMethod
from .base import Option, register

NATS_ENAS = {"arch_lr": 1e-3, "arch_weight_decay": 0.0, "arch_eps": 1e-3}


def make_controller(num_positions: int, num_choices: int, hidden: int, generator):
    import torch
    from torch import nn

    class Controller(nn.Module):
        """Samples an arch position by position; returns (sum log p, sum entropy, arch)."""

        def __init__(self):
            super().__init__()
            self.start = nn.Parameter(torch.empty(1, 1, hidden))
            self.lstm = nn.LSTM(hidden, hidden, num_layers=2)
            self.embed = nn.Embedding(num_choices, hidden)
            self.pred = nn.Linear(hidden, num_choices)
            with torch.no_grad():  # as the reference: only these are re-initialised
                for t in (
                    self.start,
                    self.lstm.weight_hh_l0,
                    self.lstm.weight_ih_l0,
                    self.embed.weight,
                    self.pred.weight,
                ):
                    t.uniform_(-0.1, 0.1, generator=generator)
            self.temperature, self.tanh_constant = 5.0, 2.5

        def step_logits(self, inputs, state):
            out, state = self.lstm(inputs, state)
            return self.tanh_constant * torch.tanh(self.pred(out) / self.temperature).view(-1), state

        def forward(self, mask, choices=None):
            """Sample (or, with ``choices``, score) one arch."""
            inputs, state = self.start, None
            log_p, entropy, arch = 0.0, 0.0, []
            for pos in range(num_positions):
                logits, state = self.step_logits(inputs, state)
                logits = logits.masked_fill(~mask[pos], float("-inf"))
                logp = torch.log_softmax(logits, -1)
                probs = logp.exp()
                if choices is None:
                    c = int(torch.multinomial(probs.detach().cpu(), 1, generator=generator))
                else:
                    c = int(choices[pos])
                arch.append(c)
                log_p = log_p + logp[c]
                entropy = entropy - (probs * logp.masked_fill(probs == 0, 0.0)).sum()
                inputs = self.embed(torch.tensor([c], device=logits.device)).view(1, 1, -1)
            return log_p, entropy, tuple(arch)

    return Controller()


@register
class ENAS(WeightSharingMethod):
    """ENAS (Pham et al., 2018): LSTM controller trained by REINFORCE on the shared weights."""

    name = "enas"
    title = "ENAS"
    has_alpha = False
    needs_expected = False
    options = {
        **WS_OPTIONS,
        **{k: Option(v, WS_OPTIONS[k].help, minimum=0) for k, v in NATS_ENAS.items()},
        "controller_hidden": Option(32, "LSTM hidden size", minimum=1),
        "controller_steps": Option(50, "controller updates per epoch", minimum=1),
        "controller_samples": Option(20, "samples averaged per controller update", minimum=1),
        "entropy_weight": Option(1e-4, "reward bonus per nat of entropy", minimum=0),
        "baseline_decay": Option(0.99, "reward baseline decay", minimum=0, maximum=1),
        "controller_clip": Option(5.0, "controller gradient-norm clip", minimum=0),
    }
    protocol_defaults = {
        "nb201": {
            **NB201,
            "epochs": 250,
            "lr": 0.05,
            "lr_min": 0.0005,
            "lr_period": 10,
            "weight_decay": 2.5e-4,
            "batch_size": 128,
            "arch_betas": [0.0, 0.999],
            "select_batch_size": 128,
        }
    }

    def init_arch(self) -> None:
        c = self.config
        self.controller = make_controller(
            self.space.num_positions, self.space.num_choices, c["controller_hidden"], self.gen
        ).to(self.device)
        self.baseline = None

    def arch_parameters(self) -> list:
        return list(self.controller.parameters())

    def sample(self):
        import torch

        with torch.no_grad():
            return self.controller(self.mask.to(self.device))[2]

    def weight_kwargs(self) -> dict:
        return {"arch": self.sample()}

    def arch_step(self, x, y) -> dict:
        return {}  # the controller trains after the epoch (end_epoch)

    def end_epoch(self, batches) -> dict:
        """Train the controller on validation batches (or, in oracle mode, table values)."""
        import torch

        c = self.config
        n, k = c["controller_steps"], c["controller_samples"]
        mask = self.mask.to(self.device)
        start = self.baseline
        self.controller.train()
        self.a_opt.zero_grad(set_to_none=True)
        rewards, baselines = [], []
        for i in range(n * k):
            log_p, entropy, arch = self.controller(mask)
            accuracy = float(self.score_candidates([arch], batches)[0]) / 100
            reward = accuracy + c["entropy_weight"] * entropy  # a tensor: the bonus has a gradient too
            baseline = accuracy if start is None else start - (1 - c["baseline_decay"]) * (start - reward)
            (-log_p * (reward - baseline) / k).backward()
            rewards.append(float(reward.detach()))
            baselines.append(float(baseline.detach() if hasattr(baseline, "detach") else baseline))
            if (i + 1) % k == 0:
                from ..train import distributed

                distributed.average_gradients(list(self.controller.parameters()))
                if c["controller_clip"]:
                    torch.nn.utils.clip_grad_norm_(self.controller.parameters(), c["controller_clip"])
                self.a_opt.step()
                self.a_opt.zero_grad(set_to_none=True)
        # the next epoch's b0 is this epoch's mean baseline, as the reference's meter average
        self.baseline = sum(baselines) / len(baselines)
        return {"controller_reward": sum(rewards) / len(rewards), "baseline": self.baseline}

    def candidates(self):
        return [self.sample() for _ in range(self.config["candidates"])]

    def epoch_info(self) -> dict:
        return {"baseline": None if self.baseline is None else round(float(self.baseline), 6)}

    def extra_state(self) -> dict:
        return {"controller": self.controller.state_dict(), "baseline": self.baseline}

    def load_extra_state(self, state: dict) -> None:
        self.controller.load_state_dict(state["controller"])
        self.baseline = None if state["baseline"] is None else float(state["baseline"])
