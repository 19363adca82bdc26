#!/usr/bin/env bash
# Installs ONNX Runtime for Node.js (npm onnxruntime-node, CPU; it also implements the ONNX-ML operators) into DIR
# (default target/onnxruntime, outside git), at the versions pinned in tools/onnxruntime/package-lock.json (npm ci:
# every package checked against its integrity hash). Used by .ci/run and tools/onnx-runtime-check.sh; the tests that
# compare our ONNX files with ONNX Runtime run it when given -Dconvnet4j.onnxruntime=DIR.
#
# Nothing is fetched from outside npm: onnxruntime-node's postinstall script would download the CUDA/TensorRT
# providers from NuGet on linux/x64; --ignore-scripts stops every install script and ONNXRUNTIME_NODE_INSTALL=skip
# is that script's own switch (either is enough). The CPU runtime (libonnxruntime.so) is in the npm package.
# Needs node and npm (Debian: apt-get install nodejs npm).
# usage: bash tools/onnx-runtime-install.sh [DIR]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
dir="$(realpath -m "${1:-target/onnxruntime}")"
for tool in node npm; do
  command -v "$tool" >/dev/null 2>&1 || { echo "onnx-runtime-install: no $tool; install it (Debian: apt-get install nodejs npm)" >&2; exit 2; }
done
mkdir -p "$dir"
if cmp -s tools/onnxruntime/package-lock.json "$dir/package-lock.json" && [ -f "$dir/node_modules/onnxruntime-node/package.json" ]; then
  echo "onnx-runtime-install: $dir is up to date"
  exit 0
fi
cp tools/onnxruntime/package.json tools/onnxruntime/package-lock.json "$dir/"
(cd "$dir" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
# the runtime loads and runs: a one-node model would need onnx; loading the binding is what can fail here
NODE_PATH="$dir/node_modules" node -e "require('onnxruntime-node'); console.log('onnx-runtime-install: onnxruntime-node ' + require('onnxruntime-node/package.json').version + ' in $dir, node ' + process.version)"
