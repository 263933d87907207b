"""Where a result came from: package version, git commit, time (stamped into every record)."""

from __future__ import annotations

import datetime as _dt
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import __version__


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The commit of the checkout the package runs from (``+dirty`` with local changes)."""
    here = Path(__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return (commit + ("+dirty" if dirty else "")) if commit else None


def provenance() -> dict:
    """Package, version and commit: the same for every run of one checkout, so run records
    stay byte-identical; the time of a result comes from ``timestamp``."""
    return {"package": "nasbench-eval", "version": __version__, "git_commit": git_commit()}


def timestamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Stamp:
    """What made a generated report: the command, the commit and the data's md5s."""

    command: str
    commit: str | None
    data: tuple[tuple[str, str], ...]  # (file name, md5) of every benchmark source

    @property
    def line(self) -> str:
        data = ", ".join(f"{name} md5 {md5}" for name, md5 in self.data)
        return f"{self.command} | commit {self.commit} | data: {data}"

    def to_dict(self) -> dict:
        return {
            "command": self.command,
            "commit": self.commit,
            "data_sources": [{"name": n, "md5": m} for n, m in self.data],
        }


def _portable(arg: str, root: Path) -> str:
    """An absolute path inside ``root`` becomes relative; one outside keeps its name only."""
    if not os.path.isabs(arg):
        return arg
    path = Path(arg)
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return f".../{path.name}"


def stamp(sources, argv: list[str] | None = None, root: Path | None = None) -> Stamp:
    """The stamp of a ``benchmarks/`` script run (``sources``: the benchmark's sources)."""
    root = (root or Path.cwd()).resolve()
    argv = sys.argv if argv is None else argv
    command = "python " + shlex.join(_portable(a, root) for a in argv)
    data = tuple((Path(s["path"]).name, s["md5"]) for s in sources)
    return Stamp(command, git_commit(), data)
