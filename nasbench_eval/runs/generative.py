"""The generative runner (SGNAS, EAS): train the generator for one seed, generate one arch
per target in one pass, look every arch up, and write the record with the sweep metrics.

The quality estimator is the run's estimator spec (default: the protocol's 12-epoch
validation accuracy by table lookup, a nasbench-eval variant; ``supernet:JOB_DIR`` is the
SGNAS paper's); the constraint is the method's ``constraint`` option, itself an estimator
spec (flops, params, latency:DEVICE). A checkpoint after every generator epoch lets a
killed run resume; it is removed when the record is written.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..analysis.sweep import sweep_summary
from ..errors import NasbenchEvalError
from ..estimators import CostConstraint, build_estimator
from ..methods import get_method
from ..records import Budget, FinalArch, RunRecord, Sweep, TargetRow
from .spec import RunSpec, benchmark, estimator_context, record_header, report_metrics


def parse_targets(text: str | None, constraint: CostConstraint) -> np.ndarray:
    """'lo:hi:step' (or 'lo:hi', or one value) in the constraint's unit; None = 19 values
    over the 5-95% cost range of the space."""
    if text is None:
        lo, hi = np.percentile(constraint.by_code[~np.isnan(constraint.by_code)], [5, 95])
        return np.round(np.linspace(lo, hi, 19), 4)
    try:
        parts = [float(p) for p in str(text).split(":")]
        lo, hi, step = (
            parts if len(parts) == 3 else (*parts, 1.0) if len(parts) == 2 else (parts[0],) * 2 + (1.0,)
        )
        ok = all(np.isfinite([lo, hi, step])) and step > 0 and (hi - lo) / step < 10_000
        targets = np.arange(lo, hi + step / 2, step) if ok else None
    except (ValueError, TypeError):
        targets = None
    if targets is None or len(targets) == 0:
        raise NasbenchEvalError(
            f"targets must look like 20:200:10 (start:stop:step, at most 10,000 values), got {text!r}"
        )
    if targets.min() < constraint.lo or targets.max() > constraint.hi:
        raise NasbenchEvalError(
            f"targets {targets.min():g}..{targets.max():g} leave the achievable range "
            f"{constraint.lo:.4g}..{constraint.hi:.4g} {constraint.unit}"
        )
    return targets


def build(spec: RunSpec, seed: int = 0):
    """(protocol, config, constraint, targets, quality estimator): fails fast."""
    protocol = spec.resolved_protocol()
    bench = benchmark(spec)
    if (bench.order < 0).any():
        raise NasbenchEvalError(
            "the benchmark's index order is unknown; import the meta file or a full table"
        )
    method_cls = get_method(spec.method)
    config = spec.method_config()
    space_context = estimator_context(spec, bench)
    constraint = CostConstraint(build_estimator(config["constraint"], space_context))
    targets = parse_targets(config["targets"], constraint)
    options = method_cls.estimator_options(config)
    quality = build_estimator(
        spec.estimator or protocol.search_key, estimator_context(spec, bench, options, seed)
    )
    return protocol, config, constraint, targets, quality


def trained(spec: RunSpec, seed: int, checkpoint: Path | None, stop_after_epochs=None, before_fit=None):
    """Everything a generative runner needs, its method fitted (resumably):
    (protocol, config, constraint, targets, quality, bench, method, log, training seconds).
    ``before_fit(config, quality)`` runs first (e.g. reading a scenarios file: fail before training)."""
    protocol, config, constraint, targets, quality = build(spec, seed)
    if before_fit is not None:
        before_fit(config, quality)
    method = get_method(spec.method)(spec.search_space(), seed, **config)
    log, seconds = fit_resumable(method, quality, constraint, checkpoint, stop_after_epochs)
    return protocol, config, constraint, targets, quality, benchmark(spec), method, log, seconds


def fit_resumable(method, quality, constraint, checkpoint: Path | None, stop_after_epochs=None):
    """``method.fit`` from the checkpoint if there is one, saving it after every epoch;
    returns (log, seconds)."""
    from ..train.trainer import load_checkpoint, save_checkpoint  # torch: only when a run starts

    state = None
    if checkpoint is not None and checkpoint.exists():  # the runner removes it first with --overwrite
        state = load_checkpoint(checkpoint)

    def on_epoch(epoch, entry):
        if checkpoint is not None:
            save_checkpoint(checkpoint, method.state_dict())
        if stop_after_epochs is not None and epoch >= stop_after_epochs:
            raise KeyboardInterrupt("stopped for a test")

    began = time.perf_counter()
    log = method.fit(quality, constraint, on_epoch=on_epoch, state=state)
    return log, time.perf_counter() - began


def sweep_record(spec, seed, config, estimator: dict, cost, constraint, rows, summary, log) -> RunRecord:
    """The record of a generative run; its final arch is the row with the best estimate."""
    protocol, method_cls = spec.resolved_protocol(), get_method(spec.method)
    best = int(np.argmax([r.estimated_accuracy for r in rows]))
    amount, unit = cost
    return RunRecord(
        **record_header(spec, method_cls, protocol, seed, config),
        estimator=estimator,
        budget=Budget(amount, unit, amount),
        final=FinalArch(rows[best].index, rows[best].arch, rows[best].estimated_accuracy, rows[best].target),
        final_metrics=rows[best].metrics,
        sweep=Sweep(
            {"name": constraint.name, "unit": constraint.unit, "range": [constraint.lo, constraint.hi]},
            rows,
            summary,
            log,
        ),
    )


def run(
    spec: RunSpec,
    seed: int,
    checkpoint: Path | None = None,
    *,
    stop_after_epochs: int | None = None,
) -> tuple[RunRecord, dict]:
    if getattr(get_method(spec.method), "needs_task_quality", False):  # EAS: (task, budget) scenarios
        from . import scenarios

        return scenarios.run(spec, seed, checkpoint, stop_after_epochs=stop_after_epochs)
    start = time.perf_counter()
    protocol, config, constraint, targets, quality, bench, method, log, t_train = trained(
        spec, seed, checkpoint, stop_after_epochs
    )
    method_cls = type(method)
    t_gen = time.perf_counter()
    archs = method.generate(targets, constraint)
    t_gen = time.perf_counter() - t_gen
    codes = bench.space.codes_of(archs)
    indices = bench.index_by_code[codes]
    achieved = constraint.by_code[codes]
    estimated = np.asarray(quality.score_many(archs), float)
    rows = [
        TargetRow(
            float(t),
            float(c),
            int(i),
            bench.space.format(tuple(a)),
            float(e),
            report_metrics(bench, protocol, int(i)),
        )
        for t, a, i, c, e in zip(targets, archs, indices, achieved, estimated, strict=True)
    ]
    test_keys = {label: key for label, key in protocol.report_keys().items() if label.endswith("test")}
    summary = sweep_summary(
        bench, constraint, targets, achieved, indices, test_keys, tolerance=method.tolerance
    )
    estimator = {
        **quality.describe(),
        "variant": method_cls.estimator_variant(quality),
        "oracle": quality.expected_reads_all,
    }
    cost = quality.training_cost() or method.search_cost()
    record = sweep_record(spec, seed, config, estimator, cost, constraint, rows, summary, log)
    timing = {"generator_training_s": t_train, "generation_s": t_gen, "total_s": time.perf_counter() - start}
    return record, timing
