#!/usr/bin/env bash
# What the HTTP stack alone costs per request on this machine, next to what a served one-sample LeNet-5 request
# costs and what the 90% target allows. For each server below and each concurrency in CONCS (default "1 8 32"): WARM
# (default 3) 5-s wrk runs of serve-load.lua's MIX (default bin1: one LeNet-5 sample per request, binary tensor
# extension, the body sizes the load test sends), then one measured 5-s run: requests/s, p50, and the server's CPU per
# request (user + system clock ticks of all its processes and threads over the run / requests; for JVMs also without
# the JIT compiler threads, as serve-load.sh counts). The servers:
#   jetty    bench/HttpFloor.java: a bare Jetty 12 handler (the jar's Jetty, no Javalin, no model) that drops each body
#            and answers with the bytes and headers a served request gets (captured from the lenet5 server below)
#   idle     'convnet4j serve' (max batch 8) with a model that does next to nothing (ServeLoadTool idle-model: Flatten
#            and Dense 784->10), under the name lenet5: our server's whole path but the forward pass
#   nginx    Debian's nginx (one worker, access log off, keep-alive 1260 s) answering every request with a body of the
#            same size ('return 200'), as a floor outside Java; skipped when nginx is not installed
#   lenet5   'convnet4j serve' with LeNet-5, max batch 8; lenet5-b1: the same with --max-batch 1
# and in-process predict of LeNet-5 on one thread at batch 1 and 8 (ServeLoadTool baseline-loop, warmed as
# serve-load.sh warms it): CPU per image, and the budget per request for 90% per CPU-second of one-sample requests,
# (1/0.9 - 1) x CPU per image (a one-sample request may cost the server at most that beyond its image).
# Usage: bench/serve-floor.sh JAR   (SERVERS: which, default "jetty idle nginx lenet5 lenet5-b1"; the model and bodies
#        as serve-perfstat.sh: DIR=$C4J_PERF_DIR, default /tmp/c4j-perf; ServeLoadTool writes the idle model there)
set -uo pipefail
[ $# -ge 1 ] || { sed -n '2,22p' "$0" >&2; exit 2; }
JAR=$1
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=18201; OUT=$(mktemp -d); MIX=${MIX:-bin1}
CONCS=${CONCS:-1 8 32}; SERVERS=${SERVERS:-jetty idle nginx lenet5 lenet5-b1}
JAVA=(java --add-modules jdk.incubator.vector -Xss4m -Xmx2g -XX:-UseDynamicNumberOfCompilerThreads)
. "$REPO/bench/serve-start.sh"
P=""
trap '[ -n "$P" ] && kill $P 2>/dev/null; wait 2>/dev/null; rm -rf "$OUT"' EXIT
HZ=$(getconf CLK_TCK)
# clock ticks of processes: all (the process totals, which keep the time of threads that have ended), and those of
# their JIT compiler threads
ticks() {
  local all=0 jit p
  for p in "$@"; do all=$(( all + $(awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); print f[12] + f[13] }' /proc/"$p"/stat) )); done
  jit=$(for p in "$@"; do cat /proc/"$p"/task/*/stat 2>/dev/null; done | awk '{ i = index($0, ") "); if (substr($0, 1, i) !~ /Compiler/) next
    split(substr($0, i + 2), f, " "); t += f[12] + f[13] } END { print t + 0 }')
  echo "$all $jit"
}
drive() { wrk -t"$(( $1 < 2 ? 1 : 2 ))" -c"$1" -d5s -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$DIR/lenet5" "$MIX"; }
measure() { # NAME PIDS...: every concurrency, one line each
  local name=$1 c t0 t1 r; shift
  for c in $CONCS; do
    for _ in $(seq "${WARM:-3}"); do drive "$c" >/dev/null; done
    t0=$(ticks "$@"); drive "$c" >"$OUT/wrk"; t1=$(ticks "$@")
    r=$(awk '$1 == "rps" { print $2 }' "$OUT/wrk")
    awk -v n="$name" -v c="$c" -v r="$r" -v a="$t0" -v b="$t1" -v hz="$HZ" -v p50="$(awk '$1 == "p50_ms" { print $2 }' "$OUT/wrk")" \
      -v l="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { split(a, x, " "); split(b, y, " "); all = y[1] - x[1]; jit = y[2] - x[2]
      printf "%-10s c=%-3s requests/s %8.0f  p50 %6s ms  server CPU per request %6.1f us (without the JIT %6.1f us)  load %s\n",
        n, c, r, p50, 1e6 * all / hz / (r * 5), 1e6 * (all - jit) / hz / (r * 5), l }'
  done
}
stop() { kill "$P" 2>/dev/null; wait "$P" 2>/dev/null; P=""; }
echo "$(date -u +%H:%M) UTC, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), mix $MIX, WARM ${WARM:-3}"
# the answer a served one-sample request gets, for the floors to answer with
serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" 8 "$OUT/server.log"
curl -s -D "$OUT/answer.head" -o "$OUT/answer" -H "Content-Type: application/octet-stream" \
  -H "Inference-Header-Content-Length: $(cat "$DIR/lenet5/valid1.bin.len")" --data-binary @"$DIR/lenet5/valid1.bin" \
  http://127.0.0.1:$PORT/v2/models/lenet5/infer
JL=$(awk -F': ' 'tolower($1) == "inference-header-content-length" { print $2 + 0 }' "$OUT/answer.head"); JL=${JL:--1}
echo "answer: $(wc -c <"$OUT/answer") bytes, JSON header $JL; head: $(tr -d '\r' <"$OUT/answer.head" | paste -sd'|')"
stop
for s in $SERVERS; do
  case $s in
    lenet5|lenet5-b1)
      serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" "$([ $s = lenet5 ] && echo 8 || echo 1)" "$OUT/server.log"
      measure "$s" "$P"; stop ;;
    idle)
      [ -f "$DIR/idle.c4j" ] || "${JAVA[@]}" -cp "$JAR" "$REPO/bench/ServeLoadTool.java" idle-model "$DIR/idle.c4j"
      serve_start "$JAR" $PORT lenet5 "$DIR/idle.c4j" 8 "$OUT/server.log"
      measure idle "$P"; stop ;;
    jetty)
      "${JAVA[@]}" -cp "$JAR" "$REPO/bench/HttpFloor.java" $PORT "$OUT/answer" "$JL" >"$OUT/floor.log" 2>&1 &
      P=$!
      until grep -q ready "$OUT/floor.log"; do kill -0 $P 2>/dev/null || { cat "$OUT/floor.log"; exit 1; }; sleep 0.5; done
      measure jetty $P; stop ;;
    nginx)
      command -v nginx >/dev/null || { echo "nginx: not installed (apt-get install nginx-light), skipped"; continue; }
      mkdir -p "$OUT/nginx"
      cat >"$OUT/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $OUT/nginx/nginx.pid;
error_log $OUT/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_timeout 1260s 1260s;
  keepalive_requests 1000000000;
  client_body_temp_path $OUT/nginx/body;
  server {
    listen 127.0.0.1:$PORT;
    location / {
      default_type application/octet-stream;
      add_header Inference-Header-Content-Length $JL;
      return 200 "$(head -c "$(wc -c <"$OUT/answer")" /dev/zero | tr '\0' x)";
    }
  }
}
EOF
      nginx -c "$OUT/nginx/nginx.conf" &
      P=$!
      until curl -sf -o /dev/null -X POST --data-binary @"$DIR/lenet5/valid1.bin" http://127.0.0.1:$PORT/v2/models/lenet5/infer; do
        kill -0 $P 2>/dev/null || { cat "$OUT/nginx/error.log"; exit 1; }; sleep 0.2; done
      measure nginx $P $(pgrep -P $P); stop ;;
  esac
done
# in-process predict, one thread: CPU per image at batch 1 and 8, and the 90% budget per one-sample request
mkfifo "$OUT/in"
"${JAVA[@]}" -cp "$JAR" "$REPO/bench/ServeLoadTool.java" baseline-loop "$DIR/lenet5.c4j" 1 <"$OUT/in" >"$OUT/inproc" 2>/dev/null &
P=$!
exec 9>"$OUT/in"
lines() { until [ "$(wc -l <"$OUT/inproc")" -ge "$1" ]; do kill -0 $P 2>/dev/null || exit 1; sleep 0.2; done; }
k=0
for b in 1 8; do
  echo "warm 5 120 50 $b" >&9; k=$((k + 1)); lines $k
  t0=$(ticks $P); echo "5 $b" >&9; k=$((k + 1)); lines $k; t1=$(ticks $P)
  awk -v b="$b" -v r="$(tail -1 "$OUT/inproc")" -v a="$t0" -v z="$t1" -v hz="$HZ" 'BEGIN { split(a, x, " "); split(z, y, " ")
    cpu = 1e6 * ((y[1] - x[1]) - (y[2] - x[2])) / hz / (r * 5)
    printf "in-process predict, batch %d: %.0f images/s, CPU per image %.1f us (without the JIT); budget per one-sample request for 90%%: %.1f us\n", b, r, cpu, cpu * (1 / 0.9 - 1) }'
done
exec 9>&-
wait $P 2>/dev/null; P=""
