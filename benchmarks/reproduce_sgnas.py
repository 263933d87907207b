#!/usr/bin/env python3
"""Reproduce SGNAS (table estimator, the nasbench-eval variant) on NATS-tss / NB201.

Writes ``reports/sgnas/``: ``table.md`` (the NB201 row over seeds next to the published
SGNAS and baseline rows), ``sweep.md`` (controllability and regret per constraint),
``sweep.png`` (generated archs on the accuracy-vs-cost plane), ``STAMP.json``; each stamped
with the command, commit and data md5s.

usage: python benchmarks/reproduce_sgnas.py [--out reports/sgnas] [--seeds 0-9]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["../shared/data/nb201/tss_accuracy.csv", "../shared/data/nb201/tss_hardware.csv"]
SWEEPS = [("flops", None, "0-9"), ("params", None, "0-2"), ("latency:edgegpu", None, "0-2")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "sgnas")
    a = ap.parse_args()
    from nasbench_eval.analysis.plots import sweep_plot
    from nasbench_eval.analysis.table import method_rows, optimal_row, reference_note, reference_rows, render
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch
    from nasbench_eval.provenance import stamp
    from nasbench_eval.records import load_record
    from nasbench_eval.runs.runner import parse_seeds, run_seeds
    from nasbench_eval.runs.spec import RunSpec

    home = Path(tempfile.mkdtemp(prefix="nbe-home-"))
    runs = Path(tempfile.mkdtemp(prefix="nbe-sgnas-"))
    for src in SOURCES:
        import_batch(home, read_source(ROOT / src))
    bench = open_benchmark("nats-tss", home)
    records, seconds = [], []
    for constraint, targets, seeds in SWEEPS:
        spec = RunSpec("sgnas", config={"constraint": constraint, "targets": targets}, home=str(home))
        for seed in parse_seeds(seeds):
            start = time.perf_counter()
            (path,), _ = run_seeds(spec, [seed], runs / constraint.replace(":", "_"))
            records.append(load_record(path))
            seconds.append(time.perf_counter() - start)
    st = stamp(bench.sources, root=ROOT)
    a.out.mkdir(parents=True, exist_ok=True)
    flops = [r for r in records if r.sweep.constraint["name"] == "flops"]
    rows = method_rows(flops) + [optimal_row(bench)] + reference_rows("nb201")
    (a.out / "table.md").write_text(
        f"<!-- {st.line} -->\n\nSGNAS with the table estimator (a nasbench-eval variant), FLOPs targets, "
        f"{len(flops)} seeds; per seed the generated arch with the best estimated (12-epoch) validation "
        f"accuracy over the target sweep.\n\n{render(rows, 'markdown')}\n{reference_note('nb201')}\n"
    )
    lines = [
        f"<!-- {st.line} -->",
        "",
        "| constraint | seeds | targets | Kendall tau (target vs achieved) | "
        "median rel. error | within 5% | achievable within 5% | median regret C10 / C100 / IN16 test |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for constraint, _, _ in SWEEPS:
        recs = [r for r in records if r.sweep.constraint["name"] == constraint]
        s = [r.sweep.summary for r in recs]

        def ms(values):
            v = np.asarray(values, float)
            return f"{v.mean():.3f} ± {v.std():.3f}"

        reg = " / ".join(
            ms([x["regret"][k]["median"] for x in s]) for k in ("C10 test", "C100 test", "IN16 test")
        )
        lines.append(
            f"| {constraint} ({recs[0].sweep.constraint['unit']}) | {len(recs)} | "
            f"{len(recs[0].sweep.targets)} | "
            f"{ms([x['kendall_tau_target_vs_achieved'] for x in s])} | "
            f"{ms([x['median_relative_error'] for x in s])} | "
            f"{ms([x['share_within_5pct'] for x in s])} | {s[0]['achievable_within_5pct']:.2f} | {reg} |"
        )
    lines += [
        "",
        "Cells: mean ± std over seeds. Regret per target = best test accuracy among all archs whose "
        "cost is within 5% above the target (or below it) minus the generated arch's test accuracy; "
        "'achievable within 5%' = share of targets for which some arch of the space lies within 5%.",
    ]
    (a.out / "sweep.md").write_text("\n".join(lines) + "\n")
    sweep_plot(records, bench, a.out / "sweep.png", stamp=st.line)
    (a.out / "STAMP.json").write_text(
        json.dumps(
            {
                **st.to_dict(),
                "sweeps": SWEEPS,
                "seconds_per_run": {"mean": float(np.mean(seconds)), "max": float(np.max(seconds))},
            },
            indent=1,
        )
        + "\n"
    )
    print(f"{len(records)} SGNAS runs, {np.mean(seconds):.1f} s each on average; outputs in {a.out}")


if __name__ == "__main__":
    main()
