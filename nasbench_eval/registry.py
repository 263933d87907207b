"""Named plugins: one small registry per kind of thing (spaces, methods, estimators, ...).

Like timm's ``@register_model``: a plugin is one file whose class or factory carries a
``@REGISTRY.register("name", ...)`` decorator; callers list, look up and create by name, and
the contract tests run over everything registered. Registries hold no I/O and no imports of
their own, so every layer can keep one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .errors import UnknownNameError

T = TypeVar("T")


@dataclass(frozen=True)
class Entry(Generic[T]):
    name: str
    obj: T
    kind: str  # e.g. 'multi-trial', 'one-shot', 'generative' for methods
    description: str  # one line, shown by ``nasbench-eval list``
    aliases: tuple[str, ...] = ()
    tags: tuple[str, ...] = field(default=())


class Registry(Generic[T]):
    """Name -> plugin, in registration order; aliases resolve to their name."""

    def __init__(self, what: str):
        self.what = what  # 'method', 'estimator', ... (for error messages)
        self._entries: dict[str, Entry[T]] = {}
        self._aliases: dict[str, str] = {}

    def register(
        self, name: str, *, kind: str = "", description: str = "", aliases=(), tags=()
    ) -> Callable[[T], T]:
        """Decorator: register the decorated class or function under ``name``."""

        def add(obj: T) -> T:
            self.add(name, obj, kind=kind, description=description, aliases=aliases, tags=tags)
            return obj

        return add

    def add(self, name: str, obj: T, *, kind: str = "", description: str = "", aliases=(), tags=()) -> None:
        for n in (name, *aliases):
            if n in self._entries or n in self._aliases:
                raise ValueError(f"{self.what} {n!r} is registered twice")
        doc = description or (getattr(obj, "__doc__", None) or "").strip().split("\n")[0]
        self._entries[name] = Entry(name, obj, kind, doc, tuple(aliases), tuple(tags))
        self._aliases.update({a: name for a in aliases})

    def remove(self, name: str) -> None:
        """Unregister (tests that register a temporary plugin clean up with this)."""
        entry = self._entries.pop(name)
        for a in entry.aliases:
            self._aliases.pop(a, None)

    def resolve(self, name: str) -> str:
        """The registered name of ``name`` or one of its aliases."""
        if isinstance(name, str):
            name = self._aliases.get(name, name)
            if name in self._entries:
                return name
        known = ", ".join(
            f"{e.name} ({', '.join(e.aliases)})" if e.aliases else e.name for e in self._entries.values()
        )
        raise UnknownNameError(f"unknown {self.what} {name!r}; expected one of {known}")

    def entry(self, name: str) -> Entry[T]:
        return self._entries[self.resolve(name)]

    def get(self, name: str) -> T:
        return self.entry(name).obj

    def create(self, name: str, *args: Any, **kwargs: Any):
        """Call the registered class or factory."""
        return self.get(name)(*args, **kwargs)

    def names(self, kind: str | None = None) -> list[str]:
        return [e.name for e in self.entries(kind)]

    def entries(self, kind: str | None = None) -> list[Entry[T]]:
        return [e for e in self._entries.values() if kind is None or e.kind == kind]

    def __getitem__(self, name: str) -> T:
        return self.get(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name in self._entries or name in self._aliases)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)
