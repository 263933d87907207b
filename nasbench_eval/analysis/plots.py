"""Accuracy plots from run records: search trajectories and accuracy vs cost.

Both plot the 200-epoch (sss: 90-epoch) *test* accuracy of architectures, looked up in the
benchmark, for the dataset each run searched on (the NB201 protocol's cifar10 search is
shown on cifar10). Saved as PNG, PDF or SVG by the file's suffix.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..bench import Benchmark  # noqa: E402
from ..errors import UnknownNameError  # noqa: E402
from ..estimators import EstimatorContext, build_estimator  # noqa: E402
from ..protocols import PROTOCOLS, SEARCH_DATASETS, test_key  # noqa: E402
from ..records import RunRecord  # noqa: E402
from .table import row_title  # noqa: E402

SUFFIXES = (".png", ".pdf", ".svg")


def _groups(records: list[RunRecord]) -> dict[tuple[str, str, str], dict[str, list[RunRecord]]]:
    """Panels by (protocol, dataset, budget unit), lines by method title; one-shot searches
    (their derived arch per epoch) get panels of their own, a line per variant (oracle or not)."""
    out: dict[tuple[str, str, str], dict[str, list[RunRecord]]] = {}
    for r in records:
        if r.kind == "one-shot" and r.epochs:
            out.setdefault((r.protocol, r.search_dataset, "epochs"), {}).setdefault(row_title(r), []).append(
                r
            )
            continue
        if r.trajectory is None:  # generative methods have no trajectory
            continue
        panel = (r.protocol, r.search_dataset, r.budget.unit)
        out.setdefault(panel, {}).setdefault(row_title(r), []).append(r)  # variants get lines
    return dict(
        sorted(
            out.items(),
            key=lambda kv: (
                SEARCH_DATASETS.index(kv[0][1]),
                PROTOCOLS.index(kv[0][0]),
                (kv[0][2] != "seconds") + (kv[0][2] == "epochs"),
            ),
        )
    )


def _panels(n: int, width: float, height: float):
    cols = 2 if n == 4 else min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n])


def _check_suffix(path: Path) -> None:
    if path.suffix.lower() not in SUFFIXES:
        raise UnknownNameError(f"{path}: the plot file must end in {', '.join(SUFFIXES)}")


def _incumbent_curve(record: RunRecord, test: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Test accuracy of the best-so-far arch (by full-fidelity estimate) at each grid cost."""
    t = record.trajectory
    full = (record.estimator.get("fidelities") or [None])[-1]
    best, inc_cost, inc_acc = -np.inf, [], []
    steps = zip(t.index, t.fidelity, t.estimate, t.cumulative_cost, strict=True)
    for index, fid, est, cost in steps:
        if est is not None and (fid is None or fid == full) and est > best:
            best = est
            inc_cost.append(cost)
            inc_acc.append(test[index])
    out = np.full(len(grid), np.nan)
    if inc_cost:
        pos = np.searchsorted(np.asarray(inc_cost), grid, side="right") - 1
        out[pos >= 0] = np.asarray(inc_acc)[pos[pos >= 0]]
    return out


def _epoch_panel(ax, methods: dict, key: str, bench: Benchmark, title: str) -> None:
    """Test accuracy of each epoch's derived arch, mean ± std over seeds."""
    for label, recs in methods.items():
        length = max(len(r.epochs) for r in recs)
        curves = np.full((len(recs), length), np.nan)
        for i, r in enumerate(recs):
            for j, e in enumerate(r.epochs):
                curves[i, j] = bench.query(key, int(e["index"]))
        x = np.arange(1, length + 1)
        mean, std = np.nanmean(curves, 0), np.nanstd(curves, 0)
        (line,) = ax.plot(
            x, mean, label=f"{label} ({len(recs)} seeds)", lw=1.8, marker="." if length < 30 else None
        )
        ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.18, lw=0)
    ax.set_xlabel("search epoch")
    ax.set_ylabel(f"test accuracy of the derived arch (%)\n{key}")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")


