"""Read the official benchmark pickles without letting them run arbitrary code.

Unpickling executes whatever callables a file names. The official NATS-Bench and
NAS-Bench-201 archives only need plain containers and numpy scalars/arrays, so every other
global is refused: a tampered file fails with BenchmarkFileError instead of running code.
Import only archives from a source you trust all the same.
"""

from __future__ import annotations

import bz2
import io
import pickle
from pathlib import Path

from ..errors import BenchmarkFileError

_ALLOWED = {
    ("collections", "OrderedDict"),
    ("collections", "defaultdict"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "dict"),
    ("builtins", "list"),
    ("builtins", "tuple"),
    ("copyreg", "_reconstructor"),
    ("_codecs", "encode"),  # how protocol 2 spells bytes
    ("builtins", "object"),
    ("numpy", "dtype"),
    ("numpy", "ndarray"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.multiarray", "_reconstruct"),
    # torch.save containers (NAS-Bench-201 .pth); tensors never occur in the metric files
    ("torch._utils", "_rebuild_tensor_v2"),
    ("torch", "FloatStorage"),
}


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        allowed = "builtins" if module == "__builtin__" else module  # protocol-2 spelling
        if (allowed, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"refusing to load global {module}.{name}")
        return super().find_class(module, name)


def loads(data: bytes, origin: str | Path):
    try:
        return SafeUnpickler(io.BytesIO(data)).load()
    except Exception as exc:  # any failure means a corrupt or foreign file
        raise BenchmarkFileError(f"{origin}: not a readable benchmark pickle ({exc})") from None


def read_bz2(path: Path) -> tuple[object, bytes]:
    """(object, raw compressed bytes) of a ``.pickle.pbz2`` file; raw bytes feed the md5."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BenchmarkFileError(f"cannot read {path}: {exc.strerror}") from None
    limit = max(MIN_LIMIT, RATIO_LIMIT * len(raw))
    try:
        dec = bz2.BZ2Decompressor()
        data = dec.decompress(raw, max_length=limit + 1)
    except (OSError, ValueError, EOFError) as exc:
        raise BenchmarkFileError(f"{path}: corrupt bz2 data ({exc})") from None
    if len(data) > limit:
        raise BenchmarkFileError(
            f"{path}: decompresses to more than {limit >> 20} MiB ({RATIO_LIMIT}x its size); not a benchmark "
            "file (a decompression bomb?)"
        )
    if not dec.eof:
        raise BenchmarkFileError(f"{path}: corrupt bz2 data (truncated)")
    return loads(data, path), raw


#: decompression is bounded: real archives compress far less than this
MIN_LIMIT, RATIO_LIMIT = 256 << 20, 100


class _Module:
    """Stand-in for the ``pickle`` module, for ``torch.load(pickle_module=...)``."""

    Unpickler = SafeUnpickler
    load = staticmethod(lambda f, **kw: SafeUnpickler(f, **kw).load())
    __name__ = "nasbench_eval_safe_pickle"


pickle_module = _Module()
