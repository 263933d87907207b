"""The scenario runner (EAS): train a task-conditioned generator for one seed, then map
every deployment scenario (a task of superclasses and a cost budget) to an architecture in
one forward pass, and compare on each scenario's task accuracy (the task's images of the x-test half, which
neither the generator nor the searches saw, predicted among the task's classes, inherited
supernet weights) with two baselines:

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
from ..data.tasks import class_mask
from ..errors import NasbenchEvalError
from ..methods import get_method
from ..records import RunRecord, TargetRow
from ..spaces.subspace import SubSpace
from .generative import sweep_record, trained
from .multi_trial import BudgetLimit, run_search
from .spec import RunSpec, report_metrics


def run(
    spec: RunSpec,
    seed: int,
    checkpoint: Path | None = None,
    *,
    stop_after_epochs: int | None = None,
) -> tuple[RunRecord, dict]:
    start = time.perf_counter()
    given: list = []

    def read_file(config, quality):  # a bad scenarios file fails before the generator trains
        groups = getattr(quality, "groups", None)  # None: the method's fit says what is wrong
        if config.get("scenarios_file") and groups is not None:
            given.append(read_scenarios(config["scenarios_file"], int(np.max(groups)) + 1))

    protocol, config, constraint, grid, quality, bench, method, log, t_train = trained(
        spec, seed, checkpoint, stop_after_epochs, before_fit=read_file
    )
    space = spec.search_space()
    if given:
        tasks, budgets = given[0]
    else:
        rng = np.random.default_rng(seed + 1_000_003)
        budgets = rng.choice(grid, config["scenarios"])
        tasks = method.draw_tasks(rng, config["scenarios"])
    n = len(budgets)
    t_gen = time.perf_counter()
    archs = method.generate(budgets, constraint, tasks)  # every scenario in one pass
    t_gen = time.perf_counter() - t_gen
    everything = method.generate(budgets, constraint)  # the all-task baseline
    report, report_split = _report_estimator(quality)
    views: dict = {}  # the report split's task views (the method caches the search split's)
    rows, rea_seconds, finetune_seconds = [], [], []
    for i in range(n):
        key = tuple(int(g) for g in np.flatnonzero(tasks[i]))
        if key not in views:
            views[key] = report.for_task(class_mask(quality.groups, key))
        search_view, view = method.task_view(quality, tasks[i]), views[key]
        baselines = {"all_task": _scored(bench, constraint, view, everything[i])}
        if config["rea_queries"]:
            began = time.perf_counter()
            baselines["rea"] = _search(
                space, constraint, search_view, view, budgets[i], config, seed * 1000 + i, bench
            )
            rea_seconds.append(time.perf_counter() - began)
        finetuned = {}
        if config["finetune_epochs"]:
            began = time.perf_counter()
            tune = (("eas", tuple(archs[i])),) + tuple(
                (label, bench.space.parse(b["arch"])) for label, b in baselines.items() if b["arch"]
            )
            for label, arch in tune:
                finetuned[label] = view.finetuned_accuracy(
                    arch, config["finetune_epochs"], seed=seed * 1000 + i
                )
            finetune_seconds.append(time.perf_counter() - began)
            for label, b in baselines.items():
                b["finetuned_task_accuracy"] = finetuned.get(label)
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
                baselines={
                    **baselines,
                    **({"eas": {"finetuned_task_accuracy": finetuned["eas"]}} if finetuned else {}),
                },
            )
        )
    achieved = np.array([r.achieved for r in rows])
    indices = np.array([r.index for r in rows])
    test_keys = {label: key for label, key in protocol.report_keys().items() if label.endswith("test")}
    summary = sweep_summary(
        bench, constraint, budgets, achieved, indices, test_keys, tolerance=method.tolerance
    )
    summary["task_accuracy"] = {
        "split": report_split,
        "eas": float(np.mean([r.estimated_accuracy for r in rows])),
        "all_task": float(np.mean([r.baselines["all_task"]["task_accuracy"] for r in rows])),
        **(
            {"rea": float(np.mean([r.baselines["rea"]["task_accuracy"] for r in rows]))}
            if config["rea_queries"]
            else {}
        ),
    }
    if config["finetune_epochs"]:
        summary["finetuned_task_accuracy"] = {
            "epochs": config["finetune_epochs"],
            **{
                label: float(np.mean([r.baselines[label]["finetuned_task_accuracy"] for r in rows]))
                for label in rows[0].baselines
                if all(r.baselines[label].get("finetuned_task_accuracy") is not None for r in rows)
            },
        }
    estimator = {**quality.describe(), "variant": "task views of a task-dropout supernet (ours)"}
    record = sweep_record(spec, seed, config, estimator, method.search_cost(), constraint, rows, summary, log)
    timing = {  # clocks stay out of the record (records of the same seed are identical)
        "generator_training_s": t_train,
        "generation_s_all_scenarios": t_gen,
        "rea_search_s_per_scenario": rea_seconds,
        "rea_search_s_total": float(np.sum(rea_seconds)),
        "finetune_s_per_scenario": finetune_seconds,
        "total_s": time.perf_counter() - start,
    }
    return record, timing


def read_scenarios(path, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """(tasks (n, groups) multi-hot, budgets (n,)) from a 'task,budget' CSV; one-line errors."""
    import csv

    path = Path(path)
    if not path.is_file():
        raise NasbenchEvalError(f"scenarios file {path} does not exist")
    with open(path, newline="") as f:
        reader = csv.DictReader(f)
        if reader.fieldnames is None or not {"task", "budget"} <= set(reader.fieldnames):
            raise NasbenchEvalError(f"{path}: the header must hold 'task,budget'")
        rows = list(reader)
    if not rows:
        raise NasbenchEvalError(f"{path}: no scenarios")
    tasks, budgets = np.zeros((len(rows), groups), np.float32), np.zeros(len(rows))
    for i, row in enumerate(rows):
        where = f"{path} line {i + 2}"
        try:
            members = [int(g) for g in row["task"].split("+")]
            budgets[i] = float(row["budget"])
        except (ValueError, AttributeError):
            raise NasbenchEvalError(f"{where}: want task like 3+17 and a number budget, got {row}") from None
        if not all(0 <= g < groups for g in members) or not np.isfinite(budgets[i]) or budgets[i] <= 0:
            raise NasbenchEvalError(f"{where}: superclasses must be in 0..{groups - 1} and the budget > 0")
        tasks[i, members] = 1.0
    return tasks, budgets


def _report_estimator(quality):
    """The estimator every scenario is scored with: the x-test half where the dataset has one
    (the generator and REA only ever see x-valid batches), else the search batches."""
    try:
        return quality.on_split("x-test"), "x-test"
    except NasbenchEvalError:
        return quality, "x-valid (the search batches: this dataset has no x-test)"


def _scored(bench, constraint, view, arch) -> dict:
    """An arch's cost and task accuracy on the report view."""
    arch = tuple(int(c) for c in arch)
    code = bench.space.code(arch)
    return {
        "arch": bench.space.format(arch),
        "achieved": float(constraint.by_code[code]),
        "task_accuracy": view.accuracy(arch),
    }


def _search(space, constraint, search_view, view, budget, config, seed, bench) -> dict:
    """REA over the archs within the budget (the generator's tolerance), searching on the task's
    x-valid view; its pick is scored on the report view like every other arch."""
    feasible = constraint.by_code <= budget * 1.05
    if not feasible.any():
        return {"arch": None, "achieved": None, "task_accuracy": None, "search_accuracy": None}
    inside = SubSpace(space.base, feasible, f"cost <= {budget:g}")
    rea = get_method("rea")(inside, np.random.default_rng(seed), max_fidelity=None)
    result = run_search(rea, search_view, BudgetLimit(config["rea_queries"], "queries"))
    # REA's answer is its best-scored query
    return {
        **_scored(bench, constraint, view, result.final),
        "search_accuracy": float(np.nanmax(result.estimates)),
    }
