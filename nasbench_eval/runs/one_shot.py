"""The one-shot search trainer: one loop for every weight-sharing method.

Weights train on the search split's training part, architecture parameters on batches of
its validation part (NB201: the two 25k halves of the CIFAR-10 training set for cifar10;
``data.splits`` says the others), one weight step and one arch step per batch. After every
epoch the method's hooks run, its derived arch is recorded with its benchmark values, and
a checkpoint holds the method's state and both data streams, so a killed search resumes
bit-exactly. The methods themselves (RSPS, DARTS, GDAS, SETN, ENAS) come as plugins.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..datasets import get_dataset
from ..errors import NasbenchEvalError
from ..methods import get_method
from ..protocols import test_key
from ..records import Budget, FinalArch, RunRecord
from .spec import RunSpec, benchmark, record_header, report_metrics


def _repeat(batches) -> Iterator:
    while True:
        yield from batches


def build(spec: RunSpec):
    if spec.data_root is None:
        raise NasbenchEvalError(f"{spec.method} trains a supernet: give --data-root (the images)")
    return spec.resolved_protocol(), spec.method_config()


def run(
    spec: RunSpec,
    seed: int,
    checkpoint: Path | None = None,
    *,
    stop_after_epochs: int | None = None,
) -> tuple[RunRecord, dict]:
    import torch

    from ..data.batches import DeviceBatches
    from ..data.splits import load_splits
    from ..train.trainer import load_checkpoint, save_checkpoint

    protocol, config = build(spec)
    bench = benchmark(spec)
    method_cls = get_method(spec.method)
    search_dataset = get_dataset(spec.dataset).search_records
    splits = load_splits(search_dataset, spec.data_root, spec.splits_dir, verify=spec.verify, search=True)
    torch.manual_seed(seed)
    method = method_cls(spec.search_space(), seed, **config)
    method.build(search_dataset, spec.device)

    def stream(part, offset):
        return DeviceBatches(
            part,
            config["batch_size"],
            mean=splits.mean,
            std=splits.std,
            pad=splits.pad,
            augment=True,
            shuffle=True,
            device=spec.device,
            generator=torch.Generator().manual_seed(seed + offset),
        )

    train, valid = stream(splits.train, 0), stream(splits.evals["x-valid"], 1)
    start, log = 0, []
    if checkpoint is not None and checkpoint.exists():  # the runner removes it first with --overwrite
        state = load_checkpoint(checkpoint)
        method.load_state_dict(state["method"])
        train.generator.set_state(state["train_rng"])
        valid.generator.set_state(state["valid_rng"])
        start, log = int(state["epoch"]), json.loads(state["log"])
    key = test_key(bench.space.name, spec.dataset)
    epochs = config["epochs"]
    for epoch in range(start, epochs):
        valid_batches = _repeat(valid)
        for x, y in train:
            method.weight_step(x, y)
            method.arch_step(*next(valid_batches))
        method.on_epoch(epoch + 1, epochs)
        arch = method.derive()
        index = bench.index_of(arch)
        log.append(
            {
                "epoch": epoch + 1,
                "index": index,
                "arch": bench.space.format(arch),
                key: bench.query(key, index) if bench.has(key) else None,
            }
        )
        if checkpoint is not None:
            state = {
                "method": method.state_dict(),
                "epoch": epoch + 1,
                "log": json.dumps(log),
                "train_rng": train.generator.get_state(),
                "valid_rng": valid.generator.get_state(),
            }
            save_checkpoint(checkpoint, state)
        if stop_after_epochs is not None and epoch + 1 >= stop_after_epochs:
            raise KeyboardInterrupt("stopped for a test")
    final = method.derive()
    index = bench.index_of(final)
    record = RunRecord(
        **record_header(spec, method_cls, protocol, seed, config),
        estimator={"kind": "weight-sharing", "spec": f"{spec.method} supernet", "dataset": search_dataset},
        budget=Budget(epochs, "epochs", epochs),
        final=FinalArch(index, bench.space.format(final)),
        final_metrics=report_metrics(bench, protocol, index),
        epochs=log,
    )
    return record, {}
