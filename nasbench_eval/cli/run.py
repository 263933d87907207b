"""``nasbench-eval run``: every method, every kind, through one command."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from ..methods import METHODS
from ..protocols import PROTOCOLS, SEARCH_DATASETS
from ..runs.executors import EXECUTORS
from ..runs.options import load_config_file, parse_budget, parse_overrides
from ..runs.runner import parse_seeds, run_seeds
from ..runs.spec import RunSpec
from ..spaces import SPACE_HELP
from .common import image_options


def _method_options() -> str:
    lines = ["Method options (--set KEY=VALUE or --config FILE; defaults shown):", ""]
    for entry in METHODS.entries():
        cls = entry.obj
        lines.append(f"{entry.name} ({entry.kind}): {entry.description}")
        for key, opt in cls.options.items():
            per = ", ".join(f"{p}: {d[key]!r}" for p, d in cls.protocol_defaults.items() if key in d)
            lines.append(f"  {key}={opt.default!r}  {opt.help}" + (f" (protocol {per})" if per else ""))
        lines.append("")
    return "\b\n" + "\n".join(lines)


class _RunCommand(click.Command):
    """Builds the method-options epilog only when --help asks for it."""

    def format_epilog(self, ctx, formatter):
        formatter.write_paragraph()
        for line in _method_options().split("\n"):
            formatter.write_text(line) if line else formatter.write_paragraph()


@click.command(cls=_RunCommand)
@click.option("--method", required=True, type=click.Choice(METHODS.names()), help="See the list below.")
@click.option("--space", default="nats-tss", show_default=True, help=f"Search space: {SPACE_HELP}.")
@click.option("--dataset", default="cifar10", show_default=True, type=click.Choice(SEARCH_DATASETS))
@click.option(
    "--protocol",
    default=None,
    type=click.Choice(PROTOCOLS),
    help="nb201: search on cifar10-valid, report all datasets; nats: search per dataset "
    "[default: nats; generative methods: nb201 for cifar10].",
)
@click.option("--seeds", default="0", show_default=True, help="e.g. 0-99 or 1,5,7.")
@click.option(
    "--estimator",
    default=None,
    help="What scores archs: a metric key, flops, params, latency:DEVICE, supernet:JOB_DIR or "
    "file:PATH.csv[:COLUMN] [default: the protocol's 12-epoch validation accuracy].",
)
@click.option(
    "--budget",
    default=None,
    help="Multi-trial: 12000s (simulated seconds), 200q (queries) or a number in the benchmark's "
    "unit [default: the protocol's].",
)
@click.option(
    "--subspace",
    default=None,
    help="Restrict the search: e.g. 'ops=nor_conv_3x3,skip_connect', "
    "'widths=32-64', or a file of arch strings.",
)
@click.option(
    "--config", "config_file", type=click.Path(), default=None, help="JSON or TOML file of method options."
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="One method option (repeatable; overrides --config).",
)
@click.option(
    "--epochs",
    type=click.IntRange(1, 100_000),
    default=None,
    help="One-shot and generative methods: training epochs (the same as --set epochs=N) "
    "[default: the protocol's].",
)
@click.option(
    "--target-params",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="MGAS: parameters (M) of the pruned network (the same as --set target_params=M).",
)
@click.option(
    "--target-flops",
    type=click.FloatRange(0, min_open=True),
    default=None,
    help="MGAS: FLOPs (M) of the pruned network (the same as --set target_flops=M).",
)
@click.option("--out", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option(
    "--executor",
    type=click.Choice(EXECUTORS.names()),
    default=None,
    help="local, process or ray [default: process with --workers > 1, else local].",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 1024),
    default=1,
    show_default=True,
    help="Worker processes (process) or CPUs of a local Ray instance (ray).",
)
@click.option("--address", default=None, help="Ray: join this cluster (e.g. HEAD_IP:6379 or auto).")
@click.option("--overwrite", is_flag=True, help="Recompute seeds that already have a record.")
@image_options
@click.pass_obj
def run(
    obj,
    method,
    space,
    dataset,
    protocol,
    seeds,
    estimator,
    budget,
    subspace,
    config_file,
    overrides,
    epochs,
    target_params,
    target_flops,
    out,
    executor,
    workers,
    address,
    overwrite,
    data_root,
    splits_dir,
    device,
    no_verify,
):
    """Search with a method for every seed and write one JSON record per seed.

    Multi-trial methods query an estimator under a budget; generative methods (SGNAS) train
    a generator and generate one architecture per cost target; one-shot methods (RSPS,
    DARTS, GDAS, SETN, ENAS) train a supernet on --data-root, or learn from the table with
    --estimator table (oracle mode, ours). Under torchrun, one-shot searches run data-parallel.
    Space-learning methods (AutoSpace) write the learned space beside each record
    (seed-NNNN.space.txt, seed-NNNN.product.txt) for --subspace FILE.
    """
    from ..train import distributed

    distributed.setup(device)
    limit, unit = parse_budget(budget)
    config = {**load_config_file(config_file), **parse_overrides(overrides)}
    for key, value in (("epochs", epochs), ("target_params", target_params), ("target_flops", target_flops)):
        if value is not None:
            config[key] = value
    spec = RunSpec(
        method,
        space,
        protocol,
        dataset,
        estimator,
        limit,
        unit,
        subspace,
        config,
        obj["home"],
        data_root,
        splits_dir,
        device,
        not no_verify,
    )
    seed_list = parse_seeds(seeds)
    bars = []

    def progress(iterable, total):  # the bar starts once the spec is validated and jobs run
        bars.append(tqdm(total=total, desc=f"{method} {dataset}", unit="seed"))
        for item in iterable:
            yield item
            bars[-1].update()

    done = []

    def show(path, record):
        done.append(record)
        if record.sweep is not None:
            tqdm.write(_sweep_text(record, path))
        if record.learned_space is not None:
            tqdm.write(_space_text(record, path))

    try:
        written, kept = run_seeds(
            spec,
            seed_list,
            Path(out),
            executor=executor,
            workers=workers,
            address=address,
            overwrite=overwrite,
            progress=progress,
            on_record=show,
        )
    finally:
        for bar in bars:
            bar.close()
    if not distributed.is_main():  # under torchrun, rank 0 reports
        return
    click.echo(
        f"{len(written)} record(s) written under {out}"
        + (f"; {len(kept)} existing kept (use --overwrite to recompute)" if kept else "")
    )
    if done:
        from ..analysis.table import run_summary

        click.echo(run_summary(done))


def _sweep_text(record, path) -> str:
    sweep = record.sweep
    lines = [
        f"seed {record.seed}: {len(sweep.targets)} targets ({sweep.constraint['unit']}), "
        f"estimator {record.estimator.get('spec')}",
        f"  {'target':>9} {'achieved':>9}  {'est.':>8}  {'C10 test':>8}  arch",
    ]
    c10 = next((k for k in record.final_metrics if k.startswith("cifar10/ori-test")), None)
    for row in sweep.targets:
        acc = row.metrics.get(c10) if c10 else None
        lines.append(
            f"  {row.target:>9.4g} {row.achieved:>9.4g}  {row.estimated_accuracy:>8.2f}  "
            f"{'n/a' if acc is None else f'{acc:.2f}':>8}  {row.arch}"
        )
    s = sweep.summary
    regret = ", ".join(f"{k} {v['median']:.2f}" for k, v in s["regret"].items())
    tau = s["kendall_tau_target_vs_achieved"]
    lines.append(
        f"  controllability: Kendall tau {'n/a' if tau is None else f'{tau:.3f}'}, median relative "
        f"error {s['median_relative_error']:.3f}, within 5% {s['share_within_5pct']:.0%}; "
        f"median regret {regret or 'n/a'}"
    )
    lines.append(f"  record: {path}")
    return "\n".join(lines)


def _space_text(record, path) -> str:
    from ..analysis.subspace import summary_lines
    from ..runs.space_learning import space_files

    learned = record.learned_space
    members, product = space_files(path)
    lines = [
        f"seed {record.seed}: learned space after {record.budget.used:g} generations "
        f"({learned['evaluated_archs']:,} archs mixed), fitness {record.estimator.get('spec')}",
        *(f"  {line}" for line in summary_lines(learned["summary"])),
        f"  set form: {members}",
        f"  product form: {product} ({learned['product_summary']['size']:,} archs: {learned['product']})",
    ]
    return "\n".join(lines)
