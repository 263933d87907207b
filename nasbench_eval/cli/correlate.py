"""``nasbench-eval correlate``."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from ..bench import open_benchmark
from ..bench.layout import write_json_atomic
from ..errors import NasbenchEvalError
from ..runs.correlate import correlate_many
from ..runs.options import parse_overrides
from ..spaces import SPACE_HELP
from .common import image_options


@click.command()
@click.option("--space", default="nats-tss", show_default=True, help=f"Search space: {SPACE_HELP}.")
@click.option(
    "--dataset",
    default="cifar10-valid",
    show_default=True,
    type=click.Choice(["cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"]),
)
@click.option(
    "--estimator",
    "spec",
    required=True,
    help="A metric key, flops, params, latency:DEVICE, supernet:JOB_DIR, file:PATH.csv[:COLUMN] "
    "or zc:NAME[,NAME...] (zero-cost proxies, one column each).",
)
@click.option(
    "--truth",
    default=None,
    help="Ground-truth key [default: 200-epoch validation accuracy where the benchmark has it, else test].",
)
@click.option(
    "--archs",
    default="all",
    show_default=True,
    help="all, a number N (random subset), or a file of official indices.",
)
@click.option(
    "--seed",
    type=click.IntRange(0, 2**32 - 1),
    default=0,
    show_default=True,
    help="Subset and bootstrap seed.",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(0, 100_000),
    default=1000,
    show_default=True,
    help="Resamples for the tau CI.",
)
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write the JSON record here.")
@click.option("--overwrite", is_flag=True, help="Replace an existing record.")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Scatter plot (estimate vs truth, rank vs rank): PNG, PDF or SVG.",
)
@click.option(
    "--eval-batches",
    type=click.IntRange(1, 10_000),
    default=10,
    show_default=True,
    help="Held-out batches (256 images) per arch for supernet estimators.",
)
@click.option(
    "--recalibrate",
    type=click.IntRange(0, 10_000),
    default=0,
    show_default=True,
    help="BN recalibration batches per arch (supernets trained with --bn-track).",
)
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help="An estimator option (repeatable), e.g. batch_size=128 or seed=1 for zc:.",
)
@image_options
@click.pass_obj
def correlate(
    obj,
    space,
    dataset,
    spec,
    truth,
    archs,
    seed,
    bootstrap,
    out,
    overwrite,
    plot_file,
    data_root,
    splits_dir,
    eval_batches,
    recalibrate,
    overrides,
    device,
    no_verify,
):
    """Rank correlation of an estimator with the benchmark's ground truth."""
    bench = open_benchmark(space, obj["home"])
    subset = archs if (archs.isascii() and archs.isdigit()) or archs == "all" else "file"

    def record_path(column_spec: str) -> Path | None:
        if not out:
            return None
        slug = "".join(c if c.isalnum() or c in "-._" else "_" for c in column_spec)
        return Path(out) / f"{bench.space.name}-{dataset}-{slug}-{subset}-seed{seed}.json"

    if out and not spec.startswith("zc:") and not overwrite:
        path = record_path(spec)
        if path.exists():
            raise NasbenchEvalError(f"{path} exists; use --overwrite to replace it")
    records = correlate_many(
        bench,
        dataset,
        spec,
        truth=truth,
        archs=archs,
        seed=seed,
        n_boot=bootstrap,
        data_root=data_root,
        splits_dir=splits_dir,
        eval_batches=eval_batches,
        recalibrate=recalibrate,
        options=parse_overrides(overrides),
        device=device,
        verify=not no_verify,
        progress=lambda it, n: tqdm(it, total=n, desc="scoring archs", unit="arch"),
    )
    for record in records:
        _report(record, record_path(record["estimator"]["spec"]), overwrite)
    if plot_file:
        from ..analysis.plots import correlation_plot

        for record in records:
            target = Path(plot_file)
            if len(records) > 1:
                target = target.with_name(
                    f"{target.stem}-{record['estimator'].get('proxy', 'x')}{target.suffix}"
                )
            correlation_plot(
                np.asarray(record["estimates"]),
                bench.query(record["truth"], record["indices"]),
                record["estimator"]["spec"],
                record["truth"],
                record["metrics"],
                target,
            )
            click.echo(f"wrote {target}")


def _report(record: dict, path: Path | None, overwrite: bool) -> None:
    m, spec = record["metrics"], record["estimator"]["spec"]
    click.echo(
        f"{spec} vs {record['truth']} on {record['archs']['used']} archs "
        f"({record['archs']['selection']}; {record['archs']['dropped_missing']} dropped: missing)"
    )
    rows = [
        ("Kendall tau", m["kendall_tau"]),
        ("  95% bootstrap CI", m["kendall_tau_ci95"]),
        ("Spearman rho", m["spearman_rho"]),
        ("Pearson r", m["pearson_r"]),
        *[(f"precision@{k}", m[f"precision_at_{k}"]) for k in (10, 50, 100)],
        ("Kendall tau, top 10%", m["kendall_tau_top10pct"]),
        ("sparse Kendall tau", m["sparse_kendall_tau"]),
    ]
    for name, value in rows:
        text = f"[{value[0]:.3f}, {value[1]:.3f}]" if isinstance(value, list) else f"{value:.3f}"
        click.echo(f"  {name:<22}{text}")
    if "archs_per_second" in record["estimator"]:
        click.echo(f"  supernet: {record['estimator']['archs_per_second']:.2f} archs/s")
    if path:
        if path.exists() and not overwrite:
            raise NasbenchEvalError(f"{path} exists; use --overwrite to replace it")
        write_json_atomic(path, record)
        click.echo(f"record: {path}")
