#!/usr/bin/env python3
"""Query speed of our store vs the official ``nats_bench`` API on the same official archive.

Writes an official-format NATS-tss "simple" archive with ../shared/tools/make_nats_archive.py
(``--count`` records, default 2000; 15625 for the full size), imports it, and measures in
one run: opening our store, one query, a vectorised query of every arch, resident memory,
and the same lookups through ``nats_bench`` (fast mode, cold = first query of an arch,
warm = repeated). Prints each figure and the ratios. Targets (issue 3): vectorised query of
all 15,625 archs <= 1 ms, single query <= 5 us, opening <= 50 ms, resident memory <= 100 MB.

usage: python benchmarks/query_speed.py [--count N] [--workdir DIR] [--nats-archs K]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import timeit
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TOOL = ROOT.parent / "shared" / "tools" / "make_nats_archive.py"
KEY = "cifar10/ori-test/accuracy/200/mean"


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def best_of(fn, repeat=7, number=1) -> float:
    return min(timeit.repeat(fn, repeat=repeat, number=number)) / number


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--nats-archs", type=int, default=200, help="archs queried through nats_bench")
    a = ap.parse_args()
    work = a.workdir or Path(tempfile.mkdtemp(prefix="nbe-speed-"))
    archive = work / "NATS-tss-v1_0-3ffb9-simple"
    if not (archive / f"{a.count - 1:06d}.pickle.pbz2").exists():
        t = time.perf_counter()
        subprocess.run([sys.executable, str(TOOL), str(work), "--count", str(a.count)], check=True)
        print(f"wrote {a.count} official records in {time.perf_counter() - t:.1f} s")

    from nasbench_eval import open_benchmark
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch

    home = work / "home"
    t = time.perf_counter()
    report = import_batch(home, read_source(archive, workers=2))
    print(
        f"import: {a.count} records, {report.keys} metrics in {time.perf_counter() - t:.1f} s "
        f"(2 workers){' [already imported]' if report.skipped else ''}"
    )

    rss0 = rss_mb()
    t_open = best_of(lambda: open_benchmark("nats-tss", home), repeat=20)
    bench = open_benchmark("nats-tss", home)
    first = time.perf_counter()
    bench.query(KEY, 0)
    t_first = time.perf_counter() - first
    t_single = best_of(lambda: bench.query(KEY, 1234), number=20000)
    every = np.arange(15625)
    t_vector = best_of(lambda: bench.query(KEY, every), number=200)
    t_values = best_of(lambda: bench.values(KEY)[every], number=200)
    rss = rss_mb() - rss0
    covered = int((~np.isnan(bench.query(KEY))).sum())

    import nats_bench

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        api = nats_bench.create(str(archive), "tss", fast_mode=True, verbose=False)
        t_nats_open = time.perf_counter() - t
    archs = range(min(a.nats_archs, a.count))

    def nats_all():
        return [api.get_more_info(i, "cifar10", hp="200", is_random=False)["test-accuracy"] for i in archs]

    t = time.perf_counter()
    cold = nats_all()
    t_nats_cold = (time.perf_counter() - t) / len(archs)
    t_nats_warm = best_of(nats_all, repeat=3) / len(archs)
    ours = bench.query(KEY, np.array(archs))
    assert np.allclose(cold, ours), "nats_bench and our store disagree"

    print(f"\n{'measure':<44}{'nasbench-eval':>16}{'nats_bench':>14}{'ratio':>10}")
    rows = [
        ("open the tss benchmark", t_open, t_nats_open),
        ("first query after opening", t_first, t_nats_cold),
        ("single query (warm)", t_single, t_nats_warm),
        ("query all 15,625 archs (vectorised)", t_vector, t_nats_warm * 15625),
    ]
    for name, ours_t, peer in rows:
        print(f"{name:<44}{ours_t * 1e6:>13.1f} us{peer * 1e6:>11.0f} us{peer / ours_t:>9.0f}x")
    print(f"{'  of which the array gather alone':<44}{t_values * 1e6:>13.1f} us")
    print(f"resident memory of the opened store: {rss:.1f} MB (target <= 100 MB)")
    print(
        f"archs with {KEY}: {covered} of 15625; nats_bench timed on {len(archs)} archs "
        f"(cold = first query, loads the arch's file)"
    )
    print("targets: vectorised <= 1000 us, single <= 5 us, open <= 50000 us")
    from nasbench_eval.provenance import stamp

    print(f"stamp: {stamp(bench.sources).line}")


if __name__ == "__main__":
    main()
