#!/usr/bin/env bash
# The recorded CPU search of the README: the tutorial network trained on the same data and epochs
# (the reference), then the search. Run from the repository root:  bash results/search-cpu/run.sh
set -euo pipefail
PY=${PYTHON:-.venv/bin/python}
DATA=${DATA:-../shared/data/cifar10-jpeg.tar.xz}
HERE=results/search-cpu
{
  echo "started: $(date -u +%FT%TZ)"
  echo "machine: $(uname -srm), $(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  "$PY" -c 'import keras, tensorflow, optuna; print("keras", keras.__version__, "tensorflow", tensorflow.__version__, "optuna", optuna.__version__)' 2>/dev/null
} > "$HERE/machine.txt"
start=$(date +%s)
"$PY" -m archplan realize specs/tutorial-convnet.json --train --backend tensorflow \
    --data "$DATA" --limit 10000 --epochs 2 --out-dir "$HERE/tutorial-convnet" > "$HERE/tutorial-convnet.log" 2>&1
mid=$(date +%s)
"$PY" -m archplan plan "$HERE/cpu-search.plan.json" --train --backend tensorflow \
    --data "$DATA" --limit 10000 --epochs 2 --trials 24 \
    --reference "$HERE/tutorial-convnet" --out-dir "$HERE/study" > "$HERE/search.log" 2>&1
end=$(date +%s)
{
  echo "tutorial run: $((mid - start)) s"
  echo "search: $((end - mid)) s"
  echo "finished: $(date -u +%FT%TZ)"
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
} >> "$HERE/machine.txt"
