#!/usr/bin/env python3
"""The training engine on an accelerator, in one prepared command (issue 17).

    python benchmarks/gpu_suite.py --data DATA --home HOME --out OUT [--device cuda]
        [--minutes 8] [--xautodl DIR]
    python benchmarks/gpu_suite.py --smoke --out OUT        # CPU, synthetic files, seconds

DATA holds cifar-10-batches-py/ and nb201-splits/ (``benchmarks/gpu_data.py unpack`` makes it
on the device); HOME is a benchmark store with the 200-epoch accuracies (``--import`` CSV
files into it first). Steps, each appended to OUT/gpu_suite.json and OUT/gpu_suite.md as soon
as it ends (a kill keeps what finished):

1. throughput (img/s of one SGD step) of the single-path supernet, the DARTS soft supernet
   and the ResNet-cell network: ours fp32, ours bf16 autocast, ours torch.compile'd (the
   ResNet cell; the supernets change their path every step), and
   xautodl's models (``--xautodl DIR``, see train_throughput.py), batches 64 and 256;
2. seconds of one 25k-image single-path supernet epoch (cifar10-valid train half), data on
   the device;
3. a single-path supernet (BN running statistics on) trained for as many epochs as the time
   left allows, then ``correlate`` on every cell (15,625) with BN recalibration off and on;
4. SGNAS with that supernet as its quality estimator (tss, FLOPs targets).

The summary compares with the compass goals: an epoch under 5 s on an H100, at least 3x
xautodl's throughput, a supernet Kendall tau above the literature's 0.50-0.54.

On a lent device (each call carries at most 64 MiB; the machine keeps ignored files between
calls while it stays warm), after ``python benchmarks/gpu_data.py pack`` here:

    call 1  carry [.gpu-data/parts/part-00]          command: ls .gpu-data/parts
    call 2  carry [.gpu-data/parts/part-01]          command: ls .gpu-data/parts
    call 3  carry [.gpu-data/parts/part-02, .gpu-data/small, .gpu-data/MANIFEST.json]  (timeout 600)
            command: set -o pipefail; python benchmarks/gpu_data.py unpack --data /tmp/data &&
              python -m pip install -q --no-deps --target /tmp/xad .gpu-data/small/xautodl-*.whl &&
              PYTHONUNBUFFERED=1 python benchmarks/gpu_suite.py --data /tmp/data --home /tmp/home
              --import .gpu-data/small/tss_accuracy.csv --xautodl /tmp/xad --minutes 8
              --out $OUT/gpu 2>&1 | tee $OUT/log
Then copy $OUT/gpu/gpu_suite.{json,md} into reports/gpu/ and give the machine back.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]  # a device machine runs the checkout uninstalled
GOALS = {"epoch_s": 5.0, "throughput_ratio": 3.0, "kendall_tau": 0.54}


class Suite:
    """Collects step results and rewrites the JSON and markdown summary after each step."""

    def __init__(self, out: Path, minutes: float):
        self.out, self.start, self.limit = out, time.perf_counter(), minutes * 60
        self.result: dict = {"steps": {}}
        out.mkdir(parents=True, exist_ok=True)

    def left(self) -> float:
        return self.limit - (time.perf_counter() - self.start)

    def record(self, step: str, data: dict) -> None:
        self.result["steps"][step] = data
        self.result["wall_s"] = round(time.perf_counter() - self.start, 1)
        (self.out / "gpu_suite.json").write_text(json.dumps(self.result, indent=1) + "\n")
        (self.out / "gpu_suite.md").write_text(markdown(self.result))
        print(f"[{self.result['wall_s']:7.1f} s] {step}: done", flush=True)


def markdown(r: dict) -> str:
    env = r.get("environment", {})
    lines = [
        f"# GPU suite on {env.get('device', '?')}",
        "",
        f"`{env.get('command', '')}`",
        "",
        f"torch {env.get('torch')}, {env.get('stamp', '')}",
        "",
    ]
    s = r["steps"]
    if "throughput" in s:
        lines += [
            "## Throughput (img/s, one SGD step)",
            "",
            "| network | batch | ours fp32 | ours bf16 | ours compiled | xautodl | best ours / xautodl |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in s["throughput"]["rows"]:
            lines.append(
                f"| {row['network']} | {row['batch']} | {row['fp32']:.0f} | {row['bf16']:.0f} | "
                f"{_f(row['compiled'])} | {_f(row['xautodl'])} | {_f(row['ratio'], 2)} |"
            )
        lines.append("")
    if "epoch" in s:
        e = s["epoch"]
        lines += [
            f"## One single-path supernet epoch: {e['seconds']:.2f} s for {e['images']:,} images "
            f"(goal < {GOALS['epoch_s']} s on an H100)",
            "",
        ]
    if "supernet" in s:
        c = s["supernet"]
        lines += [
            f"## Supernet ranking: {c['epochs']} epochs ({c['train_s']:.0f} s), {c['archs']:,} archs",
            "",
            "| BN recalibration | Kendall tau | Spearman | top-10% tau | archs/s |",
            "|---|---|---|---|---|",
        ]
        for name, m in c["correlation"].items():
            lines.append(
                f"| {name} | {m['kendall_tau']:.3f} | {m['spearman_rho']:.3f} | "
                f"{m['kendall_tau_top10pct']:.3f} | {m['archs_per_second']:.1f} |"
            )
        lines += ["", "Literature (single-path supernets): Kendall tau 0.50-0.54.", ""]
    if "sgnas" in s:
        g = s["sgnas"]
        lines += [
            "## SGNAS with the supernet estimator (FLOPs targets)",
            "",
            f"Kendall tau target vs achieved {_f(g['kendall_tau'], 3)}, median relative error "
            f"{g['median_relative_error']:.3f}, within 5% {g['within_5pct']:.0%}, violations "
            f"{g['violations']:.0%}; median regret C10 test {_f(g['regret_c10_test'], 2)}; "
            f"final arch {g['final_arch']} ({_f(g['final_c10_test'], 2)} C10 test).",
            "",
        ]
    return "\n".join(lines) + "\n"


def _f(v, digits=0) -> str:
    return "n/a" if v is None or v != v else f"{v:.{digits}f}"


def throughput(device, xautodl, batches, steps, compile_models) -> list[dict]:
    import torch
    from train_throughput import ours, peer, steps_per_second

    mine, theirs = ours(device), peer(device, xautodl)
    rows = []
    for net, (model, fwd) in mine.items():

        def bf16(m, x, i, f=fwd):
            with torch.autocast(device.type, dtype=torch.bfloat16):
                return f(m, x, i).float()

        # only the static ResNet-cell graph: the supernets change their path every step, so
        # torch.compile would recompile (or fall back) each time
        compiled = torch.compile(model) if compile_models and net == "ResNet cell" else None
        for batch in batches:
            n = steps if batch <= 64 else max(2, steps // 2)
            row = {
                "network": net,
                "batch": batch,
                "fp32": steps_per_second(model, fwd, batch, device, n),
                "bf16": steps_per_second(model, bf16, batch, device, n),
                "compiled": steps_per_second(compiled, bf16, batch, device, n) if compiled else None,
                "xautodl": steps_per_second(*theirs[net], batch, device, n) if net in theirs else None,
            }
            best = max(v for v in (row["fp32"], row["bf16"], row["compiled"]) if v)
            row["ratio"] = best / row["xautodl"] if row["xautodl"] else None
            rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, help="cifar-10-batches-py/ and nb201-splits/ (gpu_data.py unpack)")
    ap.add_argument("--home", type=Path, help="benchmark store with the 200-epoch accuracy table")
    ap.add_argument(
        "--import",
        dest="imports",
        type=Path,
        nargs="*",
        default=[],
        help="CSV tables to import into --home first (e.g. .gpu-data/small/tss_accuracy.csv)",
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--minutes", type=float, default=8.0, help="wall-time budget of the whole suite")
    ap.add_argument("--xautodl", default=None, help="folder holding the xautodl package (the peer)")
    ap.add_argument("--no-verify", action="store_true", help="skip the raw files' md5 checks")
    ap.add_argument("--smoke", action="store_true", help="CPU, synthetic files, tiny sizes: seconds")
    a = ap.parse_args()

    import numpy as np
    import torch

    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch
    from nasbench_eval.provenance import stamp

    suite = Suite(a.out, a.minutes)
    device = torch.device("cpu" if a.smoke else a.device)
    if a.smoke:  # synthetic CIFAR-10 in the official format + the shared tables
        sys.path.insert(0, str(ROOT / "tests"))
        import synthetic

        a.data = a.out / "smoke-data"
        synthetic.write_cifar10(a.data, per_batch=40)
        synthetic.write_splits(a.data, cifar_train=200)
        a.home = a.home or a.out / "smoke-home"
        a.imports = a.imports or [ROOT.parent / "shared/data/nb201/tss_accuracy.csv"]
        a.no_verify = True
    for path in a.imports:
        import_batch(a.home, read_source(path))
    sizes = {
        "batches": [8] if a.smoke else [64, 256],
        "steps": 2 if a.smoke else 10,
        "limit_train": 100 if a.smoke else None,
        "archs": 30 if a.smoke else None,
        "eval_batches": 1 if a.smoke else 2,
        "sgnas": {"epochs": 2, "steps_per_epoch": 2} if a.smoke else {},
    }
    name = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
    suite.result["environment"] = {
        "device": name,
        "torch": torch.__version__,
        "smoke": a.smoke,
        "command": "python " + " ".join(sys.argv),
        "stamp": stamp([]).line,
    }

    # 1. throughput
    t = time.perf_counter()
    rows = throughput(device, a.xautodl, sizes["batches"], sizes["steps"], compile_models=not a.smoke)
    suite.record("throughput", {"rows": rows, "seconds": time.perf_counter() - t})

    # 2. one supernet epoch on the 25k train half, data on the device
    from nasbench_eval.nets.ops import BNConfig
    from nasbench_eval.train.jobs import train_supernet

    common = {
        "data_root": a.data,
        "device": str(device),
        "verify": not a.no_verify,
        "progress": False,
        "limit_train": sizes["limit_train"],
    }
    t = time.perf_counter()
    r = train_supernet(
        "nats-tss", "cifar10-valid", out=a.out / "epoch-job", epochs=1, overwrite=True, **common
    )
    seconds = r["log"][-1].get("seconds", time.perf_counter() - t)
    suite.record(
        "epoch",
        {"seconds": seconds, "images": sizes["limit_train"] or 25000, "wall_s": time.perf_counter() - t},
    )

    # 3. a supernet for the time left (a third of it kept for scoring and SGNAS), then correlate
    per_epoch = max(seconds, 1e-3)
    epochs = 1 if a.smoke else max(1, int(suite.left() * 0.55 / per_epoch))
    job = a.out / "supernet-job"
    t = time.perf_counter()
    train_supernet(
        "nats-tss",
        "cifar10-valid",
        out=job,
        epochs=epochs,
        bn=BNConfig(False, True),
        overwrite=True,
        **common,
    )
    train_s = time.perf_counter() - t
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.runs.correlate import correlate

    bench = open_benchmark("nats-tss", a.home)
    archs = str(sizes["archs"]) if sizes["archs"] else "all"
    correlation = {}
    for label, recal in (("off", 0), ("on (2 batches)", 2)):
        rec = correlate(
            bench,
            "cifar10-valid",
            f"supernet:{job}",
            archs=archs,
            n_boot=0,
            data_root=a.data,
            eval_batches=sizes["eval_batches"],
            recalibrate=recal,
            device=str(device),
            verify=not a.no_verify,
        )
        correlation[label] = {
            **{k: rec["metrics"][k] for k in ("kendall_tau", "spearman_rho", "kendall_tau_top10pct")},
            "archs_per_second": rec["estimator"]["archs_per_second"],
        }
    suite.record(
        "supernet",
        {
            "epochs": epochs,
            "train_s": train_s,
            "archs": int(rec["archs"]["used"]),
            "correlation": correlation,
        },
    )

    # 4. SGNAS with the supernet estimator
    from nasbench_eval.runs.runner import run_one
    from nasbench_eval.runs.spec import RunSpec

    spec = RunSpec(
        "sgnas",
        estimator=f"supernet:{job}",
        data_root=str(a.data),
        device=str(device),
        verify=not a.no_verify,
        home=str(a.home),
        config={"decode": "argmax", **sizes["sgnas"]},
    )
    record, timing = run_one(spec, 0)
    s = record.sweep.summary
    c10 = s["regret"].get("C10 test", {})
    suite.record(
        "sgnas",
        {
            "kendall_tau": s["kendall_tau_target_vs_achieved"],
            "median_relative_error": s["median_relative_error"],
            "within_5pct": s["share_within_5pct"],
            "violations": s["violations"]["share"],
            "regret_c10_test": c10.get("median"),
            "final_arch": record.final.arch,
            "final_c10_test": record.final_metrics.get("cifar10/ori-test/accuracy/200/mean"),
            "seconds": timing["wall_time_s"],
        },
    )
    goals = {
        "epoch_under_5s": seconds < GOALS["epoch_s"],
        "throughput_3x": all((r["ratio"] or 0) >= GOALS["throughput_ratio"] for r in rows)
        if any(r["ratio"] for r in rows)
        else None,
        "tau_above_literature": max(m["kendall_tau"] for m in correlation.values()) > GOALS["kendall_tau"],
    }
    suite.result["goals"] = goals
    suite.record("done", {"goals": goals, "finite": bool(np.isfinite(seconds))})


if __name__ == "__main__":
    main()
