"""What a zero-cost proxy is, and the shared work that lets many proxies score one arch at once.

A proxy (``Proxy``) names the *signals* it needs from a freshly initialised network and
turns them into one number. ``Probe`` computes those signals for one arch, sharing
everything it can between the proxies asked for together: one seeded network (the same
initial weights for every proxy, as the reference harness copies one net per measure),
one forward pass per batch size, one backward pass of the cross-entropy for every
gradient signal, the input Jacobian and the Hessian-gradient product from the same graph.

Signals (``Probe.signals(batch_size, needs)``):

* ``weight_grads``: [(W, dL/dW)] of every Conv2d / Linear weight (None: the weight does not
  reach the output, e.g. an edge into a dead node), L = mean cross-entropy of the batch.
* ``fisher``: per layer, sum_k 0.5 mean_n (sum_spatial a_nk g_nk)^2 x fan_in(k), with a the
  layer's output and g = dL/da (the reference broadcasts each channel value to the
  channel's weights before summing, hence the fan-in factor).
* ``hessian_grads``: [(W, H g)] with g = dL/dW held constant (GraSP).
* ``input_jacobian``: d(sum of logits)/dx per image, (B, C*H*W).
* ``relu_kernel``: K = sum over ReLU inputs of c c^T + (1-c)(1-c)^T, c = 1[input > 0] (NASWOT).

Networks run in train mode (BatchNorm uses batch statistics) and skip edges whose result
cannot reach the cell output: their weights get no gradient either way, and NASWOT's own
code counts only ReLUs visited by the backward pass, i.e. the live ones.
"""

from __future__ import annotations

import contextlib
import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    import torch

SIGNALS = ("weight_grads", "fisher", "hessian_grads", "input_jacobian", "relu_kernel")


@dataclass(frozen=True)
class ProxyOption:
    default: float | int
    help: str
    minimum: float = 0


class Proxy(ABC):
    """One zero-cost proxy: ``score(probe, options)`` -> float (higher should mean better)."""

    name: ClassVar[str]
    #: what the score is and where the definition comes from (shown in records and reports)
    source: ClassVar[str]
    #: signals of the shared pass it reads (empty: it runs its own computation)
    needs: ClassVar[tuple[str, ...]] = ()
    #: whether it reads real training images (synflow and zen do not)
    uses_images: ClassVar[bool] = True
    #: whether it needs torch (flops / params do not)
    uses_network: ClassVar[bool] = True
    options: ClassVar[dict[str, ProxyOption]] = {}

    def batch_size(self, options: dict) -> int:
        return int(options.get("batch_size", 1))

    @abstractmethod
    def score(self, probe: Probe, options: dict) -> float:
        """The proxy's value for the probe's arch."""


