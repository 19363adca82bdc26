#!/usr/bin/env bash
# MobileNetV2 and EfficientNet-B0 inference at batch 1 and 8 (224 x 224), convnet4j against PyTorch in the same minutes:
# for each net and batch, ours then torch then ours then torch (wall-clock images/s, medians of 7 one-second windows,
# all cores on both sides), and the ratio ours / torch of each pair. For a quiet machine (about 6 minutes); under
# load the figures mean nothing (use LayerProfile / bench/torch_layer_cpu.py, CPU time of one thread, instead).
#
# Usage: bench/w7-batch.sh [DIR]   (DIR for the ONNX exports and imports, default bench/results/onnx)
# Needs: mvn -B -o -q package -DskipTests -pl convnet4j-bench,convnet4j-cli -am; Debian's python3-torch/torchvision.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR="${1:-$REPO/bench/results/onnx}"
JAR="$REPO/convnet4j-bench/target/benchmarks.jar"
CLI="$REPO/convnet4j-cli/target/convnet4j.jar"
[ -f "$JAR" ] && [ -f "$CLI" ] || { echo "w7-batch.sh: build first: mvn -B -o -q package -DskipTests -pl convnet4j-bench,convnet4j-cli -am" >&2; exit 2; }
PY=(env OPENBLAS_CORETYPE=SkylakeX LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp /usr/bin/python3)
JAVA=(java -Xmx2g --add-modules jdk.incubator.vector -XX:PerMethodTrapLimit=10000)
"${PY[@]}" "$REPO/bench/w7_batch_torch.py" --export "$DIR"
for net in mobilenet_v2 efficientnet_b0; do
  [ -f "$DIR/${net}_dynbatch.c4j" ] || "${JAVA[@]}" -jar "$CLI" import "$DIR/${net}_dynbatch.onnx" -o "$DIR/${net}_dynbatch.c4j" >/dev/null
done
echo "# $(date -u '+%F %T') UTC, load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
for net in mobilenet_v2 efficientnet_b0; do
  for batch in 1 8; do
    for pair in 1 2; do
      ours=$("${JAVA[@]}" -cp "$JAR" "$REPO/bench/PredictWall.java" "$DIR/${net}_dynbatch.c4j" "$batch" "$net" 2>/dev/null)
      torch=$("${PY[@]}" "$REPO/bench/w7_batch_torch.py" "$net" "$batch")
      echo "$ours"
      echo "$torch"
      awk -F'\t' -v o="$(cut -f2 <<<"$ours")" -v t="$(cut -f2 <<<"$torch")" -v n="$net" -v b="$batch" -v p="$pair" \
        'BEGIN { printf "RATIO %s b%d pair %d: ours/torch %.2f\n", n, b, p, o / t }'
    done
  done
done
