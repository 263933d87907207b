#!/usr/bin/env bash
# Issue 15's device run: AutoSpace with the supernet fitness (the paper's) on real CIFAR-10, as
# long as the time allows, from the checkout root on a device machine:
#   1. join and unpack the CIFAR-10 pack parts (.gpu-data, see benchmarks/gpu_data.py);
#   2. a 3-generation probe times one generation on this device;
#   3. the run proper gets as many generations as fit in RUN_S seconds (the count is in its record);
#   4. the record, the learned space files and the timings come back in $OUT.
# usage: OUT=DIR [DEVICE=cuda RUN_S=360 SEED=0] bash benchmarks/autospace_gpu.sh
set -euo pipefail
. benchmarks/gpu_env.sh
[ -d "$DATA/cifar-10-batches-py" ] || python3 benchmarks/gpu_data.py unpack --src .gpu-data --data "$DATA"
run() {  # generations, out dir
  python3 -m nasbench_eval run --method autospace --space nats-tss --dataset cifar10 --seeds "${SEED:-0}" \
    --set fitness=supernet --set generations="$1" --data-root "$DATA" --device "$DEVICE" --out "$2" 2>&1 \
    | grep -v "seed/s\|gen/s"
}
rm -rf /tmp/autospace-probe
run 3 /tmp/autospace-probe > "$OUT/probe.log"
GENS=$(python3 - "${RUN_S:-360}" <<'PY'
import json, sys, glob
t = json.load(open(glob.glob("/tmp/autospace-probe/*/seed-*.timing.json")[0]))
print(max(3, int(float(sys.argv[1]) / (t["fit_s"] / 3))))
PY
)
echo "probe: $(grep -h fit_s /tmp/autospace-probe/*/*.timing.json); running $GENS generations" | tee "$OUT/plan.txt"
run "$GENS" "$OUT/runs" | tee "$OUT/run.log"
ls -la "$OUT"
