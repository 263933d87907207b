"""What a sub-space holds, against the full space: its size, the distribution of its
members' benchmark accuracies (12-epoch validation, final test) and costs, how many of
the space's best archs it keeps, and its best member.

Used for AutoSpace's learned spaces (stored in the record) and by ``data subspace``.
"""

from __future__ import annotations

import numpy as np

from ..bench import Benchmark
from ..datasets import get_dataset
from ..estimators.base import by_code
from ..protocols import get_protocol, test_key


def metric_columns(bench: Benchmark, dataset: str) -> dict[str, str]:
    """label -> metric key of the columns a sub-space summary shows."""
    space = bench.space.name
    cost = get_dataset(dataset).cost_name
    return {
        "validation": get_protocol("nats", space, dataset).search_key,
        "test": test_key(space, dataset),
        "flops": f"{cost}/-/flops/-/-",
        "params": f"{cost}/-/params/-/-",
    }


def _stats(values: np.ndarray) -> dict:
    v = values[~np.isnan(values)]
    if len(v) == 0:
        return {"n": 0}
    q10, median, q90 = np.percentile(v, [10, 50, 90])
    return {
        "n": int(len(v)),
        "mean": float(v.mean()),
        "min": float(v.min()),
        "q10": float(q10),
        "median": float(median),
        "q90": float(q90),
        "max": float(v.max()),
    }


def subspace_summary(bench: Benchmark, codes: np.ndarray, dataset: str) -> dict:
    """Summary of the archs with these codes (of ``bench.space``) against the whole space."""
    codes = np.unique(np.asarray(codes, np.int64))
    out: dict = {"size": int(len(codes)), "space_size": int(bench.space.size), "columns": {}}
    for label, key in metric_columns(bench, dataset).items():
        if not bench.has(key):
            continue
        column = by_code(bench, bench.values(key))
        out["columns"][label] = {"key": key, "members": _stats(column[codes]), "space": _stats(column)}
        if label == "test" and not np.isnan(column).all():
            ranks = np.argsort(np.argsort(-np.nan_to_num(column, nan=-np.inf)))  # 0 = best
            for share in (0.01, 0.05):
                top = ranks < int(np.ceil(share * bench.space.size))
                out[f"share_of_top_{share:.0%}_kept"] = float(top[codes].sum() / top.sum())
                out[f"members_in_top_{share:.0%}"] = float(top[codes].mean())
            best = codes[np.nanargmax(column[codes])]
            out["best_member"] = {
                "arch": bench.space.format(bench.space.from_code(int(best))),
                "index": int(bench.index_by_code[best]),
                "test": float(column[best]),
                "rank_in_space": int(ranks[best]) + 1,
            }
    return out


def summary_lines(summary: dict) -> list[str]:
    """The summary as text (``data subspace``, ``run``)."""
    lines = [
        f"{summary['size']:,} archs of {summary['space_size']:,} "
        f"({summary['size'] / summary['space_size']:.2%} of the space)"
    ]
    for label, col in summary["columns"].items():
        m, s = col["members"], col["space"]
        if not m.get("n"):
            continue
        lines.append(
            f"  {label:<10} members median {m['median']:8.2f} (q10 {m['q10']:.2f}, max {m['max']:.2f})"
            f"   space median {s['median']:8.2f} (q10 {s['q10']:.2f}, max {s['max']:.2f})   {col['key']}"
        )
    if "best_member" in summary:
        b = summary["best_member"]
        lines.append(
            f"  best member: {b['arch']} (index {b['index']}), test {b['test']:.2f}, "
            f"rank {b['rank_in_space']:,} in the space"
        )
        lines.append(
            f"  keeps {summary['share_of_top_1%_kept']:.1%} of the space's top 1% by test accuracy; "
            f"{summary['members_in_top_5%']:.1%} of its members are in the top 5%"
        )
    return lines
