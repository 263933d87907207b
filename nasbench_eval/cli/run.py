"""``nasbench-eval run``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click
from tqdm import tqdm

from ..errors import NasbenchEvalError
from ..methods import METHODS
from ..runs.generate import SGNASSpec, run_sgnas, sgnas_record_path
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
@click.option("--method", required=True, type=click.Choice([*METHODS, "sgnas"]))
@click.option("--space", default="nats-tss", show_default=True, help=f"Search space: {SPACE_HELP}.")
@click.option("--dataset", default="cifar10", show_default=True, type=click.Choice(SEARCH_DATASETS))
@click.option(
    "--protocol",
    default="nats",
    show_default=True,
    type=click.Choice(PROTOCOLS),
    help="nb201: search on cifar10-valid, report all datasets; nats: search per dataset.",
)
@click.option("--seeds", default="0", show_default=True, help="e.g. 0-99 or 1,5,7.")
@click.option(
    "--budget",
    default=None,
    help="12000s (simulated seconds), 200q (queries) or a number "
    "in the benchmark's unit [default: the protocol's].",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(),
    default=None,
    help="JSON file of method hyper-parameters (override the protocol's).",
)
@click.option("--out", type=click.Path(file_okay=False), default="runs", show_default=True)
@click.option("--workers", type=int, default=1, show_default=True, help="Worker processes.")
@click.option("--overwrite", is_flag=True, help="Recompute seeds that already have a record.")
@click.option(
    "--constraint",
    default="flops",
    show_default=True,
    help="SGNAS: flops, params or latency:DEVICE (hardware table).",
)
@click.option(
    "--targets",
    default=None,
    help="SGNAS: start:stop:step in the constraint's unit [default: 19 values over the 5-95%% cost range].",
)
@click.option(
    "--estimator",
    default="auto",
    show_default=True,
    type=click.Choice(["auto", "table", "supernet"]),
    help="SGNAS: table (nasbench-eval variant), supernet (the paper's), auto.",
)
@click.option(
    "--supernet",
    "supernet_job",
    default=None,
    type=click.Path(),
    help="SGNAS: a 'supernet train' job directory.",
)
@click.option("--data-root", envvar="NASBENCH_EVAL_DATA", default=None, type=click.Path())
@click.option("--splits", "splits_dir", envvar="NASBENCH_EVAL_SPLITS", default=None, type=click.Path())
@click.option("--device", default="cpu", show_default=True)
@click.option("--no-verify", "no_verify", is_flag=True, help="SGNAS supernet: skip raw-file size/md5 checks.")
@click.pass_obj
def run(
    obj,
    method,
    space,
    dataset,
    protocol,
    seeds,
    budget,
    config_file,
    out,
    workers,
    overwrite,
    constraint,
    targets,
    estimator,
    supernet_job,
    data_root,
    splits_dir,
    device,
    no_verify,
):
    """Search with a method for every seed and write one JSON record per seed.

    SGNAS (``--method sgnas``) trains an architecture generator and generates one
    architecture per target cost; it searches cifar10 on cifar10-valid (NB201 protocol).
    """
    if method == "sgnas":
        spec = SGNASSpec(
            space,
            dataset,
            constraint,
            targets,
            estimator,
            None,
            supernet_job,
            data_root,
            splits_dir,
            device,
            _config(config_file),
            obj["home"],
            verify=not no_verify,
        )
        _run_sgnas(spec, seeds, out, overwrite)
        return
    limit, unit = _budget(budget)
    spec = RunSpec(method, space, protocol, dataset, limit, unit, _config(config_file), obj["home"])
    seed_list = parse_seeds(seeds)

    def bar(iterable, total):
        return tqdm(iterable, total=total, desc=f"{method} {protocol} {dataset}", unit="seed")

    written, kept = run_seeds(
        spec,
        seed_list,
        Path(out),
        workers=max(1, min(workers, os.cpu_count() or 1)),
        overwrite=overwrite,
        progress=bar,
    )
    click.echo(
        f"{len(written)} record(s) written under {out}"
        + (f"; {len(kept)} existing kept (use --overwrite to recompute)" if kept else "")
    )


def _run_sgnas(spec: SGNASSpec, seeds: str, out: str, overwrite: bool) -> None:
    for seed in tqdm(parse_seeds(seeds), desc="sgnas", unit="seed"):
        path = sgnas_record_path(Path(out), spec, seed)
        if path.exists() and not overwrite:
            click.echo(f"{path} exists; kept (use --overwrite to recompute)")
            continue
        record = run_sgnas(spec, seed, path, overwrite=overwrite, log=click.echo)
        summary = record["summary"]
        click.echo(
            f"seed {seed}: {len(record['targets'])} targets ({record['constraint']['unit']}), "
            f"generator {record['seconds']['generator_training']:.1f} s, generation "
            f"{record['seconds']['generation'] * 1000:.1f} ms"
        )
        click.echo(f"  {'target':>9} {'achieved':>9}  {'est. acc':>8}  {'C10 test':>8}  arch")
        c10 = next(k for k in record["final_metrics"] if k.startswith("cifar10/ori-test"))
        for row in record["targets"]:
            acc = row["metrics"].get(c10)
            click.echo(
                f"  {row['target']:>9.4g} {row['achieved']:>9.4g}  {row['estimated_accuracy']:>8.2f}  "
                f"{'n/a' if acc is None else f'{acc:.2f}':>8}  {row['arch']}"
            )
        regret = ", ".join(f"{k} {v['median']:.2f}" for k, v in summary["regret"].items())
        click.echo(
            f"  controllability: Kendall tau {summary['kendall_tau_target_vs_achieved']:.3f}, median "
            f"relative error {summary['median_relative_error']:.3f}, within 5% "
            f"{summary['share_within_5pct']:.0%}; median regret {regret}"
        )
        click.echo(f"  record: {path}")
