"""The prepared GPU suite runs end to end on CPU (--smoke), and the data mover checks md5s."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import needs_shared

ROOT = Path(__file__).resolve().parents[2]


@needs_shared
def test_gpu_suite_smoke(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "gpu"
    run = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks/gpu_suite.py"), "--smoke", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads((out / "gpu_suite.json").read_text())
    assert set(result["steps"]) == {"throughput", "epoch", "supernet", "sgnas", "done"}
    assert len(result["steps"]["throughput"]["rows"]) == 3 and result["steps"]["epoch"]["seconds"] > 0
    assert set(result["steps"]["supernet"]["correlation"]) == {"off", "on (2 batches)"}
    assert "## SGNAS with the supernet estimator" in (out / "gpu_suite.md").read_text()


def test_data_mover_joins_parts_and_refuses_a_broken_transfer(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import gpu_data

    src = tmp_path / "src"
    (src / "parts").mkdir(parents=True)
    (src / "small").mkdir()
    blob = bytes(range(256)) * 1000
    (src / "parts/part-00").write_bytes(blob[:100_000])
    (src / "parts/part-01").write_bytes(blob[100_000:])
    tool = "import sys, pathlib; pathlib.Path(sys.argv[1], 'unpacked').write_text('ok')\n"
    (src / "small/cifar_unpack.py").write_text(tool)
    (src / "small/cifar-split.txt").write_text("{}")
    md5 = lambda b: hashlib.md5(b).hexdigest()  # noqa: E731
    manifest = {
        "pack": {"name": "cifar10.pack.npz", "bytes": len(blob), "md5": md5(blob)},
        "parts": [{"name": "part-00", "md5": ""}, {"name": "part-01", "md5": ""}],
        "small": {"cifar_unpack.py": md5(tool.encode()), "cifar-split.txt": md5(b"{}")},
    }
    (src / "MANIFEST.json").write_text(json.dumps(manifest))
    data = tmp_path / "data"
    data.mkdir()
    gpu_data.unpack(src, data)
    assert (src / "tool/data/raw/cifar10.pack.npz").read_bytes() == blob
    assert (data / "unpacked").exists() and (data / "nb201-splits/cifar-split.txt").exists()
    (src / "parts/part-01").write_bytes(b"truncated")
    with pytest.raises(SystemExit, match="md5 differs"):
        gpu_data.unpack(src, data)
