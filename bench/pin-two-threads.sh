#!/usr/bin/env bash
# Runs a bench program with the launcher's JVM flags and its two computing threads pinned to two different CPUs: the
# Java main thread (comm "java") to CPU 0, the kernels' pool worker (comm "convnet4j-kerne") and PlacementProbe's
# partner threads ("pair-probe-pong", "placement-probe") to CPU 1. On a loaded machine the scheduler otherwise often runs
# both on one vCPU, and then nothing crosses between the vCPUs: pinned, data a kernel reads was written on the other
# vCPU as on a quiet machine, whatever else runs. The pool's thread count is given (the JVM would count the pinned
# main thread's one CPU). Linux only (taskset, /proc). OUT gets the program's output; OUT.pin the threads' masks.
#   bash bench/pin-two-threads.sh OUT -Dab=false -Dconvnet4j.pool.span=true \
#       -cp convnet4j-bench/target/benchmarks.jar bench/PlacementProbe.java 36 w6
set -u
OUT="$1"; shift
java --add-modules jdk.incubator.vector -Xmx3g -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m \
  -XX:CompileCommand=quiet '-XX:CompileCommand=CompileThresholdScaling,org.convnet4j.*::*,0.1' \
  -XX:PerMethodTrapLimit=10000 -XX:+UseCountedLoopSafepoints -XX:LoopStripMiningIter=1000 \
  -Dconvnet4j.jit.directives=true -Dconvnet4j.threads=2 "$@" >"$OUT" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
  for t in /proc/"$pid"/task/*; do
    tid=${t##*/}
    case "$(cat "$t/comm" 2>/dev/null)" in
      java) [ "$tid" != "$pid" ] && taskset -p -c 0 "$tid" >/dev/null 2>&1 ;;
      convnet4j-kerne|pair-probe-pong|placement-probe) taskset -p -c 1 "$tid" >/dev/null 2>&1 ;;
    esac
  done
  if [ ! -s "$OUT.pin" ] && grep -q "^round 1 " "$OUT" 2>/dev/null; then
    for t in /proc/"$pid"/task/*; do echo "$(cat "$t/comm") $(taskset -p "${t##*/}" | awk '{print $NF}')"; done >"$OUT.pin"
  fi
  sleep 0.2
done
wait "$pid"
