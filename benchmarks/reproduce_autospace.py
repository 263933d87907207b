#!/usr/bin/env python3
"""Test AutoSpace's claim on NATS-tss: do NAS methods do better inside a learned space?

1. Learn spaces with the table fitness (ours; CIFAR-10, 12-epoch validation accuracy, never a
   test value): one unconstrained, one per FLOPs budget. The learned spaces and two controls
   of the same size (a random sub-space; the archs with the most FLOPs) go to ``OUT/spaces/``.
2. RS, REA, REINFORCE, BOHB and LS (the NATS protocol: CIFAR-10, 20,000 simulated seconds),
   100 seeds each, in the full space, in the learned space (set and product form) and in
   both controls; REA and RS also in the full space with the learning cost added to their
   budget (the like-with-like row: the space's queries are not free).
3. SGNAS (table estimator) in the full space and in the learned space's product form.
4. Per FLOPs budget: REA and RS in the full space restricted to the budget vs inside the
   specialised space restricted to it (and the unconstrained learned space restricted to it).
5. Optionally, learned spaces from the supernet fitness (``--supernet-records``): their overlap
   with the table-fitness space and their members' accuracies.

Writes ``table.md``, ``budgets.md``, ``spaces.md``, ``supernet.md``, ``trajectory.png`` and
``STAMP.json`` into OUT, each stamped with the command, commit and data md5s.

usage: python benchmarks/reproduce_autospace.py [--out reports/autospace] [--runs DIR [--keep]]
       [--home DIR] [--seeds 0-99] [--sgnas-seeds 0-99] [--workers 2]
       [--supernet-records RECORD.json ...]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("../shared/data/nb201/tss_accuracy.csv", "../shared/data/nb201/tss_train_time.csv")
METHODS = ("rs", "rea", "reinforce", "bohb", "ls")
BUDGETS = (30, 60, 100)  # M FLOPs (CIFAR-10)
DATASET = "cifar10"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "reports" / "autospace")
    ap.add_argument("--runs", type=Path, default=None, help="where the JSON records go (default: temp)")
    ap.add_argument("--home", type=Path, default=None, help="benchmark store (default: temp, imported)")
    ap.add_argument("--seeds", default="0-99")
    ap.add_argument("--sgnas-seeds", default="0-99")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--supernet-records", type=Path, nargs="*", default=[])
    ap.add_argument(
        "--keep", action="store_true", help="keep the records already in --runs (default: recompute all)"
    )
    a = ap.parse_args()

    from nasbench_eval.analysis.plots import trajectory_plot
    from nasbench_eval.analysis.subspace import subspace_summary
    from nasbench_eval.analysis.table import benchmark_rows, method_rows, render
    from nasbench_eval.bench import open_benchmark
    from nasbench_eval.bench.importers import read_source
    from nasbench_eval.bench.store import import_batch
    from nasbench_eval.estimators import TableEstimator
    from nasbench_eval.estimators.base import by_code
    from nasbench_eval.provenance import stamp
    from nasbench_eval.records import find_records, load_record
    from nasbench_eval.runs.runner import parse_seeds, run_seeds
    from nasbench_eval.runs.space_learning import space_files
    from nasbench_eval.runs.spec import RunSpec

    home = (a.home or Path(tempfile.mkdtemp(prefix="nbe-home-"))).resolve()
    runs = (a.runs or Path(tempfile.mkdtemp(prefix="nbe-runs-"))).resolve()
    out = a.out.resolve()
    supernet_records = [p.resolve() for p in a.supernet_records]  # before the chdir below
    for src in SOURCES:
        import_batch(home, read_source(ROOT / src))
    bench = open_benchmark("nats-tss", home)
    space = bench.space
    st = stamp(bench.sources, root=ROOT)
    seeds, sgnas_seeds = parse_seeds(a.seeds), parse_seeds(a.sgnas_seeds)
    (out / "spaces").mkdir(parents=True, exist_ok=True)
    os.chdir(out)  # sub-space files are named relative to OUT in the records and tables
    timings: dict[str, float] = {}

    def runs_of(spec, folder, seed_list=seeds):
        t = time.perf_counter()
        run_seeds(spec, seed_list, runs / folder, workers=a.workers, overwrite=not a.keep)
        timings[folder] = round(time.perf_counter() - t, 2)
        return [r for _, r in find_records([runs / folder])]

    def write_space(name: str, codes) -> str:
        path = Path("spaces") / name
        lines = [space.format(space.from_code(int(c))) for c in sorted(np.unique(codes))]
        path.write_text(f"# {name}: {len(lines)} archs ({st.line})\n" + "\n".join(lines) + "\n")
        return str(path)

    # 1. learned spaces and controls ----------------------------------------------------------
    learned = {}
    for budget in (None, *BUDGETS):
        config = {} if budget is None else {"constraint": "flops", "max_cost": float(budget)}
        folder = "learn" if budget is None else f"learn-flops{budget}"
        spec = RunSpec("autospace", dataset=DATASET, config=config, home=str(home))
        t = time.perf_counter()
        written, kept = run_seeds(spec, [0], runs / folder, overwrite=not a.keep)
        (path,) = written or kept
        timings[folder] = round(time.perf_counter() - t, 2)
        record = load_record(path)
        members, product = space_files(path)
        tag = "" if budget is None else f"-flops{budget}"
        (out / "spaces" / f"learned{tag}.txt").write_text(members.read_text())
        (out / "spaces" / f"learned{tag}.product.txt").write_text(product.read_text())
        learned[budget] = record
    base = learned[None]
    size = len(base.learned_space["members"])
    flops = by_code(bench, bench.values(f"{DATASET}/-/flops/-/-"))
    rng = np.random.default_rng(0)
    spaces = {
        "full": None,
        "learned": "spaces/learned.txt",
        "learned product": "spaces/learned.product.txt",
        "random control": write_space("random-control.txt", rng.choice(space.size, size, replace=False)),
        "top-FLOPs control": write_space("top-flops-control.txt", np.argsort(-flops, kind="stable")[:size]),
    }

    # 2. multi-trial methods inside and outside -----------------------------------------------
    records = []
    for label, sub in spaces.items():
        for method in METHODS:
            spec = RunSpec(method, dataset=DATASET, subspace=sub, home=str(home))
            records += runs_of(spec, f"{method}-{label.replace(' ', '-')}")
    learn_indices = base.learned_space["evaluated_indices"]
    protocol = RunSpec("rs", dataset=DATASET).resolved_protocol()
    charge = TableEstimator(bench, protocol.search_key, budget_unit="seconds")  # as a search pays
    learn_seconds = float(sum(charge.evaluate(space.parse(bench.arch_at(i))).cost for i in learn_indices))
    protocol_budget = protocol.budget("seconds")
    total = protocol_budget + learn_seconds
    plus_learning = []
    for method in ("rs", "rea"):
        spec = RunSpec(method, dataset=DATASET, budget=total, budget_unit="seconds", home=str(home))
        plus_learning += runs_of(spec, f"{method}-full-plus-learning")

    # 3. SGNAS ------------------------------------------------------------------------------
    sgnas = []
    for label, sub in (("full", None), ("learned product", spaces["learned product"])):
        spec = RunSpec("sgnas", dataset=DATASET, protocol="nats", subspace=sub, home=str(home))
        sgnas += runs_of(spec, f"sgnas-{label.replace(' ', '-')}", sgnas_seeds)

    # 4. budgets ----------------------------------------------------------------------------
    budget_rows = []
    for budget in BUDGETS:
        feasible = flops <= budget
        inside_codes = space.codes_of(
            np.asarray([space.parse(m) for m in learned[budget].learned_space["members"]])
        )
        plain_codes = space.codes_of(np.asarray([space.parse(m) for m in base.learned_space["members"]]))
        files = {
            "full space": write_space(f"feasible-flops{budget}.txt", np.flatnonzero(feasible)),
            "specialised space": write_space(
                f"learned-flops{budget}-feasible.txt", inside_codes[feasible[inside_codes]]
            ),
            "unconstrained learned space": write_space(
                f"learned-feasible-flops{budget}.txt", plain_codes[feasible[plain_codes]]
            ),
        }
        for label, sub in files.items():
            n = sum(1 for line in Path(sub).read_text().splitlines() if line and not line.startswith("#"))
            if n == 0:  # no member within the budget: nothing to search
                budget_rows.append((budget, label, 0, "-", []))
                continue
            for method in ("rs", "rea"):
                spec = RunSpec(method, dataset=DATASET, subspace=sub, home=str(home))
                recs = runs_of(spec, f"{method}-flops{budget}-{label.replace(' ', '-')}")
                budget_rows.append((budget, label, n, method, recs))

    # outputs ---------------------------------------------------------------------------------
    sources = ", ".join(f"{name} md5 {md5}" for name, md5 in st.data)
    made = f"Made by `{st.command}` at commit `{st.commit}` from {sources}."
    learn_note = (
        f"The unconstrained learned space (seed 0, {base.budget.used:g} generations) mixed "
        f"{len(learn_indices)} distinct archs, whose 12-epoch validation accuracy the table fitness read: "
        f"{learn_seconds:,.0f} simulated seconds, {learn_seconds / protocol_budget:.1f}x the search budget. "
        "Rows inside a sub-space do not pay for it (as the paper compares); the `full space, "
        f"budget + learning` rows get {total:,.0f} s, the search budget plus that cost."
    )
    extra = method_rows(plus_learning)
    for row in extra:  # the same method in the full space, with a larger budget: say so
        row.label = row.label.replace(" (nats", " [full space, budget + learning cost] (nats", 1)
    rows = method_rows(records + sgnas) + extra + benchmark_rows(bench)
    (out / "table.md").write_text(
        f"<!-- {st.line} -->\n\n{render(rows, 'markdown')}\n"
        f"NATS protocol, CIFAR-10, {len(seeds)} seeds per multi-trial row ({len(sgnas_seeds)} for SGNAS, "
        "table estimator); cells are mean ± std (seeds) of the final arch. `sub-space spaces/learned.txt`: "
        f"AutoSpace's learned space ({size} archs, set form); `.product.txt`: its product form; "
        "`random-control.txt`: a random sub-space of the same size; `top-flops-control.txt`: the same number "
        f"of archs with the most FLOPs. {learn_note}\n\n{made}\n"
    )
    key = f"{DATASET}/ori-test/accuracy/200/mean"
    test = by_code(bench, bench.values(key))
    lines = [
        "| FLOPs budget (M) | searched space | archs | method | C10 test of the found arch "
        "| best arch in the space |",
        "|---|---|---|---|---|---|",
    ]
    for budget, label, n, method, recs in budget_rows:
        if not recs:
            lines.append(f"| {budget} | {label} | 0 | - | no member within the budget | - |")
            continue
        vals = np.array([r.final_metrics[key] for r in recs])
        sub_best = max(
            test[space.code(space.parse(line))] for line in _archs(Path(spaces_file(label, budget)))
        )
        lines.append(
            f"| {budget} | {label} | {n:,} | {method.upper()} "
            f"| {vals.mean():.2f} ± {vals.std():.2f} ({len(vals)}) | {sub_best:.2f} |"
        )
    (out / "budgets.md").write_text(
        f"<!-- {st.line} -->\n\n" + "\n".join(lines) + "\n\n"
        "Each search is restricted to the archs within the FLOPs budget (CIFAR-10 cost model): "
        "`full space` = every such arch; `specialised space` = AutoSpace learned with that budget "
        "(`--set constraint=flops --set max_cost=B`), members within it; `unconstrained learned space` "
        "= the unconstrained learned space's members within it. NATS protocol, 20,000 simulated s, "
        f"{len(seeds)} seeds.\n\n{made}\n"
    )
    summaries = [("full space", None)] + [(k, v) for k, v in spaces.items() if v]
    summaries += [(f"learned, FLOPs <= {b}", f"spaces/learned-flops{b}.txt") for b in BUDGETS]
    text = [f"<!-- {st.line} -->\n"]
    for label, sub in summaries:
        codes = np.arange(space.size) if sub is None else _codes(space, sub)
        s = subspace_summary(bench, codes, DATASET)
        c = s["columns"]
        text.append(
            f"- **{label}** ({s['size']:,} archs): test median {c['test']['members']['median']:.2f}, "
            f"q10 {c['test']['members']['q10']:.2f}, max {c['test']['members']['max']:.2f}; "
            f"FLOPs median {c['flops']['members']['median']:.1f} M; keeps "
            f"{s['share_of_top_1%_kept']:.1%} of the top 1%; "
            f"{s['members_in_top_5%']:.0%} of members in the top 5%"
        )
    for b in BUDGETS:
        cons = learned[b].learned_space["constraint"]
        text.append(f"- learned with FLOPs <= {b}: {cons['members_within_budget']:.0%} of members within it")
    (out / "spaces.md").write_text("\n".join(text) + f"\n\n{made}\n")
    if supernet_records:
        _supernet_report(supernet_records, base, bench, space, out, st, made)
    trajectory = [r for r in records if r.subspace in (None, spaces["learned"])]
    trajectory_plot(trajectory, bench, out / "trajectory.png", stamp=st.line)
    (out / "STAMP.json").write_text(
        json.dumps(
            {
                **st.to_dict(),
                "seeds": a.seeds,
                "sgnas_seeds": a.sgnas_seeds,
                "kept_existing_records": a.keep,  # then the seconds count only what was recomputed
                "seconds": timings,
            },
            indent=1,
        )
        + "\n"
    )
    print(
        f"done: {len(records) + len(sgnas)} runs + {sum(len(r[4]) for r in budget_rows)} budget runs; {out}"
    )


def spaces_file(label: str, budget: int) -> str:
    return {
        "full space": f"spaces/feasible-flops{budget}.txt",
        "specialised space": f"spaces/learned-flops{budget}-feasible.txt",
        "unconstrained learned space": f"spaces/learned-feasible-flops{budget}.txt",
    }[label]


def _archs(path: Path) -> list[str]:
    return [s for s in (line.split("#", 1)[0].strip() for line in path.read_text().splitlines()) if s]


def _codes(space, sub: str) -> np.ndarray:
    view = space.subspace(sub)
    return space.codes_of(view.all_choices())


def _supernet_report(paths, base, bench, space, out: Path, st, made: str) -> None:
    from nasbench_eval.analysis.subspace import subspace_summary
    from nasbench_eval.records import load_record

    table_members = set(base.learned_space["members"])
    lines = [
        f"<!-- {st.line} -->\n",
        "| learned space | fitness | generations | archs mixed | overlap with the table-fitness space "
        "| members' C10 test median (q10, max) | share of the top 1% kept | members in the top 5% |",
        "|---|---|---|---|---|---|---|---|",
    ]
    entries = [("table fitness (ours), seed 0", base)]
    entries += [(os.path.relpath(p, out), load_record(p)) for p in paths]
    for label, r in entries:
        members = r.learned_space["members"]
        s = subspace_summary(bench, space.codes_of(np.asarray([space.parse(m) for m in members])), "cifar10")
        t = s["columns"]["test"]["members"]
        overlap = len(table_members & set(members))
        lines.append(
            f"| {label} | {r.estimator.get('spec')} | {r.budget.used:g} "
            f"| {r.learned_space['evaluated_archs']} | {overlap} of {len(members)} "
            f"| {t['median']:.2f} ({t['q10']:.2f}, {t['max']:.2f}) "
            f"| {s['share_of_top_1%_kept']:.1%} | {s['members_in_top_5%']:.0%} |"
        )
    (out / "supernet.md").write_text("\n".join(lines) + f"\n\n{made}\n")


if __name__ == "__main__":
    main()
