"""Read benchmark sources into a ``Batch``: official NATS-Bench archives (simple directory
or single full file), NAS-Bench-201 ``.pth`` files, and the tabular CSV format.

Official archives are pickles, and unpickling can run code: we accept only files with the
official archive names and read them with a restricted unpickler (``safe_pickle``). Import
only archives from a source you trust.

The tabular format is the way to bring any table into the tool (a surrogate's predictions,
a private re-run): a CSV with columns ``index`` (official index), ``arch`` (arch string)
and one column per metric key ``dataset/split/measure/epochs/aggregate``; empty cells are
missing values.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from ..errors import ArchError, BenchmarkFileError, MetricKeyError
from ..spaces import get_space
from ..spaces.costs import costs
from .columns import Batch, Source
from .keys import parse_key
from .official import CostCheck, record_metrics
from .safe_pickle import pickle_module, read_bz2

NATS_SIMPLE = re.compile(r"NATS-(tss|sss)-v1_0-[0-9a-f]{5}-simple")
NATS_FULL = re.compile(r"NATS-(tss|sss)-v1_0-[0-9a-f]{5}\.pickle\.pbz2")
NB201_PTH = re.compile(r"NAS-Bench-201-v1_[01]-[0-9a-f]{6}\.pth")
ARCH_FILE = re.compile(r"([0-9]{6})\.pickle\.pbz2")
META_FILE = "meta.pickle.pbz2"
SPACE_OF = {"tss": "nats-tss", "sss": "nats-sss"}
#: relative tolerance when checking a source's FLOPs/params against the analytic model
COST_RTOL = 1e-4

#: progress(iterable, total, description) -> iterable; the CLI passes a tqdm bar
Progress = Callable[[Iterable, int, str], Iterable]


def _no_progress(it: Iterable, total: int, desc: str) -> Iterable:
    return it


def detect_kind(path: Path) -> str:
    """Which importer reads ``path``; raises with the accepted names otherwise."""
    name = path.name
    if path.is_dir() and NATS_SIMPLE.fullmatch(name):
        return "nats-simple"
    if path.is_file() and NATS_FULL.fullmatch(name):
        return "nats-full"
    if path.is_file() and NB201_PTH.fullmatch(name):
        return "nb201-pth"
    if path.is_file() and name.endswith(".csv"):
        return "table"
    if not path.exists():
        raise BenchmarkFileError(f"{path} does not exist")
    raise BenchmarkFileError(
        f"{path}: not a known benchmark source. Accepted: a NATS-{{tss,sss}}-v1_0-XXXXX-simple "
        "directory, a NATS-{tss,sss}-v1_0-XXXXX.pickle.pbz2 file, a NAS-Bench-201-v1_[01]-XXXXXX"
        ".pth file (official names only: these are pickles), or a .csv table"
    )


def read_source(
    path: str | Path, *, space: str | None = None, workers: int = 1, progress: Progress = _no_progress
) -> Batch:
    path = Path(path).expanduser().absolute()
    kind = detect_kind(path)
    if kind == "nats-simple":
        return read_nats_simple(path, workers=workers, progress=progress)
    if kind == "nats-full":
        return read_nats_full(path, progress=progress)
    if kind == "nb201-pth":
        return read_nb201(path, progress=progress)
    return read_table(path, space=space)


# -- official records ----------------------------------------------------------------------
def _metrics_of(record: dict, origin: str):
    try:
        return record_metrics(record)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise BenchmarkFileError(f"{origin}: unexpected record layout ({exc})") from None


def _add_record(batch: Batch, index: int, record: dict, origin: str) -> None:
    _add_metrics(batch, index, *_metrics_of(record, origin), origin)


def _add_metrics(batch: Batch, index: int, arch, metrics, checks, origin: str) -> None:
    expected = batch.archs.get(index)
    if expected is not None and arch != expected:
        raise BenchmarkFileError(f"{origin}: record is {arch}, but the meta file says {expected}")
    batch.archs[index] = arch
    for m in metrics:
        batch.put(m.key, index, m.curve)
    _check_costs(batch, index, arch, checks)


def _check_costs(batch: Batch, index: int, arch: str, checks: list[CostCheck]) -> None:
    space = get_space(batch.space)
    choices = np.array([space.parse(arch)])
    for c in checks:
        for measure, claimed in (("flops", c.flops), ("params", c.params)):
            exact = float(costs(space, c.dataset, measure, choices)[0])
            if abs(exact - claimed) > COST_RTOL * abs(exact):
                batch.notes.append(
                    f"arch {index} {c.dataset}: file says {measure} {claimed:.6g}, analytic "
                    f"{exact:.6g} (the analytic value is served)"
                )


def _meta_archs(meta: object, origin: Path, space: str) -> list[str]:
    if not isinstance(meta, dict) or not isinstance(meta.get("meta_archs"), list):
        raise BenchmarkFileError(f"{origin}: no meta_archs list; not an official meta file")
    archs = meta["meta_archs"]
    if len(archs) != get_space(space).size:
        raise BenchmarkFileError(f"{origin}: {len(archs)} archs, {space} has {get_space(space).size}")
    return archs


def _read_arch_file(path: Path):
    """(index, arch, metrics, cost checks) of one per-arch file; runs in worker processes."""
    record, _ = read_bz2(path)
    if not isinstance(record, dict):
        raise BenchmarkFileError(f"{path}: not a per-arch record")
    return (int(path.name[:6]), *_metrics_of(record, str(path)))


def source_md5(path: Path) -> str:
    """md5 of a file, or of a directory's files (name and md5 of each, sorted)."""
    if path.is_file():
        return _file_md5(path)
    digest = hashlib.md5()
    for f in sorted(p for p in path.iterdir() if p.is_file()):
        digest.update(f"{f.name}:{_file_md5(f)}\n".encode())
    return digest.hexdigest()


