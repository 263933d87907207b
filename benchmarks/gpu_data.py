#!/usr/bin/env python3
"""Move what the GPU suite needs to a device machine whose calls carry at most 64 MiB.

Here:   python benchmarks/gpu_data.py pack [--dataset cifar10] [--out .gpu-data] [--part-mib 50]
        splits ../shared/data/raw/cifar10.pack.npz into parts of 50 MiB (three: 50, 50, 13)
        and copies beside them the NB201 split file, the benchmark tables, the unpack tool and
        xautodl's wheel (the throughput peer, from the package index); writes MANIFEST.json
        (md5s). `--dataset cifar100` packs cifar100.pack.npz (50, 50, 15 MiB) with the two
        CIFAR split files and the unpack tool only (default out: .gpu-data-cifar100).
        Carry one part per call (with the ~5 MiB working tree, each call stays under 64 MiB),
        `small/` and MANIFEST.json with the last, while the machine is warm.
There:  python benchmarks/gpu_data.py unpack [--src .gpu-data] --data /tmp/data
        joins the parts, checks every md5 against MANIFEST.json (a mismatch is a one-line error),
        unpacks CIFAR-10 into /tmp/data/cifar-10-batches-py (the unpack tool checks the official
        md5s) or CIFAR-100 into /tmp/data/cifar-100-python, and puts the split files in
        /tmp/data/nb201-splits.

`.gpu-data/` and `.gpu-data-*/` are ignored by git; nothing here is committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SPLITS = SHARED / "data/nb201/official-configs"
SMALL = {  # what travels besides each pack: name in small/ -> source
    "cifar10": {
        "cifar-split.txt": SPLITS / "cifar-split.txt",
        "tss_accuracy.csv": SHARED / "data/nb201/tss_accuracy.csv",
        "tss_train_time.csv": SHARED / "data/nb201/tss_train_time.csv",
        "cifar_unpack.py": SHARED / "tools/cifar_unpack.py",
    },
    "cifar100": {
        "cifar-split.txt": SPLITS / "cifar-split.txt",
        "cifar100-test-split.txt": SPLITS / "cifar100-test-split.txt",
        "cifar_unpack.py": SHARED / "tools/cifar_unpack.py",
    },
}


def md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def pack(dataset: str, out: Path, part_mib: int) -> None:
    pack_file = SHARED / f"data/raw/{dataset}.pack.npz"
    (out / "parts").mkdir(parents=True, exist_ok=True)
    (out / "small").mkdir(exist_ok=True)
    data = pack_file.read_bytes()
    size = part_mib << 20
    parts = []
    for i in range(0, len(data), size):
        name = f"part-{i // size:02d}"
        (out / "parts" / name).write_bytes(data[i : i + size])
        parts.append({"name": name, "md5": hashlib.md5(data[i : i + size]).hexdigest()})
    small = {}
    for name, src in SMALL[dataset].items():
        shutil.copyfile(src, out / "small" / name)
        small[name] = md5(src)
    # the throughput peer: xautodl's pure-Python wheel (installed there with --no-deps --target)
    got = dataset == "cifar10" and subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--only-binary=:all:",
            "xautodl==1.0.0",
            "-d",
            str(out / "small"),
        ],
        capture_output=True,
        text=True,
    )
    for wheel in (out / "small").glob("xautodl-*.whl"):
        small[wheel.name] = md5(wheel)
    if got and got.returncode:
        print(f"note: xautodl wheel not downloaded ({got.stderr.strip()[-200:]}); the peer rows will be n/a")
    manifest = {
        "dataset": dataset,
        "pack": {"name": pack_file.name, "bytes": len(data), "md5": hashlib.md5(data).hexdigest()},
        "parts": parts,
        "small": small,
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(f"{len(parts)} parts of <= {part_mib} MiB + {len(small)} small files in {out}")


def unpack(src: Path, data_dir: Path) -> None:
    manifest = json.loads((src / "MANIFEST.json").read_text())
    for name, want in manifest["small"].items():
        if md5(src / "small" / name) != want:
            sys.exit(f"error: {src / 'small' / name} md5 differs from MANIFEST.json (transfer broke?)")
    raw = src / "tool/data/raw"
    raw.mkdir(parents=True, exist_ok=True)
    joined = raw / manifest["pack"]["name"]
    with open(joined, "wb") as f:
        for part in manifest["parts"]:
            path = src / "parts" / part["name"]
            if not path.exists():
                sys.exit(f"error: {path} is missing: carry every part before unpacking")
            f.write(path.read_bytes())
    if md5(joined) != manifest["pack"]["md5"]:
        sys.exit(f"error: the joined pack's md5 differs from {manifest['pack']['md5']}")
    tool = src / "tool/tools/cifar_unpack.py"
    tool.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "small/cifar_unpack.py", tool)
    dataset = manifest.get("dataset", "cifar10")
    # the CIFAR-100 pack is real data in a non-official order: its unpack skips the md5 check
    subprocess.run([sys.executable, str(tool), str(data_dir), "--only", dataset], check=True)
    (data_dir / "nb201-splits").mkdir(parents=True, exist_ok=True)
    for name in manifest["small"]:
        if name.endswith("split.txt"):
            shutil.copyfile(src / "small" / name, data_dir / "nb201-splits" / name)
    print(f"pack md5 {manifest['pack']['md5']} verified; {dataset} and the split files in {data_dir}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pack")
    p.add_argument("--dataset", choices=sorted(SMALL), default="cifar10")
    p.add_argument("--out", type=Path, help="default: .gpu-data (cifar10), .gpu-data-cifar100")
    p.add_argument("--part-mib", type=int, default=50)
    u = sub.add_parser("unpack")
    u.add_argument("--src", type=Path, default=ROOT / ".gpu-data")
    u.add_argument("--data", type=Path, required=True)
    a = ap.parse_args()
    if a.cmd == "pack":
        pack(
            a.dataset,
            a.out or ROOT / (".gpu-data" if a.dataset == "cifar10" else f".gpu-data-{a.dataset}"),
            a.part_mib,
        )
    else:
        unpack(a.src, a.data)


if __name__ == "__main__":
    main()
