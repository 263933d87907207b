"""Data-parallel training under ``torchrun --nproc_per_node=K`` (CPU: gloo, CUDA: nccl).

Every rank builds the same model from the same seed and draws the same batches, paths and
Gumbel samples from the same generators; each rank trains on its own contiguous shard of
the global batch and the gradients are averaged before every optimiser step, so all ranks
hold identical weights. Rank 0 alone writes checkpoints, logs and records. BatchNorm
normalises per rank (as PyTorch's DDP without SyncBatchNorm): K ranks over a batch B equal
one process that accumulates the gradients of the K shards of B (bit for bit on one thread
per process); running statistics are rank 0's, broadcast before anything evaluates.
"""

from __future__ import annotations

import os
import sys


def launched() -> bool:
    """Whether ``torchrun`` started this process as one of several."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: str = "cpu") -> None:
    """Join the process group that ``torchrun`` describes (no-op without one)."""
    if not launched():
        return
    import torch
    import torch.distributed as dist

    if not dist.is_initialized():
        backend = "nccl" if str(device).startswith("cuda") else "gloo"
        dist.init_process_group(backend)
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))


def _initialized() -> bool:
    if "torch" not in sys.modules:  # nothing distributed can have started without torch
        return False
    import torch.distributed as dist

    return dist.is_available() and dist.is_initialized()


def world() -> int:
    if not _initialized():
        return 1
    import torch.distributed as dist

    return dist.get_world_size()


def rank() -> int:
    """This process's rank (from torchrun's environment before the group is joined)."""
    if not _initialized():
        return int(os.environ.get("RANK", "0"))
    import torch.distributed as dist

    return dist.get_rank()


def is_main() -> bool:
    return rank() == 0


def local_device(device: str) -> str:
    """``cuda`` -> this rank's GPU under torchrun."""
    if str(device) == "cuda" and world() > 1:
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return device


def shard(x, y):
    """(images, labels, loss weight) of this rank's contiguous part of a global batch. The
    weight (its share of the batch times the world size) makes the average of the ranks'
    gradients the gradient of the global batch's mean loss, also for an uneven last batch."""
    k = world()
    if k == 1:
        return x, y, 1.0
    n = len(y)
    if n < k:
        raise ValueError(f"a batch of {n} cannot be shared by {k} processes")
    r = rank()
    x, y = x.tensor_split(k)[r], y.tensor_split(k)[r]
    return x, y, len(y) * k / n


def average_gradients(params) -> None:
    """All-reduce the gradients of ``params`` (one flat buffer) and divide by the world size.

    Every rank runs the same path, so the same parameters have gradients everywhere."""
    k = world()
    if k == 1:
        return
    import torch
    import torch.distributed as dist

    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return
    flat = torch.cat([g.reshape(-1) for g in grads])
    dist.all_reduce(flat)
    flat /= k
    offset = 0
    for g in grads:
        g.copy_(flat[offset : offset + g.numel()].view_as(g))
        offset += g.numel()


def all_sum(value):
    """The sum of a tensor over ranks (e.g. correct counts every rank must agree on)."""
    if world() == 1:
        return value
    import torch.distributed as dist

    value = value.clone()
    dist.all_reduce(value)
    return value


def broadcast_state(model) -> None:
    """Start every rank from rank 0's weights and statistics (as DDP does when it wraps a model)."""
    if world() == 1:
        return
    import torch.distributed as dist

    for tensor in [*model.parameters(), *model.buffers()]:
        dist.broadcast(tensor.data, 0)


def broadcast_buffers(model) -> None:
    """Give every rank rank 0's BatchNorm statistics (DDP's ``broadcast_buffers``): each rank
    only sees its shard, so their running statistics drift apart; rank 0's are the ones saved."""
    if world() == 1 or model is None:
        return
    import torch.distributed as dist

    for buffer in model.buffers():
        dist.broadcast(buffer, 0)


def barrier() -> None:
    if world() > 1:
        import torch.distributed as dist

        dist.barrier()
