"""The embedded default table: what a fresh install knows without any import.

A compact, checksummed copy of the public topology-space tables ships with the package
(``default/nats-tss.npz``; sources and licences in ``default/SOURCES.md``). The benchmark
falls back to it for every metric its store lacks, so ``pip install`` then ``nasbench-eval run
--method sgnas --space nats-tss`` works on a machine with no data folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from ..errors import BenchmarkFileError

#: how records and ``data info`` name values that come from here
SOURCE = {"path": "embedded default", "kind": "embedded", "about": "nasbench_eval/bench/default/SOURCES.md"}


@dataclass(frozen=True)
class DefaultTable:
    order: np.ndarray  # official index -> code
    values: dict[str, np.ndarray]  # metric key -> (archs,) by official index
    md5: str

    @property
    def source(self) -> dict:
        return {**SOURCE, "md5": self.md5}


@cache
def default_table(space: str) -> DefaultTable | None:
    """The embedded table of ``space`` (None when the package carries none for it)."""
    folder = resources.files("nasbench_eval.bench").joinpath("default")
    manifest_file = folder.joinpath("manifest.json")
    if not manifest_file.is_file():
        return None
    manifest = json.loads(manifest_file.read_text())
    if manifest["space"] != space:
        return None
    data = folder.joinpath(manifest["file"]).read_bytes()
    if hashlib.md5(data).hexdigest() != manifest["md5"]:
        raise BenchmarkFileError(
            f"the embedded default table {manifest['file']} is corrupt (md5 differs); reinstall nasbench-eval"
        )
    import io

    with np.load(io.BytesIO(data), allow_pickle=False) as z:
        order, keys, values = z["order"], [str(k) for k in z["keys"]], z["values"]
    table = {k: v for k, v in zip(keys, values, strict=True)}
    for v in table.values():
        v.flags.writeable = False
    return DefaultTable(order, table, manifest["md5"])
