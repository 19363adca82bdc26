#!/usr/bin/env bash
# Load test of 'convnet4j serve' on 127.0.0.1 with wrk (Debian package wrk): throughput and p50/p99 latency of
# Open Inference Protocol v2 inference for LeNet-5 and ResNet-18 at concurrency 1, 8 and 32, with dynamic batching
# (--max-batch 8) and without (--max-batch 1); in-process predict at batch 1 and 8 on one thread for comparison;
# then a soak: valid and broken requests mixed for SOAK seconds, which must give no 5xx, with the server's old
# generation after a full GC (jstat -gcold) compared before and after. Everything talks to 127.0.0.1 only and stops by itself.
#
# Usage: bench/serve-load.sh [--duration S] [--soak S] [--models "lenet5 resnet18"]   (defaults 20, 300: ~20 min;
#        --soak 0 skips the soak, --only soak skips the table; the soak uses the first model)
#        [--soak-pictures large]: the soak's pictures (5% of its requests) are 1600x1200 instead of 320x240 and the
#        server's --decode-budget holds 2.5 of them (DECODE_PICTURES=2.5), so that under load decodes wait for the
#        budget and some are refused (503 with Retry-After); the report counts waits, refusals and 503s, samples the
#        reserved bytes and the server's resident memory every second, and fails on any 5xx that is not such a
#        refusal or when the reserved bytes ever exceed the budget
#        bench/serve-load.sh --only ratio [--rounds R] [--duration S] [--warm-window W] [--warm-max M] [--warm-min N]
#                            [--cells "MODEL:BATCH:SAMPLES:CONC:FORMAT[:S[:INBATCH]] ..." | --cells load[:FORMAT]]
#        served vs in-process throughput side by side: per cell, R rounds of S s in-process predict (one warm JVM
#        calling predict on INBATCH samples, default BATCH) then S s served (server started with --max-batch BATCH,
#        wrk at CONC connections, SAMPLES per request, FORMAT json, bin = binary tensor extension, or picture (a
#        320x240 PNG to /predictions, SAMPLES 1); S may be empty to keep --duration), alternating so both see the
#        same machine; prints each round's ratio and the median, wall and per CPU-second. Consecutive cells of one
#        model and max batch share a server, and cells of one model a JVM per in-process side (warmed up once per
#        batch size). "--cells load" (FORMAT json unless given, e.g. load:bin): every cell of the load test's table
#        (the models of --models; max batch 1 and 8; 1, 8 and 32 connections; one sample per request), each
#        against in-process predict at the largest batch the server can form there (1 without batching, the
#        connections up to 8 with it). Both sides first warm up the same way: windows of at least W s (default 5)
#        until the last three rates are within 10% of their median and each of those windows counted at least N
#        images (default 50), at most M s (default 240); a window that counted fewer than N images is followed by
#        one long enough for 1.5 N at its rate (a slow model on a loaded machine: five seconds of ResNet-18 at 0.2
#        images/s is one image, and three such windows said "stable" on one image each). A cell that only changes
#        the concurrency of a warm server gets one settling window instead. The windows go into the report as
#        RATE[IMAGES].
#        SERVE_ARGS (environment): extra options for every 'convnet4j serve' started (e.g. "--lone-spin-us 0").
#        PORT (environment, default 18181): the servers' port (another one when this script already runs on the machine).
#        INPROC=THREADS:CAP:FORM (environment, ratio only): the in-process side as the server works instead of one
#        thread on one ready tensor: THREADS threads (the server's workers) with kernels capped to CAP threads
#        (0: the kernels' own count), FORM "tensor" (a ready tensor) or "bytes" (each batch built from the bytes the
#        cell's clients send: its JSON or binary bodies parsed by the server's parser and the answers encoded, or
#        its pictures decoded and prepared; ServeLoadTool baseline-loop). E.g. INPROC=2:1:bytes for LeNet-5's
#        default layout of two single-threaded workers on 2 cores.
#        STAGE_CPU=1 (environment, ratio only): every JVM runs with -Dconvnet4j.serve.stageCpu=true (the thread CPU of
#        each request's stages, ServeMetrics.STAGE_CPU, also read by ServeLoadTool), and after the table the report
#        lists, per cell and round, us of thread CPU per request in the server (v2 parse, forward pass, encode, the
#        answer's write; from /metrics) and per batch in the like-for-like JVM (parse with the copy into the batch,
#        forward pass, encode): whether a served forward pass costs what an in-process one does.
#        LIKE=THREADS:CAP:FORM (environment, ratio only): as INPROC, but in a second in-process JVM and in columns of
#        their own (served against it, wall and per CPU-second) next to the plain side, in the cells of the models
#        in LIKE_MODELS (default lenet5); e.g. LIKE=2:1:bytes: both readings of the 90% target in one table.
#        FLIP="SETTINGS" (environment, ratio only): A/B of a server setting, alternated within each round. SETTINGS
#        are words for the server: -D... and -X... go to its JVM, the rest to 'convnet4j serve' (e.g.
#        FLIP="-Dconvnet4j.serve.oneWriteAnswers=true" or FLIP="--lone-spin-us auto"); FLIP_A="SETTINGS": what
#        side A runs with instead of the defaults (e.g. FLIP_A="--lone-spin-us 0"). Per cell, each round runs side A
#        and side B in turn (A first in odd rounds, B first in even ones), each in a fresh server warmed up by the
#        rule below, each right after its own S s of in-process predict (and like for like, with LIKE) in the warm
#        JVMs, so that each served run has in-process runs next to it. Reported per round and as medians: served
#        images/s, the server's CPU per request (us; all its threads but the JIT compilers', whose work a fresh
#        server is still doing), per CPU-second against plain predict and (LIKE) like for like, for A and for B, and
#        B/A of the per-CPU-second ratio (like for like with LIKE) and of the CPU per request. A fresh server per run
#        because a server's own JIT and placement decisions move its cost by more than the effects measured here: two
#        servers, one per setting, measured one after the other, read the setting's effect with that spread in it.
# Output: a Markdown report on stdout and in bench/results/serve-<date>.md.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DURATION=20
SOAK=300
SOAK_PICTURES=small
MODELS="lenet5 resnet18"
ONLY=all
ROUNDS=3
WARM_WINDOW=5
WARM_MAX=240
WARM_MIN=50
CELLS="lenet5:1:1:2:json lenet5:1:1:2:bin lenet5:8:8:2:json lenet5:8:8:2:bin resnet18:1:1:2:json:20 resnet18:1:1:2:bin:20 resnet18:8:1:16:json:40 resnet18:8:1:16:bin:40"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --soak) SOAK="$2"; shift 2 ;;
    --soak-pictures) case "$2" in small|large) SOAK_PICTURES="$2" ;; *) echo "serve-load.sh: --soak-pictures takes small or large" >&2; exit 2 ;; esac; shift 2 ;;
    --models) MODELS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    --cells) CELLS="$2"; shift 2 ;;
    --warm-window) WARM_WINDOW="$2"; shift 2 ;;
    --warm-max) WARM_MAX="$2"; shift 2 ;;
    --warm-min) WARM_MIN="$2"; shift 2 ;;
    -h|--help) sed -n '2,/^# Output:/p' "$0"; exit 0 ;;
    *) echo "serve-load.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "serve-load.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
