"""Turning command-line text into a run's options: budgets, config files, ``--set``."""

from __future__ import annotations

import json
import math
from pathlib import Path

import tomllib

from ..errors import NasbenchEvalError

UNITS = {"s": "seconds", "q": "queries"}
#: explicit upper bounds: a typo must not start a day-long run or write a 40 MB record
MAX_BUDGET = {"queries": 100_000, "seconds": 10_000_000, None: 10_000_000}


def parse_budget(text: str | None) -> tuple[float | None, str | None]:
    """'12000s' (simulated seconds), '200q' (queries) or a number in the benchmark's unit."""
    if text is None:
        return None, None
    unit = UNITS.get(text[-1:])
    try:
        value = float(text[:-1] if unit else text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0 or value > 1e9:
        raise NasbenchEvalError(
            f"--budget must look like 12000s, 200q or 200 (positive, finite), got {text!r}"
        )
    return value, unit


def load_config_file(path: str | None) -> dict:
    """Method options from a JSON or TOML file (by its suffix; JSON otherwise)."""
    if path is None:
        return {}
    p = Path(path)
    try:
        text = p.read_text()
        config = tomllib.loads(text) if p.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError, RecursionError) as exc:
        raise NasbenchEvalError(f"cannot read config {path}: {exc}") from None
    if not isinstance(config, dict):
        raise NasbenchEvalError(f"{path}: a config is an object (JSON) or table (TOML) of method options")
    return config


def parse_overrides(items: tuple[str, ...] | list[str]) -> dict:
    """``key=value`` pairs; a value is read as JSON (numbers, lists, true, null) or else text."""
    out = {}
    for item in items:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise NasbenchEvalError(f"--set takes key=value, got {item!r}")
        try:
            out[key.strip()] = json.loads(value)
        except ValueError:
            out[key.strip()] = value
    return out
