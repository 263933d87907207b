#!/usr/bin/env bash
# Issue 13's device run in one command, from the checkout root on a device machine. The image
# batches travel in the store (.gpu-data/zc-home/v1/nats-tss/zerocost/batches, drawn here by
# the zc estimator from the CIFAR packs), so no dataset is needed there:
#   1. benchmarks/zerocost_speed.py on the GPU (archs/s per proxy, shared pass vs naive loop);
#   2. every proxy on the whole topology space, CIFAR-10 then CIFAR-100, WORKERS processes on
#      one GPU, each dataset stopped after its time limit (what is done is a random subset);
#   3. the score files come back as one archive in $OUT.
# usage: OUT=DIR [DEVICE=cuda WORKERS=12 C10_S=280 C100_S=150 SPEED_ARCHS=20] bash benchmarks/zerocost_gpu.sh
set -uo pipefail
OUT="${OUT:-/tmp/out}"
DEVICE="${DEVICE:-cuda}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD" NASBENCH_EVAL_HOME="$PWD/.gpu-data/zc-home" PYTHONUNBUFFERED=1
(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true) | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
python3 benchmarks/zerocost_speed.py --data-root /nonexistent --archs "${SPEED_ARCHS:-20}" --device "$DEVICE" \
  --threads 1 --out "$OUT/speed.json" 2>&1 | tee "$OUT/speed.log"
for ds in cifar10 cifar100; do
  limit="${C10_S:-280}"; [ "$ds" = cifar100 ] && limit="${C100_S:-150}"
  python3 benchmarks/zerocost_space.py --dataset "$ds" --archs all --workers "${WORKERS:-12}" \
    --device "$DEVICE" --time-limit "$limit" --out "$OUT/space-$ds.json" 2>&1 | tail -20 | tee "$OUT/space-$ds.log"
done
tar czf "$OUT/zc-scores.tgz" -C "$NASBENCH_EVAL_HOME" --exclude batches --exclude .lock v1/nats-tss/zerocost
ls -la "$OUT"
