#!/usr/bin/env bash
# On-demand check (issue 14): the case-1 heads' ONNX files (logreg, svm, k-NN in standard operators, a forest as
# ONNX-ML's TreeEnsembleClassifier) run by ONNX Runtime, an evaluator that is not ours and implements the ONNX-ML
# operators (Debian's python3-onnx 1.12 has no reference evaluator). Needs node and npm (Debian: nodejs, npm);
# onnxruntime-node comes from npm into DIR (default target/onnxruntime, outside git), without its install script
# (which fetches only GPU binaries; the CPU runtime is in the package).
# usage: bash tools/onnx-runtime-check.sh [DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir="$(realpath -m "${1:-target/onnxruntime}")"
mkdir -p "$dir"
if [ ! -d "$dir/node_modules/onnxruntime-node" ]; then
  (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund onnxruntime-node@1.31.1)
fi
log="$dir/check.log"
CI=true nice mvn -B -o test -pl convnet4j-cli -am -Dtest=CaseOneOnnxExportTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dconvnet4j.onnxruntime="$dir" > "$log" 2>&1 || { tail -40 "$log"; exit 1; }
grep -h "onnxruntime agrees\|Tests run:.*CaseOneOnnxExportTest" "$log" convnet4j-cli/target/surefire-reports/*CaseOneOnnxExportTest*-output.txt 2>/dev/null | sort -u
