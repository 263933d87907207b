#!/usr/bin/env python3
"""MGAS (ours on NB201) on real CIFAR-10: the found networks trained with one recipe beside
DARTS-V1's and GDAS's cells and the best table cell of the same size, and MGAS's op-level
projection looked up beside the weight-sharing baselines.

``--runs DIR ...``: MGAS searches written by ``nasbench-eval run --method mgas`` (records and
their ``seed-NNNN.masks.npz``). Every network is trained with ``--recipe`` (default the
official 12-epoch recipe) on the first ``--limit-train`` CIFAR-10 training images (the CPU
budget; 0 = all 50k) from seed ``--seed`` and tested on the 10k test images:

- MGAS: the pruned network of the mask file (ops, filters and weights as the search left them);
- DARTS-V1, GDAS: the cells their supernet searches found (``--ws-records``, records of
  ``nasbench-eval run`` on real images; default: this project's GPU runs in reports/oneshot);
- best table cell <= P: per MGAS network of P M parameters, the cell with at most P M
  parameters and the best 12-epoch validation accuracy in the benchmark (reads the whole
  table: a reference, not a search).

Training jobs go to ``--jobs`` (one folder per network; a finished job is reused, a killed one
resumes). Writes ``--out``: ``trained.md``, ``trained.csv``, ``accuracy_params.png``,
``projection.md`` (the op-level projections' table rows beside the weight-sharing rows of
``--projection-records`` and the published NB201 rows) and ``STAMP.json``.

usage: python benchmarks/reproduce_mgas.py --runs DIR [DIR ...] --data-root CIFAR --jobs JOBS
       [--limit-train 5000] [--out reports/mgas]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ["../shared/data/nb201/tss_accuracy.csv"]
ONESHOT = ROOT / "reports" / "oneshot" / "records"
WS_RECORDS = [ONESHOT / "gpu-h200" / "darts-v1-3ep", ONESHOT / "gpu-h200" / "gdas-13ep"]
DATASET = "cifar10"
WS_GROUP = "weight-sharing cells (supernet searches)"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=Path, nargs="+", required=True, help="folders of MGAS runs")
    ap.add_argument("--data-root", type=Path, required=True, help="holds cifar-10-batches-py/")
    ap.add_argument("--splits", type=Path, default=None, help="official NB201 split files")
    ap.add_argument("--jobs", type=Path, required=True, help="training jobs, one folder per network")
    ap.add_argument("--ws-records", type=Path, nargs="*", default=WS_RECORDS)
    ap.add_argument("--projection-records", type=Path, nargs="*", default=[ONESHOT])
    ap.add_argument("--recipe", default="12E")
    ap.add_argument("--limit-train", type=int, default=5000, help="0: every training image")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--no-verify", action="store_true", help="skip the raw files' size/md5 checks")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "mgas")
    a = ap.parse_args()

    from nasbench_eval import bench as B
    from nasbench_eval.analysis import plots, table
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch
    from nasbench_eval.provenance import stamp
    from nasbench_eval.records import find_records

    home = Path(tempfile.mkdtemp(prefix="nbe-home-"))
    for src in SOURCES:
        import_batch(home, read_source(ROOT / src))
    bench = B.open_benchmark("nats-tss", home)
    mgas = [(p, r) for p, r in find_records(a.runs) if r.method == "mgas"]
    if not mgas:
        raise SystemExit(f"no MGAS records under {', '.join(map(str, a.runs))}")
    nets = networks(bench, mgas, [r for _, r in find_records(a.ws_records)])
    limit = a.limit_train or None
    for net in nets:
        net["result"] = train(net, a, limit)
    key = f"{DATASET}/ori-test/accuracy/{nets[0]['result']['epochs']}/seed{a.seed}"
    for net in nets:
        net["accuracy"] = net["result"]["metrics"][key]
        net["train_s"] = round(net["result"]["wall_time_s"], 1)

    st = stamp(bench.sources, root=ROOT)
    a.out.mkdir(parents=True, exist_ok=True)
    images = f"the first {limit:,}" if limit else "all 50,000"
    recipe = f"{a.recipe} recipe ({nets[0]['result']['epochs']} epochs), {images} CIFAR-10 training images"
    write_trained(a.out, nets, st.line, recipe, key)
    write_searches(a.out, mgas, st.line)
    plots.trained_plot(
        [
            {
                "group": n["group"],
                "label": n["label"],
                "params_M": n["params_M"],
                "accuracy": n["accuracy"],
                "line": n["group"] != WS_GROUP,
            }
            for n in nets
        ],
        a.out / "accuracy_params.png",
        "CIFAR-10 test accuracy (%)",
        st.line,
        subtitle=f"{recipe}, seed {a.seed}",
    )
    ws = [r for _, r in find_records(a.projection_records) if r.kind == "one-shot"]
    rows = (
        table.method_rows([r for _, r in mgas] + ws)
        + table.benchmark_rows(bench)
        + table.reference_rows("nb201")
    )
    (a.out / "projection.md").write_text(
        f"<!-- {st.line} -->\n\n"
        "MGAS's (ours on NB201) op level projected to an NB201 cell (per edge the op with the "
        "highest mean sigmoid(score) x mask over the 15 cells) and looked up in the benchmark, "
        "beside the weight-sharing baselines' supernet searches on real CIFAR-10 (reports/oneshot) "
        "and the published NB201 rows. The projection drops MGAS's filter and weight levels and its "
        "per-cell choices: it is what the op level alone found, comparable with every tss method.\n\n"
        f"{table.render(rows, 'markdown')}\n{table.reference_note('nb201')}\n"
    )
    (a.out / "STAMP.json").write_text(
        json.dumps(
            {
                **st.to_dict(),
                "runs": [str(p) for p, _ in mgas],
                "recipe": a.recipe,
                "limit_train": limit,
                "seed": a.seed,
                "device": a.device,
                "networks": [{k: v for k, v in n.items() if k != "result"} for n in nets],
            },
            indent=1,
        )
        + "\n"
    )
    print(f"{len(nets)} networks trained; outputs in {a.out}")


def networks(bench, mgas: list, ws: list) -> list[dict]:
    """What to train: MGAS's masks, the weight-sharing cells, the best table cell per MGAS size."""
    import numpy as np

    from nasbench_eval.analysis.plots import cost_values
    from nasbench_eval.bench.importers import source_md5
    from nasbench_eval.protocols import get_protocol, test_key

    # every arch's exact params and FLOPs and its 12-epoch validation accuracy, by official index
    params, _ = cost_values(bench, DATASET, "params")
    flops, _ = cost_values(bench, DATASET, "flops")
    valid = np.asarray(bench.values(get_protocol("nats", bench.space.name, DATASET).search_key), dtype=float)
    tk = test_key(bench.space.name, DATASET)
    nets = []
    for path, r in sorted(mgas, key=lambda pr: pr[1].config.get("target_params") or 0):
        masks = path.with_name(path.name.removesuffix(".json") + ".masks.npz")
        if not masks.is_file():
            raise SystemExit(f"{masks} is missing: the mask file is written beside the record by `run`")
        with np.load(masks, allow_pickle=False) as f:
            meta = json.loads(str(f["meta"]))
        target = ", ".join(f"{m} {v:g} M" for m, v in meta["target"].items())
        nets.append(
            {
                "group": "MGAS (ours on NB201)",
                "label": f"MGAS {target}",
                "how": f"MGAS search (ours on NB201), {r.budget.used:g} epochs, {target} target "
                f"(levels {meta['levels']})",
                "arch_file": str(masks),
                "arch_file_md5": source_md5(masks),
                "params_M": meta["params_M"],
                "flops_M": meta["flops_M"],
                "cell": meta["cell"],
                "table_test": bench.query(tk, r.final.index),
            }
        )
    for r in ws:
        i = r.final.index
        nets.append(
            {
                "group": WS_GROUP,
                "label": f"{r.method_title} ({r.budget.used:g} ep)",
                "how": f"{r.method_title} supernet search, {r.budget.used:g} epochs ({r.search_dataset})",
                "arch": r.final.arch,
                "index": r.final.index,
                "table_test": bench.query(tk, r.final.index),
                "params_M": float(params[i]),
                "flops_M": float(flops[i]),
            }
        )
    seen = set()
    for n in [n for n in nets if n["group"].startswith("MGAS")]:
        ok = np.flatnonzero((params <= n["params_M"] + 1e-9) & ~np.isnan(valid))
        best = int(ok[np.argmax(valid[ok])])
        if best in seen:
            continue
        seen.add(best)
        nets.append(
            {
                "group": "best table cell of the same size",
                "label": f"best <= {n['params_M']:.3f} M",
                "how": f"the table's best 12-epoch validation accuracy at <= {n['params_M']:.4f} M params "
                "(reads the whole table)",
                "arch": bench.arch_at(best),
                "index": best,
                "table_test": bench.query(tk, best),
                "params_M": float(params[best]),
                "flops_M": float(flops[best]),
            }
        )
    return nets


