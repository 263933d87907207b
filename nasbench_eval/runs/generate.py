"""SGNAS runs: train the generator for one seed, generate one arch per target, evaluate.

Estimators (the quality term of the generator's loss):
* ``table`` (a nasbench-eval variant, not in the paper): minus the exact expected value of a
  benchmark metric (default: the 12-epoch validation accuracy of the search dataset) under
  the generator's distribution, so the generator learns against the benchmark itself;
* ``supernet`` (the paper's): cross-entropy of a frozen single-path supernet (a ``supernet
  train`` job) on held-out batches, under straight-through Gumbel samples of the arch;
* ``auto``: ``supernet`` when a supernet job is given and exists, else ``table``; the
  choice and the reason are printed and recorded.

A checkpoint after every generator epoch (``seed-NNNN.ckpt.pt`` beside the record) lets a
killed run resume; the record itself is written atomically at the end.
"""

from __future__ import annotations

import json
import math
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
from scipy import stats

from ..bench import open_benchmark
from ..errors import MetricKeyError, NasbenchEvalError
from ..methods.sgnas import DEFAULTS, Generator, PriorPool, generate, train_generator
from ..spaces.costs import cost_model, expected_table_value
from .protocols import get_protocol
from .record import provenance, record_path, write_record

MEET_TOLERANCE = 0.05  # a target is met within 5%


@dataclass(frozen=True)
class SGNASSpec:
    space: str = "nats-tss"
    dataset: str = "cifar10"
    constraint: str = "flops"
    targets: str | None = None  # "lo:hi:step"; None = 19 values over the 5-95% cost range
    estimator: str = "auto"
    metric: str | None = None  # table estimator's metric; None = 12-epoch validation accuracy
    supernet: str | None = None  # a 'supernet train' job directory
    data_root: str | None = None
    splits_dir: str | None = None
    device: str = "cpu"
    config: dict = field(default_factory=dict)
    home: str | None = None
    verify: bool = True  # raw-file size/md5 checks for the supernet estimator's images


class CostSpace:
    """The constraint over the whole space: per-code costs, range, expected value."""

    def __init__(self, bench, dataset: str, constraint: str):
        space = bench.space
        ds = dataset
        if constraint in ("flops", "params"):
            self.model = cost_model(space.name, ds, constraint)
            self.by_code = self.model.evaluate(space.all_choices())
            self.unit = "M FLOPs" if constraint == "flops" else "M params"
        elif constraint.startswith("latency:"):
            device = constraint.split(":", 1)[1]
            key = f"{ds}/-/latency_ms:{device}/-/-"
            if not bench.has(key):
                raise MetricKeyError(
                    f"unknown device {device!r}: the benchmark has no {key}; import the "
                    "hardware table (tss_hardware.csv) or pick a listed device"
                )
            by_index = np.asarray(bench.values(key))
            if np.isnan(by_index).any():
                raise MetricKeyError(
                    f"{key} lacks {int(np.isnan(by_index).sum())} archs; a generator "
                    "constraint needs a value for every arch"
                )
            self.model = None
            self.by_code = np.empty_like(by_index)
            self.by_code[bench.order] = by_index
            self.unit = f"ms on {device}"
        else:
            raise MetricKeyError(
                f"unknown constraint {constraint!r}; expected flops, params or latency:DEVICE"
            )
        self.lo, self.hi = float(self.by_code.min()), float(self.by_code.max())
        self._table = torch.as_tensor(self.by_code)

    def normalise(self, cost):
        return (np.asarray(cost, float) - self.lo) / (self.hi - self.lo)

    def expected(self, probs: torch.Tensor) -> torch.Tensor:
        """Normalised exact expected cost (differentiable)."""
        value = (
            self.model.expected(probs.double())
            if self.model is not None
            else expected_table_value(self._table, probs.double())
        )
        return ((value - self.lo) / (self.hi - self.lo)).float()


def sgnas_protocol(dataset: str) -> str:
    """cifar10 searches on cifar10-valid and reports every dataset (NB201); others per dataset."""
    return "nb201" if dataset == "cifar10" else "nats"


