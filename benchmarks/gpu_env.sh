# What every device script starts with (sourced): OUT, DEVICE, DATA, the environment, and the
# device's name and torch version in $OUT/device.txt.
OUT="${OUT:-/tmp/out}"
DEVICE="${DEVICE:-cuda}"
DATA="${DATA:-/tmp/data}"
mkdir -p "$OUT"
export PYTHONPATH="$PWD" PYTHONUNBUFFERED=1 NASBENCH_EVAL_SPLITS="$DATA/nb201-splits"
(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true) | tee "$OUT/device.txt"
python3 -c "import torch; print('torch', torch.__version__)" | tee -a "$OUT/device.txt"
