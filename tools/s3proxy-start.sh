#!/usr/bin/env bash
# How long S3Proxy (org.gaul:s3proxy 2.9.0, the Java S3 server tools/spark-s3proxy.sh uses) takes to start: the wall
# time until it answers HTTP, and the CPU seconds (user + sys) its JVM has used by then, which a loaded machine does not
# inflate as it does the wall time (docs/SCALE.md, "s3a://"). JVM options may follow, e.g. -XX:TieredStopAtLevel=1.
#
#   tools/s3proxy-start.sh [JVM OPTIONS...]
set -euo pipefail
source "$(dirname "$0")/s3proxy-conf.sh"
W=$(mktemp -d /tmp/s3proxy-start.XXXXXX)
mkdir -p "$W/s3/convnet4j"
PORT=$((30000 + RANDOM % 20000))
s3proxy_conf "$W/conf" "http://127.0.0.1:$PORT" "$W/s3"
t0=$(date +%s.%N)
java "$@" -jar "$S3PROXY_JAR" --properties "$W/conf" > "$W/log" 2>&1 &
P=$!
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$W"' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
  kill -0 $P 2>/dev/null || { cat "$W/log"; exit 1; }
  sleep 0.05
done
t1=$(date +%s.%N)
read -r ut st < <(awk '{print $14, $15}' "/proc/$P/stat")
echo "S3Proxy answered after $(echo "$t1 - $t0" | bc) s wall, $(echo "scale=2; ($ut + $st) / $(getconf CLK_TCK)" | bc)" \
  "CPU-s; JVM options: ${*:-none}; load $(cut -d' ' -f1-3 /proc/loadavg)"