def sgnas_record_path(out: Path, spec: SGNASSpec, seed: int) -> Path:
    from ..spaces import get_space

    return record_path(
        out, "sgnas", get_space(spec.space).name, sgnas_protocol(spec.dataset), spec.dataset, seed
    )


def parse_targets(text: str | None, costs: CostSpace) -> np.ndarray:
    if text is None:
        lo, hi = np.percentile(costs.by_code, [5, 95])
        return np.round(np.linspace(lo, hi, 19), 4)
    try:
        parts = [float(p) for p in text.split(":")]
        lo, hi, step = (
            parts if len(parts) == 3 else (*parts, 1.0) if len(parts) == 2 else (parts[0],) * 2 + (1.0,)
        )
        targets = np.arange(lo, hi + step / 2, step) if step > 0 else None
    except (ValueError, TypeError):
        targets = None
    if targets is None or len(targets) == 0:
        raise NasbenchEvalError(f"--targets must look like 20:200:10 (start:stop:step), got {text!r}")
    if targets.min() < costs.lo or targets.max() > costs.hi:
        raise NasbenchEvalError(
            f"targets {targets.min():g}..{targets.max():g} leave the achievable range "
            f"{costs.lo:.4g}..{costs.hi:.4g} {costs.unit}"
        )
    return targets


def choose_estimator(spec: SGNASSpec) -> tuple[str, str]:
    if spec.estimator in ("table", "supernet"):
        if spec.estimator == "supernet" and not (spec.supernet and spec.data_root):
            raise NasbenchEvalError(
                "--estimator supernet needs --supernet JOB_DIR (from 'nasbench-eval "
                "supernet train') and --data-root"
            )
        return spec.estimator, "asked for"
    if spec.estimator != "auto":
        raise NasbenchEvalError(f"unknown estimator {spec.estimator!r}; expected auto, table or supernet")
    if spec.supernet and spec.data_root and (Path(spec.supernet) / "checkpoint.pt").exists():
        return (
            "supernet",
            f"a trained supernet is available ({spec.supernet}) with images in {spec.data_root}",
        )
    why = "no --supernet job given" if not spec.supernet else "the supernet job or --data-root is missing"
    return "table", f"{why}; training a supernet does not fit a one-minute CPU run"


def _quality(spec: SGNASSpec, kind: str, bench, protocol):
    if kind == "table":
        key = spec.metric or protocol.search_key
        by_index = np.asarray(bench.values(key))
        if np.isnan(by_index).any():
            raise MetricKeyError(
                f"{key} covers only {int((~np.isnan(by_index)).sum()):,} of the "
                f"{bench.space.size:,} archs; import the full official archive or a table"
            )
        by_code = np.empty_like(by_index)
        by_code[bench.order] = by_index
        table = torch.as_tensor(by_code)

        def loss(soft, probs):
            return -expected_table_value(table, probs.double()).float().mean() / 100.0

        def score(archs):  # estimated validation accuracy of generated archs
            return by_code[bench.space.codes_of(archs)]

        return loss, score, {"kind": "table", "key": key, "variant": "nasbench-eval (not in the paper)"}
    from ..estimators.supernet import SupernetEstimator

    est = SupernetEstimator.from_job(
        spec.supernet,
        spec.data_root,
        spec.splits_dir,
        eval_batches=spec.config.get("supernet_batches", 4),
        batch_size=spec.config.get("supernet_batch_size", 64),
        device=spec.device,
        verify=spec.verify,
    )
    if est.space.name != bench.space.name:
        raise NasbenchEvalError(
            f"{spec.supernet} is a {est.space.name} supernet; this run searches {bench.space.name}"
        )
    model = est.model
    for p in model.parameters():
        p.requires_grad_(False)
    batches = est.batches
    counter = {"i": 0}
    per_step = int(spec.config.get("supernet_archs_per_step", 4))
    tss = bench.space.name == "nats-tss"

    def loss(soft, probs):
        total = 0.0
        for i in range(min(per_step, soft.shape[0])):
            hard = torch.zeros_like(soft[i]).scatter_(-1, soft[i].argmax(-1, keepdim=True), 1.0)
            weights = hard - soft[i].detach() + soft[i]
            x, y = batches[counter["i"] % len(batches)]
            counter["i"] += 1
            logits = model(x, weights=weights) if tss else model(x, width_weights=weights)
            total = total + torch.nn.functional.cross_entropy(logits, y)
        return total / per_step

    def score(archs):
        return est.evaluate_many([tuple(int(c) for c in a) for a in archs])

    return loss, score, {**est.describe(), "variant": "paper (frozen single-path supernet)"}


