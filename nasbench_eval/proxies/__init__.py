"""Zero-cost proxies: score an architecture at initialisation, from one batch.

Each proxy is one file with a ``@PROXIES.register`` class (``base.Proxy``); the ``zc``
estimator (``estimators/zero_cost.py``) runs any set of them in one shared pass per arch
and caches the scores in the store. Importing this package needs no torch.
"""

import importlib
import pkgutil

from ..registry import Registry
from .base import Probe, Proxy, ProxyOption

PROXIES: Registry[type[Proxy]] = Registry("zero-cost proxy")

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name not in ("base", "cache"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["PROXIES", "Probe", "Proxy", "ProxyOption"]
