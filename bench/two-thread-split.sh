#!/bin/bash
# The two-thread split of GoogLeNet b1 starts (docs/PERFORMANCE.md, "Fifteenth pass"): runs N rounds; each round
# starts one JVM per variant, one after another (so a change of the machine over time hits every variant alike), and
# appends each start's SUMMARY and PAIR lines to OUT/VARIANT.txt (all its lines, rounds included, to
# OUT/VARIANT-I.log: a start whose rounds change speed midway points at the machine, not at the start); then
# bench/two_thread_split_summary.py OUT.
# usage: bench/two-thread-split.sh JAR_BEFORE JAR_AFTER OUT N [VARIANT...]
# variants: before (JAR_BEFORE, no options), after (JAR_AFTER, no options), stats (JAR_AFTER, -Dconvnet4j.pool.stats=true: per-thread task and wait
# time, PAIR probe), spread (stats + -Dconvnet4j.gemm.spreadTasks=true), fixed (stats +
# -Dconvnet4j.pool.fixedSplit=true: one block of tasks per thread, GemmPool), spin20 (stats + spinMicros=20),
# thp (stats + -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch), one (stats + one thread). Default: before stats.
# ~35 s per start on 2 quiet cores (CALLS=40 calls per round, 7 rounds).
B4=$1; AF=$2; OUT=$3; N=$4; shift 4
VARIANTS=${*:-before stats}
mkdir -p "$OUT"
J="java --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m -Dconvnet4j.jit.directives=true"
S="-Dconvnet4j.pool.stats=true"
for i in $(seq $N); do
  for v in $VARIANTS; do
    case $v in
      before) args="-cp $B4" ;;
      after)  args="-cp $AF" ;;
      stats)  args="$S -cp $AF" ;;
      spread) args="$S -Dconvnet4j.gemm.spreadTasks=true -cp $AF" ;;
      fixed)  args="$S -Dconvnet4j.pool.fixedSplit=true -cp $AF" ;;
      spin20) args="$S -Dconvnet4j.pool.spinMicros=20 -cp $AF" ;;
      thp)    args="$S -XX:+UseTransparentHugePages -XX:+AlwaysPreTouch -cp $AF" ;;
      one)    args="$S -Dconvnet4j.threads=1 -cp $AF" ;;
      *) echo "unknown variant $v" >&2; exit 2 ;;
    esac
    $J $args org.convnet4j.bench.StartSpread googlenet 1 7 ${CALLS:-40} > "$OUT/$v-$i.log" 2>&1
    grep -E '^(SUMMARY|PAIR)' "$OUT/$v-$i.log" | tee -a "$OUT/$v.txt"
  done
done