command -v jcmd >/dev/null && command -v jstat >/dev/null || { echo "serve-load.sh: needs jcmd and jstat (a JDK)" >&2; exit 2; }

# JAR=FILE: another build (a copy, kept still during a long run); without it the work tree's jar, built first when
# its sources changed (the launcher does that). Not with JAR set: that jar is what is measured, and a rebuild of the
# work tree's meanwhile (several minutes of two cores on a loaded machine) would only load the run.
if [ -z "${JAR:-}" ]; then
  "$REPO/convnet4j" --version >/dev/null
  JAR="$REPO/convnet4j-cli/target/convnet4j.jar"
fi
JAVA=(java --add-modules jdk.incubator.vector -Xss4m -Xmx2g -XX:-UseDynamicNumberOfCompilerThreads)
[ "${STAGE_CPU:-0}" = 1 ] && JAVA+=(-Dconvnet4j.serve.stageCpu=true)
WORK="$(mktemp -d)"
SERVER_PID=""
# the in-process JVMs of --only ratio, by side (base, like): PID, the FIFOs' descriptors, what it runs, warm batches
declare -A JPID=() JIN=() JOUT=() JKEY=() JWARM=()
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  for p in "${JPID[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$REPO/bench/results"
REPORT="$REPO/bench/results/serve-$(date -u +%Y%m%d-%H%M).md"
tool() { "${JAVA[@]}" -cp "$JAR" "$REPO/bench/ServeLoadTool.java" "$@" 2>/dev/null; }
out() { echo "$*" | tee -a "$REPORT"; }

