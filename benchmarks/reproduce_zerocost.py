#!/usr/bin/env python3
"""Zero-cost proxies vs the 200-epoch accuracy on NATS-tss, beside Abdelfattah et al. (2021).

Reads the scores cached in a store (``NASBENCH_EVAL_HOME`` or ``--home``; fill it first with
``benchmarks/zerocost_space.py`` or ``nasbench-eval correlate --estimator zc:...``), takes
per dataset the archs every proxy has scored (``--min-archs`` of them at least), and writes
``OUT/<label>/table.md`` with Spearman |rho|, Kendall tau and top-10% tau per proxy against the
key the paper used (cifar10-valid ori-test for CIFAR-10, cifar100 x-test), the published
|Spearman|, flops and params, our vote (majority vote against a reference sample) and the
paper's own vote statistic (pairwise-order agreement of the majority of synflow, jacob_cov
and snip), plus one JSON record per proxy. Archs a proxy cannot score (NaN: e.g. nets whose
output ignores the input) are dropped and counted, as the paper's ``nan_policy='omit'``.

usage: python benchmarks/reproduce_zerocost.py --home HOME --label LABEL [--datasets cifar10,cifar100]
       [--data-root DIR --no-verify (vote's reference archs, if not cached)] [--out reports/zerocost]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PROXIES = ("grad_norm", "snip", "grasp", "fisher", "jacob_cov", "naswot", "synflow", "zen")
TRUTH = {
    "cifar10": "cifar10-valid/ori-test/accuracy/200/mean",
    "cifar100": "cifar100/x-test/accuracy/200/mean",
}
#: Abdelfattah et al. 2021, notebooks/nasbench201_correlations.ipynb (stored output), |Spearman|
#: on all 15,625 archs; vote: pairwise-order agreement, not a Spearman rho
PUBLISHED = {
    "cifar10": {
        "grad_norm": 0.594,
        "snip": 0.596,
        "grasp": 0.514,
        "fisher": 0.36,
        "synflow": 0.737,
        "jacob_cov": 0.731,
        "vote_agreement": 0.817,
    },
    "cifar100": {
        "grad_norm": 0.637,
        "snip": 0.637,
        "grasp": 0.547,
        "fisher": 0.385,
        "synflow": 0.763,
        "jacob_cov": 0.704,
        "vote_agreement": 0.832,
    },
}


def pairwise_vote_agreement(scores: np.ndarray, truth: np.ndarray) -> float:
    """The paper's vote statistic: over ordered pairs with different truths, the share where
    the majority of the voters' score differences has the truth difference's sign (a zero
    difference votes 'no', as the notebook)."""
    agree = total = 0
    for i in range(len(truth)):
        d_true = truth[i] - truth
        pos = ((scores[i][None, :] - scores) > 0).sum(1) >= scores.shape[1] / 2
        keep = d_true != 0
        keep[i] = False
        agree += int(((pos & (d_true > 0)) | (~pos & (d_true < 0)))[keep].sum())
        total += int(keep.sum())
    return agree / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", default=None)
    ap.add_argument("--label", required=True, help="the report file's name, e.g. gpu-2030")
    ap.add_argument("--space", default="nats-tss", help="nats-sss: truths are params and FLOPs")
    ap.add_argument("--datasets", default="cifar10,cifar100")
    ap.add_argument("--min-archs", type=int, default=100)
    ap.add_argument("--data-root", default=None)
    ap.add_argument("--no-verify", action="store_true")
    ap.add_argument("--no-vote", action="store_true", help="skip vote (it scores a reference sample)")
    ap.add_argument("--note", default="")
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "zerocost")
    a = ap.parse_args()

    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.estimators.zero_cost import ZeroCostEstimator
    from nasbench_eval.provenance import stamp

    bench = open_benchmark(a.space, a.home)
    st = stamp(bench.sources, root=ROOT)
    order = np.asarray(bench.order)
    out = a.out / a.label
    out.mkdir(parents=True, exist_ok=True)
    lines = [f"<!-- {st.line} -->", ""]
    for ds in a.datasets.split(","):
        cache = ZeroCostEstimator(bench, ds, list(PROXIES))
        columns = {n: cache._column(n)[order] for n in PROXIES}  # official index order
        meta = {n: cache._file(n).read_meta() or {} for n in PROXIES}
        common = np.flatnonzero(np.all([~np.isnan(columns[n]) for n in ("grad_norm", "snip", "synflow")], 0))
        if len(common) < a.min_archs:
            print(f"{ds}: only {len(common)} archs scored by every proxy; skipped")
            continue
        if bench.space.name == "nats-tss":
            truths = [TRUTH[ds]]
        else:  # no accuracy table for the size space here: how proxies rank against cost
            truths = [f"{ds}/-/params/-/-", f"{ds}/-/flops/-/-"]
        for truth in truths:
            lines += _report(a, bench, ds, truth, common, columns, meta, st, out)
    if a.note:
        lines += [a.note, ""]
    (out / "table.md").write_text("\n".join(lines))
    (out / "STAMP.json").write_text(json.dumps({"stamp": st.line}, indent=1))
    print("\n".join(lines))


def _report(a, bench, ds, truth, common, columns, meta, st, out) -> list[str]:
    """One table (every proxy, flops, params, the paper's vote statistic) against one truth."""
    from nasbench_eval.bench.layout import write_json_atomic
    from nasbench_eval.runs.correlate import correlate_many

    idx_file = _write(common)
    lines = []
    published_here = PUBLISHED.get(ds, {}) if bench.space.name == "nats-tss" else {}
    spec = "zc:" + ",".join([*PROXIES, *([] if a.no_vote else ["vote"])])
    records = correlate_many(
        bench,
        ds,
        spec,
        truth=truth,
        archs=str(idx_file),
        n_boot=0,
        data_root=a.data_root,
        verify=not a.no_verify,
    )
    records += correlate_many(bench, ds, "flops", truth=truth, archs=str(idx_file), n_boot=0)
    records += correlate_many(bench, ds, "params", truth=truth, archs=str(idx_file), n_boot=0)
    tv = bench.query(truth, common)
    voters = np.stack([columns[n][common] for n in ("synflow", "jacob_cov", "snip")], 1)
    ok = ~np.isnan(voters).any(1)
    agreement = pairwise_vote_agreement(voters[ok], tv[ok])
    devices = sorted({d for m in meta.values() for d in m.get("devices", [])})
    lines += [
        f"## {ds}: {len(common):,} archs (every proxy scored them; random, seeded), truth {truth}",
        "",
        f"Scores computed on: {', '.join(devices) or 'n/a'}; image batch: seed 0 of the zc estimator.",
        "",
        "| proxy | archs used (NaN dropped) | Spearman rho | abs | published abs (all 15,625) "
        "| Kendall tau | tau top 10% | spec |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        m, name = r["metrics"], r["estimator"].get("proxy", r["estimator"]["spec"])
        label = "vote (ours: Copeland score vs a reference sample)" if name == "vote" else name
        pub = published_here.get(name)
        published = "" if pub is None else f"{pub:.3f}"
        rho = m["spearman_rho"]
        lines.append(
            f"| {label} | {r['archs']['used']:,} ({r['archs']['dropped_missing']}) | {rho:.3f} "
            f"| {abs(rho):.3f} | {published} | {m['kendall_tau']:.3f} "
            f"| {m['kendall_tau_top10pct']:.3f} | `{r['estimator']['spec']}` |"
        )
        r["command"] = st.command
        slug = "".join(c if c.isalnum() or c in "-._" else "_" for c in name)
        write_json_atomic(out / f"{ds}-{slug}.json", {k: v for k, v in r.items() if k not in ("estimates",)})
    pub = published_here.get("vote_agreement")
    published = "" if pub is None else f"{pub:.3f}"
    lines += [
        f"| vote, pairwise-order agreement (the paper's statistic) | {int(ok.sum()):,} | "
        f"| {agreement:.3f} | {published} | | | synflow, jacob_cov, snip |",
        "",
    ]
    full = ~np.isnan(columns["synflow"])
    if full.sum() > len(common):
        r = correlate_many(
            bench,
            ds,
            "zc:synflow",
            truth=truth,
            archs="all" if full.all() else str(_write(np.flatnonzero(full))),
            n_boot=0,
        )[0]
        m = r["metrics"]
        lines += [
            f"synflow on {r['archs']['used']:,} archs: Spearman {m['spearman_rho']:.3f}, "
            f"Kendall {m['kendall_tau']:.3f}, top-10% tau {m['kendall_tau_top10pct']:.3f} "
            f"(published |rho| {PUBLISHED.get(ds, {}).get('synflow', float('nan')):.3f}).",
            "",
        ]
    return lines


def _write(idx) -> Path:
    path = Path(tempfile.mkdtemp()) / "idx.txt"
    path.write_text("\n".join(map(str, idx)))
    return path


if __name__ == "__main__":
    main()
