#!/usr/bin/env bash
# The whole d2l chapter (5 schedules x 3 seeds x 30 epochs, LeNet on Fashion-MNIST) on one GPU:
# prints the wall time and the report's final metrics (test accuracies), then checks that a run
# stopped and resumed on the GPU ends bitwise as a straight one, and times two epochs of resnet20.
# Target: the chapter under 60 s on one modern data-centre GPU. Results go in benchmarks/README.md.
#
#   benchmarks/gpu_check.sh [OUT]            # default OUT: runs/gpu-check (replaced)
#   benchmarks/gpu_check.sh --cpu-dry-run    # the same steps on the CPU, in quick mode: checks the script
#
# Environment: LRLAB_DATA_DIR (the Fashion-MNIST folder), PYTHON (default: python). Run it from the
# repository's root.
set -euo pipefail

python=${PYTHON:-python}
device=cuda
quick=()
if [[ ${1:-} == --cpu-dry-run ]]; then
    device=cpu
    quick=(--quick)
    shift
fi
out=${1:-runs/gpu-check}

if [[ $device == cuda ]] && ! "$python" -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then
    echo "gpu_check: no CUDA GPU here (torch.cuda.is_available() is False); try --cpu-dry-run" >&2
    exit 2
fi
"$python" -c "import torch; print('torch', torch.__version__, '|', torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'cpu')"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || true

rm -rf "$out"
mkdir -p "$out"

# 1. The chapter: every training its own process, several sharing the GPU (lrlab's GPU plan).
start=$(date +%s.%N)
"$python" -m lrlab run experiments/d2l-chapter.toml --device "$device" "${quick[@]}" --out "$out/chapter" --report
end=$(date +%s.%N)
echo
echo "== the chapter on $device: $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s wall (target: under 60 s on one GPU)"
sed -n '/^## Final metrics/,/^After the last epoch/p' "$out/chapter/report/report.md" | grep '^|'

# 2. Bitwise resume on this device: 2 epochs straight, against 1 epoch, stop, resume.
run=(--schedule "cosine(max_update=2, base_lr=0.3, final_lr=0.01)" --epochs 2 --device "$device" --momentum 0.9)
"$python" -m lrlab train "${run[@]}" --out "$out/straight" > /dev/null
"$python" -m lrlab train "${run[@]}" --out "$out/resumed" --until 1 > /dev/null
"$python" -m lrlab train --resume "$out/resumed" > /dev/null
"$python" - "$out/straight/metrics.jsonl" "$out/resumed/metrics.jsonl" <<'PY'
import json, sys
timing = {"epoch_seconds", "examples_per_second"}
rows = [[{k: v for k, v in json.loads(line).items() if k not in timing} for line in open(path)] for path in sys.argv[1:]]
print("== resume on this device:", "bitwise equal to the straight run" if rows[0] == rows[1] else f"DIFFERENT: {rows}")
sys.exit(rows[0] != rows[1])
PY

# 3. resnet20's time per epoch on this device (all 60,000 images; the CPU dry run: a subset).
subset=()
[[ $device == cpu ]] && subset=(--train-subset 512 --test-subset 500)
"$python" -m lrlab train --model resnet20 --schedule "constant(0.1)" --epochs 2 --device "$device" "${subset[@]}" \
    --out "$out/resnet20" > /dev/null
"$python" - "$out/resnet20/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
print("== resnet20 epochs:", ", ".join(f"{row['epoch_seconds']:.1f} s (test acc {row['test_acc']:.3f})" for row in rows))
PY
