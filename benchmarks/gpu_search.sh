#!/usr/bin/env bash
# Issue 12's GPU check in one command, run in the checkout on a device machine after the
# CIFAR-10 pack's parts arrived in .gpu-data/ (see benchmarks/gpu_data.py and gpu_search.py):
# unpack, check md5s, then GDAS and DARTS-V1 (NATS protocol) for ~7 minutes of searching.
set -euo pipefail
OUT="${OUT:-/tmp/out}"
mkdir -p .gpu-data/parts
cp -n /tmp/keep/part-0* .gpu-data/parts/ 2>/dev/null || true  # parts that earlier calls kept
python3 benchmarks/gpu_data.py unpack --data /tmp/data
PYTHONUNBUFFERED=1 python3 benchmarks/gpu_search.py --data /tmp/data --minutes "${MINUTES:-7}" --out "$OUT/search" 2>&1 | tee "$OUT/search.log"
