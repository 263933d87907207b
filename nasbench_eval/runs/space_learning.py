"""The space-learning runner (AutoSpace): evolve a sub-space for one seed, write the record
and the learned space beside it as sub-space files that ``run --subspace FILE`` accepts.

The fitness is the method's ``fitness`` option: ``table`` scores mixtures with the run's
estimator (default the protocol's 12-epoch validation accuracy; test splits are refused),
``supernet`` trains a weight-sharing supernet on ``--data-root``. The constraint's cost of
every arch comes from the ``constraint`` option (flops, params, latency:DEVICE). A
checkpoint after every generation lets a killed run resume exactly; it is removed when the
record is written. Test accuracies are read only after the space is learned, for the record.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from ..analysis.subspace import subspace_summary
from ..bench.layout import write_text_atomic
from ..datasets import get_dataset
from ..errors import NasbenchEvalError
from ..estimators import CostConstraint, build_estimator
from ..estimators.mixture import SupernetMixture, TableMixture
from ..methods import get_method
from ..records import Budget, FinalArch, RunRecord
from .spec import RunSpec, benchmark, estimator_context, record_header, report_metrics


def build(spec: RunSpec):
    """(protocol, config, cost by code or None, table estimator or None): fails fast."""
    protocol, config = spec.resolved_protocol(), spec.method_config()
    bench = benchmark(spec)
    method_cls = get_method(spec.method)
    method_cls(spec.search_space(), 0, **config)  # checks options and the space before any job
    cost = None
    if config["constraint"] is not None:
        constraint = CostConstraint(build_estimator(config["constraint"], estimator_context(spec, bench)))
        cost = constraint.by_code
        if config["max_cost"] < constraint.lo:
            raise NasbenchEvalError(
                f"max_cost {config['max_cost']:g} is below the cheapest arch "
                f"({constraint.lo:.4g} {constraint.unit})"
            )
    estimator = None
    if config["fitness"] == "table":
        estimator = build_estimator(spec.estimator or protocol.search_key, estimator_context(spec, bench))
        TableMixture(estimator)  # refuses a test split now
    elif spec.estimator is not None:
        raise NasbenchEvalError("the supernet fitness trains its own supernet: drop --estimator")
    elif spec.data_root is None:
        raise NasbenchEvalError("--set fitness=supernet trains a supernet: give --data-root (the images)")
    return protocol, config, cost, estimator


def _fitness(spec: RunSpec, config: dict, estimator, seed: int):
    if estimator is not None:
        return TableMixture(estimator)
    from ..train import distributed
    from .one_shot import search_streams

    device = distributed.local_device(spec.device)
    streams = search_streams(spec, seed, config, device)
    records = get_dataset(spec.dataset).search_records
    return SupernetMixture(spec.search_space(), records, streams, config, device=device, seed=seed)


def product_spec(space, mask: np.ndarray) -> str:
    """A per-position choice mask as a sub-space spec, one ``pN=...`` part per position."""
    return ";".join(
        f"p{p}=" + ",".join(space.choice_names[c] for c in np.flatnonzero(row)) for p, row in enumerate(mask)
    )


def run(
    spec: RunSpec,
    seed: int,
    checkpoint: Path | None = None,
    *,
    stop_after_generations: int | None = None,
) -> tuple[RunRecord, dict]:
    from tqdm import tqdm

    from ..train.trainer import load_checkpoint, save_checkpoint

    start = time.perf_counter()
    protocol, config, cost, estimator = build(spec)
    bench = benchmark(spec)
    method_cls = get_method(spec.method)
    method = method_cls(spec.search_space(), seed, **config)
    fitness = _fitness(spec, config, estimator, seed)
    state = None
    if checkpoint is not None and checkpoint.exists():  # the runner removes it first with --overwrite
        saved = load_checkpoint(checkpoint)
        state = saved["method"]
        fitness.load_state_dict(saved["fitness"])
    bar = tqdm(
        total=config["generations"],
        initial=0 if state is None else int(state["generation"]),
        desc=f"{spec.method} seed {seed}",
        unit="gen",
        leave=False,
        disable=None,
    )

    def on_generation(generation, entry):
        bar.update()
        if checkpoint is not None:
            save_checkpoint(checkpoint, {"method": method.state_dict(), "fitness": fitness.state_dict()})
        if stop_after_generations is not None and generation >= stop_after_generations:
            raise KeyboardInterrupt("stopped for a test")

    t_fit = time.perf_counter()
    try:
        log = method.fit(fitness, cost, on_generation=on_generation, state=state)
    finally:
        bar.close()
    t_fit = time.perf_counter() - t_fit
    archs, fit = method.learned_space()
    mask = method.product_form()
    space = bench.space
    codes = space.codes_of(archs)
    product_codes = np.flatnonzero(mask[np.arange(space.num_positions), space.all_choices()].all(1))
    best = int(bench.index_by_code[codes[0]])
    described = fitness.describe()
    learned = {
        "members": [space.format(tuple(a)) for a in archs],
        "fitness": [float(f) for f in fit],
        "product": product_spec(space, mask),
        "summary": subspace_summary(bench, codes, spec.dataset),
        "product_summary": subspace_summary(bench, product_codes, spec.dataset),
        "evaluated_archs": len(method.evaluated),
        # the benchmark index of every arch ever mixed: what the space cost to learn
        "evaluated_indices": sorted(
            int(i) for i in bench.index_by_code[space.codes_of(np.asarray(sorted(method.evaluated)))]
        ),
        "constraint": None
        if cost is None
        else {
            "name": config["constraint"],
            "max_cost": config["max_cost"],
            "penalty": config["penalty"],
            "members_within_budget": float(np.mean(cost[codes] <= config["max_cost"])),
        },
        "log": log,
    }
    record = RunRecord(
        **record_header(spec, method_cls, protocol, seed, config),
        estimator=described,
        budget=Budget(config["generations"], "generations", method.generation),
        final=FinalArch(best, learned["members"][0], float(fit[0])),
        final_metrics=report_metrics(bench, protocol, best),
        learned_space=learned,
    )
    timing = {"fit_s": t_fit, "total_s": time.perf_counter() - start}
    return record, timing


def space_files(path: Path) -> tuple[Path, Path]:
    """Where a record's learned space goes: (explicit set, product form)."""
    path = Path(path)
    return path.with_suffix(".space.txt"), path.with_suffix(".product.txt")


def after_write(path: Path, record: RunRecord) -> None:
    """Write the record's learned space as two sub-space files beside it."""
    learned = record.learned_space
    if not learned:
        return
    members, product = space_files(path)
    where = f"{record.space}, searched on {record.search_dataset}, seed {record.seed}"
    cons = learned["constraint"]
    budget = f", {cons['name']} <= {cons['max_cost']:g}" if cons else ""
    head = [
        f"# {record.method_title} learned space ({where}{budget}); record {path.name}",
        f"# fitness: {record.estimator.get('spec')} ({record.estimator.get('variant', '')})",
    ]
    lines = [
        f"{arch}  # fitness {f:.4f}" for arch, f in zip(learned["members"], learned["fitness"], strict=True)
    ]
    write_text_atomic(members, "\n".join([*head, f"# {len(lines)} archs, best first", *lines]) + "\n")
    parts = learned["product"].split(";")
    size = learned["product_summary"]["size"]
    write_text_atomic(
        product, "\n".join([*head, f"# product form: {size} archs (choices per position)", *parts]) + "\n"
    )
