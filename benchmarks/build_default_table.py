#!/usr/bin/env python3
"""Build the embedded default table of the topology space from the shared CSV files.

Writes ``nasbench_eval/bench/default/nats-tss.npz`` (no pickles: the official index order as
codes, the metric keys as strings, their values as one float64 matrix) and ``manifest.json``
(the npz's md5, the sources' md5s). Only mean-over-seeds accuracies (MIT-licensed sources) and
the 12-epoch training times are embedded; the licences and sources are in
``nasbench_eval/bench/default/SOURCES.md``.

usage: python benchmarks/build_default_table.py
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NB201 = ROOT.parent / "shared/data/nb201"
OUT = ROOT / "nasbench_eval/bench/default"
SOURCES = ("tss_accuracy.csv", "tss_train_time.csv")


def main() -> None:
    from nasbench_eval.spaces import get_space

    space = get_space("nats-tss")
    columns: dict[str, np.ndarray] = {}
    order = np.full(space.size, -1, np.int32)
    for name in SOURCES:
        with open(NB201 / name, newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            order[int(row["index"])] = space.code(space.parse(row["arch"]))
        for key in rows[0]:
            if key.endswith("/mean"):  # seed columns (another licence) and params (analytic) stay out
                col = columns.setdefault(key, np.full(space.size, np.nan))
                for row in rows:
                    col[int(row["index"])] = float(row[key]) if row[key] else np.nan
    keys = sorted(columns)
    buf = io.BytesIO()
    np.savez_compressed(buf, order=order, keys=np.array(keys), values=np.stack([columns[k] for k in keys]))
    data = buf.getvalue()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "nats-tss.npz").write_bytes(data)
    manifest = {
        "space": "nats-tss",
        "file": "nats-tss.npz",
        "md5": hashlib.md5(data).hexdigest(),
        "keys": keys,
        "sources": {n: hashlib.md5((NB201 / n).read_bytes()).hexdigest() for n in SOURCES},
    }
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(keys)} metrics x {space.size:,} archs, {len(data) / 1e6:.2f} MB -> {OUT}")


if __name__ == "__main__":
    main()
