#!/usr/bin/env bash
# Issue 14's device run: the CIFAR-100 task-dropout size-space supernet trained for as many
# epochs as fit in TRAIN_S seconds (longer than the CPU's 45), from the checkout root on a
# device machine. The job folder (config, log, checkpoint: ~6 MB) comes back in $OUT; the EAS
# run on it (generator + 50 scenarios) is cheap enough for the CPU here.
#   1. join and unpack the CIFAR-100 pack parts (.gpu-data-cifar100, benchmarks/gpu_data.py);
#   2. a 1-epoch probe times an epoch on this device;
#   3. the job proper gets as many epochs as fit in TRAIN_S (its config records the count).
# usage: OUT=DIR [DEVICE=cuda TRAIN_S=360 DROPOUT=0.5] bash benchmarks/eas_gpu.sh
set -euo pipefail
. benchmarks/gpu_env.sh
[ -d "$DATA/cifar-100-python" ] || python3 benchmarks/gpu_data.py unpack --src .gpu-data-cifar100 --data "$DATA"
train() {  # epochs, out dir
  python3 -m nasbench_eval supernet train --space nats-sss --dataset cifar100 \
    --task-dropout "${DROPOUT:-0.5}" --epochs "$1" --data-root "$DATA" --no-verify --device "$DEVICE" \
    ${LIMIT:+--limit-train "$LIMIT"} --overwrite --out "$2" 2>&1 | { grep -v "batch/s" || true; }
}
train 1 /tmp/eas-probe > "$OUT/probe.log"
EPOCHS=$(python3 - "${TRAIN_S:-360}" <<'PY'
import json, sys
epoch = [json.loads(line) for line in open("/tmp/eas-probe/log.jsonl")][-1]
print(max(1, int(float(sys.argv[1]) / epoch["seconds"])))
PY
)
echo "probe: $(tail -1 /tmp/eas-probe/log.jsonl); training $EPOCHS epochs" | tee "$OUT/plan.txt"
JOB="$OUT/sss-c100-td05-gpu"
train "$EPOCHS" "$JOB" | tail -5 | tee "$OUT/train.log"
ls -la "$OUT" "$JOB"
