#!/usr/bin/env bash
# Where a served request's CPU goes: starts 'convnet4j serve' (LeNet-5 with seeded random weights) from JAR,
# drives it with wrk (bench/serve-load.lua) for 4 windows of SECONDS (the first 3 warm up), and prints requests/s
# of the last window and the server's CPU per request by thread group, user+sys microseconds, from
# /proc/PID/task/*/stat: Jetty's threads (HTTP, parsing, and since the batcher change the forward passes they
# run themselves), the model's batcher worker, the GEMM pool's workers (convnet4j-kernels-*), the JIT compilers,
# and the rest (GC, VM). Extra arguments are JVM options for the server (e.g. -Dconvnet4j.pool.spinMicros=20).
# Usage: bench/serve-cpu.sh JAR MIX CONNECTIONS MAX_BATCH SECONDS [JVM_OPTION ...]
#        MIX as in serve-load.lua: json1, bin1, json8, bin8, ...
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
[ $# -ge 5 ] || { sed -n '2,9p' "$0" >&2; exit 2; }
JAR=$1; MIX=$2; C=$3; MB=$4; S=$5; shift 5
WORK="$(mktemp -d)"; PORT=18183; P=""
trap '[ -n "$P" ] && kill "$P" 2>/dev/null; rm -rf "$WORK"' EXIT
JAVA=(java --add-modules jdk.incubator.vector -Xss4m -Xmx2g)
"${JAVA[@]}" -cp "$JAR" "$REPO/bench/ServeLoadTool.java" models "$WORK" 2>/dev/null
"${JAVA[@]}" -cp "$JAR" "$REPO/bench/ServeLoadTool.java" bodies "$WORK/lenet5.c4j" "$WORK/lenet5" 2>/dev/null
"${JAVA[@]}" "$@" -jar "$JAR" serve --model lenet5="$WORK/lenet5.c4j" --port $PORT --max-batch "$MB" \
  --max-wait-us 2000 --queue 256 >"$WORK/server.log" 2>&1 &
P=$!
for _ in $(seq 1800); do curl -sf http://127.0.0.1:$PORT/v2/health/ready >/dev/null && break; sleep 0.5; done
snap() { # thread group, user ticks, system ticks
  for t in /proc/$P/task/*; do
    echo "$(tr ' ' _ <"$t/comm") $(awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); print f[12], f[13] }' "$t/stat")"
  done | awk '{ n = $1
    if (n ~ /^JettyServer/) n = "jetty"; else if (n ~ /^convnet4j-batch/) n = "batcher"
    else if (n ~ /^convnet4j-kern/) n = "gemm-pool"; else if (n ~ /Compiler/) n = "jit"; else n = "other"
    u[n] += $2; y[n] += $3 } END { for (k in u) print k, u[k], y[k] }' | sort
}
T=$(( C < 2 ? 1 : 2 ))
drive() { wrk -t$T -c"$C" -d"${S}s" -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$WORK/lenet5" "$MIX"; }
for _ in 1 2 3; do drive >/dev/null; done
snap >"$WORK/a"; drive >"$WORK/w"; snap >"$WORK/b"
rps=$(awk '$1 == "rps" { print $2 }' "$WORK/w")
echo "$MIX c$C max-batch $MB $* requests/s $rps load $(cut -d' ' -f1 /proc/loadavg); CPU us per request (user+sys):" \
  "$(join "$WORK/a" "$WORK/b" | awk -v r="$rps" -v s="$S" '{ printf "%s %.0f+%.0f  ", $1, ($4 - $2) * 10000 / (r * s), ($5 - $3) * 10000 / (r * s) }')"
