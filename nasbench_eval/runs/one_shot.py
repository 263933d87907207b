"""The one-shot search trainer: one loop for every weight-sharing method.

Weights train on the search split's training part, architecture parameters on batches of
its validation part (NB201: the two 25k halves of the CIFAR-10 training set for cifar10;
``data.splits`` says the others), one weight step and one arch step per batch. After every
epoch the method's ``end_epoch`` (e.g. ENAS's controller) and selection get unaugmented
validation batches, its derived arch is recorded with its benchmark values, and a
checkpoint holds the method's state and both data streams, so a killed search resumes
bit-exactly. A method with ``artifacts()`` (MGAS: its masks) gets them written beside the
record as ``seed-NNNN.NAME.npz``.

Oracle mode (``--estimator table`` or a metric key, ours): no supernet and no images; the
arch learns from the benchmark table (as many arch steps per epoch as the real search
has batches). Under ``torchrun`` every rank runs this loop on its shard of each batch
(``train.distributed``); rank 0 alone writes the checkpoint.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterator
from pathlib import Path

from ..datasets import get_dataset
from ..errors import NasbenchEvalError
from ..estimators import build_estimator
from ..methods import get_method
from ..protocols import test_key
from ..records import Budget, FinalArch, RunRecord
from .spec import RunSpec, benchmark, estimator_context, record_header, report_metrics

ORACLE_UNIT = "epochs (table oracle: reads the whole column)"


def _repeat(batches) -> Iterator:
    while True:
        yield from batches


def oracle_spec(spec: RunSpec) -> str | None:
    """The oracle's estimator spec (``table`` = the protocol's search metric), or None."""
    if spec.estimator is None:
        return None
    if spec.estimator.strip() in ("table", "table:"):
        return spec.resolved_protocol().search_key
    return spec.estimator


def build(spec: RunSpec):
    """(protocol, config, oracle estimator or None): fails fast on a bad spec."""
    protocol, config = spec.resolved_protocol(), spec.method_config()
    method_cls = get_method(spec.method)
    method_cls(spec.search_space(), 0, **config)  # checks the space before any job starts (no torch)
    oracle = None
    if spec.estimator is not None:
        oracle = build_estimator(oracle_spec(spec), estimator_context(spec, benchmark(spec)))
        if method_cls.needs_expected and not getattr(oracle, "differentiable", False):
            raise NasbenchEvalError(
                f"{spec.method} learns its arch by gradient: its oracle needs an estimator with an "
                f"exact expectation (a metric key, flops, params), not {spec.estimator!r}"
            )
    elif spec.data_root is None:
        raise NasbenchEvalError(
            f"{spec.method} trains a supernet: give --data-root (the images), "
            "or --estimator table for the table-oracle mode"
        )
    return protocol, config, oracle


def run(
    spec: RunSpec,
    seed: int,
    checkpoint: Path | None = None,
    *,
    stop_after_epochs: int | None = None,
) -> tuple[RunRecord, dict]:
    import torch
    from tqdm import tqdm

    from ..train import distributed
    from ..train.trainer import load_checkpoint, save_checkpoint

    protocol, config, oracle = build(spec)
    bench = benchmark(spec)
    method_cls = get_method(spec.method)
    search_dataset = get_dataset(spec.dataset).search_records
    device = distributed.local_device(spec.device)
    torch.manual_seed(seed)
    method = method_cls(spec.search_space(), seed, **config)
    method.build(search_dataset, device, oracle=oracle)
    batch = config["batch_size"]
    streams = {} if oracle is not None else search_streams(spec, seed, config, device)
    if oracle is not None:
        steps = config.get("oracle_steps") or math.ceil(get_dataset(spec.dataset).search_train_size / batch)
    else:
        steps = len(streams["train"])

    start, log = 0, []
    distributed.barrier()  # rank 0 may just have removed a stale checkpoint (--overwrite)
    if checkpoint is not None and checkpoint.exists():  # the runner removes it first with --overwrite
        state = load_checkpoint(checkpoint)
        method.load_state_dict(state["method"])
        for name, stream in streams.items():
            stream.generator.set_state(state[f"{name}_rng"])
        start, log = int(state["epoch"]), json.loads(state["log"])
    key = test_key(bench.space.name, spec.dataset)
    epochs = config["epochs"]
    seconds = []
    for epoch in range(start, epochs):
        began = time.perf_counter()
        method.begin_epoch(epoch, epochs, steps)
        sums: dict = {}
        if oracle is not None:
            pairs: Iterator = iter([((None, None), (None, None))] * steps)
        else:
            pairs = zip(streams["train"], _repeat(streams["valid"]), strict=False)
        bar = tqdm(
            pairs,
            total=steps,
            desc=f"{spec.method} epoch {epoch + 1}/{epochs}",
            unit="step",
            leave=False,
            disable=None if distributed.is_main() else True,  # None: only on a terminal
        )
        for (x, y), (vx, vy) in bar:
            _add(sums, method.weight_step(x, y))
            _add(sums, method.arch_step(vx, vy))
        distributed.broadcast_buffers(getattr(method, "model", None))  # rank 0's BN statistics
        select = None
        if oracle is None:  # unaugmented validation batches, a fixed order per epoch
            streams["select"].generator.manual_seed(seed * 100_003 + epoch)
            select = _repeat(streams["select"])
        extra = method.end_epoch(select)
        method.on_epoch(epoch + 1, epochs)
        arch = method.derive(select)
        index = bench.index_of(arch)
        log.append(
            {
                "epoch": epoch + 1,
                "index": index,
                "arch": bench.space.format(arch),
                key: bench.query(key, index) if bench.has(key) else None,
                **{k: round(float(v) / n, 6) for k, (v, n) in sums.items()},
                **extra,
                **method.epoch_info(),
            }
        )
        seconds.append(round(time.perf_counter() - began, 3))
        if checkpoint is not None and distributed.is_main():
            state = {
                "method": method.state_dict(),
                "epoch": epoch + 1,
                "log": json.dumps(log),
                **{f"{name}_rng": s.generator.get_state() for name, s in streams.items()},
            }
            save_checkpoint(checkpoint, state)
        if stop_after_epochs is not None and epoch + 1 >= stop_after_epochs:
            raise KeyboardInterrupt("stopped for a test")
    final = log[-1]
    if oracle is not None:
        estimator = {
            **oracle.describe(),
            "oracle": True,
            "variant": "table oracle (ours): the arch learns from the benchmark, no supernet",
        }
    else:
        estimator = {"kind": "weight-sharing", "spec": f"{spec.method} supernet", "dataset": search_dataset}
    record = RunRecord(
        **record_header(spec, method_cls, protocol, seed, config),
        estimator=estimator,
        budget=Budget(epochs, ORACLE_UNIT if oracle is not None else "epochs", epochs),
        final=FinalArch(int(final["index"]), final["arch"]),
        final_metrics=report_metrics(bench, protocol, int(final["index"])),
        epochs=log,
    )
    if checkpoint is not None and distributed.is_main() and hasattr(method, "artifacts"):
        write_artifacts(checkpoint, method.artifacts())
    timing = {"epoch_seconds": seconds, "steps_per_epoch": steps, "device": str(device)}
    return record, timing


def write_artifacts(checkpoint: Path, artifacts: dict) -> None:
    """A method's files beside its record (MGAS's masks): ``seed-NNNN.NAME.npz``, arrays only."""
    import os

    import numpy as np

    stem = checkpoint.name.removesuffix(".ckpt.pt")
    for name, arrays in artifacts.items():
        path = checkpoint.with_name(f"{stem}.{name}.npz")
        tmp = path.with_name(f".{path.name}.tmp.npz")
        np.savez_compressed(tmp, **arrays)
        os.replace(tmp, path)


def _add(sums: dict, values: dict) -> None:
    """Running sums of a step's numbers, kept on the device (no host sync per step)."""
    for k, v in values.items():
        total, n = sums.get(k, (0.0, 0))
        sums[k] = (total + (v.detach() if hasattr(v, "detach") else v), n + 1)


def search_streams(spec: RunSpec, seed: int, config: dict, device: str) -> dict:
    """Training batches (weights), validation batches (arch steps, augmented as the
    official search loader) and unaugmented validation batches (selection, controller)."""
    from ..data.batches import DeviceBatches
    from ..data.splits import load_splits

    search_dataset = get_dataset(spec.dataset).search_records
    splits = load_splits(search_dataset, spec.data_root, spec.splits_dir, verify=spec.verify, search=True)

    def stream(part, size, offset, augment):
        return DeviceBatches.of_split(
            part.first(config.get("limit_train")),
            splits,
            size,
            augment=augment,
            shuffle=True,
            device=device,
            seed=seed + offset,
        )

    valid = splits.evals["x-valid"]
    return {
        "train": stream(splits.train, config["batch_size"], 0, True),
        "valid": stream(valid, config["batch_size"], 1, True),
        "select": stream(valid, config.get("select_batch_size", config["batch_size"]), 2, False),
    }