PORT=${PORT:-18181}
SRV_JAVA=()   # JVM options for the servers only (FLIP's -D and -X words)
start_server() { # MODEL MAX_BATCH [more serve options]
  "${JAVA[@]}" "${SRV_JAVA[@]}" -jar "$JAR" serve --model "$1=$WORK/$1.c4j" --port $PORT --max-batch "$2" --max-wait-us 2000 \
    --queue 256 --timeout-ms 120000 ${SERVE_ARGS:-} "${@:3}" >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  # ready = listening and warmed up (serve --warmup: forward passes at each batch size before readiness);
  # ResNet-18's warm-up takes minutes on a loaded machine
  for _ in $(seq 1 1800); do
    curl -sf "http://127.0.0.1:$PORT/v2/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
  done
  echo "server did not start:" >&2; cat "$WORK/server.log" >&2; exit 1
}
stage_cpu() { # the server's stage counters (STAGE_CPU=1): "parse forward encode write" in seconds so far
  curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^convnet4j_stage_cpu_seconds_total/ { split($1, a, "\""); v[a[2]] = $2 }
    END { print v["parse"] + 0, v["forward"] + 0, v["encode"] + 0, v["write"] + 0 }'
}
stop_server() {
  kill -TERM "$SERVER_PID"; wait "$SERVER_PID" || true; SERVER_PID=""
}
batch_totals() { # "samples batches" so far, from the server's own histogram
  curl -s "http://127.0.0.1:$PORT/metrics" | awk -v m="$1" '
    index($0, "convnet4j_batch_size_sum{model=\"" m "\"}") == 1 { s = $2 }
    index($0, "convnet4j_batch_size_count{model=\"" m "\"}") == 1 { c = $2 }
    END { print s + 0, c + 0 }'
}
mean_batch() { # BEFORE AFTER (two batch_totals outputs): samples per forward pass in between
  echo "$1 $2" | awk '{ if ($4 > $2) printf "%.2f", ($3 - $1) / ($4 - $2); else print "-" }'
}
heap_after_gc() { # MiB of the old generation used after a full GC (all that survived: a leak grows it), from jstat
  jcmd "$SERVER_PID" GC.run >/dev/null
  jstat -gcold "$SERVER_PID" | awk 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "OU") c = i } NR == 2 { printf "%.1f", $c / 1024 }'
}
field() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
# User + system CPU of a JVM in clock ticks, without its JIT compiler threads (compiling is start-up cost, and on a
# loaded machine it goes on for minutes); the JVMs run with a fixed set of compiler threads so none exits.
cpu_ticks() {
  local all jit
  all=$(awk '{ print $14 + $15 }' "/proc/$1/stat")
  jit=$(cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{ i = index($0, ") "); if (substr($0, 1, i) !~ /Compiler/) next
    split(substr($0, i + 2), f, " "); t += f[12] + f[13] } END { print t + 0 }')
  echo $(( all - jit ))
}
# The server's warm-up, the rule of ServeLoadTool's Warm: wrk windows of at least WARM_WINDOW s until the last three
# rates (images/s) are within 10% of their median and each counted at least WARM_MIN images, at most WARM_MAX s; a
# window with fewer images is followed by one long enough for 1.5 x WARM_MIN at its rate; prints
# "stable|unstable RATE[IMAGES] ..." like ServeLoadTool's "warm".
warm_server() { # THREADS CONNECTIONS MODEL MIX SAMPLES
  local rates="" counts="" windows="" start=$SECONDS verdict win=$WARM_WINDOW rate
  while :; do
    wrk -t"$1" -c"$2" -d${win}s --timeout 120s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" \
      -- "$3" "$WORK/$3" "$4" >"$WORK/warm.txt"
    rate=$(awk -v s="$5" '$1 == "rps" { printf "%.1f", $2 * s }' "$WORK/warm.txt")
    rate=${rate:-0}
    rates="$rates $rate"
    counts="$counts $(awk -v r="$rate" -v w="$win" 'BEGIN { printf "%d", r * w }')"
    windows="$windows $rate[$(echo $counts | awk '{ print $NF }')]"
    verdict=$(awk -v rates="$rates" -v counts="$counts" -v min="$WARM_MIN" 'BEGIN {
      n = split(rates, r, " "); split(counts, c, " ")
      if (n < 3) { print "unstable"; exit }
      x = r[n - 2]; y = r[n - 1]; z = r[n]
      lo = x < y ? x : y; lo = lo < z ? lo : z; hi = x > y ? x : y; hi = hi > z ? hi : z; mid = x + y + z - lo - hi
      enough = c[n - 2] >= min && c[n - 1] >= min && c[n] >= min
      print (enough && mid > 0 && lo >= 0.9 * mid && hi <= 1.1 * mid) ? "stable" : "unstable" }')
    if [ "$verdict" = stable ] || [ $(( SECONDS - start )) -ge "$WARM_MAX" ]; then echo "$verdict$windows"; return; fi
    win=$(awk -v r="$rate" -v w="$WARM_WINDOW" -v m="$WARM_MIN" -v left=$(( WARM_MAX - (SECONDS - start) )) 'BEGIN {
      s = (r > 0 && r * w < m) ? 1.5 * m / r : w; if (s > left) s = left; if (s < 1) s = 1; printf "%d", s + 0.999 }')
  done
}
java_pid() { # the JVM of a background job: the job's own PID when bash exec'd it, else its java child
  if [ "$(cat "/proc/$1/comm" 2>/dev/null)" = java ]; then echo "$1"; else pgrep -P "$1" java | head -1; fi
}
# The in-process sides of --only ratio: a JVM each (ServeLoadTool baseline-loop, batch given per command), driven
# through two FIFOs and kept while the cells that follow ask for the same thing. Not called in $(...): they keep
# their state in the shell's variables.
jvm() { # SIDE KEY MODEL [THREADS CAP FORM DIR]: SIDE's JVM running KEY, started unless it already runs it
  local side=$1 key=$2 m=$3 d="$WORK/jvm-$1" wfd rfd
  shift 3
  [ "${JKEY[$side]:-}" = "$key" ] && return 0
  jvm_stop "$side"
  rm -rf "$d"; mkdir -p "$d"; mkfifo "$d/in" "$d/out"
  "${JAVA[@]}" -cp "$JAR" "$REPO/bench/ServeLoadTool.java" baseline-loop "$WORK/$m.c4j" 1 "$@" <"$d/in" >"$d/out" 2>/dev/null &
  JPID[$side]=$!
  exec {wfd}>"$d/in"; exec {rfd}<"$d/out"
  JIN[$side]=$wfd; JOUT[$side]=$rfd; JKEY[$side]=$key; JWARM[$side]=" "
}
jvm_stop() { # SIDE: ends SIDE's JVM, if one runs
  local side=$1
  [ -n "${JKEY[$side]:-}" ] || return 0
  eval "exec ${JIN[$side]}>&- ${JOUT[$side]}<&-"
  # killed, not left to end at the end of its input: every process started since it (the other JVM, the server)
  # holds a copy of the FIFO's write end, so that end never closes
  kill "${JPID[$side]}" 2>/dev/null || true
  wait "${JPID[$side]}" 2>/dev/null || true
  unset "JPID[$side]"; JKEY[$side]=""
}
jvm_warm() { # SIDE BATCH: warms SIDE's JVM up at BATCH (once per JVM); sets WARMED to its windows
  case "${JWARM[$1]}" in *" $2 "*) WARMED="(warm)"; return 0 ;; esac
  echo "warm $WARM_WINDOW $WARM_MAX $WARM_MIN $2" >&"${JIN[$1]}"
  read -r WARMED <&"${JOUT[$1]}"
  JWARM[$1]="${JWARM[$1]}$2 "
}
jvm_run() { # SIDE SECONDS BATCH: sets RATE (images/s) and TICKS (the JVM's CPU in that time, compilers excepted)
  local pid c0
  pid=$(java_pid "${JPID[$1]}")
  c0=$(cpu_ticks "$pid")
  echo "$2 $3" >&"${JIN[$1]}"
  read -r RATE STAGED <&"${JOUT[$1]}"   # STAGED: the run's stages (STAGE_CPU=1), else empty
  TICKS=$(( $(cpu_ticks "$pid") - c0 ))
}

