"""The NB201 network with MGAS's units at three granularities (Liu et al., 2023; the mapping
to the NB201 skeleton is ours): every candidate op on every edge of every cell (op level),
every output channel of every cell conv (filter level) and every cell conv weight (weight
level). A unit remains where ``sigmoid(score)`` exceeds its level's learnable threshold,
through a step function whose backward pass is MG_DARTS's surrogate gradient, so both the
scores and the thresholds learn. Each level has a threshold per NB201 stage (ours: a staged
search moves only the thresholds of the stages it searches). An edge's output is
``sum_op sigmoid(alpha) * mask * op(x)``.

The size of the remaining network is exact and differentiable: the stem, the reduction
blocks and the head are constant (the topology space's cost model), and each remaining conv
op adds its remaining weights (x the output's H x W for FLOPs; + 2 per remaining filter for
the BatchNorm of the trained network's params), the NATS-Bench count of the pruned network.
Stem, reduction blocks and head are not pruned.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from ..spaces.topology import EDGES, NUM_NODES, OPS, TSS_CELLS_PER_STAGE, TSS_CHANNELS, TopologySpace
from .config import SEARCH_BN
from .ops import BNConfig, Head, ResBlock, avg_pool, stem

LEVELS = ("op", "filter", "weight")
ABLATIONS = {"op": ("op",), "op+filter": ("op", "filter"), "all": LEVELS}
CONVS = {"nor_conv_1x1": 1, "nor_conv_3x3": 3}


class BinaryStep(torch.autograd.Function):
    """1 where x > 0; backward MG_DARTS's surrogate: 2 - 4|x| for |x| <= 0.4, 0.4 up to 1, 0 beyond."""

    @staticmethod
    def forward(ctx, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return (x > 0).to(x.dtype)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        a = x.abs()
        return grad * torch.where(
            a <= 0.4, 2 - 4 * a, torch.where(a <= 1, torch.full_like(a, 0.4), torch.zeros_like(a))
        )


def step(x: torch.Tensor) -> torch.Tensor:
    return BinaryStep.apply(x)


class MaskedCell(nn.Module):
    """A search cell: every op on every edge, conv ops with filter and weight scores."""

    def __init__(self, c: int, hw: int, bn: BNConfig):
        super().__init__()
        self.c, self.hw, self.discrete = c, hw, False
        self.alpha = nn.Parameter(1e-3 * torch.randn(len(EDGES), len(OPS)))
        self.convs = nn.ModuleDict()
        self.bns = nn.ModuleDict()
        self.filter_scores = nn.ParameterDict()
        self.weight_scores = nn.ParameterDict()
        for e in range(len(EDGES)):
            for op, k in CONVS.items():
                key = f"{e}-{op}"
                self.convs[key] = nn.Conv2d(c, c, k, 1, k // 2, bias=False)
                self.bns[key] = bn.make(c)
                self.filter_scores[key] = nn.Parameter(torch.full((c,), 2.0))
                self.weight_scores[key] = nn.Parameter(torch.full((c, c, k, k), 2.0))

    def masks(self, thresholds: dict, levels) -> dict:
        """Hard {level: tensor} masks of this cell (1 where kept), differentiable by surrogate."""
        out = {"op": torch.ones_like(self.alpha)}
        if "op" in levels:
            out["op"] = step(torch.sigmoid(self.alpha) - thresholds["op"]) * (1 - self.pruned_ops)
        for level, scores in (("filter", self.filter_scores), ("weight", self.weight_scores)):
            out[level] = {
                k: step(torch.sigmoid(s) - thresholds[level]) if level in levels else torch.ones_like(s)
                for k, s in scores.items()
            }
        return out

    def fixed_masks(self) -> dict:
        """A pruned network's masks (``MaskedNB201.from_arrays`` registers them as buffers)."""
        return {
            "op": self.fixed_op,
            "filter": {k: getattr(self, f"fixed_filter_{k}") for k in self.convs},
            "weight": {k: getattr(self, f"fixed_weight_{k}") for k in self.convs},
        }

    def forward(self, x: torch.Tensor, m: dict) -> torch.Tensor:
        # a pruned network (``from_arrays``) is discrete: each remaining op adds its output
        gate = m["op"] if self.discrete else torch.sigmoid(self.alpha) * m["op"]  # (edges, ops)
        alive = (m["op"] > 0).tolist()  # one host read per cell, not one per op
        nodes, relus = [x], {}
        for to in range(1, NUM_NODES):
            total = 0
            for e, (t, src) in enumerate(EDGES):
                if t != to:
                    continue
                h = nodes[src]
                for o, op in enumerate(OPS):
                    if op == "none" or not alive[e][o]:
                        continue  # a pruned op costs nothing
                    if op == "skip_connect":
                        y = h
                    elif op == "avg_pool_3x3":
                        y = avg_pool(h)
                    else:
                        if src not in relus:  # one ReLU per node for all its conv ops (less memory)
                            relus[src] = F.relu(h)
                        key = f"{e}-{op}"
                        f = m["filter"][key]
                        conv = self.convs[key]
                        weight = conv.weight * (m["weight"][key] * f.view(-1, 1, 1, 1))
                        y = self.bns[key](F.conv2d(relus[src], weight, None, 1, conv.padding))
                        if self.bns[key].affine:  # a removed filter's BN bias must not leak out
                            y = y * f.view(1, -1, 1, 1)
                    total = total + gate[e, o] * y
            nodes.append(total if torch.is_tensor(total) else torch.zeros_like(x))
        return nodes[-1]

    def size(self, m: dict, measure: str) -> torch.Tensor:
        """The exact cost of this cell's remaining conv ops (parameters or multiply-adds), in
        float64: counts of 0/1 masks, exact up to 2**53."""
        total = torch.zeros((), dtype=torch.float64, device=self.alpha.device)
        for key in self.convs:
            e, op = key.split("-", 1)
            keep = m["op"][int(e), OPS.index(op)].double()
            f = m["filter"][key].double()
            w = (m["weight"][key].double() * f.view(-1, 1, 1, 1)).sum()
            total = total + keep * (w * self.hw if measure == "flops" else w + 2 * f.sum())
        return total


class MaskedNB201(nn.Module):
    """The NB201 macro network (C=16, N=5) of masked search cells; ``levels``: the granularities
    searched (ablations: op, op+filter, all)."""

    def __init__(self, classes: int, resolution: int, levels=LEVELS, bn: BNConfig = SEARCH_BN):
        super().__init__()
        unknown = set(levels) - set(LEVELS)
        if unknown:
            raise ValueError(f"unknown MGAS levels {sorted(unknown)}; known: {', '.join(LEVELS)}")
        self.levels = tuple(levels)
        self.stem = stem(TSS_CHANNELS, BNConfig())
        self.stages = nn.ModuleList()
        self.reductions = nn.ModuleList()
        c, r = TSS_CHANNELS, resolution
        for s in range(3):
            if s:
                self.reductions.append(ResBlock(c, 2 * c, BNConfig()))
                c, r = 2 * c, r // 2
            self.stages.append(nn.ModuleList(MaskedCell(c, r * r, bn) for _ in range(TSS_CELLS_PER_STAGE)))
        self.head = Head(c, classes, BNConfig())
        # auxiliary heads: a staged search trains the sub-network up to stage 1 or 2 alone
        self.aux_heads = nn.ModuleList(Head(TSS_CHANNELS * 2**s, classes, BNConfig()) for s in range(2))
        # a threshold per level and NB201 stage (a staged search moves only its stage's):
        # a unit remains where sigmoid(score) > threshold
        self.thresholds = nn.ParameterDict({level: nn.Parameter(torch.zeros(3)) for level in LEVELS})
        for cell in self.cells():
            cell.register_buffer("pruned_ops", torch.zeros(len(EDGES), len(OPS)))

    def cells(self) -> list[MaskedCell]:
        return [cell for stage in self.stages for cell in stage]

    def masks(self) -> list[dict]:
        if self.cells()[0].discrete:  # a pruned network: its masks are buffers
            return [cell.fixed_masks() for cell in self.cells()]
        n = TSS_CELLS_PER_STAGE
        return [
            cell.masks({k: t[i // n] for k, t in self.thresholds.items()}, self.levels)
            for i, cell in enumerate(self.cells())
        ]

    def to_arrays(self, meta: dict) -> dict[str, np.ndarray]:
        """The current hard masks as the arrays of a mask file (bool; ``meta`` as JSON text),
        and each cell's op gates (sigmoid(alpha) x mask, what ``project`` reads)."""
        import json

        out = {"meta": np.array(json.dumps(meta))}
        with torch.no_grad():
            for i, (cell, m) in enumerate(zip(self.cells(), self.masks(), strict=True)):
                out[f"cell{i:02d}/op"] = m["op"].cpu().numpy() > 0
                out[f"cell{i:02d}/op_gate"] = (torch.sigmoid(cell.alpha) * m["op"]).cpu().numpy()
                for key in m["filter"]:
                    out[f"cell{i:02d}/{key}/filter"] = m["filter"][key].cpu().numpy() > 0
                    out[f"cell{i:02d}/{key}/weight"] = m["weight"][key].cpu().numpy() > 0
        return out

    @classmethod
    def from_arrays(cls, arrays, classes: int, resolution: int, bn: BNConfig | None = None) -> MaskedNB201:
        """The pruned network of a mask file, discrete (each remaining op adds its output), with
        the benchmark's BatchNorm (affine, running statistics): for training from scratch."""
        net = cls(classes, resolution, bn=bn or BNConfig())
        for i, cell in enumerate(net.cells()):
            cell.discrete = True

            def get(name, like, i=i):
                key = f"cell{i:02d}/{name}"
                if key not in arrays:
                    raise ValueError(f"the mask file has no {key}")
                a = np.asarray(arrays[key])
                if a.shape != tuple(like.shape):
                    raise ValueError(f"{key}: shape {a.shape}, the network needs {tuple(like.shape)}")
                return torch.as_tensor(a.astype(np.float32))

            cell.register_buffer("fixed_op", get("op", cell.alpha))
            for key in cell.convs:
                cell.register_buffer(f"fixed_filter_{key}", get(f"{key}/filter", cell.filter_scores[key]))
                cell.register_buffer(f"fixed_weight_{key}", get(f"{key}/weight", cell.weight_scores[key]))
        for p in (q for ps in net.unit_parameters().values() for q in ps):
            p.requires_grad_(False)
        return net

    def forward(self, x: torch.Tensor, masks: list[dict] | None = None, stages: int = 3) -> torch.Tensor:
        """Logits of the network up to ``stages`` (1-3; below 3 through that stage's auxiliary
        head: the later stages are not computed)."""
        masks = self.masks() if masks is None else masks
        h, i = self.stem(x), 0
        for s, stage in enumerate(self.stages[:stages]):
            if s:
                h = self.reductions[s - 1](h)
            for cell in stage:
                h = cell(h, masks[i])
                i += 1
        return self.head(h) if stages == 3 else self.aux_heads[stages - 1](h)

    def stage_size(self, stage: int, measure: str, masks: list[dict] | None = None) -> torch.Tensor:
        """Exact cost (millions) of the remaining conv ops of the cells of one stage (0-2)."""
        masks = self.masks() if masks is None else masks
        n = TSS_CELLS_PER_STAGE
        cells = self.cells()[stage * n : (stage + 1) * n]
        return (
            sum(c.size(m, measure) for c, m in zip(cells, masks[stage * n : (stage + 1) * n], strict=True))
            / 1e6
        )

    def size(self, measure: str, dataset: str, masks: list[dict] | None = None) -> torch.Tensor:
        """Exact FLOPs or params (millions) of the remaining network, differentiable."""
        masks = self.masks() if masks is None else masks
        const = TopologySpace().cost_model(dataset, measure).const
        return const + sum(cell.size(m, measure) for cell, m in zip(self.cells(), masks, strict=True)) / 1e6

    def unit_parameters(self) -> dict[str, list[nn.Parameter]]:
        """The scores of every level (their own optimiser settings) and the thresholds."""
        cells = self.cells()
        return {
            "op": [c.alpha for c in cells],
            "filter": [p for c in cells for p in c.filter_scores.values()],
            "weight": [p for c in cells for p in c.weight_scores.values()],
            "threshold": list(self.thresholds.values()),
        }

    def weight_parameters(self) -> list[nn.Parameter]:
        units = {id(p) for ps in self.unit_parameters().values() for p in ps}
        return [p for p in self.parameters() if id(p) not in units]


def mask_counts(masks: list[dict]) -> dict[str, int]:
    """Units remaining per level (conv units of removed ops count as removed)."""
    ops = sum(int(m["op"][:, 1:].sum()) for m in masks)  # 'none' is never a unit that computes
    filters = weights = 0
    for m in masks:
        for key, f in m["filter"].items():
            e, op = key.split("-", 1)
            if bool(m["op"][int(e), OPS.index(op)]):
                filters += int(f.sum())
                weights += int((m["weight"][key] * f.view(-1, 1, 1, 1)).sum())
    return {"op": ops, "filter": filters, "weight": weights}


def project(gates) -> tuple[int, ...]:
    """The op level projected to an NB201 cell: per edge, the op with the highest mean gate
    (sigmoid(alpha) x mask) over the cells; ``none`` only where every other op of the edge
    is pruned in every cell (its gate is never masked, so it would win wherever the size term
    has pruned the convs). ``gates``: (cells, 6, 5)."""
    g = np.asarray(gates, np.float64).mean(0)[:, 1:]
    return tuple(int(e.argmax()) + 1 if e.max() > 0 else 0 for e in g)
