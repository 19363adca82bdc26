#!/usr/bin/env bash
# The 8-float GEMM tiles side by side: fresh JVMs alternated, 6 x 16 (VectorGemm.Tile6x16, the default) against 4 x 24
# (-Dconvnet4j.gemm.tile6x16=false). The tile fixes MR and NR for a whole JVM, so GemmFlagCpu's in-JVM flip cannot
# compare them: each JVM runs one tile (its A and B columns flip narrowEdges4, which no square shape here reads, so
# both are the same tile; read A). GFLOPS per CPU second; on a 16-float machine both JVMs run the same 8 x 48 tile.
# Usage: bash bench/gemm-tile-ab.sh [PAIRS] [THREADS] [SHAPE...]   (default 3 pairs, 1 thread, 1024^3 and 2048^3)
# Needs convnet4j-bench/target/benchmarks.jar (mvn -B -q -o package -DskipTests -pl convnet4j-bench -am).
set -euo pipefail
cd "$(dirname "$0")/.."
PAIRS=${1:-3}
THREADS=${2:-1}
shift $(( $# > 2 ? 2 : $# ))
SHAPES=("$@")
[ ${#SHAPES[@]} -gt 0 ] || SHAPES=(1024,1024,1024 2048,2048,2048)
run() { # tile6x16 true|false
  echo "== tile6x16=$1 ($([ "$1" = true ] && echo 6x16 || echo 4x24)) $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
  java -Xmx3g --add-modules jdk.incubator.vector -Dconvnet4j.jit.directives=true -Dconvnet4j.threads="$THREADS" \
    -Dthreads="$THREADS" -Dconvnet4j.gemm.tile6x16="$1" -cp convnet4j-bench/target/benchmarks.jar bench/GemmFlagCpu.java 3 \
    org.convnet4j.tensor.kernels.VectorGemm.narrowEdges4 "${SHAPES[@]}" 2>&1 | grep -v -i "warning"
}
for pair in $(seq 1 "$PAIRS"); do
  if [ $((pair % 2)) = 1 ]; then run true; run false; else run false; run true; fi
done
