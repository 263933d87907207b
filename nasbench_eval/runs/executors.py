"""Where seeded runs execute: in this process, in worker processes, or on a Ray cluster.

An executor maps a picklable function over jobs and yields the results in job order, so
the caller (which alone writes records) produces the same files whatever the executor.
Ray is optional (``pip install -e ".[ray]"``): ``address`` joins an existing cluster
(``ray start --head`` on one machine, ``ray start --address HEAD:6379`` on the others);
without one, a local Ray instance is started with ``workers`` CPUs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from ..errors import NasbenchEvalError
from ..registry import Registry

EXECUTORS: Registry[type] = Registry("executor")


@EXECUTORS.register("local", kind="executor", description="one job after another in this process")
class LocalExecutor:
    def __init__(self, workers: int = 1, address: str | None = None):
        self.workers = 1

    def map(self, fn: Callable, jobs: list) -> Iterator:
        return map(fn, jobs)


@EXECUTORS.register("process", kind="executor", description="a pool of worker processes on this machine")
class ProcessExecutor:
    def __init__(self, workers: int = 2, address: str | None = None):
        self.workers = max(1, min(int(workers), os.cpu_count() or 1))

    def map(self, fn: Callable, jobs: list) -> Iterator:
        if self.workers <= 1 or len(jobs) <= 1:
            yield from map(fn, jobs)
            return
        with ProcessPoolExecutor(self.workers, initializer=die_with_parent) as pool:
            yield from pool.map(fn, jobs, chunksize=4)


@EXECUTORS.register(
    "ray", kind="executor", description="Ray tasks: a local instance or --address of a cluster"
)
class RayExecutor:
    def __init__(self, workers: int = 2, address: str | None = None):
        try:
            import ray
        except ImportError:
            raise NasbenchEvalError(
                "--executor ray needs Ray: pip install 'nasbench-eval[ray]' (or pip install ray)"
            ) from None
        self.ray = ray
        self.workers = max(1, int(workers))
        if not ray.is_initialized():
            if address:
                ray.init(address=address, log_to_driver=False, ignore_reinit_error=True)
            else:
                ray.init(num_cpus=self.workers, include_dashboard=False, log_to_driver=False)

    def map(self, fn: Callable, jobs: list) -> Iterator:
        remote = self.ray.remote(num_cpus=1)(fn)
        refs = [remote.remote(job) for job in jobs]
        for ref in refs:  # in job order; Ray runs them concurrently meanwhile
            yield self.ray.get(ref)


def make_executor(name: str, workers: int = 1, address: str | None = None):
    """``name`` None: 'process' when workers > 1, else 'local' (the behaviour of 0.1)."""
    if name is None:
        name = "process" if workers > 1 else "local"
    if address and name != "ray":
        raise NasbenchEvalError("--address joins a Ray cluster: use it with --executor ray")
    return EXECUTORS.create(name, workers, address)


def die_with_parent() -> None:
    """Worker initializer: the kernel kills this worker when its parent dies, even by kill -9
    (Linux ``PR_SET_PDEATHSIG``; elsewhere the pool's own shutdown has to do)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
        if os.getppid() == 1:  # the parent died before the call: follow it now
            os._exit(1)
