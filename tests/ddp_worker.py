"""What ``torchrun --nproc_per_node=2`` runs in tests/train/test_distributed.py (gloo, CPU).

ddp_worker.py search HOME IMAGES OUT     one epoch of GDAS; rank 0 writes OUT/ddp.ckpt.pt
ddp_worker.py supernet HOME IMAGES OUT   one supernet epoch; each rank saves its weights
"""

import sys
from pathlib import Path

import torch

from nasbench_eval.train import distributed

SEARCH = {"epochs": 2, "batch_size": 20, "select_batch_size": 20, "candidates": 3}


def search(home, images, out, accumulate=1):
    from nasbench_eval.runs import one_shot
    from nasbench_eval.runs.spec import RunSpec

    spec = RunSpec(
        "gdas", home=home, data_root=images, verify=False, config={**SEARCH, "accumulate": accumulate}
    )
    try:
        one_shot.run(spec, 0, Path(out), stop_after_epochs=1)
    except KeyboardInterrupt:
        pass


def supernet(images, out):
    from nasbench_eval.data.splits import load_splits
    from nasbench_eval.nets import build_supernet
    from nasbench_eval.spaces import get_space
    from nasbench_eval.train.jobs import _batches, sample_path
    from nasbench_eval.train.recipes import get_recipe
    from nasbench_eval.train.trainer import Trainer

    space = get_space("nats-tss")
    splits = load_splits("cifar10-valid", images, None, verify=False, search=True)
    recipe = get_recipe("weight-sharing").with_epochs(1)
    batches = _batches(splits.train, splits, 20, train=True, device="cpu", seed=0)
    trainer = Trainer(
        build_supernet(space, "cifar10-valid"),
        recipe,
        batches,
        Path(out),
        forward=sample_path(space),
        progress=False,
        grad_clip=5.0,
    )
    trainer.fit()
    torch.save(trainer.model.state_dict(), Path(out) / f"rank{distributed.rank()}.pt")


if __name__ == "__main__":
    torch.set_num_threads(1)
    mode, home, images, out = sys.argv[1:5]
    distributed.setup("cpu")
    if mode == "search":
        search(home, images, Path(out) / "ddp.ckpt.pt")
    elif mode == "one":
        search(home, images, Path(out) / "one.ckpt.pt", accumulate=2)
    else:
        supernet(images, out)
