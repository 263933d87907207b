"""Estimators score candidate architectures: by table lookup, analytic costs, hardware
tables, supernets or external score files, behind one interface (``base.Estimator``) and
one spec (``spec.parse_estimator_spec``).

Every module of this package registers its estimators when the package is imported, so a
new estimator is one file with an ``@ESTIMATORS.register(...)`` class. Modules keep torch
imports inside functions: table-only use never imports the training stack.
"""

import importlib
import pkgutil

from .base import Estimate, Estimator
from .spec import ESTIMATORS, EstimatorContext, EstimatorSpec, build_estimator, parse_estimator_spec

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_") and _module.name not in ("base", "spec"):
        importlib.import_module(f"{__name__}.{_module.name}")

from .cost import CostConstraint  # noqa: E402
from .table import TableEstimator  # noqa: E402

__all__ = [
    "ESTIMATORS",
    "CostConstraint",
    "Estimate",
    "Estimator",
    "EstimatorContext",
    "EstimatorSpec",
    "TableEstimator",
    "build_estimator",
    "parse_estimator_spec",
]
