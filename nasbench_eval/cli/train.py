"""``nasbench-eval train`` and ``nasbench-eval supernet train``."""

from __future__ import annotations

import json

import click

from ..spaces import SPACE_HELP
from ..train.recipes import RECIPES
from .common import image_options


def _data_options(f):
    """The image options plus what every training job takes."""
    for opt in reversed(
        [
            click.option(
                "--epochs",
                type=click.IntRange(1, 100_000),
                default=None,
                help="Epochs (the recipe's cosine schedule is compressed to them) [default: the recipe's].",
            ),
            click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=0, show_default=True),
            click.option("--resume", is_flag=True, help="Continue the job in --out after an interruption."),
            click.option("--overwrite", is_flag=True, help="Discard the job in --out and start over."),
            click.option(
                "--limit-train",
                type=click.IntRange(1, None),
                default=None,
                help="Use only the first N training images (quick checks).",
            ),
            click.option(
                "--bf16/--fp32",
                "bf16",
                default=None,
                help="bf16 autocast [default: on for cuda, off for cpu].",
            ),
        ]
    ):
        f = opt(f)
    return image_options(f, required=True)


@click.command()
@click.option("--space", default="nats-tss", show_default=True, help=f"Search space: {SPACE_HELP}.")
@click.option("--arch", default=None, help="Arch string (tss cell or sss channels).")
@click.option(
    "--arch-file",
    default=None,
    type=click.Path(dir_okay=False),
    help="Instead of --arch: an MGAS mask file (seed-NNNN.masks.npz), the pruned NB201 network.",
)
@click.option(
    "--dataset", required=True, type=click.Choice(["cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"])
)
@click.option(
    "--recipe", default="200E", show_default=True, help=f"{', '.join(RECIPES)} or an official .config file."
)
@click.option("--out", required=True, type=click.Path(file_okay=False))
@click.option("--compile", "use_compile", is_flag=True, help="torch.compile the forward pass.")
@_data_options
def train(
    space,
    arch,
    arch_file,
    dataset,
    recipe,
    out,
    use_compile,
    data_root,
    splits_dir,
    epochs,
    seed,
    device,
    no_verify,
    resume,
    overwrite,
    limit_train,
    bf16,
):
    """Train one network with the benchmark recipe; report accuracy on the benchmark's splits."""
    from ..train.jobs import train_network

    result = train_network(
        space,
        arch,
        dataset,
        out=out,
        data_root=data_root,
        splits_dir=splits_dir,
        epochs=epochs,
        recipe=recipe,
        seed=seed,
        device=device,
        verify=not no_verify,
        compile=use_compile,
        bf16=bf16,
        resume=resume,
        overwrite=overwrite,
        limit_train=limit_train,
        arch_file=arch_file,
    )
    click.echo(json.dumps(result["metrics"], indent=1))
    click.echo(f"{len(result['log'])} epochs in {result['wall_time_s']:.1f} s; result in {out}/result.json")


@click.group()
def supernet() -> None:
    """Weight-sharing supernets."""


@supernet.command("train")
@click.option("--space", default="nats-tss", show_default=True, help=f"Search space: {SPACE_HELP}.")
@click.option(
    "--dataset",
    required=True,
    type=click.Choice(["cifar10-valid", "cifar100", "ImageNet16-120"]),
    help="Trains on the dataset's search split (cifar10-valid: the 25k train half).",
)
@click.option("--recipe", default="weight-sharing", show_default=True)
@click.option("--bn-affine/--no-bn-affine", default=False, show_default=True)
@click.option(
    "--bn-track/--no-bn-track",
    default=False,
    show_default=True,
    help="BatchNorm running statistics (NATS-Bench searches without).",
)
@click.option(
    "--task-dropout",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.0,
    show_default=True,
    help="cifar100 (EAS): per batch, drop each of the 20 superclasses with this probability "
    "(its images leave the batch, its logits are masked).",
)
@click.option("--out", required=True, type=click.Path(file_okay=False))
@_data_options
def supernet_train(
    space,
    dataset,
    recipe,
    bn_affine,
    bn_track,
    task_dropout,
    out,
    data_root,
    splits_dir,
    epochs,
    seed,
    device,
    no_verify,
    resume,
    overwrite,
    limit_train,
    bf16,
):
    """Uniform single-path supernet training, saved for the supernet estimator (data-parallel
    under torchrun --nproc_per_node=K)."""
    from ..nets.config import BNConfig
    from ..train.distributed import setup
    from ..train.jobs import train_supernet

    setup(device)

    result = train_supernet(
        space,
        dataset,
        out=out,
        data_root=data_root,
        splits_dir=splits_dir,
        epochs=epochs,
        recipe=recipe,
        bn=BNConfig(bn_affine, bn_track),
        seed=seed,
        device=device,
        verify=not no_verify,
        bf16=bf16,
        resume=resume,
        overwrite=overwrite,
        limit_train=limit_train,
        task_dropout=task_dropout,
    )
    last = result["log"][-1]
    click.echo(
        f"{len(result['log'])} epochs in {result['wall_time_s']:.1f} s, last train loss "
        f"{last['train_loss']:.3f}; supernet in {out}/checkpoint.pt"
    )
