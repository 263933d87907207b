#!/usr/bin/env python3
"""Zero-cost proxy speed: archs/s per proxy, and for all proxies in one shared pass, against
the naive loop (one network built and scored per arch per proxy, nothing shared).

Targets (issue 13): all proxies together >= 2x the naive loop; all eight proxies for 1,000
archs in under 30 minutes on 2 CPU cores (projected here from N archs; the report's
1,000-arch run measures it directly). No cache is read or written.

usage: python benchmarks/zerocost_speed.py --data-root DIR [--archs 20] [--device cpu]
       [--threads 2] [--dataset cifar10] [--no-verify] [--out speed.json]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

PROXIES = ("grad_norm", "snip", "grasp", "fisher", "jacob_cov", "naswot", "synflow", "zen")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-root", required=True)
    ap.add_argument("--splits", default=None)
    ap.add_argument("--dataset", default="cifar10")
    ap.add_argument("--archs", type=int, default=20)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    import torch

    torch.set_num_threads(a.threads)
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.estimators.zero_cost import ZeroCostEstimator
    from nasbench_eval.proxies import Probe
    from nasbench_eval.proxies.base import full_precision

    bench = open_benchmark("nats-tss")
    est = ZeroCostEstimator(
        bench,
        a.dataset,
        list(PROXIES),
        data_root=a.data_root,
        splits_dir=a.splits,
        device=a.device,
        verify=not a.no_verify,
        cache=False,
    )
    images = est._images(max(p.batch_size(est.options[n]) for n, p in est.proxies.items() if p.needs))
    space = bench.space
    codes = np.random.default_rng(0).choice(space.size, a.archs, replace=False)

    def probe(code):
        return Probe(
            space,
            space.from_code(int(code)),
            a.dataset,
            seed=0,
            code=int(code),
            images=images,
            device=a.device,
        )

    def sync():
        if a.device.startswith("cuda"):
            torch.cuda.synchronize()

    def timed(fn) -> float:
        sync()
        start = time.perf_counter()
        fn()
        sync()
        return time.perf_counter() - start

    def one_pass(names):
        with full_precision():
            _one_pass(names)

    def _one_pass(names):
        for code in codes:
            p = probe(code)
            for n in names:
                if est.proxies[n].needs:
                    p.request(est.proxies[n].batch_size(est.options[n]), est.proxies[n].needs)
            for n in names:
                est.proxies[n].score(p, est.options[n])

    one_pass(PROXIES[:1])  # warm-up (kernels, allocator)
    naive = {n: timed(lambda n=n: one_pass([n])) for n in PROXIES}
    shared = timed(lambda: one_pass(PROXIES))
    seven = [n for n in PROXIES if n != "grasp"]  # grasp's Hessian-gradient product cannot be shared
    shared_seven = timed(lambda: one_pass(seven))
    naive_total = sum(naive.values())
    naive_seven = naive_total - naive["grasp"]
    out = {
        "archs": a.archs,
        "device": a.device,
        "threads": a.threads,
        "per_proxy_archs_per_second": {n: a.archs / t for n, t in naive.items()},
        "naive_loop_seconds": naive_total,
        "shared_pass_seconds": shared,
        "speedup_vs_naive": naive_total / shared,
        "without_grasp": {
            "naive_seconds": naive_seven,
            "shared_seconds": shared_seven,
            "speedup": naive_seven / shared_seven,
        },
        "projected_minutes_for_1000_archs": shared / a.archs * 1000 / 60,
    }
    for n, t in naive.items():
        print(f"{n:<10} {a.archs / t:8.2f} archs/s (alone)")
    print(f"naive loop, all eight: {naive_total / a.archs:.3f} s/arch")
    print(f"shared pass, all eight: {shared / a.archs:.3f} s/arch ({a.archs / shared:.2f} archs/s)")
    print(f"speed-up vs naive loop: {naive_total / shared:.2f}x (target >= 2x)")
    print(
        f"the seven without grasp: {naive_seven / shared_seven:.2f}x "
        f"({naive_seven / a.archs:.3f} vs {shared_seven / a.archs:.3f} s/arch)"
    )
    print(
        f"projected 1,000 archs, all eight: {out['projected_minutes_for_1000_archs']:.1f} min (target < 30)"
    )
    if a.out:
        Path(a.out).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
