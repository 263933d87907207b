"""The official training recipes (NB201 ``hyper-opts/*.config`` and ``algos/*.config``).

The values below equal the official files (a test parses ``../shared`` copies and compares);
``read_config`` parses any file in that ``{"name": ["type", "value"]}`` format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import BenchmarkFileError, UnknownNameError
from ..registry import Registry


@dataclass(frozen=True)
class Recipe:
    epochs: int
    lr: float
    eta_min: float
    weight_decay: float
    batch_size: int
    momentum: float = 0.9
    nesterov: bool = True
    warmup: int = 0

    def with_epochs(self, epochs: int | None) -> Recipe:
        """The same recipe with its cosine schedule compressed/stretched to ``epochs``."""
        return self if epochs is None else replace(self, epochs=epochs)


RECIPES: Registry[Recipe] = Registry("recipe")
for _name, _recipe, _what in (
    ("01E", Recipe(1, 0.1, 0.0, 5e-4, 256), "benchmark training, 1 epoch (NATS 'hp=01')"),
    ("12E", Recipe(12, 0.1, 0.0, 5e-4, 256), "benchmark training, 12 epochs (the search signal)"),
    ("90E", Recipe(90, 0.1, 0.0, 5e-4, 256), "benchmark training, 90 epochs (size space results)"),
    ("200E", Recipe(200, 0.1, 0.0, 5e-4, 256), "benchmark training, 200 epochs (topology space results)"),
    ("weight-sharing", Recipe(100, 0.025, 0.001, 5e-4, 64), "NATS supernet searches, 100 epochs"),
    ("RANDOM", Recipe(250, 0.025, 0.001, 5e-4, 64), "NB201 RSPS search (algos/RANDOM.config)"),
    ("SETN", Recipe(250, 0.025, 0.001, 5e-4, 64), "NB201 SETN search (algos/SETN.config)"),
    ("GDAS", Recipe(250, 0.025, 0.001, 5e-4, 64), "NB201 GDAS search (algos/GDAS.config)"),
    ("DARTS", Recipe(50, 0.025, 0.001, 5e-4, 64), "NB201 DARTS search (algos/DARTS.config)"),
    ("ENAS", Recipe(250, 0.05, 0.0005, 2.5e-4, 128), "NB201 ENAS search (algos/ENAS.config)"),
):
    RECIPES.add(_name, _recipe, kind="recipe", description=_what)


def get_recipe(name: str) -> Recipe:
    if name in RECIPES:
        return RECIPES.get(name)
    if Path(name).is_file():
        return read_config(name)
    raise UnknownNameError(f"unknown recipe {name!r}; expected one of {', '.join(RECIPES)} or a .config file")


def read_config(path) -> Recipe:
    """Parse an official ``.config`` file (cosine schedule, SGD)."""
    try:
        raw = json.loads(Path(path).read_text())
        v = {k: val[1] for k, val in raw.items()}
        if v.get("scheduler") != "cos" or v.get("optim") != "SGD":
            raise ValueError("only the cosine / SGD recipes are supported")
        return Recipe(
            int(v["epochs"]),
            float(v["LR"]),
            float(v["eta_min"]),
            float(v["decay"]),
            int(v["batch_size"]),
            float(v["momentum"]),
            bool(int(v["nesterov"])),
            int(v.get("warmup", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise BenchmarkFileError(f"cannot read recipe {path}: {exc}") from None
