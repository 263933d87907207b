"""Estimators score candidate architectures for a search: by table lookup here, by
weight-sharing supernets later, all behind the ``Estimator`` interface."""

from .base import Estimate, Estimator
from .table import TableEstimator

__all__ = ["Estimate", "Estimator", "TableEstimator"]
# SupernetEstimator lives in .supernet (imports torch; kept out of this package's import)