def _rng_state(rng: np.random.Generator) -> str:
    return json.dumps(rng.bit_generator.state)


def run_sgnas(
    spec: SGNASSpec,
    seed: int,
    record_file: Path,
    *,
    overwrite: bool = False,
    log=lambda msg: None,
    stop_after_epochs: int | None = None,
) -> dict:
    start = time.perf_counter()
    bench = open_benchmark(spec.space, spec.home)
    space = bench.space
    protocol = get_protocol(sgnas_protocol(spec.dataset), space.name, spec.dataset)
    if (bench.order < 0).any():
        raise MetricKeyError("the benchmark's index order is unknown; import the meta file or a full table")
    costs = CostSpace(bench, spec.dataset, spec.constraint)
    targets = parse_targets(spec.targets, costs)
    kind, reason = choose_estimator(spec)
    log(f"estimator: {kind} ({reason})")
    quality, score, described = _quality(spec, kind, bench, protocol)
    cfg = {**DEFAULTS, **{k: v for k, v in spec.config.items() if k in DEFAULTS}}
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    torch_gen = torch.Generator().manual_seed(seed)
    choices = space.all_choices()
    sample = rng.choice(len(choices), min(cfg["prior_pool"], len(choices)), replace=False)
    pool = PriorPool.build(choices[sample], costs.normalise(costs.by_code[sample]), cfg["anchors"])
    gen = Generator(cfg["width"])
    opt = torch.optim.Adam(gen.parameters(), lr=cfg["lr"], betas=tuple(cfg["betas"]))
    ckpt = record_file.with_suffix(".ckpt.pt")
    start_epoch, history = 0, []
    if ckpt.exists() and not overwrite:
        state = torch.load(ckpt, weights_only=True)
        gen.load_state_dict(state["generator"])
        opt.load_state_dict(state["optimizer"])
        torch_gen.set_state(state["torch_rng"])
        rng.bit_generator.state = json.loads(state["numpy_rng"])
        start_epoch, history = int(state["epoch"]), json.loads(state["log"])
        log(f"resuming generator training after epoch {start_epoch}")

    def on_epoch(epoch, entry):
        history.append(entry)
        tmp = ckpt.with_name(f".{ckpt.name}.tmp")
        ckpt.parent.mkdir(parents=True, exist_ok=True)
        torch.save(
            {
                "generator": gen.state_dict(),
                "optimizer": opt.state_dict(),
                "epoch": epoch,
                "torch_rng": torch_gen.get_state(),
                "numpy_rng": _rng_state(rng),
                "log": json.dumps(history),
            },
            tmp,
        )
        os.replace(tmp, ckpt)
        if stop_after_epochs is not None and epoch >= stop_after_epochs:
            raise KeyboardInterrupt("stopped for a test")

    t_train = time.perf_counter()
    train_generator(
        gen,
        pool,
        space.num_choices,
        quality,
        costs.expected,
        rng=rng,
        torch_gen=torch_gen,
        config=cfg,
        start_epoch=start_epoch,
        optimizer=opt,
        on_epoch=on_epoch,
    )
    t_train = time.perf_counter() - t_train
    t_gen = time.perf_counter()
    archs = generate(
        gen,
        pool,
        space.num_choices,
        costs.normalise(targets),
        cost_by_code=costs.by_code,
        targets=targets,
        tolerance=MEET_TOLERANCE,
        top=cfg["decode_top"],
    )
    t_gen = time.perf_counter() - t_gen
    codes = space.codes_of(archs)
    index_of_code = np.empty(space.size, np.int64)
    index_of_code[bench.order] = np.arange(space.size)
    indices = index_of_code[codes]
    achieved = costs.by_code[codes]
    estimated = np.asarray(score(archs), float)
    report = protocol.report_keys()
    rows = []
    for t, a, i, c, e in zip(targets, archs, indices, achieved, estimated, strict=True):
        metrics = {}
        for key in report.values():
            v = bench.query(key, int(i)) if bench.has(key) else math.nan
            metrics[key] = None if math.isnan(v) else v
        rows.append(
            {
                "target": float(t),
                "achieved": float(c),
                "index": int(i),
                "arch": space.format(tuple(a)),
                "estimated_accuracy": float(e),
                "metrics": metrics,
            }
        )
    best = int(np.argmax(estimated))
    test_keys = {label: key for label, key in report.items() if label.endswith("test")}
    summary = sweep_summary(bench, costs, targets, achieved, indices, test_keys)
    record = {
        "method": "sgnas",
        "method_title": "SGNAS",
        "space": space.name,
        "protocol": protocol.name,
        "search_dataset": spec.dataset,
        "seed": seed,
        "config": {**asdict(spec), "generator": cfg},
        "estimator": {**described, "choice_reason": reason},
        "constraint": {"name": spec.constraint, "unit": costs.unit, "range": [costs.lo, costs.hi]},
        "budget": {
            "limit": cfg["epochs"] * cfg["steps_per_epoch"],
            "unit": "generator steps",
            "used": cfg["epochs"] * cfg["steps_per_epoch"],
        },
        "benchmark": {
            "space": space.name,
            "sources": [{"path": s["path"], "md5": s["md5"]} for s in bench.sources],
        },
        "provenance": provenance(),
        "generator_log": history,
        "targets": rows,
        "summary": summary,
        "final": {
            "index": rows[best]["index"],
            "arch": rows[best]["arch"],
            "estimate": rows[best]["estimated_accuracy"],
            "target": rows[best]["target"],
        },
        "final_metrics": rows[best]["metrics"],
        "seconds": {"generator_training": t_train, "generation": t_gen, "total": time.perf_counter() - start},
        "wall_time_s": time.perf_counter() - start,
    }
    write_record(record_file, record, overwrite=True)
    ckpt.unlink(missing_ok=True)
    return record