def _file_md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_nats_simple(path: Path, *, workers: int = 1, progress: Progress = _no_progress) -> Batch:
    space = SPACE_OF[NATS_SIMPLE.fullmatch(path.name).group(1)]
    meta_path = path / META_FILE
    if not meta_path.is_file():
        raise BenchmarkFileError(f"{path}: missing {META_FILE} (the official index order)")
    meta, _ = read_bz2(meta_path)
    archs = _meta_archs(meta, meta_path, space)
    files = sorted(p for p in path.iterdir() if ARCH_FILE.fullmatch(p.name))
    stray = [
        p.name
        for p in path.iterdir()
        if p.is_file()
        and p.name != META_FILE
        and not ARCH_FILE.fullmatch(p.name)
        and not p.name.startswith(".")
    ]
    if stray:
        raise BenchmarkFileError(f"{path}: unexpected files {stray[:3]} in an official archive")
    batch = Batch(space, len(archs), Source(str(path), source_md5(path), "nats-simple"), records=len(files))
    batch.archs.update(enumerate(archs))
    if workers > 1 and len(files) > 64:
        with ProcessPoolExecutor(workers) as pool:
            results = pool.map(_read_arch_file, files, chunksize=32)
            for index, *parsed in progress(results, len(files), path.name):
                _add_metrics(batch, index, *parsed, str(path / f"{index:06d}.pickle.pbz2"))
    else:
        for f in progress(files, len(files), path.name):
            index, *parsed = _read_arch_file(f)
            _add_metrics(batch, index, *parsed, str(f))
    return batch


def read_nats_full(path: Path, *, progress: Progress = _no_progress) -> Batch:
    space = SPACE_OF[NATS_FULL.fullmatch(path.name).group(1)]
    data, raw = read_bz2(path)
    archs = _meta_archs(data, path, space)
    infos = data.get("arch2infos")
    if not isinstance(infos, dict):
        raise BenchmarkFileError(f"{path}: no arch2infos; is this the single-file full archive?")
    batch = Batch(
        space, len(archs), Source(str(path), hashlib.md5(raw).hexdigest(), "nats-full"), records=len(infos)
    )
    batch.archs.update(enumerate(archs))
    for index in progress(sorted(infos), len(infos), path.name):
        _add_record(batch, int(index), infos[index], f"{path} [arch {index}]")
    return batch


