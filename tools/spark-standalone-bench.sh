#!/bin/bash
# SparkTrainer on a standalone cluster on this machine (a master and two workers of 1 core each, separate JVMs on
# 127.0.0.1) against local[2], same ScaleBench training run otherwise (LeNet-5, Adam, global batch 64, 2 partitions,
# 2 epochs of STEPS steps; per-step time of epoch 2, driver traffic). docs/SCALE.md has the numbers it printed.
#
#   mvn -B -q -DskipTests package -pl convnet4j-spark -am
#   tools/spark-standalone-bench.sh [STEPS] [EXCHANGE...]      (defaults: 20 tree ring)
#
# The master decides when a worker is lost: spark.worker.timeout (default 60 s, workers heartbeat every timeout/4)
# must be raised on the MASTER's JVM, not only on the workers'. On a loaded machine a worker's heartbeat can be more
# than 60 s late; the master then drops the worker and forgets its executors, and when the worker re-registers the
# master tells it to kill those executors (the executors log "RECEIVED SIGNAL TERM" just after starting, the driver
# "Unable to create executor due to Shutdown hooks cannot be modified during shutdown"). StandaloneClusterIT
# passes the setting to every JVM it starts.
set -euo pipefail
STEPS=${1:-20}
shift || true
EXCHANGES=${*:-tree ring}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAR=$ROOT/convnet4j-spark/target/convnet4j-spark.jar
[ -f "$JAR" ] || { echo "build first: mvn -B -q -DskipTests package -pl convnet4j-spark -am" >&2; exit 2; }
CP="$JAR:$(cat "$ROOT/convnet4j-spark/target/spark-classpath.txt")"
OPENS="-XX:+IgnoreUnrecognizedVMOptions"
for pkg in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
           java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  OPENS="$OPENS --add-opens=java.base/$pkg=ALL-UNNAMED"
done
JAVA="java --add-modules jdk.incubator.vector -Xss4m $OPENS -Djdk.reflect.useDirectMethodHandle=false"
W=$(mktemp -d /tmp/spark-standalone-bench.XXXXXX)
mkdir -p "$W/spark-home/jars"   # the worker's command builder wants it; the class path comes with the app
export SPARK_HOME=$W/spark-home SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1 SPARK_LOG_DIR=$W
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
MP=$(port)
$JAVA -Xmx512m -Dspark.worker.timeout=600 -cp "$CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 \
  --port "$MP" --webui-port "$(port)" > "$W/master.log" 2>&1 &
PIDS+=($!)
# wait for $1 (a shell test) while every JVM started so far lives, at most 600 s
wait_for() {
  local deadline=$(( $(date +%s) + 600 ))
  until eval "$1"; do
    for p in "${PIDS[@]}"; do
      kill -0 "$p" 2>/dev/null || { echo "a cluster JVM exited; logs in $W:" >&2; tail -20 "$W"/*.log >&2; exit 1; }
    done
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timed out waiting for: $1 (logs in $W)" >&2; exit 1; }
    sleep 1
  done
}
wait_for '(exec 3<>/dev/tcp/127.0.0.1/"$MP") 2>/dev/null'
for w in 0 1; do
  $JAVA -Xmx512m -Dspark.worker.timeout=600 -cp "$CP" org.apache.spark.deploy.worker.Worker --host 127.0.0.1 \
    --cores 1 --memory 2g --webui-port "$(port)" --work-dir "$W/work$w" "spark://127.0.0.1:$MP" > "$W/worker$w.log" 2>&1 &
  PIDS+=($!)
done
wait_for '[ "$(grep -c "Registering worker" "$W/master.log")" -ge 2 ]'
echo "cluster up (logs in $W); load $(cut -d' ' -f1-3 /proc/loadavg)"
APP="-Dspark.executor.extraClassPath=$CP -Dspark.executor.memory=1g -Dspark.cores.max=2 -Dspark.driver.host=127.0.0.1"
APP="$APP -Dspark.driver.bindAddress=127.0.0.1 -Dspark.network.timeout=600s -Dspark.executor.heartbeatInterval=30s"
for ex in $EXCHANGES; do
  for master in "spark://127.0.0.1:$MP" 'local[2]'; do
    name=$(echo "$master" | tr -dc a-z0-9)-$ex
    t0=$(date +%s)
    # shellcheck disable=SC2086
    $JAVA -Xmx1g $APP "-Dspark.executor.extraJavaOptions=--add-modules=jdk.incubator.vector -Xss4m" -cp "$CP" \
      org.convnet4j.spark.ScaleBench train "$master" "$STEPS" "$ex" > "$W/$name.log" 2>&1 || { tail -30 "$W/$name.log"; exit 1; }
    echo "$master $ex: $(( $(date +%s) - t0 )) s wall; load $(cut -d' ' -f1-3 /proc/loadavg)"
    grep -E "^(bytes|driver traffic|train)" "$W/$name.log" | sed 's/^/  /'
  done
done
