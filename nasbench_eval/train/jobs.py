"""Whole training jobs behind the ``train`` and ``supernet train`` commands.

A job directory holds ``config.json``, ``checkpoint.pt`` (every epoch), ``log.jsonl`` and,
when done, ``result.json``. An existing job directory is never reused silently: pass
``resume=True`` to continue it or ``overwrite=True`` to start over.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import torch

from ..bench.layout import write_json_atomic
from ..data.batches import DeviceBatches
from ..data.splits import load_splits
from ..data.tasks import TaskDropout
from ..errors import BenchmarkFileError, NasbenchEvalError
from ..nets import SEARCH_BN, build_network, build_supernet
from ..nets.ops import BNConfig
from ..provenance import provenance, timestamp
from ..spaces import get_space
from . import distributed
from .recipes import get_recipe
from .trainer import CHECKPOINT, Trainer


def _prepare(out: Path, resume: bool, overwrite: bool) -> None:
    if (out / CHECKPOINT).exists() or (out / "result.json").exists():
        if overwrite:
            shutil.rmtree(out)
        elif not resume:
            raise NasbenchEvalError(
                f"{out} already holds a training job; use --resume to continue it "
                "or --overwrite to start over"
            )
    out.mkdir(parents=True, exist_ok=True)


def _batches(part, splits, batch_size, *, train: bool, device, seed=0, limit=None):
    return DeviceBatches.of_split(
        part.first(limit), splits, batch_size, augment=train, shuffle=train, device=device, seed=seed
    )


def train_network(
    space: str,
    arch: str | None,
    dataset: str,
    *,
    out: Path,
    data_root,
    splits_dir=None,
    epochs: int | None = None,
    recipe: str = "200E",
    seed: int = 0,
    device: str = "cpu",
    verify: bool = True,
    compile: bool = False,
    bf16: bool | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    limit_train: int | None = None,
    arch_file: str | Path | None = None,
) -> dict:
    """Train one architecture with a benchmark recipe; report accuracy on every eval split.
    ``arch_file``: instead of ``arch``, an MGAS mask file (the pruned NB201 network)."""
    sp = get_space(space)
    if (arch is None) == (arch_file is None):
        raise NasbenchEvalError("give one of --arch and --arch-file")
    masks = None
    if arch_file is not None:
        masks, described = _read_mask_file(sp, Path(arch_file), dataset)
        arch_str = f"masks:{Path(arch_file).name}"
    else:
        arch_str = sp.format(sp.to_arch(arch))
    rec = get_recipe(recipe).with_epochs(epochs)
    out = Path(out)
    config = {
        "job": "train",
        "space": sp.name,
        "arch": arch_str,
        "dataset": dataset,
        "recipe": recipe,
        "epochs": rec.epochs,
        "seed": seed,
        "limit_train": limit_train,
        "bf16": bf16 if bf16 is not None else device.startswith("cuda"),
        **({"arch_file": described} if masks is not None else {}),
    }
    _prepare(out, resume, overwrite)
    splits = load_splits(dataset, data_root, splits_dir, verify=verify)
    torch.manual_seed(seed)  # the initial weights too come from the seed
    model = _masked_network(masks, dataset) if masks is not None else build_network(sp, arch_str, dataset)
    trainer = Trainer(
        model,
        rec,
        _batches(
            splits.train, splits, rec.batch_size, train=True, device=device, seed=seed, limit=limit_train
        ),
        out,
        seed=seed,
        device=device,
        compile=compile,
        bf16=bf16,
        progress=progress,
        config=config,
    )
    trainer.resume()
    write_json_atomic(out / "config.json", config)
    start = time.perf_counter()
    trainer.fit()
    metrics = {}
    for name, part in splits.evals.items():
        acc, loss = trainer.evaluate(_batches(part, splits, 512, train=False, device=device))
        metrics[f"{dataset}/{name}/accuracy/{rec.epochs}/seed{seed}"] = acc
        metrics[f"{dataset}/{name}/loss/{rec.epochs}/seed{seed}"] = loss
    result = {
        **config,
        "metrics": metrics,
        "log": trainer.log,
        "wall_time_s": time.perf_counter() - start,
        "device": device,
        "provenance": {**provenance(), "created": timestamp()},
    }
    write_json_atomic(out / "result.json", result)
    return result


def _masked_network(masks: dict, dataset: str):
    """The pruned NB201 network of a mask file's arrays (benchmark BatchNorm, discrete)."""
    from ..datasets import get_dataset
    from ..nets.masked import MaskedNB201

    d = get_dataset(dataset)
    return MaskedNB201.from_arrays(masks, d.num_classes, d.resolution)


