"""Options several commands share."""

from __future__ import annotations

import click


def image_options(f):
    """--data-root, --splits, --device, --no-verify: where images are and how they are read."""
    for opt in reversed(
        [
            click.option(
                "--data-root",
                envvar="NASBENCH_EVAL_DATA",
                default=None,
                type=click.Path(),
                help="Images for supernets and one-shot methods: cifar-10-batches-py/, "
                "cifar-100-python/, ImageNet16/ [env NASBENCH_EVAL_DATA].",
            ),
            click.option(
                "--splits",
                "splits_dir",
                envvar="NASBENCH_EVAL_SPLITS",
                default=None,
                type=click.Path(),
                help="Folder of the official NB201 split files "
                "[env NASBENCH_EVAL_SPLITS; default DATA_ROOT/nb201-splits].",
            ),
            click.option("--device", default="cpu", show_default=True, help="cpu or cuda."),
            click.option(
                "--no-verify",
                "no_verify",
                is_flag=True,
                help="Skip the raw files' size/md5 checks (files known to differ).",
            ),
        ]
    ):
        f = opt(f)
    return f
