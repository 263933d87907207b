"""MGAS (ours on NB201): staged multi-granularity search through the one-shot trainer on
small synthetic CIFAR-10 files; regrowth, resume and the one-line errors."""

import pytest

torch = pytest.importorskip("torch")

from nasbench_eval.errors import NasbenchEvalError  # noqa: E402
from nasbench_eval.methods.mgas import MGAS  # noqa: E402
from nasbench_eval.runs import one_shot  # noqa: E402
from nasbench_eval.runs.spec import RunSpec  # noqa: E402
from nasbench_eval.spaces import get_space  # noqa: E402

TINY = {"epochs": 4, "batch_size": 50, "target_params": 0.6}


def _spec(home, images, **config):
    return RunSpec("mgas", home=str(home), data_root=str(images), verify=False, config={**TINY, **config})


def test_needs_one_size_target_within_the_network():
    space = get_space("nats-tss")
    with pytest.raises(NasbenchEvalError, match="one size target"):
        MGAS(space, 0, epochs=4)
    with pytest.raises(NasbenchEvalError, match="one size target"):
        MGAS(space, 0, epochs=4, target_params=0.5, target_flops=60)
    method = MGAS(space, 0, epochs=4, target_params=5.0)
    with pytest.raises(NasbenchEvalError, match="between the fixed part"):
        method.build("cifar10-valid", "cpu")
    with pytest.raises(NasbenchEvalError, match="nats-tss"):
        MGAS(get_space("nats-sss"), 0, target_params=0.5)


def test_staged_search_records_stages_sizes_and_a_table_cell(home, images):
    record, _ = one_shot.run(_spec(home, images), 0)
    log = record.epochs
    assert [e["stage"] for e in log][0] == 1 and all(1 <= e["stage"] <= 4 for e in log)
    assert [e["stage"] for e in log] == sorted(e["stage"] for e in log)  # stages only advance
    for e in log:
        assert set(e["remaining"]) == {"op", "filter", "weight"} and e["params_M"] > 0
        assert e["target"] == {"params": 0.6}
        assert all(0 <= t <= 0.99 for ts in e["thresholds"].values() for t in ts)
    assert record.final.arch.count("~") == 6 and 0 <= record.final.index < 15625


def test_regrowth_restores_exactly_the_highest_scored_pruned_units():
    method = MGAS(get_space("nats-tss"), 0, **TINY)
    method.build("cifar10-valid", "cpu")
    cells = method.model.cells()
    with torch.no_grad():
        for i, cell in enumerate(cells[:5]):
            cell.pruned_ops[:, 1:] = 1  # every op unit of stage 1 pruned: 5 cells x 6 edges x 4 ops
            cell.alpha.copy_(torch.arange(30, dtype=torch.float32).view(6, 5) / 100 + i)
    method.stage = 1
    before = [c.alpha.detach().clone() for c in cells]
    chosen = method.regrow_earlier()
    assert len(chosen) == int(0.2 * 120)
    # the highest scores: every unit of cell 4 (alpha 4.xx), then the best of cell 3
    assert sorted(chosen) == sorted([(4, e, o) for e in range(6) for o in range(1, 5)])
    keep = min(max(float(method.model.thresholds["op"][0].detach()), 0.0) + 0.05, 0.99)  # stage 1's
    for i, cell in enumerate(cells):
        for e in range(6):
            for o in range(5):
                if (i, e, o) in chosen:
                    assert cell.pruned_ops[e, o] == 0
                    assert float(torch.sigmoid(cell.alpha[e, o]).detach()) == pytest.approx(keep, abs=1e-6)
                else:
                    assert cell.alpha[e, o] == before[i][e, o]
                    assert cell.pruned_ops[e, o] == (1 if i < 5 and o else 0)


def test_stage_resume_after_a_kill_is_exact(home, images, tmp_path):
    full, _ = one_shot.run(_spec(home, images), 1, tmp_path / "full.ckpt.pt")
    ckpt = tmp_path / "k.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        one_shot.run(_spec(home, images), 1, ckpt, stop_after_epochs=2)
    resumed, _ = one_shot.run(_spec(home, images), 1, ckpt)
    assert resumed.to_dict() == full.to_dict()
    a, b = (torch.load(p, weights_only=True)["method"]["model"] for p in (tmp_path / "full.ckpt.pt", ckpt))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_mask_file_is_written_and_trains_from_scratch(home, images, tmp_path):
    import json

    import numpy as np

    from nasbench_eval.nets.masked import MaskedNB201
    from nasbench_eval.runs.runner import run_seeds
    from nasbench_eval.train.jobs import train_network

    (path,), _ = run_seeds(_spec(home, images, epochs=4), [0], tmp_path / "runs")
    record = json.loads(path.read_text())
    masks = path.with_name("seed-0000.masks.npz")
    with np.load(masks, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(str(arrays.pop("meta")))
    last = record["epochs"][-1]
    assert (
        meta["params_M"] == pytest.approx(last["params_M"], abs=1e-6)
        and meta["cell"] == record["final"]["arch"]
    )
    assert arrays["cell00/op"].shape == (6, 5) and arrays["cell14/5-nor_conv_3x3/weight"].shape == (
        64,
        64,
        3,
        3,
    )
    net = MaskedNB201.from_arrays(arrays, 10, 32)
    assert float(net.size("params", "cifar10").detach()) == pytest.approx(meta["params_M"], rel=1e-12)
    result = train_network(
        "nats-tss", None, "cifar10", out=tmp_path / "job", data_root=images, verify=False, epochs=1,
        recipe="12E", progress=False, arch_file=masks,
    )  # fmt: skip
    assert result["arch"] == "masks:seed-0000.masks.npz" and len(result["log"]) == 1
    assert result["arch_file"]["params_M"] == pytest.approx(meta["params_M"], rel=1e-12)
    assert all(0 <= v <= 100 for k, v in result["metrics"].items() if "/accuracy/" in k)


def test_arch_file_errors_are_one_line(tmp_path, images):
    from nasbench_eval.train.jobs import train_network

    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    for arch, arch_file, match in [
        (None, None, "one of --arch and --arch-file"),
        ("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|", bad, "one of"),
        (None, tmp_path / "missing.npz", "does not exist"),
        (None, bad, "not an MGAS mask file"),
    ]:
        with pytest.raises(NasbenchEvalError, match=match):
            train_network("nats-tss", arch, "cifar10", out=tmp_path / "j", data_root=images, verify=False,
                          arch_file=arch_file)  # fmt: skip