def _read_mask_file(space, path: Path, dataset: str) -> tuple[dict, dict]:
    """(the mask arrays, the file's description for the job's config), checked before any
    training: one-line errors for a wrong space, a missing, corrupt or mis-shaped file."""
    import json
    import zipfile

    import numpy as np

    from ..bench.importers import source_md5

    if space.name != "nats-tss":
        raise NasbenchEvalError(f"--arch-file holds an NB201 (nats-tss) mask file, not a {space.name} arch")
    if not path.is_file():
        raise NasbenchEvalError(f"mask file {path} does not exist")
    try:
        with np.load(path, allow_pickle=False) as f:
            arrays = {k: f[k] for k in f.files}
        meta = json.loads(str(arrays.pop("meta")))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        raise NasbenchEvalError(f"{path} is not an MGAS mask file (seed-NNNN.masks.npz)") from None
    try:  # checks every mask's shape
        with torch.no_grad():
            net = _masked_network(arrays, dataset)
            counted = {m: float(net.size(m, dataset)) for m in ("params", "flops")}
    except ValueError as e:
        raise NasbenchEvalError(f"{path}: {e}") from None
    described = {
        "path": str(path),
        "md5": source_md5(path),
        "searched_on": meta.get("dataset"),
        "params_M": counted["params"],
        "flops_M": counted["flops"],
        "cell": meta.get("cell"),
    }
    return arrays, described


def sample_path(space):
    """Uniform single-path sampling (RSPS / SPOS / SGNAS supernet training), any space."""

    def fwd(model, x, gen):
        arch = tuple(
            int(c) for c in torch.randint(0, space.num_choices, (space.num_positions,), generator=gen)
        )
        return model(x, arch=arch)

    return fwd


def supernet_config(
    space: str,
    dataset: str,
    epochs: int | None,
    recipe: str,
    bn: BNConfig,
    seed: int,
    limit_train: int | None,
    task_dropout: float = 0.0,
) -> dict:
    rec = get_recipe(recipe).with_epochs(epochs)
    return {
        "job": "supernet",
        "space": get_space(space).name,
        "dataset": dataset,
        "recipe": recipe,
        "epochs": rec.epochs,
        "bn_affine": bn.affine,
        "bn_track_running_stats": bn.track_running_stats,
        "seed": seed,
        "sampling": "uniform single path",
        "limit_train": limit_train,
        **({"task_dropout": task_dropout} if task_dropout else {}),  # older jobs resume unchanged
    }


def train_supernet(
    space: str,
    dataset: str,
    *,
    out: Path,
    data_root,
    splits_dir=None,
    epochs: int | None = None,
    recipe: str = "weight-sharing",
    bn: BNConfig = SEARCH_BN,
    seed: int = 0,
    device: str = "cpu",
    verify: bool = True,
    bf16: bool | None = None,
    resume: bool = False,
    overwrite: bool = False,
    progress: bool = True,
    limit_train: int | None = None,
    task_dropout: float = 0.0,
) -> dict:
    """Uniform single-path supernet training on the dataset's search split; with
    ``task_dropout`` p > 0 (CIFAR-100), each batch drops each superclass with probability p
    (``data.tasks.TaskDropout``), as EAS trains its supernet for any task."""
    sp = get_space(space)
    rec = get_recipe(recipe).with_epochs(epochs)
    out = Path(out)
    if task_dropout and dataset != "cifar100":
        raise NasbenchEvalError(f"task dropout needs superclasses: only cifar100 has them, not {dataset}")
    if not 0 <= task_dropout < 1:
        raise NasbenchEvalError(f"task dropout must be in [0, 1), got {task_dropout}")
    config = supernet_config(space, dataset, epochs, recipe, bn, seed, limit_train, task_dropout)
    main = distributed.is_main()  # under torchrun: every rank trains its shard, rank 0 writes
    if main:
        _prepare(out, resume, overwrite)
    distributed.barrier()
    device = distributed.local_device(device)
    splits = load_splits(dataset, data_root, splits_dir, verify=verify, search=True)
    batches = _batches(
        splits.train, splits, rec.batch_size, train=True, device=device, seed=seed, limit=limit_train
    )
    forward = sample_path(sp)
    if task_dropout:
        if splits.groups is None:
            raise NasbenchEvalError(f"task dropout needs superclasses (cifar100), and {dataset} has none")
        batches = TaskDropout(batches, splits.groups, task_dropout)
        forward = batches.forward(forward)
    torch.manual_seed(seed)  # the initial weights too come from the seed
    model = build_supernet(sp, dataset, bn)
    trainer = Trainer(
        model,
        rec,
        batches,
        out,
        seed=seed,
        forward=forward,
        device=device,
        bf16=bf16,
        progress=progress,
        config=config,
        grad_clip=5.0,
    )
    trainer.resume()
    if main:
        write_json_atomic(out / "config.json", config)
    start = time.perf_counter()
    trainer.fit()
    result = {
        **config,
        "log": trainer.log,
        "wall_time_s": time.perf_counter() - start,
        "device": device,
        "processes": distributed.world(),
        "provenance": {**provenance(), "created": timestamp()},
    }
    if main:
        write_json_atomic(out / "result.json", result)
    return result


def load_config(out: Path) -> dict:
    path = Path(out) / "config.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BenchmarkFileError(
            f"{out} is not a training job folder (cannot read {path.name}: "
            f"{getattr(exc, 'strerror', None) or exc})"
        ) from None
