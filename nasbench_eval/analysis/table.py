"""NB201-style accuracy tables from run records: mean +- std over seeds per method.

Rows group records by (method, protocol, search dataset). Columns are the six
conventional ones (C10 val/test, C100 val/test, IN16 val/test) at the benchmark's final
epochs; a column the benchmark lacks is ``n/a``, never a number from another key. The
std is the population std over seeds (numpy's default, as the NB201 code reports it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np

from ..bench import Benchmark
from ..errors import ArchError, UnknownNameError
from ..protocols import PROTOCOLS, REPORT_COLUMNS, SEARCH_DATASETS, report_keys
from ..records import RunRecord

COLUMNS = [label for label, _ in REPORT_COLUMNS]
REFERENCES = ("nb201",)
#: row order of the methods a paper's table lists (others follow, by name)
PAPER_ORDER = ("rsps", "darts-v1", "darts-v2", "gdas", "setn", "enas", "rs", "rea", "reinforce", "bohb")


@dataclass
class Row:
    label: str
    cells: list[tuple[float, float, int] | None]  # (mean, std, n) per column, None = n/a
    cost: str = ""
    notes: list[str] = field(default_factory=list)


def column_keys(space: str) -> list[str]:
    return list(report_keys(space).values())


def method_rows(records: list[RunRecord]) -> list[Row]:
    groups: dict[tuple, list[RunRecord]] = {}
    for r in records:
        groups.setdefault((row_title(r), r.protocol, r.search_dataset, r.space), []).append(r)

    def order(item):  # protocol, search dataset, then the papers' method order
        (label, protocol, dataset, _), recs = item
        method = recs[0].method
        rank = PAPER_ORDER.index(method) if method in PAPER_ORDER else len(PAPER_ORDER)
        return (
            PROTOCOLS.index(protocol) if protocol in PROTOCOLS else len(PROTOCOLS),
            SEARCH_DATASETS.index(dataset) if dataset in SEARCH_DATASETS else len(SEARCH_DATASETS),
            rank,
            method,
            label,
        )

    rows = []
    for (title, protocol, dataset, space), recs in sorted(groups.items(), key=order):
        cells = []
        for key in column_keys(space):
            vals = np.array([r.final_metrics.get(key) for r in recs], dtype=float)
            complete = not np.isnan(vals).any()  # a mean over some seeds only would mislead
            cells.append((float(vals.mean()), float(vals.std()), len(vals)) if complete else None)
        rows.append(Row(f"{title} ({protocol}, {dataset})", cells, budget_used(recs)))
    return rows


def row_title(r: RunRecord) -> str:
    """The method's title with every variant that makes its row a different experiment:
    an oracle estimator, a one-shot search's length and image limit, a size target and the
    searched levels (MGAS), our decoding, a sub-space, a query budget where the protocol has a
    time budget."""
    tags = []
    if r.estimator.get("oracle"):
        tags.append("oracle estimator")
    elif r.kind == "one-shot":  # supernet searches differ by their length (NATS: 100 epochs)
        tags.append(f"{r.budget.used:g} epoch" + ("s" if r.budget.used != 1 else ""))
        if r.config.get("limit_train"):
            tags.append(f"first {r.config['limit_train']:,} images")
    elif r.kind == "generative" and r.estimator.get("kind") not in (None, "supernet"):
        tags.append(f"{r.estimator['kind']} estimator, ours")
    for measure in ("params", "flops"):  # size-targeted searches (MGAS)
        if r.config.get(f"target_{measure}") is not None:
            tags.append(f"{measure} target {r.config[f'target_{measure}']:g} M")
    if r.config.get("levels") not in (None, "all"):
        tags.append(f"levels {r.config['levels']}")
    if r.kind == "space-learning":
        fitness = "supernet fitness" if r.config.get("fitness") == "supernet" else "table fitness, ours"
        tags.append(f"{fitness}, best member")
        if r.config.get("constraint"):
            tags.append(f"{r.config['constraint']} <= {r.config['max_cost']:g}")
    if r.config.get("decode") == "constrained":
        tags.append("constrained decoding, ours")
    if r.kind == "multi-trial" and r.estimator.get("kind") == "zero-cost":
        tags.append(f"estimator {r.estimator['spec']}")
    if r.prior_estimator:
        tags.append(f"warm-up: best of {r.config.get('warmup')} by {r.prior_estimator.get('spec')}")
    if r.subspace:
        tags.append(f"sub-space {r.subspace}")
    if r.kind == "multi-trial" and r.budget.unit == "queries":
        tags.append("query budget")
    return r.method_title + "".join(f" [{t}]" for t in tags)


def benchmark_rows(bench: Benchmark) -> list[Row]:
    """The rows every NB201-style table shows from the benchmark itself: the optimum and
    the ResNet cell."""
    return [optimal_row(bench), *filter(None, [resnet_row(bench)])]


#: the benchmark's own ResNet cell (NAS-Bench-201 Sec. 2.1): index 11472
RESNET_ARCH = "|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"


def resnet_row(bench: Benchmark) -> Row | None:
    """The ResNet cell's values in this benchmark (topology space only), beside the published row."""
    try:
        index = bench.index_of(RESNET_ARCH)
    except (ArchError, ValueError):
        return None
    cells = []
    for key in column_keys(bench.space.name):
        value = bench.query(key, index) if bench.has(key) else float("nan")
        cells.append(None if np.isnan(value) else (value, float("nan"), 0))
    return Row(f"ResNet (this benchmark, index {index})", cells, "no search (a fixed cell)")


