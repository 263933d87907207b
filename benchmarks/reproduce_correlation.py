#!/usr/bin/env python3
"""Reference points for rank correlation on NATS-tss, cifar10-valid, all 15,625 cells.

Table-only estimators against the 200-epoch validation accuracy (mean over seeds): the
12-epoch accuracy, params, FLOPs, a hardware latency; and one seed of the 200-epoch test
accuracy against the mean over seeds. Writes ``reports/correlation/`` (one JSON record per
estimator, ``summary.md``, scatter plots), stamped with command, commit and data md5s.

usage: python benchmarks/reproduce_correlation.py [--out reports/correlation] [--extra RECORD.json ...]
  --extra adds already-made records (e.g. a supernet run of 'nasbench-eval correlate') to the summary.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["../shared/data/nb201/tss_accuracy.csv", "../shared/data/nb201/tss_hardware.csv"]
RUNS = [
    ("cifar10-valid/x-valid/accuracy/12/mean", None),
    ("params", None),
    ("flops", None),
    ("latency:edgegpu", None),
    ("cifar10-valid/ori-test/accuracy/200/seed888", "cifar10-valid/ori-test/accuracy/200/mean"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "correlation")
    ap.add_argument("--extra", type=Path, nargs="*", default=[])
    ap.add_argument("--note", default="", help="a paragraph appended to summary.md")
    a = ap.parse_args()
    import numpy as np

    from nasbench_eval.analysis.plots import correlation_plot
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.layout import write_json_atomic
    from nasbench_eval.provenance import stamp
    from nasbench_eval.runs.correlate import correlate

    home = Path(tempfile.mkdtemp(prefix="nbe-home-"))
    from nasbench_eval.bench.store import import_batch

    for src in SOURCES:
        import_batch(home, read_source(ROOT / src))
    bench = open_benchmark("nats-tss", home)
    a.out.mkdir(parents=True, exist_ok=True)
    st = stamp(bench.sources, root=ROOT)
    command = st.command
    records = []
    for spec, truth in RUNS:
        r = correlate(bench, "cifar10-valid", spec, truth=truth)
        slug = "".join(c if c.isalnum() or c in "-._" else "_" for c in spec)
        r["command"] = command
        write_json_atomic(a.out / f"{slug}.json", r)
        correlation_plot(
            np.asarray(r["estimates"]),
            bench.query(r["truth"], r["indices"]),
            spec,
            r["truth"],
            r["metrics"],
            a.out / f"{slug}.png",
        )
        records.append(r)
    records += [json.loads(p.read_text()) for p in a.extra]
    lines = [
        f"<!-- {st.line} -->",
        "",
        "NATS-tss, cifar10-valid. Kendall tau with its bootstrap 95% interval (1,000 resamples, seed 0).",
        "",
        "| estimator | truth | archs | Kendall tau [95% CI] | Spearman | Pearson | P@10 | P@50 | P@100 "
        "| tau top 10% | sparse tau |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        m = r["metrics"]
        lo, hi = m["kendall_tau_ci95"]
        lines.append(
            f"| {r['estimator']['spec']} | {r['truth']} | "
            f"{r['archs']['used']:,} ({r['archs']['selection']}) | "
            f"{m['kendall_tau']:.3f} [{lo:.3f}, {hi:.3f}] | {m['spearman_rho']:.3f} | {m['pearson_r']:.3f} | "
            f"{m['precision_at_10']:.2f} | {m['precision_at_50']:.2f} | {m['precision_at_100']:.2f} | "
            f"{m['kendall_tau_top10pct']:.3f} | {m['sparse_kendall_tau']:.3f} |"
        )
    if a.note:
        lines += ["", a.note]
    (a.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