def train(net: dict, a, limit: int | None) -> dict:
    """Train one network (a finished job is reused, a killed one resumes)."""
    from nasbench_eval.train.jobs import train_network

    slug = (
        net["label"].replace(" ", "_").replace("<=", "le").replace("(", "").replace(")", "").replace(",", "")
    )
    out = a.jobs / slug
    if (out / "result.json").exists():
        return json.loads((out / "result.json").read_text())
    print(f"training {net['label']} -> {out}", flush=True)
    return train_network(
        "nats-tss",
        net.get("arch"),
        DATASET,
        out=out,
        data_root=a.data_root,
        splits_dir=a.splits,
        recipe=a.recipe,
        seed=a.seed,
        device=a.device,
        verify=not a.no_verify,
        resume=True,
        limit_train=limit,
        arch_file=net.get("arch_file"),
    )


def write_searches(out: Path, mgas: list, stamp_line: str) -> None:
    """Per search and epoch: stages, lambdas, remaining units, exact size, the projection."""
    from nasbench_eval.protocols import test_key

    lines = [
        f"<!-- {stamp_line} -->",
        "",
        "MGAS searches, per epoch (stage at the epoch's start -> end; a stage that meets its share "
        "ends mid-epoch). lambda: one per NB201 stage. remaining: op units (of 360), filters (of "
        "6,720), weights (of 1,612,800). Projection: the op level's NB201 cell, 200-epoch test "
        "accuracy in the benchmark. Seconds: the epoch's wall clock on 2 cores.",
        "",
        "| target | epoch | stage | lambda | remaining op / filter / weight | params (M) | FLOPs (M) "
        "| train acc. (%) | projection (table test) | s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for path, r in sorted(mgas, key=lambda pr: pr[1].config.get("target_params") or 0):
        timing = json.loads(path.with_name(path.name.removesuffix(".json") + ".timing.json").read_text())
        tk = test_key(r.space, DATASET)
        target = ", ".join(f"{m} {v:g} M" for m, v in r.epochs[0]["target"].items())
        for e, secs in zip(r.epochs, timing["epoch_seconds"], strict=True):
            rem = e["remaining"]
            lam = ", ".join(f"{x:.3g}" for x in e["lambda"])
            lines.append(
                f"| {target} | {e['epoch']} | {e['stage']} -> {e['stage_end']} | {lam} | "
                f"{rem['op']} / {rem['filter']:,} / {rem['weight']:,} | {e['params_M']:.4f} | "
                f"{e['flops_M']:.1f} | {e['train_accuracy']:.1f} | {e['index']} ({e[tk]}) | {secs:.0f} |"
            )
    (out / "searches.md").write_text("\n".join(lines) + "\n")


def write_trained(out: Path, nets: list, stamp_line: str, recipe: str, key: str) -> None:
    fields = ["group", "label", "params_M", "flops_M", "accuracy", "table_test", "train_s", "how", "cell"]
    lines = [
        f"<!-- {stamp_line} -->",
        "",
        f"Networks trained with one recipe: {recipe}, tested on the 10,000 CIFAR-10 test images "
        f"(`{key}`). Params and FLOPs exact (CIFAR-10 head). table 200E: the cell's 200-epoch test "
        "accuracy in the benchmark (MGAS: its op-level projection's, a different network), for reference.",
        "",
        "| network | how it was found | params (M) | FLOPs (M) | test acc. (%) | table 200E | train s |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = []
    for n in nets:
        n["cell"] = n.get("cell") or n.get("arch")
        rows.append({k: n.get(k) for k in fields})
        tt = n.get("table_test")
        lines.append(
            f"| {n['label']} | {n['how']} | {n['params_M']:.4f} | {n['flops_M']:.2f} | {n['accuracy']:.2f} | "
            f"{'' if tt is None else f'{tt:.2f}'} | {n['train_s']:.0f} |"
        )
    (out / "trained.md").write_text("\n".join(lines) + "\n")
    with open(out / "trained.csv", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    from nasbench_eval.errors import NasbenchEvalError

    try:
        main()
    except NasbenchEvalError as e:  # bad input: one line, exit 2
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
