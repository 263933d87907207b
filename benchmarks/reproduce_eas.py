#!/usr/bin/env python3
"""Test EAS's claim on NATS-sss / CIFAR-100: one task-conditioned generator pass gives a good
specialised net for every (task, budget) scenario, at once.

1. ``eas`` (seed 0) on a task-dropout supernet job: the generator is trained on task views,
   then 50 random scenarios (a task of 1-4 superclasses x a FLOPs budget) are generated in one
   pass and scored, with the all-task arch and a per-scenario REA search on the same
   scenarios (everything scored on the x-test half, which no search saw).
2. The same generator on a grid of scenarios (4 fixed tasks x 8 budgets) for the plot.

Writes ``table.md`` (every scenario), ``summary.md``, ``task_accuracy.png``,
``scenarios-grid.csv`` and ``STAMP.json`` into OUT, stamped with the command, commit and the
md5s of the supernet checkpoint and the CIFAR-100 files.

usage: python benchmarks/reproduce_eas.py --supernet JOB --data-root DIR [--out reports/eas]
       [--runs DIR [--keep]] [--scenarios 50] [--set KEY=VALUE ...]
(CIFAR-100 from ../shared: the pack is not in the official order, so this passes --no-verify.)
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
GRID_TASKS = ((0,), (5,), (9, 14), (1, 3, 7, 12))  # superclass indices of the plot's tasks
LABELS = (("eas", "EAS (ours)"), ("all_task", "all-task arch"), ("rea", "REA per scenario"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--supernet", type=Path, required=True, help="a 'supernet train --task-dropout' job")
    ap.add_argument("--data-root", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "eas")
    ap.add_argument("--runs", type=Path, default=None, help="where the JSON records go (default: temp)")
    ap.add_argument("--keep", action="store_true", help="keep the records already in --runs")
    ap.add_argument("--scenarios", type=int, default=50)
    ap.add_argument("--set", dest="options", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args()

    from nasbench_eval.analysis.plots import scenario_plot
    from nasbench_eval.bench.importers import source_md5 as md5
    from nasbench_eval.estimators import CostConstraint
    from nasbench_eval.estimators.cost import FlopsEstimator
    from nasbench_eval.provenance import stamp
    from nasbench_eval.records import load_record
    from nasbench_eval.runs.runner import output_path, run_seeds
    from nasbench_eval.runs.spec import RunSpec
    from nasbench_eval.spaces import get_space

    job = a.supernet.resolve()
    out = a.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    runs = (a.runs or Path(tempfile.mkdtemp(prefix="nbe-eas-"))).resolve()
    extra = {k: json.loads(v) for k, v in (o.split("=", 1) for o in a.options)}
    c100 = a.data_root.resolve() / "cifar-100-python"
    sources = [{"path": str(job / "checkpoint.pt"), "md5": md5(job / "checkpoint.pt")}] + [
        {"path": str(c100 / name), "md5": md5(c100 / name)} for name in ("train", "test")
    ]
    st = stamp(sources, root=ROOT)

    space = get_space("nats-sss")
    flops = CostConstraint(FlopsEstimator(space, "cifar100")).by_code
    budgets = np.round(np.quantile(flops, np.linspace(0.08, 0.92, 8)), 2)
    grid = out / "scenarios-grid.csv"
    grid.write_text(
        "task,budget\n" + "".join(f"{'+'.join(map(str, t))},{b}\n" for t in GRID_TASKS for b in budgets)
    )

    def run(folder: str, config: dict):
        spec = RunSpec(
            "eas",
            space="nats-sss",
            dataset="cifar100",
            estimator=f"supernet:{job}",
            config={**extra, **config},
            data_root=str(a.data_root.resolve()),
            verify=False,
        )
        t = time.perf_counter()
        run_seeds(spec, [0], runs / folder, overwrite=not a.keep)
        path = output_path(spec, runs / folder, 0)
        timing = json.loads(path.with_suffix(".timing.json").read_text())
        print(f"{folder}: {time.perf_counter() - t:.0f} s -> {path}")
        return load_record(path), timing

    record, timing = run("random", {"scenarios": a.scenarios})
    gridded, grid_timing = run("grid", {"scenarios_file": str(grid), "rea_queries": 0})
    made = f"Made by: `{st.command}` at commit {st.commit}; data md5s in STAMP.json."
    (out / "table.md").write_text(table(record) + f"\n{made}\n")
    (out / "summary.md").write_text(summary(record, timing, gridded, grid_timing) + f"\n{made}\n")
    scenario_plot([gridded], out / "task_accuracy.png", stamp=st.line)
    (out / "STAMP.json").write_text(
        json.dumps({**st.to_dict(), "random": timing, "grid": grid_timing}, indent=1) + "\n"
    )
    print((out / "summary.md").read_text())


def table(record) -> str:
    unit = record.sweep.constraint["unit"]
    head = (
        f"| # | task (superclasses) | budget ({unit}) | EAS cost | all-task cost | REA cost "
        "| EAS acc | all-task acc | REA acc | EAS arch |\n|---|---|---|---|---|---|---|---|---|---|\n"
    )
    lines = []
    for i, t in enumerate(record.sweep.targets):
        b = t.baselines
        rea = b.get("rea") or {}
        cells = [
            str(i),
            "+".join(map(str, t.task)),
            f"{t.target:.2f}",
            f"{t.achieved:.2f}",
            f"{b['all_task']['achieved']:.2f}",
            "-" if rea.get("achieved") is None else f"{rea['achieved']:.2f}",
            f"{t.estimated_accuracy:.1f}",
            f"{b['all_task']['task_accuracy']:.1f}",
            "-" if rea.get("task_accuracy") is None else f"{rea['task_accuracy']:.1f}",
            t.arch,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    split = record.sweep.summary["task_accuracy"]["split"]
    return (
        f"# EAS on NATS-sss / CIFAR-100: {len(lines)} scenarios, seed {record.seed}\n\n"
        f"Task accuracy: the task's images of the {split} split, predicted among the task's classes, "
        "inherited supernet weights (BatchNorm with the batch's statistics, as the NATS search "
        "networks). Costs are exact.\n\n" + head + "\n".join(lines) + "\n"
    )


def summary(record, timing, gridded, grid_timing) -> str:
    from scipy.stats import kendalltau

    rows = record.sweep.targets
    target = np.array([t.target for t in rows])
    acc = {label: np.array([_acc(t, label) for t in rows], float) for label, _ in LABELS}
    cost = {
        "eas": np.array([t.achieved for t in rows]),
        "all_task": np.array([t.baselines["all_task"]["achieved"] for t in rows]),
    }
    cfg = record.config
    est = record.estimator
    sn = est.get("config", {})
    lines = [
        "# EAS (ours; no public code) on NATS-sss / CIFAR-100: summary",
        "",
        f"Supernet: `{est.get('spec')}` ({sn.get('epochs')} epochs, task dropout "
        f"{sn.get('task_dropout')}, search split); generator: {cfg['epochs']} epochs x "
        f"{cfg['steps_per_epoch']} steps, tasks of {cfg['task_superclasses'][0]}-"
        f"{cfg['task_superclasses'][1]} superclasses; {len(rows)} random scenarios, seed {record.seed}.",
        "",
        "| | EAS (ours) | all-task arch | REA per scenario |",
        "|---|---|---|---|",
        "| mean task accuracy (%) | "
        + " | ".join(f"{np.nanmean(acc[k]):.2f}" if np.isfinite(acc[k]).any() else "-" for k, _ in LABELS)
        + " |",
        f"| scenarios won (strictly better than the other two) | {_wins(acc, 'eas')} | "
        f"{_wins(acc, 'all_task')} | {_wins(acc, 'rea')} |",
        f"| EAS better than it, of {len(rows)} | - | {int(np.sum(acc['eas'] > acc['all_task']))} | "
        f"{int(np.nansum(acc['eas'] > acc['rea']))} |",
        f"| time for all scenarios | {1000 * timing['generation_s_all_scenarios']:.1f} ms (one pass) | "
        f"(same pass) | {timing['rea_search_s_total']:.1f} s ({cfg['rea_queries']} queries each) |",
        f"| what it cost before deployment | generator training {timing['generator_training_s']:.0f} s | "
        "(same generator) | none |",
        "",
        f"- Budget vs achieved FLOPs: Kendall tau {kendalltau(target, cost['eas'])[0]:.3f} (EAS), "
        f"{kendalltau(target, cost['all_task'])[0]:.3f} (all-task); within the budget +5%: "
        f"{np.mean(cost['eas'] <= 1.05 * target):.0%} (EAS), "
        f"{np.mean(cost['all_task'] <= 1.05 * target):.0%} (all-task); mean |achieved - budget| / budget "
        f"{np.mean(np.abs(cost['eas'] - target) / target):.1%} (EAS).",
        f"- Distinct archs: EAS {len({t.arch for t in rows})}, all-task "
        f"{len({t.baselines['all_task']['arch'] for t in rows})} over {len(rows)} scenarios.",
    ]
    tuned = record.sweep.summary.get("finetuned_task_accuracy")
    if tuned:
        lines.append(
            f"- After fine-tuning {tuned['epochs']} epoch(s) on the task's training images: "
            + ", ".join(f"{title} {tuned[k]:.2f}" for k, title in LABELS if k in tuned)
        )
    g = gridded.sweep.summary["task_accuracy"]
    lines += [
        f"- Grid run (task_accuracy.png, {len(gridded.sweep.targets)} scenarios: 4 tasks x 8 budgets, "
        f"same seed and generator): mean task accuracy EAS {g['eas']:.2f}, all-task {g['all_task']:.2f}; "
        f"generation {1000 * grid_timing['generation_s_all_scenarios']:.1f} ms.",
    ]
    return "\n".join(lines) + "\n"


def _acc(t, label: str) -> float:
    if label == "eas":
        return t.estimated_accuracy
    v = (t.baselines.get(label) or {}).get("task_accuracy")
    return np.nan if v is None else v


def _wins(acc: dict, label: str) -> int:
    others = [k for k in acc if k != label]
    return int(
        sum(
            all(acc[label][i] > np.nan_to_num(acc[o][i], nan=-1) for o in others)
            for i in range(len(acc[label]))
        )
    )


if __name__ == "__main__":
    main()
