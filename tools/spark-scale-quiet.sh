#!/bin/bash
# Every timing of docs/SCALE.md in one run, for a QUIET machine (nothing else running): the machine, the load before
# and after each step, wall and CPU time per step, into OUT/results.txt. The figures in SCALE.md so far are from a
# loaded, shared machine; this is the run that replaces them.
#
#   tools/spark-scale-quiet.sh [OUT]          (default OUT: /tmp/spark-scale-quiet-DATE)
#   SMOKE=1 tools/spark-scale-quiet.sh OUT    (tiny sizes: checks that every step runs, numbers mean nothing)
#
# Steps (the commands of SCALE.md "How the numbers were produced" and of its standalone-cluster section):
#   build (mvn package of the spark module, offline), 1000 Fashion-MNIST test pictures as PNG files, a LeNet-5
#   trained by spark train; ScaleBench bytes; ScaleBench predict in-process, local[1], local[2] (binaryFile +
#   repartition, as in SCALE.md's table) and local[1], local[2] with the commands' reading (PictureFiles, since
#   2026-12-06); ScaleBench train in-process and local[2] (40 steps, tree), local[2] 20 steps tree and ring (driver
#   traffic); tools/spark-standalone-bench.sh 20 tree ring (a master and two 1-core workers on 127.0.0.1).
# Expected wall time on the 2-vCPU Intel Xeon KVM guest at normal speed, quiet: about 12-15 minutes (an estimate from
# the loaded runs' CPU times: the standalone bench ~4 min, the two 40-step trainings ~2 min, the predictions ~3 min,
# build and model ~3 min). The accuracy table of SCALE.md is not load-dependent and is not rerun here.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/tmp/spark-scale-quiet-$(date -u +%Y%m%d-%H%M)}
mkdir -p "$OUT"
R=$OUT/results.txt
N=1000; STEPS=40; RSTEPS=20
if [ "${SMOKE:-0}" = 1 ]; then N=40; STEPS=4; RSTEPS=2; fi
load() { cut -d' ' -f1-3 /proc/loadavg; }
note() { echo "$*" | tee -a "$R"; }
note "spark-scale-quiet $(date -u +%FT%TZ), commit $(git -C "$ROOT" rev-parse --short HEAD), smoke=${SMOKE:-0}"
note "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) CPUs,"\
" $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(java -version 2>&1 | head -1)"
note "load before: $(load)"
cd "$ROOT"
mvn -B -o -q -DskipTests package -pl convnet4j-spark -am
python3 tools/fashion_pngs.py "$OUT/fm" "$N"
./convnet4j spark train --master 'local[2]' --limit $((N * 6 / 10)) --epochs 2 --no-progress --out "$OUT/lenet.c4j" \
  > "$OUT/model.log" 2>&1 || { tail -20 "$OUT/model.log"; exit 1; }
OPENS="-XX:+IgnoreUnrecognizedVMOptions"
for pkg in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
           java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS="$OPENS --add-opens=java.base/$pkg=ALL-UNNAMED"
done
CP="convnet4j-spark/target/convnet4j-spark.jar:$(cat convnet4j-spark/target/spark-classpath.txt)"
step() { # NAME ScaleBench-arguments...: one JVM, its wall and CPU time and peak RSS, the load around it
  local name=$1; shift
  local before; before=$(load)
  # shellcheck disable=SC2086
  /usr/bin/time -f "%e s wall, %U s user, %S s sys, peak RSS %M KB" -o "$OUT/$name.time" \
    java --add-modules jdk.incubator.vector -Xss4m -Xmx3g $OPENS -Djdk.reflect.useDirectMethodHandle=false \
    -cp "$CP" org.convnet4j.spark.ScaleBench "$@" > "$OUT/$name.log" 2>&1 || { tail -30 "$OUT/$name.log"; exit 1; }
  note "$name: $(grep -E '^(predict|train|bytes|driver traffic|lenet5|resnet50)' "$OUT/$name.log" | tr '\n' ' ')"
  note "  $(cat "$OUT/$name.time"); load before $before, after $(load)"
}
step bytes bytes
for m in inprocess 'local[1]' 'local[2]'; do
  step "predict-$(echo "$m" | tr -dc a-z0-9)" predict "$OUT/lenet.c4j" "$OUT/fm" "$m"
done
for m in 'local[1]' 'local[2]'; do
  step "predict-files-$(echo "$m" | tr -dc a-z0-9)" predict "$OUT/lenet.c4j" "$OUT/fm" "$m" files
done
step train-inprocess train inprocess "$STEPS"
step train-local2 train 'local[2]' "$STEPS"
step traffic-tree train 'local[2]' "$RSTEPS" tree
step traffic-ring train 'local[2]' "$RSTEPS" ring
note "standalone cluster against local[2] (tools/spark-standalone-bench.sh $RSTEPS tree ring), load before $(load):"
/usr/bin/time -f "%e s wall" -o "$OUT/standalone.time" tools/spark-standalone-bench.sh "$RSTEPS" tree ring \
  2>&1 | tee -a "$R"
note "  $(cat "$OUT/standalone.time"); load after $(load)"
note "done $(date -u +%FT%TZ); all logs in $OUT"
