"""``nasbench-eval table``."""

from __future__ import annotations

import click

from ..analysis.table import REFERENCES, benchmark_rows, method_rows, reference_note, reference_rows, render
from ..bench import open_benchmark
from ..errors import NasbenchEvalError
from ..records import find_records


@click.command()
@click.argument("run_dirs", nargs=-1, required=True, type=click.Path())
@click.option(
    "--format", "fmt", type=click.Choice(["markdown", "latex", "csv"]), default="markdown", show_default=True
)
@click.option(
    "--reference",
    type=click.Choice(REFERENCES),
    default=None,
    help="Add the published rows (with their sources) for comparison.",
)
@click.pass_obj
def table(obj, run_dirs, fmt, reference):
    """NB201-style table (mean ± std over seeds) from run records."""
    records = [r for _, r in find_records(run_dirs)]
    spaces = {r.space for r in records}
    if len(spaces) > 1:
        raise NasbenchEvalError(
            f"records from several spaces ({', '.join(sorted(spaces))}); make one table per space"
        )
    rows = method_rows(records)
    rows += benchmark_rows(open_benchmark(spaces.pop(), obj["home"]))
    if reference:
        rows += reference_rows(reference)
    click.echo(render(rows, fmt), nl=False)
    if reference and fmt == "markdown":
        click.echo(
            f"\n{reference_note(reference)} Cells are mean ± std (seeds); n/a = not in the "
            "benchmark for every arch or seed."
        )
