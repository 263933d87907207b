"""``nasbench-eval run``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from tqdm import tqdm

from ..errors import NasbenchEvalError
from ..methods import METHODS
from ..runs.protocols import PROTOCOLS, SEARCH_DATASETS
from ..runs.runner import RunSpec, parse_seeds, run_seeds
from ..spaces import SPACE_HELP


def _budget(text: str | None) -> tuple[float | None, str | None]:
    if text is None:
        return None, None
    unit = {"s": "seconds", "q": "queries"}.get(text[-1:])
    try:
        return float(text[:-1] if unit else text), unit
    except ValueError:
        raise NasbenchEvalError(f"--budget must look like 12000s, 200q or 200, got {text!r}") from None


def _config(path: str | None) -> dict:
    if path is None:
        return {}
    try:
        config = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise NasbenchEvalError(f"cannot read config {path}: {exc}") from None
    if not isinstance(config, dict):
        raise NasbenchEvalError(f"{path}: a config is a JSON object of hyper-parameters")
    return config


@click.command()
@click.option("--method", required=True, type=click.Choice(list(METHODS)))
@click.option("--space", default="nats-tss", show_default=True, help=f"Search space: {SPACE_HELP}.")
@click.option("--dataset", default="cifar10", show_default=True, type=click.Choice(SEARCH_DATASETS))
@click.option("--protocol", default="nats", show_default=True, type=click.Choice(PROTOCOLS),
              help="nb201: search on cifar10-valid, report all datasets; nats: search per dataset.")
@click.option("--seeds", default="0", show_default=True, help="e.g. 0-99 or 1,5,7.")
@click.option("--budget", default=None, help="12000s (simulated seconds), 200q (queries) or a number "
              "in the benchmark's unit [default: the protocol's].")
@click.option("--config", "config_file", type=click.Path(), default=None,
              help="JSON file of method hyper-parameters (override the protocol's).")
@click.option("--out", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option("--overwrite", is_flag=True, help="Recompute seeds that already have a record.")
@click.pass_obj
def run(obj, method, space, dataset, protocol, seeds, budget, config_file, out, workers, overwrite):
    """Search with a method for every seed and write one JSON record per seed."""
    limit, unit = _budget(budget)
    spec = RunSpec(method, space, protocol, dataset, limit, unit, _config(config_file), obj["home"])
    seed_list = parse_seeds(seeds)

    def bar(iterable, total):
        return tqdm(iterable, total=total, desc=f"{method} {protocol} {dataset}", unit="seed")

    written, kept = run_seeds(spec, seed_list, Path(out), workers=max(1, min(workers, os.cpu_count() or 1)),
                              overwrite=overwrite, progress=bar)
    click.echo(f"{len(written)} record(s) written under {out}"
               + (f"; {len(kept)} existing kept (use --overwrite to recompute)" if kept else ""))
