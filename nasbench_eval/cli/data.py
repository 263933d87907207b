"""``nasbench-eval data import|info|subspace``."""

from __future__ import annotations

import os

import click
from tqdm import tqdm

from ..bench import open_benchmark
from ..bench.importers import read_source
from ..bench.store import import_batch
from ..protocols import SEARCH_DATASETS
from ..proxies.cache import list_score_files
from ..spaces import SPACE_NAMES


def _bar(iterable, total, desc):
    return tqdm(iterable, total=total, desc=f"reading {desc}", unit="arch", leave=False)


@click.group()
def data() -> None:
    """Import benchmark data and show what is imported."""


@data.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--space", default=None, help="Space of a CSV table (default: from its arch strings).")
@click.option(
    "--replace",
    is_flag=True,
    help="Overwrite stored values that the new source contradicts "
    "(applied again even if the same file was imported before).",
)
@click.option("--allow-new-measure", is_flag=True, help="Store measures the importers do not know.")
@click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=min(4, os.cpu_count() or 1),
    show_default=True,
    help="Processes reading an official archive directory.",
)
@click.pass_obj
def import_(obj, paths, space, replace, allow_new_measure, workers) -> None:
    """Import official NATS-Bench archives, NAS-Bench-201 .pth files or CSV tables.

    Official archives are pickles: import only files from a source you trust.
    """
    for path in paths:
        batch = read_source(path, space=space, workers=workers, progress=_bar)
        report = import_batch(obj["home"], batch, replace=replace, allow_new_measure=allow_new_measure)
        if report.skipped:
            click.echo(f"{path}: already imported (same md5), nothing to do")
            continue
        click.echo(
            f"{path}: {report.space}, {report.keys} metrics, {report.values_added} values "
            f"added, {report.values_replaced} replaced"
        )
        for note in report.notes[:5]:
            click.echo(f"  note: {note}")
        if len(report.notes) > 5:
            click.echo(f"  ... and {len(report.notes) - 5} more notes")


@data.command("info")
@click.option(
    "--space", type=click.Choice(SPACE_NAMES), default=None, help="Only this space (default: every space)."
)
@click.pass_obj
def info(obj, space) -> None:
    """Coverage table: metric key, archs covered, source."""
    for name in [space] if space else SPACE_NAMES:
        bench = open_benchmark(name, obj["home"])
        rows = bench.coverage()
        click.echo(f"{name}: {len(bench.sources)} source(s) under {bench.root}")
        width = max(len(str(r.key)) for r in rows)
        click.echo(f"  {'metric key':<{width}}  {'archs':>6}  curve  source")
        for r in rows:
            src = "; ".join(os.path.basename(p) if "/" in p else p for p in r.sources) or "-"
            click.echo(f"  {str(r.key):<{width}}  {r.archs:>6}  {'yes' if r.has_curve else '   '}    {src}")
        caches = list_score_files(bench.root)
        if caches:
            click.echo(f"  zero-cost scores (zc:), cached under {bench.root / 'zerocost'}:")
            width = max(len(c.get("spec", "")) for c in caches)
            for c in caches:
                devices = ",".join(c.get("devices", []))
                spec, scored = c.get("spec", ""), c.get("scored", 0)
                click.echo(f"    {spec:<{width}}  {scored:>6} archs  on {c['dataset']} ({devices})")


@data.command("subspace")
@click.argument("spec")
@click.option("--space", default="nats-tss", show_default=True, help="The space the sub-space restricts.")
@click.option("--dataset", default="cifar10", show_default=True, type=click.Choice(SEARCH_DATASETS))
@click.pass_obj
def subspace(obj, spec, space, dataset) -> None:
    """What a sub-space (a spec or a file, e.g. a learned space) holds against the full
    space: size, member accuracies and costs, the share of the best archs it keeps."""
    from ..analysis.subspace import subspace_summary, summary_lines
    from ..spaces import get_space

    sub = get_space(space, spec)
    bench = open_benchmark(space, obj["home"])
    summary = subspace_summary(bench, sub.base.codes_of(sub.all_choices()), dataset)
    click.echo(f"{sub.label} on {dataset}:")
    for line in summary_lines(summary):
        click.echo(f"  {line}")
