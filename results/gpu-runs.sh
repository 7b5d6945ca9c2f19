#!/usr/bin/env bash
# The runs that need a GPU, as one script: each part trains into OUT/<spec>-<device>/ and keeps its
# log there, so what comes back from the GPU machine is the whole record (see results/README.md).
#
#   results/gpu-runs.sh OUT [PART ...]      PART: fast, tutorial, throughput (default: all three)
#
# fast:       specs/cifar10-fast.json with its own settings, --mixed-precision (issue 7).
# tutorial:   specs/tutorial-convnet.json with its own settings: 80 epochs, batch 32 (issue 6).
# throughput: benchmarks/train_throughput.py, plain Keras against archplan and its options.
#
# Environment: DATA (default .device/cifar10-jpeg.tar.xz), BACKEND (default: KERAS_BACKEND, else
# jax), and QUICK=1 for a rehearsal on a CPU (a few hundred images, one epoch each).
set -uo pipefail

out=${1:?usage: results/gpu-runs.sh OUT [fast|tutorial|throughput ...]}
shift
parts=("${@:-fast tutorial throughput}")
read -r -a parts <<<"${parts[*]}"
for part in "${parts[@]}"; do
    case $part in
        fast | tutorial | throughput) ;;
        *) echo "unknown part '$part': use fast, tutorial or throughput" >&2; exit 2 ;;
    esac
done
data=${DATA:-.device/cifar10-jpeg.tar.xz}
backend=${BACKEND:-${KERAS_BACKEND:-jax}}
python=${PYTHON:-python3}
mkdir -p "$out"

# The accelerator, named for folders: "h100-80gb-hbm3" from "NVIDIA H100 80GB HBM3", else "cpu".
device=$(KERAS_BACKEND=$backend "$python" - <<'EOF'
import re
from archplan.keras.backend import device_name, load_keras

keras = load_keras(None)
name = device_name(keras.backend.backend()).split(":")[-1].strip().lower()
print(re.sub(r"[^a-z0-9]+", "-", name.removeprefix("nvidia ")).strip("-") or "cpu")
EOF
) || { echo "cannot name the device (is archplan on PYTHONPATH?)" >&2; exit 1; }
KERAS_BACKEND=$backend "$python" -c "import keras; print(keras.backend.backend(), end=': ')
import jax; print(jax.devices())" 2>/dev/null | tee "$out/devices.txt"
echo "device: $device; parts: ${parts[*]}"

quick=()
if [[ ${QUICK:-0} == 1 ]]; then
    quick=(--limit 600 --test-limit 300 --epochs 1)
fi

train() {  # train SPEC [OPTION ...]: one realize run into OUT/SPEC-DEVICE, its log kept inside
    local spec=$1 folder="$out/$1-$device"
    shift
    local command=("$python" -m archplan realize "specs/$spec.json" --train --backend "$backend"
                   --data "$data" --out-dir "$folder" "${quick[@]}" "$@")
    echo "\$ ${command[*]}" | tee "$out/$spec.log"
    local started=$SECONDS
    "${command[@]}" 2>&1 | tee -a "$out/$spec.log"
    local status=${PIPESTATUS[0]}
    echo "exit $status after $((SECONDS - started)) s" | tee -a "$out/$spec.log"
    if [[ -d $folder ]]; then
        mv "$out/$spec.log" "$folder/log.txt"
        rm -f "$folder/model.keras" "$folder/best.keras"  # weights stay behind: too big to carry
    fi
    return "$status"
}

status=0
for part in "${parts[@]}"; do
    case $part in
        fast) train cifar10-fast --mixed-precision || status=1 ;;
        tutorial) train tutorial-convnet || status=1 ;;
        throughput)
            limit=10000 epochs=3
            [[ ${QUICK:-0} == 1 ]] && limit=600 epochs=2
            KERAS_BACKEND=$backend "$python" benchmarks/train_throughput.py --data "$data" \
                --backend "$backend" --limit "$limit" --epochs "$epochs" --repeat 1 2>&1 \
                | tee "$out/train-throughput-$device.txt" || status=1 ;;
    esac
done
exit "$status"
