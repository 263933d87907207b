#!/usr/bin/env python3
"""GDAS and DARTS-V1 (NATS protocol) on real CIFAR-10 on a GPU, in one prepared command (issue 12).

    python benchmarks/gpu_search.py --data DATA --out OUT [--minutes 8] [--device cuda]
    python benchmarks/gpu_search.py --smoke --out OUT          # CPU, synthetic files, seconds

DATA holds cifar-10-batches-py/ and nb201-splits/ (``benchmarks/gpu_data.py unpack`` makes it
on a device). For each method: 20 timed steps (after 5 warm-up steps) estimate an epoch's
seconds; the search then runs for as many epochs as its share of ``--minutes`` allows, with
the NATS schedule stretched over those epochs (cosine lr, GDAS' temperature; NATS runs 100),
through the same ``run`` path as the command line. OUT/gpu_search.json and .md get the card,
the seconds per epoch, the derived arch per epoch with its 200-epoch CIFAR-10 test accuracy
and, for DARTS, the mean skip_connect weight. The benchmark values come from the store at
``--home`` or the embedded default table.

On a lent device, after ``python benchmarks/gpu_data.py pack`` here (three calls while the
machine stays warm, as gpu_suite.py's docstring; the last one):

    set -o pipefail; python benchmarks/gpu_data.py unpack --data /tmp/data &&
      PYTHONUNBUFFERED=1 python benchmarks/gpu_search.py --data /tmp/data --minutes 7
      --out $OUT/search 2>&1 | tee $OUT/log

``benchmarks/gpu_search.sh`` is that last command.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # a device machine runs the checkout uninstalled


def probe(spec, steps: int = 20, warmup: int = 5) -> float:
    """Seconds of one weight step + one arch step on real batches (device synchronised)."""
    import torch

    from nasbench_eval.datasets import get_dataset
    from nasbench_eval.methods import get_method
    from nasbench_eval.runs.one_shot import _repeat, search_streams

    config = spec.method_config()
    method = get_method(spec.method)(spec.search_space(), 0, **config)
    method.build(get_dataset(spec.dataset).search_records, spec.device)
    streams = search_streams(spec, 0, config, spec.device)
    method.begin_epoch(0, config["epochs"], len(streams["train"]))
    train, valid = _repeat(streams["train"]), _repeat(streams["valid"])
    sync = torch.cuda.synchronize if spec.device.startswith("cuda") else (lambda: None)
    for i in range(warmup + steps):
        if i == warmup:
            sync()
            start = time.perf_counter()
        method.weight_step(*next(train))
        method.arch_step(*next(valid))
    sync()
    return (time.perf_counter() - start) / steps


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--home", default=None)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--minutes", type=float, default=8.0)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--methods", default="gdas,darts-v1")
    ap.add_argument("--smoke", action="store_true", help="CPU, synthetic images, 1 epoch each")
    args = ap.parse_args(argv)

    import torch

    from nasbench_eval.records import RunRecord
    from nasbench_eval.runs.runner import run_seeds
    from nasbench_eval.runs.spec import RunSpec

    verify, extra = True, {}
    if args.smoke:
        import synthetic

        args.device, verify = "cpu", False
        args.data = args.out / "images"
        synthetic.write_cifar10(args.data, per_batch=20)
        synthetic.write_splits(args.data, cifar_train=100)
        extra = {"batch_size": 25, "select_batch_size": 25}
    if args.data is None:
        ap.error("--data is required (or --smoke)")
    torch.backends.cudnn.benchmark = True  # fixed shapes: let cuDNN pick its kernels
    card = torch.cuda.get_device_name() if args.device.startswith("cuda") else "cpu"
    methods = args.methods.split(",")
    share = args.minutes * 60 / len(methods)
    result = {"card": card, "torch": torch.__version__, "minutes": args.minutes, "runs": {}}
    args.out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    for i, name in enumerate(methods):
        base = {"home": args.home, "data_root": str(args.data), "device": args.device, "verify": verify}
        spec = RunSpec(name, protocol="nats", dataset="cifar10", config={**extra}, **base)
        step_s = probe(spec, *((2, 1) if args.smoke else (20, 5)))
        steps = 2 if args.smoke else math.ceil(25_000 / spec.method_config()["batch_size"])
        left = args.minutes * 60 - (time.perf_counter() - began)
        budget = min(share, left / (len(methods) - i)) - 15  # selection, lookups, process start
        epochs = 1 if args.smoke else max(1, int(budget / (1.1 * step_s * steps)))
        spec = RunSpec(name, protocol="nats", dataset="cifar10", config={**extra, "epochs": epochs}, **base)
        (path,), _ = run_seeds(spec, [0], args.out / "runs", overwrite=True)
        record = RunRecord.from_dict(json.loads(path.read_text()), str(path))
        timing = json.loads(path.with_suffix(".timing.json").read_text())
        key = "cifar10/ori-test/accuracy/200/mean"
        result["runs"][name] = {
            "probe_seconds_per_step": round(step_s, 5),
            "epochs": epochs,
            "steps_per_epoch": timing["steps_per_epoch"],
            "epoch_seconds": timing["epoch_seconds"],
            "final_arch": record.final.arch,
            "final_c10_test": record.final_metrics.get(key),
            "per_epoch": [
                {k: e.get(k) for k in ("epoch", "arch", key, "skip_connect_weight", "tau")}
                for e in record.epochs
            ],
            "command": f"nasbench-eval run --method {name} --space nats-tss --dataset cifar10 "
            f"--protocol nats --data-root DATA --epochs {epochs} --device {args.device}",
        }
        write(args.out, result)
        print(
            f"{name}: {epochs} epochs, {sum(timing['epoch_seconds']):.1f} s, final {record.final.arch}",
            flush=True,
        )
    print((args.out / "gpu_search.md").read_text())


def write(out: Path, result: dict) -> None:
    (out / "gpu_search.json").write_text(json.dumps(result, indent=1) + "\n")
    lines = [
        f"# One-shot searches on {result['card']} (torch {result['torch']}, NATS protocol, CIFAR-10)",
        "",
    ]
    for name, r in result["runs"].items():
        secs = r["epoch_seconds"]
        lines += [
            f"## {name}: {r['epochs']} epochs (schedule stretched over them; NATS: 100)",
            "",
            f"- seconds per epoch ({r['steps_per_epoch']} weight + arch steps): first {secs[0]:.2f}, "
            f"median {sorted(secs)[len(secs) // 2]:.2f}; "
            f"probe {r['probe_seconds_per_step'] * 1000:.1f} ms/step",
            f"- final arch `{r['final_arch']}`: CIFAR-10 test (200 epochs, mean) {r['final_c10_test']}",
            f"- command: `{r['command']}`",
            "",
            "| epoch | derived arch | C10 test | skip_connect weight | tau |",
            "|---|---|---|---|---|",
        ]
        for e in r["per_epoch"]:
            lines.append(
                f"| {e['epoch']} | `{e['arch'].replace('|', chr(92) + '|')}` | "
                f"{e['cifar10/ori-test/accuracy/200/mean']} | "
                f"{e.get('skip_connect_weight')} | {e.get('tau')} |"
            )
        lines.append("")
    (out / "gpu_search.md").write_text("\n".join(lines))


if __name__ == "__main__":
    main()