out "# convnet4j serve load test, $(date -u '+%Y-%m-%d %H:%M UTC')"
out ""
out "Machine: $(nproc) cores, load average at start $(cut -d' ' -f1-3 /proc/loadavg); duration ${DURATION} s per cell; wrk -t2.${SERVE_ARGS:+ Server options added: $SERVE_ARGS.}"
out ""
tool models "$WORK"

if [ "$ONLY" = ratio ]; then
  # --cells load[:FORMAT]: every cell of the load test's table above (the models of --models; batching off, max
  # batch 1, and on, max batch 8; concurrency 1, 8 and 32; one sample per request, in JSON as the load test sends
  # unless FORMAT says bin), each against in-process predict at the largest batch the server can form in it: 1
  # without batching, the number of connections (at most 8) with it
  case "$CELLS" in
    load|load:*)
      f=${CELLS#load}; f=${f#:}; f=${f:-json}
      CELLS=""
      for m in $MODELS; do for mb in 1 8; do for c in 1 8 32; do
        CELLS="$CELLS $m:$mb:1:$c:$f::$(( mb == 1 ? 1 : (c < mb ? c : mb) ))"
      done; done; done
      CELLS=${CELLS# } ;;
  esac
  if [ -n "${INPROC:-}" ]; then
    out "Served vs in-process, side by side: per cell $ROUNDS rounds of S s in-process predict (one warm JVM, as the"
    out "server works: INPROC=$INPROC, threads:kernel cap:form, see the script's header) then S s served (wrk on the same machine);"
  else
    out "Served vs in-process, side by side: per cell $ROUNDS rounds of S s in-process predict (one warm JVM,"
    out "one thread calling predict on one ready tensor) then S s served (wrk on the same machine);"
  fi
  [ -n "${LIKE:-}" ] && out "with LIKE=$LIKE, in the cells of ${LIKE_MODELS:-lenet5}, also S s of in-process predict like for like (a second JVM: threads:kernel cap:form as INPROC) in each round;"
  out "S = ${DURATION} s unless the cell says otherwise. Cells: $CELLS."
  out "Served images/s = requests/s x samples per request; ratio = served / in-process of the same round."
  out "One server per model and max batch and one JVM per in-process side and model, kept from cell to cell (each warmed up once per batch size)."
  out ""
  out "Per CPU-second: served images per CPU-second of the server process (wrk, the client, not counted) divided by"
  out "in-process images per CPU-second of its JVM, in the same round: what the server costs per image, whatever"
  out "share of the machine each side got."
  out ""
  likecols=""; likesep=""
  if [ -n "${LIKE:-}" ]; then
    likecols=" like-for-like img/s per round | ratio per round | median | per CPU-second, per round | median |"
    likesep="---|---|---|---|---|"
  fi
  if [ -n "${FLIP:-}" ]; then
    out "A/B of a server setting (FLIP), alternated within each round, a fresh server for each run: A = ${FLIP_A:-the defaults}, B = $FLIP."
    out "Per round: A's and B's served images/s, the server's CPU per request (us, JIT compilers excepted), per CPU-second"
    out "against plain predict${LIKE:+ and like for like (LIKE=$LIKE)}, each against the in-process runs just before it; B/A of the"
    out "per-CPU-second ratio ($([ -n "${LIKE:-}" ] && echo "like for like" || echo plain): above 1, B serves more images per CPU-second) and of the CPU per request"
    out "(below 1, B costs less). The last row of each cell: the medians (of the rounds' B/A for the B/A columns)."
    out ""
    out "| model | max batch | samples | c | format | round (order) | A img/s | B img/s | A CPU us/req | B CPU us/req | B/A CPU per req | A plain per CPU-s | B plain per CPU-s |${LIKE:+ A like per CPU-s | B like per CPU-s |} **B/A per CPU-s** | A p50 / p99 ms | B p50 / p99 ms | A non-200 | B non-200 |"
    out "|---|---|---|---|---|---|---|---|---|---|---|---|---|${LIKE:+---|---|}---|---|---|---|---|"
  else
  out "| model | server max batch | samples/request | concurrency | format | in-process batch | in-process img/s per round | served img/s per round | ratio per round | median ratio | ratio per CPU-second, per round | median |$likecols served p50 ms (median of rounds) | served p99 ms | mean batch | non-200 |"
  out "|---|---|---|---|---|---|---|---|---|---|---|---|${likesep}---|---|---|---|"
  fi
  med() { echo "$@" | tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
  slashes() { echo "$@" | sed 's/ / \/ /g; s/^/ /'; }
  ratio() { awk -v a="$2" -v b="$1" 'BEGIN { printf "%.2f", b / a }'; } # SERVED IN_PROCESS
  # images per CPU-second of the server process vs of the in-process JVM: independent of how much of the machine
  # each side got (on a loaded machine the side with more runnable threads gets a larger share)
  per_cpu() { awk -v b="$1" -v cs="$2" -v a="$3" -v ca="$4" 'BEGIN { if (ca > 0 && cs > 0) printf "%.2f", (b / cs) / (a / ca); else print "-" }'; } # SERVED TICKS IN_PROCESS TICKS
  # FLIP: the words of a setting, split into the server JVM's options and serve's options
  flip_words() { # SETTINGS: sets FW_JAVA and FW_SERVE (arrays)
    FW_JAVA=(); FW_SERVE=()
    local w
    for w in $1; do case "$w" in -D*|-X*) FW_JAVA+=("$w") ;; *) FW_SERVE+=("$w") ;; esac; done
  }
  # One run of one side of FLIP: the in-process runs, then a fresh server with the side's settings, warmed up, then
  # S s of wrk. Appends the figures to the side's F_* entries.
  flip_run() { # SIDE(A|B) MODEL BATCH SAMPLES CONC FORMAT SECS INBATCH THREADS
    local side=$1 m=$2 batch=$3 samples=$4 conc=$5 format=$6 secs=$7 inbatch=$8 threads=$9 settings a ca l cl s0 s1 b reqs w
    [ "$side" = A ] && settings=${FLIP_A:-} || settings=$FLIP
    jvm_run base "$secs" "$inbatch"; a=$RATE; ca=$TICKS
    if [ -n "$like" ]; then jvm_run like "$secs" "$inbatch"; l=$RATE; cl=$TICKS; fi
    flip_words "$settings"
    SRV_JAVA=("${FW_JAVA[@]}")
    [ -n "$SERVER_PID" ] && stop_server
    start_server "$m" "$batch" "${FW_SERVE[@]}"
    SRV_JAVA=()
    w=$(warm_server "$threads" "$conc" "$m" "$format$samples" "$samples")
    FLIP_WARMS="$FLIP_WARMS $side: $w;"
    s0=$(cpu_ticks "$SERVER_PID")
    wrk -t$threads -c$conc -d${secs}s --timeout 120s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" \
      -- "$m" "$WORK/$m" "$format$samples" >"$WORK/wrk.txt"
    s1=$(cpu_ticks "$SERVER_PID")
    stop_server
    b=$(awk -v s="$samples" '$1 == "rps" { printf "%.1f", $2 * s }' "$WORK/wrk.txt")
    reqs=$(awk -v t="$secs" '$1 == "rps" { printf "%.0f", $2 * t }' "$WORK/wrk.txt")
    F_IMG[$side]="$b"
    F_CPU[$side]=$(awk -v c=$((s1 - s0)) -v n="$reqs" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.1f", 1e6 * c / hz / n; else print "-" }')
    F_PLAIN[$side]=$(per_cpu "$b" $((s1 - s0)) "$a" "$ca")
    F_LIKE[$side]="-"
    [ -n "$like" ] && F_LIKE[$side]=$(per_cpu "$b" $((s1 - s0)) "$l" "$cl")
    F_LAT[$side]="$(field p50_ms "$WORK/wrk.txt") / $(field p99_ms "$WORK/wrk.txt")"
    F_BAD[$side]=$(awk '/^status / && $2 != "200:" { n += $3 } END { print n + 0 }' "$WORK/wrk.txt")
  }
  quot() { awk -v b="$1" -v a="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", b / a; else print "-" }'; } # B A
  flip_cell() { # MODEL BATCH SAMPLES CONC FORMAT SECS INBATCH THREADS: ROUNDS rounds of A and B, a row each, then the medians
    local r first second c
    declare -gA F_IMG=() F_CPU=() F_PLAIN=() F_LIKE=() F_LAT=() F_BAD=()
    local -A all=()
    FLIP_WARMS=""
    for r in $(seq 1 "$ROUNDS"); do
      if (( r % 2 )); then first=A; second=B; else first=B; second=A; fi
      flip_run $first "$@"; flip_run $second "$@"
      c=$( [ -n "$like" ] && echo "${F_LIKE[A]} ${F_LIKE[B]}" || echo "${F_PLAIN[A]} ${F_PLAIN[B]}")
      all[AIMG]="${all[AIMG]:-} ${F_IMG[A]}"; all[BIMG]="${all[BIMG]:-} ${F_IMG[B]}"
      all[ACPU]="${all[ACPU]:-} ${F_CPU[A]}"; all[BCPU]="${all[BCPU]:-} ${F_CPU[B]}"
      all[APLAIN]="${all[APLAIN]:-} ${F_PLAIN[A]}"; all[BPLAIN]="${all[BPLAIN]:-} ${F_PLAIN[B]}"
      all[ALIKE]="${all[ALIKE]:-} ${F_LIKE[A]}"; all[BLIKE]="${all[BLIKE]:-} ${F_LIKE[B]}"
      all[QCPU]="${all[QCPU]:-} $(quot "${F_CPU[B]}" "${F_CPU[A]}")"
      all[QPER]="${all[QPER]:-} $(quot ${c#* } ${c% *})"
      all[Ap50]="${all[Ap50]:-} ${F_LAT[A]%% /*}"; all[Bp50]="${all[Bp50]:-} ${F_LAT[B]%% /*}"
      all[Ap99]="${all[Ap99]:-} ${F_LAT[A]##*/ }"; all[Bp99]="${all[Bp99]:-} ${F_LAT[B]##*/ }"
      all[Abad]=$(( ${all[Abad]:-0} + ${F_BAD[A]} )); all[Bbad]=$(( ${all[Bbad]:-0} + ${F_BAD[B]} ))
      out "| $1 | $2 | $3 | $4 | $5 | $r ($first $second) | ${F_IMG[A]} | ${F_IMG[B]} | ${F_CPU[A]} | ${F_CPU[B]} | $(quot "${F_CPU[B]}" "${F_CPU[A]}") | ${F_PLAIN[A]} | ${F_PLAIN[B]} |${LIKE:+ ${F_LIKE[A]} | ${F_LIKE[B]} |} $(quot ${c#* } ${c% *}) | ${F_LAT[A]} | ${F_LAT[B]} | ${F_BAD[A]} | ${F_BAD[B]} |"
    done
    out "| $1 | $2 | $3 | $4 | $5 | **median** | $(med ${all[AIMG]}) | $(med ${all[BIMG]}) | **$(med ${all[ACPU]})** | **$(med ${all[BCPU]})** | **$(med ${all[QCPU]})** | $(med ${all[APLAIN]}) | $(med ${all[BPLAIN]}) |${LIKE:+ **$(med ${all[ALIKE]})** | **$(med ${all[BLIKE]})** |} **$(med ${all[QPER]})** | $(med ${all[Ap50]}) / $(med ${all[Ap99]}) | $(med ${all[Bp50]}) / $(med ${all[Bp99]}) | ${all[Abad]} | ${all[Bbad]} |"
  }
  made=""; warmups=""; srv_key=""; srv_mix=""; stages=""
  for cell in $CELLS; do
    IFS=: read -r m batch samples conc format secs inbatch <<<"$cell"
    secs=${secs:-$DURATION}
    inbatch=${inbatch:-$batch}
    case " $made " in *" $m "*) ;; *) tool bodies "$WORK/$m.c4j" "$WORK/$m"; made="$made $m" ;; esac
    base=()
    if [ -n "${INPROC:-}" ]; then
      IFS=: read -r ithreads icap iform <<<"$INPROC"
      [ "$iform" = bytes ] && iform="$format$samples"
      base=("$ithreads" "$icap" "$iform" "$WORK/$m")
    fi
    jvm base "$m ${base[*]}" "$m" "${base[@]}"
    # warm-up, the same rule on both sides: windows of WARM_WINDOW s until the last three rates are within 10%
    # of their median (a JVM still compiling its Vector API kernels speeds up from window to window; on a loaded
    # machine that takes minutes), at most WARM_MAX s; the windows' rates go into the report
    jvm_warm base "$inbatch"; warm_in=$WARMED
    like=""; warm_like="-"
    if [ -n "${LIKE:-}" ] && [[ " ${LIKE_MODELS:-lenet5} " == *" $m "* ]]; then
      IFS=: read -r lthreads lcap lform <<<"$LIKE"
      [ "$lform" = bytes ] && lform="$format$samples"
      jvm like "$m $lthreads $lcap $lform" "$m" "$lthreads" "$lcap" "$lform" "$WORK/$m"
      jvm_warm like "$inbatch"; warm_like=$WARMED
      like=1
    else
      jvm_stop like
    fi
    threads=$(( conc < 2 ? 1 : 2 ))
    if [ -n "${FLIP:-}" ]; then
      flip_cell "$m" "$batch" "$samples" "$conc" "$format" "$secs" "$inbatch" "$threads"
      warmups="$warmups
