#!/usr/bin/env python3
"""Start-up time of the command line against the nats_bench one-liner, same run.

Each command runs as a fresh process (median of --repeat); the peer is a 3-line nats_bench
script answering the same query from the official sample archive. Targets (issue 11):
`--help`, `query`, `data info` and `list` under 0.3 s on 2 cores.

usage: python benchmarks/startup_speed.py [--repeat 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared/data/nb201/nats-official-sample/NATS-tss-v1_0-3ffb9-simple"
PEER = (
    "from nats_bench import create\n"
    f"api = create({str(SAMPLE)!r}, 'tss', fast_mode=True, verbose=False)\n"
    "print(api.get_more_info(284, 'cifar10', hp='200')['test-accuracy'])\n"
)


def seconds(cmd: list[str], repeat: int, env=None) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    a = ap.parse_args()
    import os

    from nasbench_eval.provenance import stamp

    home = tempfile.mkdtemp(prefix="nbe-home-")
    env = {**os.environ, "NASBENCH_EVAL_HOME": home}
    cli = [sys.executable, "-m", "nasbench_eval"]
    subprocess.run([*cli, "data", "import", str(SAMPLE)], check=True, capture_output=True, env=env)
    query = [
        "query",
        "284",
        "--space",
        "tss",
        "--dataset",
        "cifar10",
        "--split",
        "ori-test",
        "--measure",
        "accuracy",
        "--epochs",
        "200",
    ]
    rows = [
        (name, seconds([*cli, *args], a.repeat, env))
        for name, args in (
            ("--help", ["--help"]),
            ("query (one arch)", query),
            ("data info", ["data", "info"]),
            ("list", ["list"]),
        )
    ]
    peer = seconds([sys.executable, "-c", PEER], a.repeat)
    print(f"{'command':<20}{'seconds':>9}  (median of {a.repeat} fresh processes; target < 0.3 s)")
    for name, s in rows:
        print(f"{name:<20}{s:>9.3f}")
    print(f"{'nats_bench one-liner':<20}{peer:>9.3f}  (same query; ours / peer = {rows[1][1] / peer:.2f})")
    print(f"stamp: {stamp([]).line}")


if __name__ == "__main__":
    main()
