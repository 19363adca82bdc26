#!/usr/bin/env bash
# On-demand form of what .ci/run does (issue 14): installs ONNX Runtime (tools/onnx-runtime-install.sh) into DIR
# (default target/onnxruntime) and runs the tests that compare our exported ONNX files with it: the case-1 heads
# (logreg, svm, k-NN in standard operators, a forest as ONNX-ML's TreeEnsembleClassifier, the rbf-svm as ONNX-ML's
# SVMClassifier), and in convnet4j-io the exports of the node suite and the pytorch suites, the extra node cases
# (OnnxExtraNodeTest: dilated AveragePool, Gelu, Mish, GroupNormalization as written), the opset-18 Resize cases
# (OnnxResize18Test: antialias, keep_aspect_ratio_policy), the ONNX-ML files and torch's fmod files. Needs node and npm (Debian: nodejs, npm).
# usage: bash tools/onnx-runtime-check.sh [DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir="$(realpath -m "${1:-target/onnxruntime}")"
bash tools/onnx-runtime-install.sh "$dir"
log="$dir/check.log"
tests=CaseOneOnnxExportTest,OnnxNodeSuiteExportTest,OnnxExtraNodeTest,OnnxResize18Test,OnnxPytorchSuitesExportTest,OnnxMlTest,OnnxMlTwoOutputsTest,TorchFmodTest
CI=true nice mvn -B -o test -pl convnet4j-cli -am -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false \
  -Dconvnet4j.onnxruntime="$dir" > "$log" 2>&1 || { tail -40 "$log"; exit 1; }
# the tests' own lines are all in the log (grep of a missing surefire output file made this script exit 2)
grep -h "onnxruntime agrees\|ONNX Runtime on the\|Tests run:.* -- in " "$log" | cut -c1-200 | sort -u
