"""Merge imported batches into the on-disk store (one benchmark per search space).

Rules: re-importing a source with the same md5 is a no-op; a value equal (to ``ATOL``) to
the stored one keeps its first source; a different value for the same key and arch is a
``ConflictError`` listing examples unless ``replace=True``; a value the store lacks is
added with its source. All checks run before anything is written.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConflictError
from ..spaces import get_space
from . import layout
from .columns import Batch, validate

#: values closer than this are the same value (tables often round to 4 decimals)
ATOL = 5e-5
RTOL = 1e-9


@dataclass
class ImportReport:
    path: str
    space: str
    skipped: bool = False  # the same source (md5) was already imported
    keys: int = 0
    values_added: int = 0
    values_replaced: int = 0
    notes: list[str] = field(default_factory=list)


def _new_manifest(space: str, num_archs: int) -> dict:
    return {
        "format": layout.FORMAT,
        "version": layout.VERSION,
        "space": space,
        "num_archs": num_archs,
        "order": None,
        "sources": [],
        "metrics": {},
    }


def _token() -> str:
    return _dt.datetime.now().strftime("%Y%m%d%H%M%S%f")


def _slug(key: str) -> str:
    return "".join(c if c.isalnum() or c in "-._" else "_" for c in key)


def _merge_order(root, manifest, batch: Batch, replace: bool) -> np.ndarray:
    space = get_space(batch.space)
    if manifest["order"]:
        order = np.array(layout.load_array(root, manifest["order"]))
    else:
        order = np.full(space.size, -1, np.int32)
    conflicts = []
    for index, arch in batch.archs.items():
        code = space.code(space.parse(arch))
        if order[index] not in (-1, code) and not replace:
            conflicts.append(
                f"index {index}: store has {space.format(space.from_code(order[index]))}"
                f", {batch.source.path} has {arch}"
            )
        order[index] = code
    if conflicts:
        raise ConflictError(f"{len(conflicts)} index/arch conflicts, e.g. {conflicts[0]}")
    known = order[order >= 0]
    if len(np.unique(known)) != len(known):
        raise ConflictError(f"{batch.source.path}: the same arch appears at two indices")
    return order


def _merge_curve(root, entry, col, batch_rows, write, key) -> dict:
    """Curves after the import: the written archs' new curves, plus new curves for archs
    whose final value was kept but had no curve yet. {} when the curves do not change."""
    old_curve = layout.load_array(root, entry["curve"]) if entry and entry.get("curve") else None
    old_rows = (
        np.array(layout.load_array(root, entry["rows"]))
        if old_curve is not None
        else np.full(len(write), -1, np.int32)
    )
    if col.curve is None:
        if old_curve is None or not (write & (old_rows >= 0)).any():
            return {}
        old_rows[write] = -1  # the new final value has no curve
        return {"curve": np.asarray(old_curve), "rows": old_rows}
    if old_curve is not None and old_curve.shape[1] != col.curve.shape[1]:
        raise ConflictError(
            f"{key}: stored curves have {old_curve.shape[1]} epochs, new ones {col.curve.shape[1]}"
        )
    take = (write | (old_rows < 0)) & (batch_rows >= 0) & ~np.isnan(col.final)
    if not take.any():
        return {}
    new = col.curve[batch_rows[take]]
    start = 0 if old_curve is None else len(old_curve)
    curve = new if old_curve is None else np.concatenate([old_curve, new])
    old_rows[take] = start + np.arange(int(take.sum()), dtype=np.int32)
    return {"curve": curve, "rows": old_rows}


def import_batch(
    home, batch: Batch, *, replace: bool = False, allow_new_measure: bool = False
) -> ImportReport:
    """Merge one source into the store. The same file twice is a no-op, unless ``replace``:
    then its values are applied again (and win), whatever was imported since."""
    validate(batch, allow_new_measure=allow_new_measure)
    root = layout.store_dir(home, batch.space)
    report = ImportReport(batch.source.path, batch.space, notes=list(batch.notes))
    with layout.locked(root):
        manifest = layout.read_manifest(root) or _new_manifest(batch.space, batch.num_archs)
        if not replace and any(s["md5"] == batch.source.md5 for s in manifest["sources"]):
            report.skipped = True
            return report
        order = _merge_order(root, manifest, batch, replace)
        source_id = len(manifest["sources"])
        token = _token()
        staged: dict[str, dict] = {}
        conflicts: list[str] = []
        for key, col in batch.columns.items():
            entry = manifest["metrics"].get(key)
            new_mask = ~np.isnan(col.final)
            if entry:
                final = np.array(layout.load_array(root, entry["final"]))
                src = np.array(layout.load_array(root, entry["source"]))
            else:
                final = np.full(batch.num_archs, np.nan)
                src = np.full(batch.num_archs, -1, np.int16)
            both = new_mask & ~np.isnan(final)
            differ = both & ~np.isclose(final, col.final, rtol=RTOL, atol=ATOL)
            if differ.any() and not replace:
                i = int(np.flatnonzero(differ)[0])
                old = manifest["sources"][int(src[i])]["path"]
                conflicts.append(
                    f"{key} arch {i}: {final[i]!r} from {old} vs {col.final[i]!r} "
                    f"({int(differ.sum())} values)"
                )
                continue
            write = new_mask & (np.isnan(final) | differ)
            curves = _merge_curve(root, entry, col, batch.rows, write, key)
            if not write.any() and not curves:
                continue
            report.values_added += int((write & ~differ).sum())
            report.values_replaced += int(differ.sum())
            final[write] = col.final[write]
            src[write] = source_id
            if not curves and entry and entry.get("curve"):  # keep the stored curves
                curves = {
                    "curve": np.asarray(layout.load_array(root, entry["curve"])),
                    "rows": np.asarray(layout.load_array(root, entry["rows"])),
                }
            staged[key] = {"final": final, "source": src, **curves}
        if conflicts:
            raise ConflictError(
                f"{batch.source.path} disagrees with the store on {len(conflicts)} metric(s), "
                f"e.g. {conflicts[0]}. Use --replace to overwrite with the new values."
            )
        base = f"{token}-{source_id}"
        manifest["order"] = layout.save_array(root, f"order-{base}.npy", order)
        for n, (key, arrays) in enumerate(staged.items()):
            stem = f"{_slug(key)}-{base}-{n}"
            entry = {
                "final": layout.save_array(root, f"{stem}.final.npy", arrays["final"]),
                "source": layout.save_array(root, f"{stem}.src.npy", arrays["source"]),
            }
            if arrays.get("curve") is not None:
                entry["curve"] = layout.save_array(root, f"{stem}.curve.npy", arrays["curve"])
                entry["rows"] = layout.save_array(root, f"{stem}.rows.npy", arrays["rows"])
            entry["count"] = int((~np.isnan(arrays["final"])).sum())
            entry["sources"] = sorted({int(i) for i in np.unique(arrays["source"]) if i >= 0})
            manifest["metrics"][key] = entry
        manifest["sources"].append(
            {
                "id": source_id,
                "path": batch.source.path,
                "md5": batch.source.md5,
                "kind": batch.source.kind,
                "keys": len(staged),
                "imported_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
        )
        report.keys = len(staged)
        layout.write_json_atomic(root / layout.MANIFEST, manifest)
        layout.remove_unreferenced(root, manifest)
    return report