def sweep_summary(bench, costs: CostSpace, targets, achieved, indices, test_keys: dict[str, str]) -> dict:
    """Controllability (targets vs achieved cost) and per-target regret on the test columns."""
    rel = np.abs(achieved - targets) / targets
    space_costs = np.sort(costs.by_code)
    pos = np.clip(np.searchsorted(space_costs, targets), 1, len(space_costs) - 1)
    nearest = np.minimum(np.abs(space_costs[pos] - targets), np.abs(space_costs[pos - 1] - targets))
    out = {
        "kendall_tau_target_vs_achieved": float(stats.kendalltau(targets, achieved).statistic)
        if len(targets) > 2
        else None,
        "median_relative_error": float(np.median(rel)),
        "share_within_5pct": float(np.mean(rel <= MEET_TOLERANCE)),
        "achievable_within_5pct": float(np.mean(nearest / targets <= MEET_TOLERANCE)),
        "regret": {},
    }
    cost_by_index = costs.by_code[bench.order]
    for label, key in test_keys.items():
        if not bench.has(key) or np.isnan(bench.values(key)).any():
            continue
        acc = np.asarray(bench.values(key))
        regrets = []
        for t, i in zip(targets, indices, strict=True):
            ok = cost_by_index <= t * (1 + MEET_TOLERANCE)
            regrets.append(float(acc[ok].max() - acc[i]) if ok.any() else math.nan)
        out["regret"][label] = {"key": key, "median": float(np.nanmedian(regrets)), "per_target": regrets}
    return out