def _finish(fig, path: Path, title: str, stamp: str | None) -> None:
    fig.suptitle(title, fontsize=11)
    fig.tight_layout(rect=(0, 0.04 if stamp else 0, 1, 1))
    if stamp:
        fig.text(0.005, 0.005, stamp, fontsize=6, color="0.4", family="monospace")
    fig.savefig(path, dpi=130)
    plt.close(fig)


def trajectory_plot(records: list[RunRecord], bench: Benchmark, path: Path, stamp: str | None = None) -> None:
    path = Path(path)
    _check_suffix(path)
    groups = _groups(records)
    if not groups:
        raise UnknownNameError("no record with a search trajectory (generative methods have none)")
    fig, axes = _panels(len(groups), 5.2, 4.0)
    for ax, ((protocol, dataset, unit), methods) in zip(axes, groups.items(), strict=True):
        key = test_key(bench.space.name, dataset)
        if unit == "epochs":
            _epoch_panel(ax, methods, key, bench, f"{dataset} ({protocol} protocol, one-shot)")
            continue
        test = np.asarray(bench.values(key))
        limit = max(r.budget.used for recs in methods.values() for r in recs)
        grid = np.linspace(0, limit, 300)
        lows = []
        for title, recs in methods.items():
            curves = np.array([_incumbent_curve(r, test, grid) for r in recs])
            mean, std = np.full(len(grid), np.nan), np.full(len(grid), np.nan)
            enough = (~np.isnan(curves)).sum(0) * 2 > len(recs)  # most seeds have an incumbent
            mean[enough] = np.nanmean(curves[:, enough], 0)
            std[enough] = np.nanstd(curves[:, enough], 0)
            lows.append(np.nanmin(mean) if enough.any() else np.nan)
            (line,) = ax.plot(grid, mean, label=f"{title} ({len(recs)} seeds)", lw=1.8)
            ax.fill_between(grid, mean - std, mean + std, color=line.get_color(), alpha=0.18, lw=0)
        ax.set_xlabel("simulated search time (s)" if unit == "seconds" else "queries to the benchmark")
        ax.set_ylabel(f"test accuracy of best-so-far arch (%)\n{key}")
        ax.set_title(f"{dataset} ({protocol} protocol, {'time' if unit == 'seconds' else 'query'} budget)")
        top = np.nanmax(test)
        lo = np.nanmin([*lows, top - 1])  # the whole mean curve, from its first incumbent on
        ax.set_ylim(lo - 0.05 * (top - lo), top + 0.05 * (top - lo))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
    _finish(fig, path, "Search trajectories: mean ± std over seeds", stamp)


def cost_values(bench: Benchmark, dataset: str, cost: str) -> tuple[np.ndarray, str]:
    """Any estimator spec (flops, params, latency:DEVICE, ...) for every arch, by official index."""
    estimator = build_estimator(cost, EstimatorContext(bench, dataset, purpose="score"))
    order = np.asarray(bench.order)
    values = np.full(len(order), np.nan)
    known = order >= 0
    values[known] = estimator.score_many(bench.space.all_choices()[order[known]])
    return values, estimator.label


