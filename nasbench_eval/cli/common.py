"""Options several commands share."""

from __future__ import annotations

import click


def image_options(f=None, *, required: bool = False):
    """--data-root, --splits, --device, --no-verify: where images are and how they are read.
    ``@image_options`` or ``@image_options(required=True)`` (commands that always train)."""
    if f is None:
        return lambda g: image_options(g, required=required)
    for opt in reversed(
        [
            click.option(
                "--data-root",
                envvar="NASBENCH_EVAL_DATA",
                required=required,  # no explicit default: click 8.5 would let None satisfy it
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
