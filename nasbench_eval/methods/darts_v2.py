"""DARTS-V2 (Liu, Simonyan & Yang, ICLR 2019): the unrolled second-order arch gradient.

As DARTS-V1, but alpha's gradient is taken at the weights after one virtual SGD step,
w' = w - lr (momentum * buffer + grad L_train(w) + wd w), and corrected by the Hessian-vector
product of the training loss, estimated by central finite differences at w +- r v with
r = 0.01 / ||v|| (v = grad_w' L_val(w', alpha)), as ``backward_step_unrolled``. In oracle
mode there are no weights and the step equals DARTS-V1's. Under torchrun each rank forms
the hypergradient of its shard and the ranks average it (not the global batch's exactly).
"""

from __future__ import annotations

from ..errors import NasbenchEvalError
from ._weight_sharing import NB201
from .base import register
from .darts_v1 import DartsV1


def unrolled_alpha_grad(model, alpha_weights, alpha, w_opt, base, arch, r: float = 1e-2):
    """d L_val(w'(alpha), alpha) / d alpha with the finite-difference Hessian-vector product.

    ``alpha_weights()`` maps alpha to the mixture weights; ``base``/``arch`` are (x, y)."""
    import torch
    from torch.func import functional_call
    from torch.nn import functional as F

    names, params = zip(*model.named_parameters(), strict=True)
    group = w_opt.param_groups[0]
    lr, wd, mom = group["lr"], group["weight_decay"], group["momentum"]
    loss = F.cross_entropy(model(base[0], weights=alpha_weights().detach()), base[1])
    grads = torch.autograd.grad(loss, params)
    with torch.no_grad():
        virtual = []
        for p, g in zip(params, grads, strict=True):
            buf = w_opt.state.get(p, {}).get("momentum_buffer")
            step = g + wd * p + (mom * buf if buf is not None else 0)
            virtual.append((p - lr * step).detach().requires_grad_(True))
    buffers = {k: b.clone() for k, b in model.named_buffers()}  # the virtual model's own statistics
    logits = functional_call(
        model,
        ({**dict(zip(names, virtual, strict=True)), **buffers},),
        (arch[0],),
        {"weights": alpha_weights()},
    )
    val_loss = F.cross_entropy(logits, arch[1])
    *v, d_alpha = torch.autograd.grad(val_loss, [*virtual, alpha])
    eps = r / torch.cat([t.reshape(-1) for t in v]).norm()

    def train_grad(sign: float):
        with torch.no_grad():
            for p, t in zip(params, v, strict=True):
                p.add_(t, alpha=sign * eps)
        out = F.cross_entropy(model(base[0], weights=alpha_weights()), base[1])
        return torch.autograd.grad(out, alpha)[0]

    g_plus = train_grad(1.0)
    g_minus = train_grad(-2.0)
    with torch.no_grad():
        for p, t in zip(params, v, strict=True):
            p.add_(t, alpha=eps)
    hessian_v = (g_plus - g_minus) / (2 * eps)
    return d_alpha - lr * hessian_v, val_loss


@register
class DartsV2(DartsV1):
    """DARTS-V2 (Liu et al., 2019): unrolled second-order arch gradient (finite differences)."""

    name = "darts-v2"
    title = "DARTS-V2"
    protocol_defaults = {"nb201": {**NB201, "epochs": 50}}

    def __init__(self, space, seed: int, **config):
        super().__init__(space, seed, **config)
        if self.config["accumulate"] != 1:
            raise NasbenchEvalError("darts-v2's unrolled step needs whole batches: accumulate must be 1")

    def weight_step(self, x, y) -> dict:
        self._base = self.parts(x, y)[0][:2] if self.model is not None else None  # one part: whole
        return super().weight_step(x, y)

    def arch_step(self, x, y) -> dict:
        if self.oracle is not None:
            return super().arch_step(x, y)
        from ..train import distributed

        self.model.train()
        grad, loss = unrolled_alpha_grad(
            self.model, self.probs, self.alpha, self.w_opt, self._base, self.parts(x, y)[0][:2]
        )
        self.alpha.grad = grad
        distributed.average_gradients([self.alpha])
        self.a_opt.step()
        return {"arch_loss": loss.detach()}
