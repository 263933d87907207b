"""Search methods of four kinds (multi-trial, one-shot, generative, space-learning) in one
registry.

Every module of this package registers its method when the package is imported (modules
starting with ``_`` are helpers), so a new method is one file with an ``@register`` class.
Methods do no I/O; see ``base`` for the lifecycles.
"""

import importlib
import pkgutil

from .base import (
    KINDS,
    METHODS,
    GenerativeMethod,
    Method,
    MultiTrialMethod,
    OneShotMethod,
    Option,
    Query,
    SpaceMethod,
    get_method,
    register,
)

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "KINDS",
    "METHODS",
    "GenerativeMethod",
    "Method",
    "MultiTrialMethod",
    "OneShotMethod",
    "Option",
    "Query",
    "SpaceMethod",
    "get_method",
    "register",
]
