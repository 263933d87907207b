"""Estimators score candidate architectures for a search: by table lookup (``table``) or
with inherited weight-sharing supernet weights (``supernet``), behind one interface.

``SupernetEstimator`` lives in ``.supernet`` and is not imported here, so that table-only
use never imports the training stack.
"""

from .base import Estimate, Estimator
from .table import TableEstimator

__all__ = ["Estimate", "Estimator", "TableEstimator"]
