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
    from nasbench_eval.nets.masked import project

    gates = np.stack([arrays[f"cell{i:02d}/op_gate"] for i in range(15)])
    assert get_space("nats-tss").format(project(gates)) == meta["cell"]  # the projection, from the file
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


def _stage_prunable(method, stage):
    """Mark every non-none op unit of an NB201 stage pruned; returns its cells."""
    cells = method.model.cells()[5 * stage : 5 * stage + 5]
    with torch.no_grad():
        for i, cell in enumerate(cells):
            cell.pruned_ops[:, 1:] = 1
            cell.alpha.copy_(torch.arange(30, dtype=torch.float32).view(6, 5) / 100 + i)
    return cells


def test_refill_restores_the_best_scored_units_within_the_share():
    method = MGAS(get_space("nats-tss"), 0, **TINY)
    method.build("cifar10-valid", "cpu")
    _stage_prunable(method, 0)
    limit = method.share * method.stage_start[0]
    restored = method.refill(0)
    with torch.no_grad():
        size = float(method.model.stage_size(0, "params", method.model.masks()))
    assert restored and size <= limit + 1e-12
    # every unit left out would overshoot the share, and the restored ones are the best scored
    # of those that fit, in score order
    cells = method.model.cells()
    left = [(i, e, o) for i in range(5) for e in range(6) for o in range(1, 5) if cells[i].pruned_ops[e, o]]
    for i, e, o in left:
        with torch.no_grad():
            cells[i].pruned_ops[e, o] = 0
            grown = float(method.model.stage_size(0, "params", method.model.masks()))
            cells[i].pruned_ops[e, o] = 1
        assert grown > limit or cells[i].alpha[e, o] < min(cells[a].alpha[b, c] for a, b, c in restored)
    assert method.refill(2 + 1) == []  # the whole-network stage has nothing to refill


def test_each_stage_lambda_follows_its_own_size_and_a_met_share_ends_the_stage():
    method = MGAS(get_space("nats-tss"), 0, **TINY)
    method.build("cifar10-valid", "cpu")
    _stage_prunable(method, 0)
    method.stage = 1
    x, y = torch.randn(4, 3, 32, 32), torch.tensor([0, 1, 2, 3])
    method.weight_step(x, y)
    c = method.config
    assert method.lam[0] == pytest.approx(c["lambda0"] / (1 + c["lambda_fall"] * c["lambda_rate"]))
    assert method.lam[1] == pytest.approx(c["lambda0"] * (1 + c["lambda_rate"]))
    assert method.lam[2] == c["lambda0"] and method.stage == 1  # stage 2 is still above its share
    _stage_prunable(method, 1)
    method.weight_step(x, y)
    assert method.stage == 2  # stage 2 met its share in the step: stage 3 starts at once


def test_limit_train_shortens_the_search_and_names_its_row(home, images):
    from nasbench_eval.analysis.table import row_title

    _, full = one_shot.run(_spec(home, images, batch_size=10), 0)
    record, timing = one_shot.run(_spec(home, images, batch_size=10, limit_train=20), 0)
    assert full["steps_per_epoch"] == 5 and timing["steps_per_epoch"] == 2  # 50 images, then 20
    assert record.config["limit_train"] == 20
    assert row_title(record) == "MGAS [4 epochs] [first 20 images] [params target 0.6 M]"


def test_trained_plot_writes_a_figure(tmp_path):
    from nasbench_eval.analysis.plots import trained_plot
    from nasbench_eval.errors import UnknownNameError

    pts = [
        {"group": "MGAS", "label": "a", "params_M": 0.4, "accuracy": 60.0},
        {"group": "MGAS", "label": "b", "params_M": 0.8, "accuracy": 65.0},
        {"group": "cells", "label": "c", "params_M": 1.1, "accuracy": 70.0},
    ]
    trained_plot(pts, tmp_path / "p.png", "test accuracy (%)", "stamp")
    assert (tmp_path / "p.png").stat().st_size > 10_000
    with pytest.raises(UnknownNameError):
        trained_plot([], tmp_path / "q.png", "y")
