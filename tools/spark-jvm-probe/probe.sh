#!/usr/bin/env bash
# CPU seconds of Spark JVMs with the JVM options the spark tests could give them (docs/SPARK.md, "Test time (session 11)").
# Usage, after a build of convnet4j-spark (target/spark-classpath.txt): tools/spark-jvm-probe/probe.sh [ROUNDS]
# 1. one Spark JVM on a class-data-sharing archive of its own (Probe: a local[1] session, a tiny job, stopped):
#    default JIT, -XX:+UseSerialGC, -XX:TieredStopAtLevel=1 (C1 only), both; A/B/C/D alternated, ROUNDS rounds;
# 2. a standalone Master and a Worker with the default JIT and another pair with C1 only, side by side, their CPU after
#    60 s (from /proc), ROUNDS rounds.
# Prints user/sys/wall seconds and the load average at each start. Loaded figures: compare A and B of the same round.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tree="$(cd "$here/../.." && pwd)"
rounds="${1:-3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
spark_cp="$(cat "$tree/convnet4j-spark/target/spark-classpath.txt")"
javac -d "$work" -cp "$spark_cp" "$here/Probe.java"
(cd "$work" && jar cf probe.jar Probe.class)
cp="$spark_cp:$work/probe.jar"
# the JVM options the spark module's tests run with (spark.jvm.args of the POMs, without the vector module's warning)
opts=(-XX:+IgnoreUnrecognizedVMOptions)
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opts+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
opts+=(-Djdk.reflect.useDirectMethodHandle=false)
java -Xmx1g "${opts[@]}" -XX:ArchiveClassesAtExit="$work/p.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off -cp "$cp" Probe \
  > "$work/dump.log" 2>&1
archive=(-XX:SharedArchiveFile="$work/p.jsa" -Xshare:on)
for round in $(seq "$rounds"); do
  for v in default serial c1 c1serial; do
    case $v in
      default) x=();; serial) x=(-XX:+UseSerialGC);; c1) x=(-XX:TieredStopAtLevel=1);;
      c1serial) x=(-XX:TieredStopAtLevel=1 -XX:+UseSerialGC);;
    esac
    load=$(cut -d' ' -f1 /proc/loadavg)
    /usr/bin/time -o "$work/t" -f "%U %S %e" java -Xmx1g "${opts[@]}" "${archive[@]}" "${x[@]}" -cp "$cp" Probe \
      > /dev/null 2>&1
    echo "probe round $round $v load $load user/sys/wall: $(tail -1 "$work/t")"
  done
done
tck=$(getconf CLK_TCK)
for round in $(seq "$rounds"); do
  pids=()
  for v in default c1; do
    x=(); [ "$v" = c1 ] && x=(-XX:TieredStopAtLevel=1)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    SPARK_LOCAL_IP=127.0.0.1 java -Xmx1g "${opts[@]}" -XX:SharedArchiveFile="$work/p.jsa" -Xshare:auto -Xlog:cds=off \
      "${x[@]}" -cp "$cp" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$port" --webui-port 0 \
      > "$work/m-$v.log" 2>&1 & pids+=($!)
    SPARK_LOCAL_IP=127.0.0.1 java -Xmx1g "${opts[@]}" -XX:SharedArchiveFile="$work/p.jsa" -Xshare:auto -Xlog:cds=off \
      "${x[@]}" -cp "$cp" org.apache.spark.deploy.worker.Worker --cores 1 --memory 1g --webui-port 0 \
      --work-dir "$work/w-$v" "spark://127.0.0.1:$port" > "$work/w-$v.log" 2>&1 & pids+=($!)
  done
  load=$(cut -d' ' -f1 /proc/loadavg)
  sleep 60
  i=0
  for v in default c1; do
    ticks=0
    for k in 0 1; do
      ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/${pids[$((i + k))]}/stat")))
    done
    echo "daemons round $round $v load $load master+worker CPU-s after 60 s:" \
      "$(python3 -c "print(round($ticks / $tck, 2))") (worker registered: $(grep -c 'Registering worker' "$work/m-$v.log"))"
    i=$((i + 2))
  done
  kill "${pids[@]}"
  wait "${pids[@]}" 2>/dev/null || true
done