| $m | $batch | $samples | $conc | $format | $inbatch | $warm_in |${LIKE:+ $warm_like |} $FLIP_WARMS |"
      srv_key=""
      continue
    fi
    if [ "$srv_key" != "$m:$batch" ]; then
      [ -n "$SERVER_PID" ] && stop_server
      start_server "$m" "$batch"; srv_key="$m:$batch"; srv_mix=""
    fi
    if [ "$srv_mix" != "$format$samples" ]; then
      warm_out=$(warm_server "$threads" "$conc" "$m" "$format$samples" "$samples"); srv_mix="$format$samples"
    else
      # a warm server, the same requests at another concurrency: one window (not counted) while batches settle
      wrk -t$threads -c$conc -d${WARM_WINDOW}s --timeout 120s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" \
        -- "$m" "$WORK/$m" "$format$samples" >"$WORK/warm.txt"
      warm_out="settle $(awk -v s="$samples" '$1 == "rps" { printf "%.1f", $2 * s }' "$WORK/warm.txt")"
    fi
    warmups="$warmups
| $m | $batch | $samples | $conc | $format | $inbatch | $warm_in |${LIKE:+ $warm_like |} $warm_out |"
    ins=""; srv=""; ratios=""; cpuratios=""; likes=""; lratios=""; lcpu=""; bad=0; p50s=""; p99s=""
    t0=$(batch_totals "$m")
    for _ in $(seq 1 "$ROUNDS"); do
      jvm_run base "$secs" "$inbatch"; a=$RATE; ca=$TICKS
      [ -n "$like" ] && { jvm_run like "$secs" "$inbatch"; l=$RATE; cl=$TICKS; STAGED_LIKE=$STAGED; }
      [ "${STAGE_CPU:-0}" = 1 ] && g0=$(stage_cpu)
      s0=$(cpu_ticks "$SERVER_PID")
      wrk -t$threads -c$conc -d${secs}s --timeout 120s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" \
        -- "$m" "$WORK/$m" "$format$samples" >"$WORK/wrk.txt"
      s1=$(cpu_ticks "$SERVER_PID")
      b=$(awk -v s="$samples" '$1 == "rps" { printf "%.1f", $2 * s }' "$WORK/wrk.txt")
      if [ "${STAGE_CPU:-0}" = 1 ]; then
        # us of thread CPU per request: the server's stage counters' growth over the round's requests, and its whole
        # CPU (compilers excepted); the like-for-like JVM's stages per batch (ServeLoadTool) and its whole CPU per batch
        reqs=$(awk -v t="$secs" '$1 == "rps" { printf "%.0f", $2 * t }' "$WORK/wrk.txt")
        srv_st=$(echo "$g0 $(stage_cpu)" | awk -v n="$reqs" -v c=$((s1 - s0)) -v hz="$(getconf CLK_TCK)" '{
          printf "%.1f | %.1f | %.1f | %.1f | %.1f", 1e6 * ($5 - $1) / n, 1e6 * ($6 - $2) / n, 1e6 * ($7 - $3) / n,
            1e6 * ($8 - $4) / n, 1e6 * c / hz / n }')
        like_st="- | - | - | -"
        if [ -n "$like" ]; then
          like_st=$(echo "$STAGED_LIKE" | awk -v c="$cl" -v hz="$(getconf CLK_TCK)" '{ for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
            printf "%s | %s | %s | %.1f", v["parse"], v["forward"], v["encode"], (v["batches"] > 0 ? 1e6 * c / hz / v["batches"] : 0) }')
        fi
        stages="$stages
