"""``nasbench-eval query``."""

from __future__ import annotations

import json

import click

from ..bench import make_key, open_benchmark
from ..bench.keys import ANALYTIC_MEASURES, NA
from ..datasets import DATASETS
from ..errors import MetricKeyError
from ..spaces import SPACE_HELP


@click.command()
@click.argument("archs", nargs=-1, required=True)
@click.option("--space", required=True, help=f"Search space: {SPACE_HELP}.")
@click.option("--dataset", required=True, type=click.Choice(list(DATASETS)))
@click.option("--split", default=None, help="train, x-valid, x-test or ori-test.")
@click.option(
    "--measure", required=True, help="accuracy, loss, time_s, flops, params, latency_ms:DEVICE, ..."
)
@click.option("--epochs", default=None, help="Training budget of the metric (e.g. 12 or 200).")
@click.option("--aggregate", default="mean", show_default=True, help="mean or seedN.")
@click.option(
    "--epoch",
    "at_epoch",
    type=click.IntRange(0, 100_000),
    default=None,
    help="Read the per-epoch curve at this 0-based epoch.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def query(obj, archs, space, dataset, split, measure, epochs, aggregate, at_epoch, as_json):
    """Look up ARCHS (official indices or arch strings) in the benchmark.

    FLOPs and params (--measure flops|params) are analytic and need no imported data.
    """
    if measure in ANALYTIC_MEASURES:
        if split or epochs:
            raise MetricKeyError(f"{measure} depends only on the dataset: drop --split/--epochs")
        key = make_key(dataset, NA, measure, None, NA)
    else:
        if split is None or epochs is None:
            raise MetricKeyError(
                "--split and --epochs are required (no silent defaults: "
                "the benchmark holds 12- and 200-epoch results)"
            )
        key = make_key(dataset, split, measure, epochs, aggregate)
    bench = open_benchmark(space, obj["home"])
    rows = bench.lookup(list(archs), key, epoch=at_epoch)
    if as_json:
        click.echo(json.dumps(rows, indent=1))
        return
    click.echo(f"{key}" + (f" @ epoch {at_epoch}" if at_epoch is not None else ""))
    for row in rows:
        value = "n/a" if row["value"] is None else f"{row['value']:.6g}"
        index = "-" if row["index"] is None else row["index"]
        click.echo(f"{index:>6}  {value:>10}  {row['arch']}")