def optimal_row(bench: Benchmark) -> Row:
    """Each column's best value over the whole space; n/a unless every arch has a value."""
    cells = []
    for key in column_keys(bench.space.name):
        if bench.has(key) and not np.isnan(bench.values(key)).any():
            cells.append((bench.best(key)[1], float("nan"), 0))
        else:
            cells.append(None)
    return Row("optimal (this benchmark)", cells, "the whole table (each column's best)")


def reference_note(name: str) -> str:
    data = _published(name)
    return f"Published rows: {data['title']}. Sources: {data['source']}."


def budget_used(recs: list[RunRecord]) -> str:
    """The mean budget the records used, in their unit ('12,000 s', '200 queries', '1 epoch')."""
    used, unit = np.mean([r.budget.used for r in recs]), recs[0].budget.unit
    extra = ""
    if recs[0].prior_estimator:  # a zero-cost warm-up: free in the budget, not free to compute
        extra = f" + {recs[0].config.get('warmup', 0):,} zero-cost scores"
    if unit == "seconds":
        return f"{used:,.0f} s{extra}"
    if unit.startswith("epochs") and used == 1:
        unit = unit.replace("epochs", "epoch", 1)
    return f"{used:,.0f} {unit}{extra}"


def run_summary(records: list[RunRecord]) -> str:
    """A short table for the end of ``run``: per method and search, the seeds, the final
    test accuracy (mean ± std over seeds) and the budget used."""
    from ..protocols import test_key

    groups: dict[tuple, list[RunRecord]] = {}
    for r in records:
        groups.setdefault((row_title(r), r.protocol, r.search_dataset, r.space), []).append(r)
    lines = []
    for (title, protocol, dataset, space), recs in groups.items():
        key = test_key(space, dataset)
        acc = np.array([r.final_metrics.get(key, np.nan) for r in recs], dtype=float)
        text = (
            "n/a"
            if np.isnan(acc).any()
            else f"{acc.mean():.2f}" + (f" ± {acc.std():.2f}" if len(acc) > 1 else "")
        )
        lines.append(
            f"  {title} ({protocol}, {dataset}): {len(recs)} seed(s), {key} {text}, "
            f"budget used {budget_used(recs)}"
        )
    return "\n".join(lines)


def _published(name: str) -> dict:
    if name not in REFERENCES:
        raise UnknownNameError(f"unknown reference {name!r}; expected one of {', '.join(REFERENCES)}")
    path = resources.files("nasbench_eval.analysis").joinpath(f"published_{name}.json")
    return json.loads(path.read_text())


def reference_rows(name: str) -> list[Row]:
    rows = []
    for r in _published(name)["rows"]:
        cells = [(m, float("nan") if s is None else s, -1) for m, s in r["values"]]
        cost = f"{r['search_s']:,} s" if r.get("search_s") else ""
        rows.append(Row(f"{r['method']} [published]", cells, cost))
    return rows


def _cell(cell) -> str:
    if cell is None:
        return "n/a"
    mean, std, n = cell
    text = f"{mean:.2f}"
    if not np.isnan(std) and n != 1:  # one seed has no spread to show
        text += f" ± {std:.2f}"
    return text + (f" ({n})" if n > 0 else "")


def render(rows: list[Row], fmt: str) -> str:
    header = ["method", *COLUMNS, "search cost"]
    body = [[r.label, *map(_cell, r.cells), r.cost] for r in rows]
    if fmt == "csv":
        import csv
        import io

        buf = io.StringIO()
        w = csv.writer(buf)
        w.writerow(["method", *[f"{c} {p}" for c in COLUMNS for p in ("mean", "std", "n")], "search cost"])
        for r in rows:
            flat = []
            for c in r.cells:
                if c is None:
                    flat += ["", "", ""]
                else:
                    std = "" if np.isnan(c[1]) else f"{c[1]:.4f}"
                    flat += [f"{c[0]:.4f}", std, str(c[2]) if c[2] > 0 else ""]
            w.writerow([r.label, *flat, r.cost])
        return buf.getvalue()
    if fmt == "latex":
        lines = [
            r"\begin{tabular}{l" + "c" * (len(header) - 1) + "}",
            r"\toprule",
            " & ".join(header) + r" \\",
            r"\midrule",
        ]
        lines += [" & ".join(c.replace("±", r"$\pm$") for c in row) + r" \\" for row in body]
        return "\n".join([*lines, r"\bottomrule", r"\end{tabular}"]) + "\n"
    if fmt != "markdown":
        raise UnknownNameError(f"unknown table format {fmt!r}; expected markdown, latex or csv")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines) + "\n"
