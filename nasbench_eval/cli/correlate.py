"""``nasbench-eval correlate``."""

from __future__ import annotations

from pathlib import Path

import click
import numpy as np
from tqdm import tqdm

from ..bench import open_benchmark
from ..bench.layout import write_json_atomic
from ..errors import NasbenchEvalError
from ..runs.correlate import correlate as run_correlate
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
    help="A metric key, flops, params, latency:DEVICE, supernet:JOB_DIR or file:PATH.csv[:COLUMN].",
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
    device,
    no_verify,
):
    """Rank correlation of an estimator with the benchmark's ground truth."""
    bench = open_benchmark(space, obj["home"])
    path = None
    if out:
        slug = "".join(c if c.isalnum() or c in "-._" else "_" for c in spec)
        subset = archs if (archs.isascii() and archs.isdigit()) or archs == "all" else "file"
        path = Path(out) / f"{bench.space.name}-{dataset}-{slug}-{subset}-seed{seed}.json"
        if path.exists() and not overwrite:
            raise NasbenchEvalError(f"{path} exists; use --overwrite to replace it")
    record = run_correlate(
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
        device=device,
        verify=not no_verify,
        progress=lambda it, n: tqdm(it, total=n, desc="scoring archs", unit="arch"),
    )
    m = record["metrics"]
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
        write_json_atomic(path, record)
        click.echo(f"record: {path}")
    if plot_file:
        from ..analysis.plots import correlation_plot

        correlation_plot(
            np.asarray(record["estimates"]),
            bench.query(record["truth"], record["indices"]),
            spec,
            record["truth"],
            m,
            plot_file,
        )
        click.echo(f"wrote {plot_file}")
