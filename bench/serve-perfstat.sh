#!/usr/bin/env bash
# Per-request cost of 'convnet4j serve' for LeNet-5 v2 requests, from the kernel's counters: starts the server from
# JAR as serve-load.sh starts it, warms it with WARM (default 4) 5-s wrk runs, then counts with perf stat on the
# server process during a 5-s wrk run: CPU (task-clock), context switches, futex and other system calls, each per
# request (epoll_wait twice: all calls, and those that may sleep); context switches per request by thread name,
# voluntary and involuntary (from /proc/PID/task/*/status); the lone-connection poll counters and, for a model whose
# worker layout follows the load, the batches each layout ran since start (not the warm-up) from /metrics (with
# several workers also the batches each worker took and the handovers between workers, since start and in the
# measured window); the
# client's (wrk's) CPU per request; the wake-ups of the thread that times requests out (in the window).
# SERVE_ARGS: extra serve options (e.g. "--lone-spin-us 0"). CPU per request is also split by thread (from
# /proc/PID/task/*/stat). INPROC=B: then the same counters for in-process predict at batch B on one thread (the
# reference the ratio cells compare with; ServeLoadTool baseline-loop, warmed up as serve-load.sh does), per batch.
# MODEL=resnet18 (default lenet5): that model (DIR/MODEL.c4j, bodies in DIR/MODEL); SECS (default 5): the length of
# each warm-up and of the measured window (ResNet-18 under load needs longer windows for enough requests). The
# measured window's p50 and p99 latency (wrk) are printed too. WRK_ARGS: extra wrk options (e.g. "--timeout 60s").
# Usage: bench/serve-perfstat.sh JAR MAX_BATCH CONCURRENCY MIX [extra JVM options]
#        (MIX as in serve-load.lua, e.g. bin1; needs wrk, perf and the model and bodies that serve-load.sh writes:
#        java -cp JAR bench/ServeLoadTool.java models DIR, then ... bodies DIR/lenet5.c4j DIR/lenet5; DIR=$C4J_PERF_DIR)
set -uo pipefail
JAR=$1; MB=$2; C=$3; MIX=$4; shift 4
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=${PORT:-18192}; OUT=$(mktemp -d); MODEL=${MODEL:-lenet5}; SECS=${SECS:-5}
. "$REPO/bench/serve-start.sh"
serve_start "$JAR" $PORT "$MODEL" "$DIR/$MODEL.c4j" "$MB" "$OUT/server.log" "$@"
T=$(( C < 2 ? 1 : 2 ))
for _ in $(seq "${WARM:-4}"); do
  wrk -t$T -c"$C" -d${SECS}s ${WRK_ARGS:-} -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- "$MODEL" "$DIR/$MODEL" "$MIX" >/dev/null
done
# per thread: name, id, voluntary and involuntary context switches, CPU clock ticks (user + system)
threads() { for t in /proc/$P/task/*; do echo "$(tr ' ' _ <"$t/comm") ${t##*/} $(awk '/^voluntary_ctxt/ { v = $2 } /nonvoluntary_ctxt/ { n = $2 } END { print v, n }' "$t/status") $(awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); print f[12] + f[13] }' "$t/stat")"; done; }
threads >"$OUT/t0"
curl -s http://127.0.0.1:$PORT/metrics >"$OUT/m0"
perf stat -e task-clock,context-switches,syscalls:sys_enter_futex,syscalls:sys_enter_epoll_wait \
  -e syscalls:sys_enter_epoll_wait --filter 'timeout != 0' -e raw_syscalls:sys_enter \
  -p $P -o "$OUT/perf" -- sleep "$SECS" &
PS=$!
# the client's CPU too: at concurrency 1 client and server take turns, so the client's time per request is on the
# critical path of every request (what in-process predict never pays)
perf stat -e task-clock -o "$OUT/perf-wrk" -- \
  wrk -t$T -c"$C" -d${SECS}s ${WRK_ARGS:-} -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- "$MODEL" "$DIR/$MODEL" "$MIX" >"$OUT/wrk"
wait $PS
threads >"$OUT/t1"
R=$(awk '$1 == "rps" { print $2 }' "$OUT/wrk")
echo "$MODEL, max batch $MB, concurrency $C, $MIX $* ${SERVE_ARGS:-}: requests/s $R, p50 $(awk '$1 == "p50_ms" { print $2 }' "$OUT/wrk") ms, p99 $(awk '$1 == "p99_ms" { print $2 }' "$OUT/wrk") ms, load $(cut -d' ' -f1 /proc/loadavg)"
# the second epoll_wait line counts only the calls that may sleep (timeout != 0), not the zero-timeout polls
awk -v r="$R" -v s="$SECS" '/task-clock|context-switches|sys_enter/ { gsub(",", "", $1); e = $2; if (e in seen) e = e " (may sleep)";
  seen[$2] = 1; printf "  %s per request: %.*f\n", e, (e == "msec" ? 4 : 2), $1 / (r * s) }' "$OUT/perf"
awk -v r="$R" -v s="$SECS" '/task-clock/ { gsub(",", "", $1); printf "  client (wrk) task-clock per request: %.3f ms\n", $1 / (r * s) }' "$OUT/perf-wrk"
curl -s http://127.0.0.1:$PORT/metrics | awk '/^convnet4j_batch_size_sum/ { s = $2 } /^convnet4j_batch_size_count/ { c = $2 }
  /^convnet4j_lone_connection_polls_total|^convnet4j_worker_layout_batches_total|^convnet4j_worker_batches_total|^convnet4j_worker_handovers_total|^convnet4j_second_reads_total/ { p = p " " $1 "=" $2 }
  END { if (c > 0) printf "  mean batch %.2f\n", s / c; if (p != "") print "  since start:" p }'