| $m | $conc | $format$samples | $srv_st | $like_st |"
      fi
      bad=$(( bad + $(awk '/^status / && $2 != "200:" { n += $3 } END { print n + 0 }' "$WORK/wrk.txt") ))
      p50s="$p50s $(field p50_ms "$WORK/wrk.txt")"; p99s="$p99s $(field p99_ms "$WORK/wrk.txt")"
      ins="$ins $a"; srv="$srv $b"; ratios="$ratios $(ratio "$b" "$a")"
      cpuratios="$cpuratios $(per_cpu "$b" $((s1 - s0)) "$a" "$ca")"
      if [ -n "$like" ]; then
        likes="$likes $l"; lratios="$lratios $(ratio "$b" "$l")"; lcpu="$lcpu $(per_cpu "$b" $((s1 - s0)) "$l" "$cl")"
      fi
    done
    mb=$(mean_batch "$t0" "$(batch_totals "$m")")
    flag=$(awk -v r="$(med $ratios)" 'BEGIN { if (r > 1.3) print " (suspect: served faster than in-process; on a loaded machine the server, with more threads, gets a larger share of the cores: read the per-CPU-second ratio)" }')
    likecells=""
    if [ -n "$like" ]; then
      likecells="$(slashes $likes) |$(slashes $lratios) | **$(med $lratios)** |$(slashes $lcpu) | **$(med $lcpu)** |"
    elif [ -n "${LIKE:-}" ]; then
      likecells=" - | - | - | - | - |"
    fi
    out "| $m | $batch | $samples | $conc | $format | $inbatch |$(slashes $ins) |$(slashes $srv) |$(slashes $ratios) | **$(med $ratios)**$flag |$(slashes $cpuratios) | **$(med $cpuratios)** |$likecells $(med $p50s) | $(med $p99s) | $mb | $bad |"
  done
  [ -n "$SERVER_PID" ] && stop_server
  jvm_stop base; jvm_stop like
  out ""
  out "Warm-up windows (images/s per window of at least ${WARM_WINDOW} s, with the images it counted in brackets, until"
  out "the last three are within 10% of their median and each counted at least ${WARM_MIN} images, at most ${WARM_MAX} s;"
  out "discarded; \"(warm)\": that JVM was already warm at that batch; \"settle\": one window of a server already warm"
  out "for those requests, at this cell's concurrency):"
  out ""
  out "| model | server max batch | samples/request | concurrency | format | in-process batch | in-process windows |${LIKE:+ like-for-like windows |} served windows |"
  out "|---|---|---|---|---|---|---|${LIKE:+---|}---|$warmups"
  out ""
  if [ -n "$stages" ]; then
    out ""
    out "Thread CPU by stage (STAGE_CPU=1), us per request in the server (per round; whole = all the server's CPU, the"
    out "JIT compilers excepted) and per batch in the like-for-like JVM (parse includes the copy into the batch):"
    out ""
    out "| model | concurrency | requests | served parse | served forward | served encode | served write | served whole | like parse | like forward | like encode | like whole |"
    out "|---|---|---|---|---|---|---|---|---|---|---|---|$stages"
  fi
  out ""
  out "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); $(( SECONDS / 60 )) min $(( SECONDS % 60 )) s in all."
  echo "Report: $REPORT"
  exit 0
