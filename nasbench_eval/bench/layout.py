"""Where and how the benchmark store lives on disk.

``HOME/v1/<space>/manifest.json`` lists the sources and, per metric key, the ``.npy``
files holding it: final values (float64, NaN = missing), the source id of every value
(int16, -1 = none) and, when a source had per-epoch curves, a float32 (rows, epochs) array
with an int32 map from index to row (-1 = no curve), so sparse sources stay small. Arrays
are indexed by the official benchmark index and opened memory-mapped, so opening a store
reads one small JSON file. Nothing is a pickle.

Writers never modify a file in place: new arrays get new names, the manifest is replaced
atomically, and unreferenced files are removed afterwards, so a crash leaves the old store.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from ..errors import BenchmarkFileError

FORMAT = "nasbench-eval-store"
VERSION = 1
MANIFEST = "manifest.json"


def default_home() -> Path:
    """``$NASBENCH_EVAL_HOME``, else the user cache folder (``$XDG_CACHE_HOME`` or ~/.cache)."""
    env = os.environ.get("NASBENCH_EVAL_HOME")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "nasbench-eval"


def store_dir(home: str | Path | None, space: str) -> Path:
    return Path(home if home is not None else default_home()).expanduser() / f"v{VERSION}" / space


def read_manifest(root: Path) -> dict | None:
    path = root / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BenchmarkFileError(f"corrupt store manifest {path}: {exc}") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise BenchmarkFileError(
            f"{path} is not a version-{VERSION} nasbench-eval store; re-import your data"
        )
    return manifest


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: files get the usual permissions (0644 / 0664 by the umask), not mkstemp's 0600
FILE_MODE = 0o666 & ~_umask()


def write_text_atomic(path: Path, text: str) -> None:
    """Write text through a temporary file and ``os.replace`` (never a half-written file)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_json_atomic(path: Path, obj) -> None:
    """Write JSON atomically (see ``write_text_atomic``)."""
    write_text_atomic(path, json.dumps(obj, indent=1, sort_keys=True))


def save_array(root: Path, name: str, array: np.ndarray) -> str:
    path = root / name
    tmp = root / f".{name}.tmp"
    with open(tmp, "wb") as f:
        np.save(f, array, allow_pickle=False)
    os.replace(tmp, path)
    return name


def load_array(root: Path, name: str) -> np.ndarray:
    try:
        return np.load(root / name, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise BenchmarkFileError(f"corrupt or missing store file {root / name}: {exc}") from None


@contextlib.contextmanager
def locked(root: Path, *, wait: bool = True, what: str = "an import"):
    """Exclusive lock so two writers of one folder cannot interleave. ``wait=False``: a
    one-line error naming the folder when another process holds it. Temporary files a killed
    writer left behind are removed once the lock is held."""
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BenchmarkFileError(
                f"another process is writing to {root} ({what}); wait for it to finish or use another folder"
            ) from None
        try:
            remove_stale_temporaries(root)
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def remove_stale_temporaries(root: Path) -> None:
    """``.*.tmp`` files below ``root``: only a killed writer leaves them (writers hold the lock)."""
    for path in root.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            path.unlink()


def referenced_files(manifest: dict) -> set[str]:
    names = {manifest.get("order")}
    for entry in manifest["metrics"].values():
        names.update((entry["final"], entry["source"], entry.get("curve"), entry.get("rows")))
    return {n for n in names if n}


def remove_unreferenced(root: Path, manifest: dict) -> None:
    keep = referenced_files(manifest)
    for path in root.glob("*.npy"):
        if path.name not in keep:
            with contextlib.suppress(OSError):
                path.unlink()