# the counters of the measured window alone: batches per worker, handovers between workers, second reads, connections
# resumed after a batch's answers by what their read found (the next request, or nothing: then the selector waits)
# (and the lone-connection polls: those that caught or ran out, and their time, which is CPU: a poll spins)
curl -s http://127.0.0.1:$PORT/metrics | awk -v r="$R" -v s="$SECS" 'NR == FNR { if (/^convnet4j_(worker_(batches|handovers|layout_batches)|second_reads|batch_resumptions|full_batches_on_selectors|lone_connection_polls|lone_connection_poll_seconds)_total/) v[$1] = $2; next }
  /^convnet4j_(worker_(batches|handovers|layout_batches)|second_reads|batch_resumptions|full_batches_on_selectors|lone_connection_polls)_total/ { p = p " " $1 "=" $2 - v[$1] }
  /^convnet4j_lone_connection_poll_seconds_total/ { poll = sprintf("  lone-connection polls: %.2f us per request (spinning: CPU)", 1e6 * ($2 - v[$1]) / (r * s)) }
  END { if (p != "") print "  in the window:" p; if (poll != "") print poll }' "$OUT/m0" -
awk -v r="$R" -v s="$SECS" 'NR == FNR { v[$2] = $3; n[$2] = $4; next } { k = $1; gsub(/[0-9-]+$/, "", k); sv[k] += $3 - v[$2]; sn[k] += $4 - n[$2] }
  END { for (k in sv) if (sv[k] + sn[k] > 0) printf "    context switches per request, %-16s %.2f voluntary, %.2f involuntary\n", k, sv[k] / (r * s), sn[k] / (r * s) }' \
  "$OUT/t0" "$OUT/t1" | sort -k6 -nr | head -6
# the thread that times requests out: the JDK's delay thread (orTimeout, before 9de454b6) or convnet4j-deadlines;
# each of its voluntary context switches is a wait it was woken from
awk -v r="$R" -v s="$SECS" 'NR == FNR { v[$2] = $3; next } /^CompletableFutu|^convnet4j-deadl/ { w += $3 - v[$2]; k = $1 }
  END { printf "  request-timeout thread %s: %d wake-ups in the window, %.4f per request\n", (k == "" ? "(none)" : k), w, w / (r * s) }' \
  "$OUT/t0" "$OUT/t1"
# CPU per request by thread: the model's worker runs one forward pass at a time, so whatever else it does per
# request (answer encoding and writing, resumed reads) is serialized with the forward passes
awk -v r="$R" -v s="$SECS" -v hz="$(getconf CLK_TCK)" 'NR == FNR { c[$2] = $5; next } { k = $1; gsub(/[0-9-]+$/, "", k); d[k] += $5 - c[$2] }
  END { for (k in d) if (d[k] > 0) printf "    CPU per request, %-16s %.4f ms\n", k, 1000 * d[k] / hz / (r * s) }' \
  "$OUT/t0" "$OUT/t1" | sort -k5 -nr | head -6
kill $P; wait $P 2>/dev/null
if [ -n "${INPROC:-}" ]; then
  mkfifo "$OUT/in"
  java --add-modules jdk.incubator.vector -Xss4m -Xmx2g -XX:-UseDynamicNumberOfCompilerThreads "$@" -cp "$JAR" \
    "$REPO/bench/ServeLoadTool.java" baseline-loop "$DIR/lenet5.c4j" "$INPROC" <"$OUT/in" >"$OUT/inproc" 2>/dev/null &
  P=$!
  exec 9>"$OUT/in"
  echo "warm 5 240 50" >&9
  until [ -s "$OUT/inproc" ]; do kill -0 $P 2>/dev/null || { echo "in-process predict did not start" >&2; exit 1; }; sleep 1; done
  threads >"$OUT/t0"
  perf stat -e task-clock,context-switches,syscalls:sys_enter_futex,raw_syscalls:sys_enter -p $P -o "$OUT/perf" -- sleep 5 &
  PS=$!
  echo 5 >&9
  wait $PS
  threads >"$OUT/t1"
  until [ "$(wc -l <"$OUT/inproc")" -ge 2 ]; do kill -0 $P 2>/dev/null || { echo "in-process predict stopped" >&2; exit 1; }; sleep 0.2; done
  exec 9>&-; wait $P 2>/dev/null
  # images/s -> batches/s; the counters cover the same 5 s (perf stat and the run start together)
  B=$(awk -v b="$INPROC" 'NR == 2 { printf "%.2f", $1 / b }' "$OUT/inproc")
  echo "in-process predict, batch $INPROC: batches/s $B (warm-up windows: $(head -1 "$OUT/inproc"))"
  awk -v r="$B" '/task-clock|context-switches|sys_enter/ { gsub(",", "", $1); printf "  %s per batch: %.2f\n", $2, $1 / (r * 5) }' "$OUT/perf"
  awk -v r="$B" -v hz="$(getconf CLK_TCK)" 'NR == FNR { c[$2] = $5; next } { k = $1; gsub(/[0-9-]+$/, "", k); d[k] += $5 - c[$2] }
    END { for (k in d) if (d[k] > 0) printf "    CPU per batch, %-16s %.4f ms\n", k, 1000 * d[k] / hz / (r * 5) }' \
    "$OUT/t0" "$OUT/t1" | sort -k5 -nr | head -6
fi
rm -rf "$OUT"