fi

for m in $MODELS; do
  tool bodies "$WORK/$m.c4j" "$WORK/$m"
  [ "$ONLY" = soak ] && continue
  out "## $m"
  out ""
  b1=$(tool baseline "$WORK/$m.c4j" 1 "$DURATION"); b8=$(tool baseline "$WORK/$m.c4j" 8 "$DURATION")
  out "In-process predict, one thread: batch 1 **$b1** images/s, batch 8 **$b8** images/s."
  out ""
  out "| batching | concurrency | requests/s | p50 ms | p99 ms | mean batch | non-200 | no answer within the run |"
  out "|---|---|---|---|---|---|---|---|"
  for mb in 1 8; do
    start_server "$m" "$mb"
    wrk -t1 -c1 -d5s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" -- "$m" "$WORK/$m" valid >/dev/null # warm-up
    for c in 1 8 32; do
      threads=$(( c < 2 ? 1 : 2 ))
      t0=$(batch_totals "$m")
      wrk -t$threads -c$c -d${DURATION}s --timeout 120s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" \
        -- "$m" "$WORK/$m" valid >"$WORK/wrk.txt"
      bad=$(awk '/^status / && $2 != "200:" { n += $3 } END { print n + 0 }' "$WORK/wrk.txt")
      late=$(awk '/Socket errors/ { for (i = 1; i <= NF; i++) if ($i == "timeout") print $(i+1) }' "$WORK/wrk.txt")
      out "| $([ "$mb" = 1 ] && echo off || echo "max 8, 2 ms") | $c | $(field rps "$WORK/wrk.txt") | $(field p50_ms "$WORK/wrk.txt") | $(field p99_ms "$WORK/wrk.txt") | $(mean_batch "$t0" "$(batch_totals "$m")") | $bad | ${late:-0} |"
    done
    stop_server
  done
  out ""
