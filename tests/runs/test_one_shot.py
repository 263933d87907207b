"""The one-shot seam: a plugin registered here (a toy uniform-path method) runs through the
same search trainer, records the derived arch per epoch, and resumes bit-exactly."""

import json

import pytest

torch = pytest.importorskip("torch")

from nasbench_eval.methods import METHODS, OneShotMethod, Option  # noqa: E402
from nasbench_eval.nets import build_supernet  # noqa: E402
from nasbench_eval.runs import one_shot  # noqa: E402
from nasbench_eval.runs.runner import run_seeds  # noqa: E402
from nasbench_eval.runs.spec import RunSpec  # noqa: E402


class ToyUniform(OneShotMethod):
    """Toy one-shot method: uniform single paths; arch scores = running accuracy per choice."""

    name, title = "toy-uniform", "Toy"
    options = {**OneShotMethod.options, "lr": Option(0.05, "SGD learning rate", minimum=0)}

    def build(self, dataset, device, oracle=None):
        self.model = build_supernet(self.space, dataset)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=self.config["lr"])
        self.gen = torch.Generator().manual_seed(self.seed)
        self.scores = torch.zeros(self.space.num_positions, self.space.num_choices)

    def _path(self):
        return tuple(
            torch.randint(0, self.space.num_choices, (self.space.num_positions,), generator=self.gen).tolist()
        )

    def weight_step(self, x, y):
        loss = torch.nn.functional.cross_entropy(self.model(x, arch=self._path()), y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return {"loss": float(loss.detach())}

    def arch_step(self, x, y):
        arch = self._path()
        with torch.no_grad():
            acc = (self.model(x, arch=arch).argmax(1) == y).float().mean()
        self.scores[torch.arange(self.space.num_positions), torch.tensor(arch)] += acc
        return {}

    def derive(self, batches=None):
        return tuple(int(i) for i in self.scores.argmax(-1))

    def state_dict(self):
        return {
            "model": self.model.state_dict(),
            "opt": self.opt.state_dict(),
            "gen": self.gen.get_state(),
            "scores": self.scores,
        }

    def load_state_dict(self, state):
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.gen.set_state(state["gen"])
        self.scores = state["scores"]


@pytest.fixture
def toy():
    METHODS.add(ToyUniform.name, ToyUniform, kind=ToyUniform.kind)
    yield ToyUniform
    METHODS.remove(ToyUniform.name)


def _spec(home, images, **config):
    return RunSpec(
        "toy-uniform",
        home=str(home),
        data_root=str(images),
        verify=False,
        config={"epochs": 2, "batch_size": 25, **config},
    )


def test_a_registered_plugin_runs_and_records_each_epoch(toy, home, images, tmp_path):
    (path,), _ = run_seeds(_spec(home, images), [0], tmp_path)
    r = json.loads(path.read_text())
    assert r["kind"] == "one-shot" and r["method_title"] == "Toy" and r["budget"]["unit"] == "epochs"
    assert [e["epoch"] for e in r["epochs"]] == [1, 2] and r["final"]["arch"] == r["epochs"][-1]["arch"]
    assert set(r["final_metrics"]) >= {"cifar10/ori-test/accuracy/200/mean"}
    assert not path.with_suffix(".ckpt.pt").exists()


def test_kill_and_resume_is_bit_exact(toy, home, images, tmp_path):
    full, _ = one_shot.run(_spec(home, images), 3, tmp_path / "full.ckpt.pt")
    ckpt = tmp_path / "k.ckpt.pt"
    with pytest.raises(KeyboardInterrupt):
        one_shot.run(_spec(home, images), 3, ckpt, stop_after_epochs=1)
    resumed, _ = one_shot.run(_spec(home, images), 3, ckpt)
    assert resumed.to_dict() == full.to_dict()
    a, b = (torch.load(p, weights_only=True)["method"]["model"] for p in (tmp_path / "full.ckpt.pt", ckpt))
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_one_shot_needs_images(toy, home):
    from nasbench_eval.errors import NasbenchEvalError

    with pytest.raises(NasbenchEvalError, match="--data-root"):
        run_seeds(RunSpec("toy-uniform", home=str(home)), [0], "/tmp/never")