def read_nb201(path: Path, *, progress: Progress = _no_progress) -> Batch:
    """NAS-Bench-201 v1.0/v1.1 ``.pth`` through the ``nas-bench-201`` package's own API."""
    import torch
    from nas_201_api import NASBench201API

    try:
        data = torch.load(path, map_location="cpu", weights_only=False, pickle_module=pickle_module)
        api = NASBench201API(data, verbose=False)
    except Exception as exc:
        raise BenchmarkFileError(f"{path}: not a readable NAS-Bench-201 file ({exc})") from None
    batch = Batch(
        "nats-tss",
        len(api.meta_archs),
        Source(str(path), _file_md5(path), "nb201-pth"),
        records=len(api.arch2infos_dict),
    )
    batch.archs.update(enumerate(api.meta_archs))
    for index in progress(sorted(api.arch2infos_dict), len(api.arch2infos_dict), path.name):
        record = {hp: res.state_dict() for hp, res in api.arch2infos_dict[index].items()}
        _add_record(batch, int(index), record, f"{path} [arch {index}]")
    return batch


# -- tables -------------------------------------------------------------------------------
def _guess_space(arch: str) -> str:
    return "nats-tss" if "|" in arch else "nats-sss"


def read_table(path: Path, *, space: str | None = None) -> Batch:
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # a BOM (Excel exports) is fine
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BenchmarkFileError(f"cannot read table {path}: {exc}") from None
    if len(rows) < 2 or rows[0][:2] != ["index", "arch"]:
        raise BenchmarkFileError(
            f"{path}: a table needs a header 'index,arch,<metric keys>...' and at least one row"
        )
    header = rows[0]
    for column in header[2:]:
        try:
            parse_key(column)
        except MetricKeyError as exc:
            raise BenchmarkFileError(f"{path}: column {column!r}: {exc}") from None
    sp = get_space(space or _guess_space(rows[1][1]))
    batch = Batch(sp.name, sp.size, Source(str(path), _file_md5(path), "table"))
    values = np.full((len(rows) - 1, len(header) - 2), np.nan)
    indices = np.empty(len(rows) - 1, np.int64)
    first_row: dict[int, int] = {}
    for r, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise BenchmarkFileError(f"{path}:{r}: {len(row)} cells, header has {len(header)}")
        try:
            index = int(row[0])
            sp.parse(row[1])
        except ValueError as exc:
            msg = exc if isinstance(exc, ArchError) else f"index {row[0]!r} is not an integer"
            raise BenchmarkFileError(f"{path}:{r}: {msg}") from None
        if not 0 <= index < sp.size:
            raise BenchmarkFileError(f"{path}:{r}: index {index} out of range 0..{sp.size - 1}")
        if index in first_row:
            raise BenchmarkFileError(
                f"{path}: index {index} appears twice, in rows {first_row[index]} and {r}"
            )
        first_row[index] = r
        batch.archs[index] = row[1]
        indices[r - 2] = index
        try:
            values[r - 2] = [float(v) if v.strip() else np.nan for v in row[2:]]
        except ValueError as exc:
            raise BenchmarkFileError(f"{path}:{r}: {exc}") from None
    for c, column in enumerate(header[2:]):
        key = parse_key(column)
        if key.is_analytic:
            _check_table_costs(batch, sp, key, indices, values[:, c])
            continue
        col = np.full(sp.size, np.nan)
        col[indices] = values[:, c]
        batch.put_column(str(key), col)
    return batch


def _check_table_costs(batch, sp, key, indices, values) -> None:
    codes = np.array([sp.code(sp.parse(batch.archs[int(i)])) for i in indices])
    exact = costs(sp, key.dataset, key.measure)[codes]
    bad = np.flatnonzero(np.abs(exact - values) > COST_RTOL * np.abs(exact))
    if len(bad):
        batch.notes.append(
            f"{key}: {len(bad)} values differ from the analytic cost model "
            f"(e.g. arch {indices[bad[0]]}); the analytic values are served"
        )
