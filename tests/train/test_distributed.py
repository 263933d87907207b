"""Data-parallel training under torchrun (gloo, 2 CPU processes): a one-shot search equals
one process that accumulates the gradients of the same two shards (BatchNorm normalises
per shard, as DDP without SyncBatchNorm), both ranks of a supernet job end with identical
weights, and rank 0 alone writes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

WORKER = Path(__file__).parents[1] / "ddp_worker.py"


def _torchrun(mode, home, images, out, processes=2):
    """The worker under torchrun (or, with one process, plainly), one thread per process.
    ``--standalone`` lets torchrun pick a free port itself; a failed start is retried once."""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable]
    if processes > 1:
        cmd += ["-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
    cmd += [str(WORKER), mode, str(home), str(images), str(out)]
    made = {"search": "ddp.ckpt.pt", "one": "one.ckpt.pt", "supernet": "checkpoint.pt"}[mode]
    for _ in range(2):
        (Path(out) / made).unlink(missing_ok=True)  # a retry starts afresh, never resumes
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
        if done.returncode == 0:
            return
    raise AssertionError(done.stderr[-3000:])


def test_two_processes_equal_one_that_accumulates_the_same_shards(images, tmp_path):
    _torchrun("search", tmp_path / "home", images, tmp_path)
    _torchrun("one", tmp_path / "home", images, tmp_path, processes=1)
    a, b = (torch.load(tmp_path / f, weights_only=True)["method"] for f in ("ddp.ckpt.pt", "one.ckpt.pt"))
    assert torch.equal(a["alpha"], b["alpha"]) and a["alpha"].abs().sum() > 0
    params = [k for k in a["model"] if "running_" not in k and "num_batches" not in k]
    assert len(params) > 100 and all(torch.equal(a["model"][k], b["model"][k]) for k in params)
    assert a["w_opt"]["state"] and all(
        torch.equal(a["w_opt"]["state"][i]["momentum_buffer"], b["w_opt"]["state"][i]["momentum_buffer"])
        for i in a["w_opt"]["state"]
    )


def test_supernet_ranks_stay_identical_and_rank_0_alone_writes(images, tmp_path):
    _torchrun("supernet", tmp_path / "home", images, tmp_path)
    r0, r1 = (torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1))
    assert all(torch.equal(r0[k], r1[k]) for k in r0)
    saved = torch.load(tmp_path / "checkpoint.pt", weights_only=True)["model"]
    assert all(torch.equal(saved[k], r0[k]) for k in r0)
    assert sorted(p.name for p in tmp_path.glob("*.jsonl")) == ["log.jsonl"]
