#!/usr/bin/env bash
# System calls per served LeNet-5 request, by thread and call (perf trace -s on the server during a 5-s wrk run):
# which thread reads the requests, writes the answers and sleeps. Starts 'convnet4j serve' from JAR as
# serve-perfstat.sh does (--max-batch MAX_BATCH), warms it with WARM (default 4) 5-s wrk runs at CONC connections of
# MIX (as in serve-load.lua: bin1, bin8, json1 ...), then traces. perf trace's own cost slows the server: read the
# counts per request, not the times.
# Usage: bench/serve-syscalls.sh JAR MAX_BATCH CONC MIX   (SERVE_ARGS: extra serve options; the model and bodies as
#        serve-perfstat.sh: DIR=$C4J_PERF_DIR, default /tmp/c4j-perf)
set -uo pipefail
[ $# -ge 4 ] || { sed -n '2,8p' "$0" >&2; exit 2; }
JAR=$1; MB=$2; C=$3; MIX=$4
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=18197; OUT=$(mktemp -d)
. "$REPO/bench/serve-start.sh"
serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" "$MB" "$OUT/server.log"
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$OUT"' EXIT
T=$(( C < 2 ? 1 : 2 ))
drive() { wrk -t$T -c"$C" -d"$1"s -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$DIR/lenet5" "$MIX"; }
for _ in $(seq "${WARM:-4}"); do drive 5 >/dev/null; done
perf trace -s -p $P -o "$OUT/trace" -- sleep 6 &
PT=$!
sleep 0.5
R=$(drive 5 | awk '$1 == "rps" { print $2 }')
wait $PT
echo "max batch $MB, concurrency $C, $MIX: requests/s $R under perf trace, load $(cut -d' ' -f1 /proc/loadavg)"
# "thread (tid), N events" headers, then "call calls errors ..." rows; summed over threads of one name
awk -v r="$R" '/ events, / { t = $1; sub(/[-0-9]+$/, "", t); next }
  $1 ~ /^[a-z_0-9]+$/ && $2 ~ /^[0-9]+$/ && NF >= 8 { n[t " " $1] += $2; e[t " " $1] += $3 }
  END { for (k in n) if (n[k] / (r * 5) >= 0.01) printf "  %-40s %6.2f per request (%.2f failed)\n", k, n[k] / (r * 5), e[k] / (r * 5) }' \
  "$OUT/trace" | sort -k3 -nr | head -20
