"""``nasbench-eval plot trajectory|cost``."""

from __future__ import annotations

import click

from ..bench import open_benchmark
from ..errors import NasbenchEvalError
from ..records import find_records


def _load(obj, run_dirs):
    records = [r for _, r in find_records(run_dirs)]
    spaces = {r.space for r in records}
    if len(spaces) > 1:
        raise NasbenchEvalError(f"records from several spaces ({', '.join(sorted(spaces))})")
    return records, open_benchmark(spaces.pop(), obj["home"])


@click.group()
def plot() -> None:
    """Plots from run records (PNG, PDF or SVG by the file suffix)."""


@plot.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.pass_obj
def trajectory(obj, run_dirs, output):
    """Best-so-far test accuracy vs simulated time (or queries), mean ± std over seeds."""
    records, bench = _load(obj, run_dirs)
    from ..analysis.plots import trajectory_plot  # matplotlib: only when plotting

    trajectory_plot(records, bench, output)
    click.echo(f"wrote {output}")


@plot.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--cost",
    default="flops",
    show_default=True,
    help="An estimator spec for the x axis: flops, params, latency:DEVICE, file:PATH.csv, ...",
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.pass_obj
def cost(obj, run_dirs, cost, output):
    """The whole space (accuracy vs cost), its Pareto front, and the archs the runs found."""
    records, bench = _load(obj, run_dirs)
    from ..analysis.plots import cost_plot  # matplotlib: only when plotting

    cost_plot(records, bench, cost, output)
    click.echo(f"wrote {output}")


@plot.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.pass_obj
def sweep(obj, run_dirs, output):
    """Generative methods: the generated arch of every target on the accuracy-vs-cost plane."""
    records, bench = _load(obj, run_dirs)
    from ..analysis.plots import sweep_plot  # matplotlib: only when plotting

    sweep_plot(records, bench, output)
    click.echo(f"wrote {output}")


@plot.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False))
@click.option("--panels", default=4, show_default=True, type=click.IntRange(1, 12), help="Tasks to show.")
def scenarios(run_dirs, output, panels):
    """EAS: task accuracy vs budget per task, beside the all-task arch and per-scenario REA."""
    records = [r for _, r in find_records(run_dirs)]
    from ..analysis.plots import scenario_plot  # matplotlib: only when plotting

    scenario_plot(records, output, panels=panels)
    click.echo(f"wrote {output}")
