#!/usr/bin/env bash
# The first seconds of a freshly started 'convnet4j serve' (LeNet-5, binary v2 requests): how long until
# /v2/health/ready answers 200, then requests/s in consecutive WINDOW-s wrk runs from that moment and the latency of
# the very first request (curl). For the warm-up before readiness: run it with SERVE_ARGS="--warmup 0" and without
# (the default, --warmup 5), alternating, same jar: without a warm-up the first windows are the JIT's cold start.
# Usage: bench/serve-warmup.sh JAR MAX_BATCH CONCURRENCY [WINDOWS [WINDOW]]   (defaults 6 windows of 3 s)
#        needs wrk and the model and bodies serve-load.sh writes (java -cp JAR bench/ServeLoadTool.java models DIR,
#        then ... bodies DIR/lenet5.c4j DIR/lenet5; DIR=$C4J_PERF_DIR, default /tmp/c4j-perf)
set -uo pipefail
[ $# -ge 3 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
JAR=$1; MB=$2; C=$3; N=${4:-6}; W=${5:-3}
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=18194; OUT=$(mktemp -d)
t0=$(date +%s.%N)
. "$REPO/bench/serve-start.sh"
READY_POLL=0.1 serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" "$MB" "$OUT/server.log"
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$OUT"' EXIT
t1=$(date +%s.%N)
first=$(curl -s -o /dev/null -w '%{time_total}' -H 'Content-Type: application/octet-stream' \
  -H "Inference-Header-Content-Length: $(cat "$DIR/lenet5/valid1.bin.len")" \
  --data-binary @"$DIR/lenet5/valid1.bin" http://127.0.0.1:$PORT/v2/models/lenet5/infer 2>/dev/null || echo "?")
T=$(( C < 2 ? 1 : 2 ))
rates=""
for _ in $(seq "$N"); do
  r=$(wrk -t$T -c"$C" -d"${W}s" -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$DIR/lenet5" bin1 \
    | awk '$1 == "rps" { printf "%.0f", $2 }')
  rates="$rates $r"
done
passes=$(curl -s http://127.0.0.1:$PORT/metrics | awk '/^convnet4j_warmup_passes_total/ { print $2 }')
printf 'SERVE_ARGS="%s" max batch %s c%s: ready after %.1f s (%s warm-up passes), first request %s s, requests/s per %s-s window:%s; load %s\n' \
  "${SERVE_ARGS:-}" "$MB" "$C" "$(echo "$t1 - $t0" | bc)" "${passes:-?}" "$first" "$W" "$rates" "$(cut -d' ' -f1 /proc/loadavg)"
grep -E "^Warm" "$OUT/server.log" | sed 's/^/  server: /'