def pareto_front(cost: np.ndarray, acc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points not beaten by a cheaper-or-equal arch with higher accuracy, sorted by cost."""
    ok = ~(np.isnan(cost) | np.isnan(acc))
    order = np.lexsort((-acc[ok], cost[ok]))
    c, a = cost[ok][order], acc[ok][order]
    keep = a > np.concatenate([[-np.inf], np.maximum.accumulate(a)[:-1]])
    return c[keep], a[keep]


def cost_plot(
    records: list[RunRecord], bench: Benchmark, cost: str, path: Path, stamp: str | None = None
) -> None:
    path = Path(path)
    _check_suffix(path)
    datasets = sorted({r.search_dataset for r in records}, key=SEARCH_DATASETS.index)
    fig, axes = _panels(len(datasets), 5.4, 4.2)
    titles = sorted({r.method_title for r in records})
    colors = {t: f"C{i}" for i, t in enumerate(titles)}  # one colour per method in every panel
    markers = {p: m for p, m in zip(PROTOCOLS, "^o", strict=True)}
    for ax, dataset in zip(axes, datasets, strict=True):
        key = test_key(bench.space.name, dataset)
        acc = np.asarray(bench.values(key))
        x, xlabel = cost_values(bench, dataset, cost)
        ax.scatter(
            x, acc, s=3, c="0.75", alpha=0.35, lw=0, label=f"all {bench.space.size:,} archs", rasterized=True
        )
        fc, fa = pareto_front(x, acc)
        ax.step(fc, fa, where="post", color="k", lw=1.2, label="Pareto front")
        by_method: dict[tuple[str, str], list[int]] = {}
        for r in records:
            if r.search_dataset == dataset:
                by_method.setdefault((r.method_title, r.protocol), []).append(r.final.index)
        for (title, protocol), idx in sorted(by_method.items()):
            idx = np.asarray(idx)
            ax.scatter(
                x[idx],
                acc[idx],
                s=22,
                marker=markers[protocol],
                color=colors[title],
                alpha=0.7,
                label=f"{title} ({protocol}): {len(idx)} runs",
            )
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"test accuracy (%)\n{key}")
        ax.set_title(dataset)
        top = np.nanmax(acc)
        ax.set_ylim(np.nanpercentile(acc, 40), top + 0.05 * (top - np.nanpercentile(acc, 40)))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right", markerscale=1.2)
    _finish(fig, path, "Accuracy vs cost: the space, its Pareto front and the architectures found", stamp)


def correlation_plot(
    estimate: np.ndarray, truth: np.ndarray, est_label: str, truth_label: str, metrics: dict, path: Path
) -> None:
    """Estimate vs truth and rank vs rank, with the headline correlations in the title."""
    path = Path(path)
    _check_suffix(path)
    from scipy.stats import rankdata

    fig, axes = plt.subplots(1, 2, figsize=(10.5, 4.4))
    axes[0].scatter(estimate, truth, s=3, alpha=0.35, lw=0, rasterized=True)
    axes[0].set_xlabel(f"estimate: {est_label}")
    axes[0].set_ylabel(f"ground truth (%)\n{truth_label}")
    axes[1].scatter(rankdata(estimate), rankdata(truth), s=3, alpha=0.35, lw=0, rasterized=True)
    axes[1].set_xlabel("rank of the estimate (1 = lowest)")
    axes[1].set_ylabel("rank of the ground truth")
    for ax in axes:
        ax.grid(alpha=0.3)
    title = (
        f"Kendall tau {metrics['kendall_tau']:.3f}, Spearman {metrics['spearman_rho']:.3f}, "
        f"top-10% tau {metrics['kendall_tau_top10pct']:.3f} ({metrics['n']:,} archs)"
    )
    _finish(fig, path, title, None)


def sweep_plot(records: list[RunRecord], bench: Benchmark, path: Path, stamp: str | None = None) -> None:
    """SGNAS: the space, its Pareto front and the generated arch of every target and seed,
    coloured by target, in the constraint's unit (one panel per constraint and variant; the
    panel title names the variant, e.g. an oracle estimator)."""
    path = Path(path)
    _check_suffix(path)
    records = [r for r in records if r.sweep is not None]
    if not records:
        raise UnknownNameError("no record with a target sweep (generative methods, e.g. SGNAS, have one)")
    panels = sorted({(r.sweep.constraint["name"], row_title(r)) for r in records})
    fig, axes = _panels(len(panels), 5.6, 4.3)
    for ax, (name, title) in zip(axes, panels, strict=True):
        recs = [r for r in records if r.sweep.constraint["name"] == name and row_title(r) == title]
        dataset = recs[0].search_dataset
        key = test_key(bench.space.name, dataset)
        acc = np.asarray(bench.values(key))
        x, xlabel = cost_values(bench, dataset, name)
        ax.scatter(
            x, acc, s=3, c="0.8", alpha=0.35, lw=0, rasterized=True, label=f"all {bench.space.size:,} archs"
        )
        fc, fa = pareto_front(x, acc)
        ax.step(fc, fa, where="post", color="k", lw=1.2, label="Pareto front")
        pts = [(t.target, x[t.index], acc[t.index]) for r in recs for t in r.sweep.targets]
        tg, px, py = map(np.asarray, zip(*pts, strict=True))
        sc = ax.scatter(
            px,
            py,
            c=tg,
            cmap="viridis",
            s=26,
            edgecolor="k",
            lw=0.4,
            label=f"generated ({len(recs)} seeds x {len(recs[0].sweep.targets)} targets)",
        )
        fig.colorbar(sc, ax=ax, label=f"target ({recs[0].sweep.constraint['unit']})")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"test accuracy (%)\n{key}")
        ax.set_title(f"{title}, {name} constraint", fontsize=9)
        lo = np.nanpercentile(acc, 40)
        ax.set_ylim(lo, np.nanmax(acc) + 0.05 * (np.nanmax(acc) - lo))
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    _finish(fig, path, "Generated architectures: one per target", stamp)


SCENARIO_LINES = (
    ("eas", "EAS (ours): task input"),
    ("all_task", "all-task arch (SGNAS)"),
    ("rea", "REA per scenario"),
)


def scenario_plot(records: list[RunRecord], path: Path, stamp: str | None = None, panels: int = 4) -> None:
    """EAS: task accuracy vs budget, one panel per task (the ``panels`` tasks with the most
    budgets), a line each for the task-conditioned arch and the two baselines."""
    path = Path(path)
    _check_suffix(path)
    rows = [t for r in records if r.sweep is not None for t in r.sweep.targets if t.task is not None]
    if not rows:
        raise UnknownNameError("no record with (task, budget) scenarios (EAS runs have them)")
    by_task: dict[tuple, list] = {}
    for t in rows:
        by_task.setdefault(tuple(t.task), []).append(t)
    tasks = sorted(by_task, key=lambda k: (-len(by_task[k]), k))[:panels]
    split = records[0].sweep.summary.get("task_accuracy", {}).get("split", "held-out")
    unit = records[0].sweep.constraint["unit"]
    fig, axes = _panels(len(tasks), 4.6, 3.6)
    for ax, task in zip(axes, tasks, strict=True):
        pts = sorted(by_task[task], key=lambda t: t.target)
        x = [t.target for t in pts]
        for i, (label, title) in enumerate(SCENARIO_LINES):
            y = [
                t.estimated_accuracy
                if label == "eas"
                else (t.baselines.get(label) or {}).get("task_accuracy")
                for t in pts
            ]
            if all(v is None for v in y):
                continue
            y = [np.nan if v is None else v for v in y]
            ax.plot(x, y, marker="o", ms=3.5, lw=1.2, color=f"C{i}", label=title)
        ax.set_title(f"task: superclasses {'+'.join(map(str, task))}", fontsize=9)
        ax.set_xlabel(f"budget ({unit})")
        ax.set_ylabel(f"task accuracy (%), {split}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    _finish(fig, path, "Task accuracy vs budget (inherited supernet weights)", stamp)


def trained_plot(
    points: list[dict], path: Path, ylabel: str, stamp: str | None = None, subtitle: str | None = None
) -> None:
    """Networks trained with one recipe: accuracy vs parameters, a colour per group (MGAS at
    its targets, the weight-sharing cells, the best table cells of the same size). Each point:
    ``{"group", "label", "params_M", "accuracy"}``, and ``"line": False`` for a group whose
    points are not a series (drawn unconnected)."""
    path = Path(path)
    _check_suffix(path)
    if not points:
        raise UnknownNameError("no trained networks to plot")
    fig, axes = _panels(1, 7.2, 4.8)
    ax = axes[0]
    groups = list(dict.fromkeys(p["group"] for p in points))
    for i, group in enumerate(groups):
        pts = sorted((p for p in points if p["group"] == group), key=lambda p: p["params_M"])
        connect = len(pts) > 1 and all(p.get("line", True) for p in pts)
        ax.plot(
            [p["params_M"] for p in pts],
            [p["accuracy"] for p in pts],
            marker="os^Dv"[i % 5],
            ls="-" if connect else "none",
            color=f"C{i}",
            label=group,
        )
        for p in pts:
            ax.annotate(
                p["label"],
                (p["params_M"], p["accuracy"]),
                fontsize=6,
                xytext=(3, 3),
                textcoords="offset points",
            )
    ax.set_xlabel("parameters (M, exact)")
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="best")
    title = "Accuracy vs parameters: networks trained with one recipe"
    _finish(fig, path, f"{title}\n{subtitle}" if subtitle else title, stamp)