def arch_seed(seed: int, code: int, salt: str = "") -> int:
    """A per-arch seed: initial weights depend on (seed, arch) only, so scoring an arch
    alone or in any batch of archs gives the same value."""
    digest = hashlib.sha256(f"zc:{salt}:{seed}:{code}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


@contextlib.contextmanager
def full_precision():
    """No TF32 while scoring: PyTorch lets cuDNN convolutions use TF32 by default on recent
    GPUs, and gradient proxies computed that way disagreed with float32/float64 CPU values on
    most archs of our H200 run (reports/zerocost/README.md)."""
    import torch

    saved = (torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32)
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def layers_with_weights(net) -> list:
    """Conv2d and Linear modules in module order: what the reference proxies sum over."""
    from torch import nn

    return [m for m in net.modules() if isinstance(m, nn.Conv2d | nn.Linear)]


class Probe:
    """One arch, one seeded network and the data: computes and memoises signals."""

    def __init__(self, space, arch, dataset: str, *, seed: int, code: int, images=None, device="cpu"):
        self.space, self.arch, self.dataset = space, arch, dataset
        self.seed, self.code, self.device = seed, code, device
        self.images = images  # (x, y) pool of augmented training images, or None
        self._net = None
        self._signals: dict[tuple[int, str], object] = {}
        self._pending: dict[int, set[str]] = {}  # signals asked for ahead, by batch size

    # -- the network -------------------------------------------------------------------
    def build(self, *, bn=None):
        """A fresh network of the arch with PyTorch's default initialisation, seeded by
        (seed, arch): the same initial weights on every call and every device."""
        import torch

        from ..nets import build_network
        from ..nets.discrete import BENCHMARK_BN

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(arch_seed(self.seed, self.code))
            net = build_network(self.space, self.arch, self.dataset, bn or BENCHMARK_BN)
        return net.to(self.device).train()

    @property
    def net(self):
        """The network the shared signals use (channels-last: faster convolutions)."""
        import torch

        if self._net is None:
            self._net = self.build().to(memory_format=torch.channels_last)
        return self._net

    def batch(self, size: int) -> tuple[torch.Tensor, torch.Tensor]:
        if self.images is None:
            raise RuntimeError("this proxy needs images; the estimator loads them")
        import torch

        x, y = self.images
        if size > len(y):
            raise ValueError(f"batch_size {size} exceeds the {len(y)} images drawn")
        x = x[:size].contiguous(memory_format=torch.channels_last) if x.dim() == 4 else x[:size]
        return x, y[:size]

    # -- shared signals ----------------------------------------------------------------
    def signals(self, batch_size: int, needs: tuple[str, ...]) -> dict:
        missing = [s for s in needs if (batch_size, s) not in self._signals]
        if missing:
            self._compute(batch_size, set(missing))
        return {s: self._signals[(batch_size, s)] for s in needs}

    def request(self, batch_size: int, needs) -> None:
        """Ask for signals ahead of time, so one pass computes all of them."""
        self._pending.setdefault(batch_size, set()).update(needs)

    def _compute(self, batch_size: int, wanted: set[str]) -> None:
        import torch
        from torch.nn import functional as F

        wanted = wanted | self._pending.pop(batch_size, set())
        wanted -= {s for (b, s) in self._signals if b == batch_size}
        net = self.net
        x, y = self.batch(batch_size)
        layers = layers_with_weights(net)
        weights = [m.weight for m in layers]
        handles, state = [], {"fisher_on": True}
        if "relu_kernel" in wanted:
            kernel = torch.zeros(batch_size, batch_size, dtype=torch.float64, device=x.device)

            recent: list = []  # (input, its kernel term): the edges out of one node share it

            def count(module, inputs, output):
                inp = inputs[0]
                for seen, k in recent:
                    if seen is inp:
                        kernel.add_(k)
                        return
                c = inp.detach().flatten(1).gt(0).float()
                s = c.sum(1, keepdim=True)
                # c c^T + (1-c)(1-c)^T = 2 c c^T - s_i - s_j + D, one matmul per ReLU input
                k = (2 * (c @ c.T) - s - s.T + c.shape[1]).double()
                kernel.add_(k)
                recent.append((inp, k))
                del recent[:-4]  # a cell's nodes; holding them keeps identities unambiguous

            for m in net.modules():
                if isinstance(m, torch.nn.ReLU):
                    handles.append(m.register_forward_hook(count))
        if "fisher" in wanted:
            fisher = [torch.zeros((), dtype=torch.float64, device=x.device) for _ in layers]

            def watch(i, fan):
                def on_output(module, inputs, out):
                    act = out.detach()

                    def on_grad(g):
                        if state["fisher_on"]:
                            g = g.detach()
                            g_nk = (act * g).sum(tuple(range(2, act.dim()))) if act.dim() > 2 else act * g
                            fisher[i].add_((0.5 * g_nk.pow(2).mean(0)).sum().double() * fan)

                    if out.requires_grad:
                        out.register_hook(on_grad)

                return on_output

            for i, m in enumerate(layers):
                handles.append(m.register_forward_hook(watch(i, m.weight[0].numel())))
        grads_needed = bool(wanted & {"weight_grads", "fisher", "hessian_grads", "input_jacobian"})
        try:
            if not grads_needed:
                with torch.inference_mode():
                    net(x)
            else:
                jac = "input_jacobian" in wanted
                x = x.detach().clone().requires_grad_(jac)
                out = net(x)
                if wanted & {"weight_grads", "fisher", "hessian_grads"}:
                    loss = F.cross_entropy(out, y)
                    hess = "hessian_grads" in wanted
                    grads = torch.autograd.grad(
                        loss, weights, create_graph=hess, retain_graph=jac or hess, allow_unused=True
                    )
                    state["fisher_on"] = False
                    plain = [None if g is None else g.detach() for g in grads]
                    self._signals[(batch_size, "weight_grads")] = list(zip(weights, plain, strict=True))
                    if hess:
                        z = sum((g0 * g).sum() for g0, g in zip(plain, grads, strict=True) if g is not None)
                        hg = torch.autograd.grad(z, weights, retain_graph=jac, allow_unused=True)
                        self._signals[(batch_size, "hessian_grads")] = list(zip(weights, hg, strict=True))
                if jac:
                    (gx,) = torch.autograd.grad(out.sum(), x, allow_unused=True)
                    gx = torch.zeros_like(x) if gx is None else gx  # the output ignores the input
                    self._signals[(batch_size, "input_jacobian")] = gx.detach().flatten(1)
        finally:
            for h in handles:
                h.remove()
        if "relu_kernel" in wanted:
            self._signals[(batch_size, "relu_kernel")] = kernel
        if "fisher" in wanted:
            self._signals[(batch_size, "fisher")] = fisher


def weight_sum(pairs, term) -> float:
    """sum over layers of ``term(W, G)`` (a tensor summed to a scalar); G None adds 0."""
    total = None
    for w, g in pairs:
        if g is not None:
            value = term(w.detach(), g.detach()).double().sum()
            total = value if total is None else total + value
    return 0.0 if total is None else float(total)  # one device sync per arch


def finite(value: float) -> float:
    value = float(value)
    return value if np.isfinite(value) else float("nan")
