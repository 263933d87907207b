"""The scenario runner (EAS): train a task-conditioned generator for one seed, then map
every deployment scenario (a task of superclasses and a cost budget) to an architecture in
one forward pass, and compare on each scenario's task accuracy (the task's held-out images,
predicted among its classes, inherited supernet weights) with two baselines:

* **all-task**: the same generator with the task input fixed to every superclass (SGNAS);
* **per-scenario search**: REA with the supernet restricted to the task, over the archs
  within the budget, ``rea_queries`` queries each (0: skipped); its time per scenario is
  recorded in the run's timing file.

Scenarios are seeded: budgets drawn from the target grid, tasks from the method's task
distribution. A checkpoint after every generator epoch makes ``fit`` resumable.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..analysis.sweep import sweep_summary
from ..methods import get_method
from ..records import RunRecord, TargetRow
from ..spaces.subspace import SubSpace
from .generative import build, fit_resumable, sweep_record
from .multi_trial import BudgetLimit, run_search
from .spec import RunSpec, benchmark, report_metrics


def run(
    spec: RunSpec,
    seed: int,
    checkpoint: Path | None = None,
    *,
    stop_after_epochs: int | None = None,
) -> tuple[RunRecord, dict]:
    start = time.perf_counter()
    protocol, config, constraint, grid, quality = build(spec, seed)
    bench = benchmark(spec)
    space = spec.search_space()
    method_cls = get_method(spec.method)
    method = method_cls(space, seed, **config)
    log, t_train = fit_resumable(method, quality, constraint, checkpoint, stop_after_epochs)
    rng = np.random.default_rng(seed + 1_000_003)
    n = config["scenarios"]
    budgets = rng.choice(grid, n)
    tasks = method.draw_tasks(rng, n)
    t_gen = time.perf_counter()
    archs = method.generate(budgets, constraint, tasks)  # every scenario in one pass
    t_gen = time.perf_counter() - t_gen
    everything = method.generate(budgets, constraint)  # the all-task baseline
    views: dict = {}
    rows, rea_seconds = [], []
    for i in range(n):
        key = tuple(int(g) for g in np.flatnonzero(tasks[i]))
        if key not in views:
            views[key] = quality.for_task(np.isin(quality.groups, key))
        view = views[key]
        baselines = {"all_task": _scored(bench, constraint, view, everything[i])}
        if config["rea_queries"]:
            began = time.perf_counter()
            baselines["rea"] = _search(space, constraint, view, budgets[i], config, seed * 1000 + i, bench)
            rea_seconds.append(time.perf_counter() - began)
        code = bench.space.codes_of(archs[i][None])[0]
        index = int(bench.index_by_code[code])
        rows.append(
            TargetRow(
                float(budgets[i]),
                float(constraint.by_code[code]),
                index,
                bench.space.format(tuple(archs[i])),
                view.accuracy(tuple(int(c) for c in archs[i])),
                report_metrics(bench, protocol, index),
                task=list(key),
                baselines=baselines,
            )
        )
    achieved = np.array([r.achieved for r in rows])
    indices = np.array([r.index for r in rows])
    test_keys = {label: key for label, key in protocol.report_keys().items() if label.endswith("test")}
    summary = sweep_summary(
        bench, constraint, budgets, achieved, indices, test_keys, tolerance=method.tolerance
    )
    summary["task_accuracy"] = {
        "eas": float(np.mean([r.estimated_accuracy for r in rows])),
        "all_task": float(np.mean([r.baselines["all_task"]["task_accuracy"] for r in rows])),
        **(
            {"rea": float(np.mean([r.baselines["rea"]["task_accuracy"] for r in rows]))}
            if config["rea_queries"]
            else {}
        ),
    }
    estimator = {**quality.describe(), "variant": "task views of a task-dropout supernet (ours)"}
    record = sweep_record(spec, seed, config, estimator, method.search_cost(), constraint, rows, summary, log)
    timing = {  # clocks stay out of the record (records of the same seed are identical)
        "generator_training_s": t_train,
        "generation_s_all_scenarios": t_gen,
        "rea_search_s_per_scenario": rea_seconds,
        "total_s": time.perf_counter() - start,
    }
    return record, timing


def _scored(bench, constraint, view, arch, accuracy: float | None = None) -> dict:
    """An arch's cost and task accuracy (``accuracy``: already measured on this view)."""
    arch = tuple(int(c) for c in arch)
    code = bench.space.code(arch)
    return {
        "arch": bench.space.format(arch),
        "achieved": float(constraint.by_code[code]),
        "task_accuracy": view.accuracy(arch) if accuracy is None else accuracy,
    }


def _search(space, constraint, view, budget, config, seed, bench) -> dict:
    """REA over the archs within the budget (the generator's tolerance), scored by the task view."""
    from ..methods import get_method

    feasible = constraint.by_code <= budget * 1.05
    if not feasible.any():
        return {"arch": None, "achieved": None, "task_accuracy": None}
    inside = SubSpace(space.base, feasible, f"cost <= {budget:g}")
    rea = get_method("rea")(inside, np.random.default_rng(seed), max_fidelity=None)
    result = run_search(rea, view, BudgetLimit(config["rea_queries"], "queries"))
    best = float(np.nanmax(result.estimates))  # REA's answer is its best-scored query
    return _scored(bench, constraint, view, result.final, best)
