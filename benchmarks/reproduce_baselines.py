#!/usr/bin/env python3
"""Reproduce the multi-trial baselines (RS, REA, REINFORCE, BOHB) on NATS-tss, 100 seeds,
under the NB201 and the NATS protocol, and write table + plots into ``reports/``.

Every output is stamped with the command, the git commit and the md5 of the data sources;
``records.csv`` keeps each run's final architecture and metrics (the full JSON records go to
``--runs``, not committed). The wall time printed at the end is the end-to-end figure.

usage: python benchmarks/reproduce_baselines.py [CONFIG] [--out reports/baselines]
       [--runs DIR] [--home DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("config", nargs="?", default=ROOT / "benchmarks" / "reproduce_baselines.json", type=Path)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "baselines")
    ap.add_argument("--runs", type=Path, default=None, help="where the JSON records go (default: temp)")
    ap.add_argument("--home", type=Path, default=None, help="benchmark store (default: temp, imported)")
    a = ap.parse_args()
    cfg = json.loads(a.config.read_text())

    from nasbench_eval.analysis.plots import cost_plot, trajectory_plot
    from nasbench_eval.analysis.table import method_rows, optimal_row, reference_note, reference_rows, render
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch
    from nasbench_eval.provenance import stamp
    from nasbench_eval.records import find_records
    from nasbench_eval.runs.runner import parse_seeds, run_seeds
    from nasbench_eval.runs.spec import RunSpec

    home = a.home or Path(tempfile.mkdtemp(prefix="nbe-home-"))
    runs = a.runs or Path(tempfile.mkdtemp(prefix="nbe-runs-"))
    t0 = time.perf_counter()
    for src in cfg["sources"]:
        import_batch(home, read_source(ROOT / src))  # relative paths: from the project root
    t_import = time.perf_counter() - t0
    bench = open_benchmark(cfg["space"], home)
    seeds = parse_seeds(cfg["seeds"])
    t1 = time.perf_counter()
    for search in cfg["searches"]:
        for method in cfg["methods"]:
            spec = RunSpec(
                method,
                cfg["space"],
                search["protocol"],
                search["dataset"],
                config=cfg["method_configs"].get(method, {}),
                home=str(home),
            )
            run_seeds(spec, seeds, runs, workers=cfg["workers"], overwrite=True)
    t_runs = time.perf_counter() - t1
    records = [r for _, r in find_records([runs])]

    a.out.mkdir(parents=True, exist_ok=True)
    st = stamp(bench.sources, root=ROOT)
    sources = ", ".join(f"{name} md5 {md5}" for name, md5 in st.data)
    rows = method_rows(records) + [optimal_row(bench)] + reference_rows("nb201")
    (a.out / "table.md").write_text(
        f"<!-- {st.line} -->\n\n{render(rows, 'markdown')}\n{reference_note('nb201')}\n\n"
        f"Made by `{st.command}` at commit `{st.commit}` from {sources}.\n"
    )
    trajectory_plot(records, bench, a.out / "trajectory.png", stamp=st.line)
    cost_plot(records, bench, cfg["cost_plot"], a.out / "cost.png", stamp=st.line)
    with open(a.out / "records.csv", "w", newline="") as f:
        w = csv.writer(f)
        keys = list(records[0].final_metrics)
        w.writerow(
            [
                "method",
                "protocol",
                "search_dataset",
                "seed",
                "budget_used",
                "budget_unit",
                "final_index",
                "final_arch",
                *keys,
            ]
        )
        for r in sorted(records, key=lambda r: (r.method, r.protocol, r.search_dataset, r.seed)):
            w.writerow(
                [
                    r.method,
                    r.protocol,
                    r.search_dataset,
                    r.seed,
                    r.budget.used,
                    r.budget.unit,
                    r.final.index,
                    r.final.arch,
                    *["" if r.final_metrics[k] is None else r.final_metrics[k] for k in keys],
                ]
            )
    (a.out / "STAMP.json").write_text(
        json.dumps(
            {
                **st.to_dict(),
                "config": cfg,
                "runs": len(records),
                "seconds": {"import": round(t_import, 2), "search": round(t_runs, 2)},
            },
            indent=1,
        )
        + "\n"
    )
    print(
        f"{len(records)} runs ({len(cfg['methods'])} methods x {len(cfg['searches'])} searches x "
        f"{len(seeds)} seeds) in {t_runs:.1f} s with {cfg['workers']} workers "
        f"(+ {t_import:.1f} s import); outputs in {a.out}"
    )


if __name__ == "__main__":
    main()
