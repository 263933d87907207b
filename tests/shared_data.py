"""Where the real benchmark data lives (``../shared/data`` beside the checkout, or
``$NASBENCH_EVAL_SHARED/data``), and a marker for tests that need it.

Pure unit tests run without it; tests that read it skip with a reason when it is absent
(CI always has it, so they run there).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(os.environ.get("NASBENCH_EVAL_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "data"
NB201 = SHARED / "nb201"
SAMPLE = NB201 / "nats-official-sample"
TSS_SAMPLE = SAMPLE / "NATS-tss-v1_0-3ffb9-simple"
SSS_SAMPLE = SAMPLE / "NATS-sss-v1_0-50262-simple"
ACCURACY_CSV = NB201 / "tss_accuracy.csv"
HARDWARE_CSV = NB201 / "tss_hardware.csv"
SAMPLE_INDICES = (0, 11, 284)

HAVE_SHARED = NB201.is_dir()
SKIP_REASON = f"benchmark data not found at {NB201} (set NASBENCH_EVAL_SHARED)"
needs_shared = pytest.mark.skipif(not HAVE_SHARED, reason=SKIP_REASON)