done

if [ "$SOAK" = 0 ]; then echo "Report: $REPORT"; exit 0; fi
m=$(echo "$MODELS" | awk '{ print $1 }')
metric() { # NAME: a counter or gauge without labels from the server's /metrics (0 when absent)
  curl -s "http://127.0.0.1:$PORT/metrics" | awk -v k="$1" '$1 == k { v = $2 } END { printf "%.0f", v + 0 }'
}
MIX=soak
EXTRA=()
if [ "$SOAK_PICTURES" = large ]; then
  MIX=soakbig
  need=$(cat "$WORK/$m/large.need")
  budget=$(awk -v n="$need" -v k="${DECODE_PICTURES:-2.5}" 'BEGIN { printf "%.0f", n * k }')
  EXTRA=(--decode-budget "$budget")
  out "## Soak with large pictures: $m, ${SOAK} s, concurrency 16, 70% valid (5% of all a 1600x1200 picture) and 30% broken requests, batching max 8"
  out ""
  out "Each 1600x1200 picture reserves $need bytes of the decode budget; the server runs with --decode-budget $budget (${DECODE_PICTURES:-2.5} pictures)."
else
  out "## Soak: $m, ${SOAK} s, concurrency 16, 70% valid (5% of all a 320x240 picture) and 30% broken requests, batching max 8"
fi
out ""
start_server "$m" 8 "${EXTRA[@]}"
wrk -t2 -c16 -d10s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" -- "$m" "$WORK/$m" $MIX >/dev/null # warm-up
before=$(heap_after_gc)
waits0=$(metric convnet4j_decode_waits_total); refused0=$(metric convnet4j_decode_refused_total)
( sleep $(( SOAK / 2 )); heap_after_gc >"$WORK/mid" ) &   # halfway: a leak grows steadily, a cache levels off
# every second: the bytes reserved from the decode budget and the server's resident memory (kB)
( while kill -0 "$SERVER_PID" 2>/dev/null; do
    echo "$(metric convnet4j_decode_reserved_bytes) $(awk '/^VmRSS/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null)"
    sleep 1
  done >"$WORK/samples" ) &
SAMPLER=$!
wrk -t2 -c16 -d${SOAK}s --timeout 30s -s "$REPO/bench/serve-load.lua" "http://127.0.0.1:$PORT" -- "$m" "$WORK/$m" $MIX >"$WORK/soak.txt"
waits=$(( $(metric convnet4j_decode_waits_total) - waits0 )); refused=$(( $(metric convnet4j_decode_refused_total) - refused0 ))
after=$(heap_after_gc)
# Requests wrk gave up on may still be waiting for the decode budget or decoding: measure once more when nothing is
# reserved any more (at most 60 s), so that pictures in flight are not mistaken for memory kept.
for _ in $(seq 60); do [ "$(metric convnet4j_decode_reserved_bytes)" = 0 ] && break; sleep 1; done
settled=$(heap_after_gc)
kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true
peak_reserved=$(awk '$1 > m { m = $1 } END { print m + 0 }' "$WORK/samples")
rss=$(awk 'NF == 2 { if ($2 > hi) hi = $2; if (lo == "" || $2 < lo) lo = $2 } END { printf "%.0f-%.0f", lo / 1024, hi / 1024 }' "$WORK/samples")
stop_server
five=$(awk '/^status 5/ { n += $3 } END { print n + 0 }' "$WORK/soak.txt")
s503=$(awk '$1 == "status" && $2 == "503:" { n += $3 } END { print n + 0 }' "$WORK/soak.txt")
out "Status codes: $(awk '/^status / { printf "%s %s ", $2, $3 }' "$WORK/soak.txt"); requests/s $(field rps "$WORK/soak.txt"), p50 $(field p50_ms "$WORK/soak.txt") ms, p99 $(field p99_ms "$WORK/soak.txt") ms."
out ""
out "Decode budget during the soak (the server's counters, requests wrk had given up on at its end included): $waits decodes waited for it, $refused were refused (503) after waiting; the most reserved at a sampled second $peak_reserved bytes${budget:+ of $budget}; the server's resident memory ${rss} MiB (sampled each second)."
out ""
out "5xx answers: **$five** ($s503 of them 503). Old generation used after a full GC (jstat -gcold OU): $before MiB before the soak, $(cat "$WORK/mid") MiB halfway, $after MiB right after, $settled MiB once nothing was reserved from the decode budget."
out ""
out "Report: $REPORT"
if [ "$SOAK_PICTURES" = large ]; then
  # 503s with Retry-After are the decode budget's refusals, which this soak is meant to cause; anything else is not.
  # The server may count a few refusals more than wrk saw 503s: requests still waiting for the budget when wrk
  # stopped (at the end, or after the warm-up run) are refused after their client has gone.
  [ "$five" = "$s503" ] && [ "$s503" -le "$refused" ] || { echo "serve-load.sh: the soak got $five 5xx answers, $s503 of them 503, for $refused decode refusals" >&2; exit 1; }
  [ "$peak_reserved" -le "$budget" ] || { echo "serve-load.sh: $peak_reserved bytes reserved, over the budget of $budget" >&2; exit 1; }
  exit 0
fi
[ "$five" = 0 ] || { echo "serve-load.sh: the soak got $five 5xx answers" >&2; exit 1; }
