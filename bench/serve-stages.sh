#!/usr/bin/env bash
# A served LeNet-5 request's CPU by stage: starts 'convnet4j serve' from JAR with frame pointers
# (-XX:+PreserveFramePointer, so that perf unwinds Java stacks), warms it with WARM (default 4) 5-s wrk runs at CONC
# connections of MIX (serve-load.lua: bin1, bin8, json1, ...), records the whole server process with perf (999 Hz,
# call graphs) during one more 5-s run, and prints the server's CPU per request and per image (/proc/PID/stat, every
# thread) and the shares of its samples by stage. A sample goes to the JIT or GC when its thread is a compiler or GC
# thread; to a kernel stage (the system call it is in: writev, read, epoll_ctl, epoll_wait, futex; else scheduling and
# interrupts, other) when it was in the kernel; else to the stage of
# its innermost frame that names one: the forward pass, v2 parse, v2 encode, Jetty's HTTP parsing, Jetty's response
# headers, the body reader, the batcher (queue, gather, answers), metrics, the rest of Jetty, JDK NIO and locks.
# The in-process side of the 90% target (bench/serve-load.sh --only ratio, INPROC=...:bytes) runs the forward pass,
# v2 parse and encode and the batch copy; everything else here is what serving adds. Each stage also in us of CPU per
# request (its share of the server CPU per request), and by thread (the model's workers, Jetty's threads: the selector
# and pool, other), so that the system calls can be told apart by who makes them.
# TOP=N (optional): also the N leaf methods outside the forward pass and the N methods of ours they run under.
# Usage: bench/serve-stages.sh JAR MAX_BATCH CONC MIX [extra JVM options, e.g. -Dconvnet4j.serve.lean=true]
#        (model and bodies: DIR=$C4J_PERF_DIR, default /tmp/c4j-perf, written by ServeLoadTool models/bodies; needs
#        perf with kernel symbols readable; MODEL=NAME serves DIR/NAME.c4j with the bodies in DIR/NAME, default lenet5)
set -uo pipefail
[ $# -ge 4 ] || { sed -n '2,19p' "$0" >&2; exit 2; }
JAR=$1; MB=$2; C=$3; MIX=$4; shift 4
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=${PORT:-18199}; OUT=$(mktemp -d); MODEL=${MODEL:-lenet5}
. "$REPO/bench/serve-start.sh"
serve_start "$JAR" $PORT "$MODEL" "$DIR/$MODEL.c4j" "$MB" "$OUT/server.log" -XX:+UnlockDiagnosticVMOptions \
  -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer "$@"
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$OUT" /tmp/perf-$P.map' EXIT
T=$(( C < 2 ? 1 : 2 ))
drive() { wrk -t$T -c"$C" -d"$1"s -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- "$MODEL" "$DIR/$MODEL" "$MIX"; }
ticks() { awk '{ i = index($0, ") "); split(substr($0, i + 2), f, " "); print f[12] + f[13] }' /proc/$P/stat; }
for _ in $(seq "${WARM:-4}"); do drive 5 >/dev/null; done
c0=$(ticks)
perf record -q -F 999 -g -p $P -o "$OUT/perf.data" -- sleep 5 2>/dev/null &
PR=$!
drive 5 >"$OUT/wrk.txt"
c1=$(ticks)
wait $PR
R=$(awk '$1 == "rps" { print $2 }' "$OUT/wrk.txt")
S=$(echo "$MIX" | tr -dc 0-9)
HZ=$(getconf CLK_TCK)
US=$(awk -v r="$R" -v c="$((c1 - c0))" -v hz="$HZ" 'BEGIN { printf "%.3f", 1e6 * c / hz / (r * 5) }')
echo "max batch $MB, concurrency $C, $MIX $*: requests/s $R, server CPU $(awk -v u="$US" -v s="${S:-1}" \
  'BEGIN { printf "%.4f ms per request, %.4f ms per image", u / 1000, u / 1000 / s }'), load $(cut -d' ' -f1 /proc/loadavg)"
kill $P; wait $P 2>/dev/null  # a normal exit writes /tmp/perf-PID.map
perf script -i "$OUT/perf.data" -F comm,ip,sym,dso 2>/dev/null | US_PER_REQUEST="$US" python3 -c '
import os, re, sys, collections
samples, cur = [], None  # one sample: the thread name, then its stack, leaf first
for line in sys.stdin:
    if not line.strip():
        if cur: samples.append(cur)
        cur = None
        continue
    if not line.startswith((" ", "\t")):
        if cur: samples.append(cur)
        cur = [line.strip(), []]  # the thread name, which may hold spaces ("C2 CompilerThre")
    elif cur is not None:
        parts = line.strip().split(None, 1)
        cur[1].append(parts[1] if len(parts) > 1 else "?")
if cur: samples.append(cur)
# kernel samples by the system call (or other kernel path) they are in; the first pattern that matches wins, so the
# loopback delivery a writev does (the receiver woken, its epoll told) counts as the writev
kernel = [("kernel: writev (send, loopback delivery to the client)", r"sys_writev|sys_write\b|tcp_sendmsg|__tcp_push|tcp_write_xmit"),
          ("kernel: read (receive)", r"sys_read\b|tcp_recvmsg|sys_recvfrom"), ("kernel: epoll_ctl", r"sys_epoll_ctl"),
          ("kernel: epoll_wait", r"epoll_wait|ep_poll\b"), ("kernel: futex (wake, wait)", r"futex"),
          ("kernel: scheduling, interrupts", r"schedule|try_to_wake_up|finish_task_switch|irq|apic")]
user = [("forward pass", r"org[./]convnet4j[./](nn|ops|tensor)|jdk[./]incubator[./]vector"),
        ("v2 parse", r"parseRequest|JsonBytes"), ("v2 encode", r"encodeResponse|responseHeader"),
        ("Jetty: HTTP request parsing", r"HttpParser"), ("Jetty: response headers", r"HttpGenerator|HttpFields"),
        ("body reader", r"BodyReader"), ("lean connection (its HTTP head parse and answer)", r"LeanConnection"),
        ("batcher (queue, gather, answers)", r"Batcher|AnsweringThreadPool"),
        ("metrics", r"ServeMetrics"), ("Jetty: rest", r"org[./]eclipse[./]jetty"),
        ("JDK NIO, futures, locks", r"sun[./]nio|java[./]nio|java[./]util[./]concurrent"), ("ModelServer", r"ModelServer")]
def group(comm):
    if re.match(r"C\d CompilerThre", comm): return "JIT"
    if re.match(r"GC Thread|G1 |VM Thread", comm): return "GC, VM"
    if comm.startswith("convnet4j-batch"): return "worker"
    if comm.startswith("JettyServerThre") or comm.startswith("qtp"): return "Jetty threads"
    return "other"
count, by_thread = collections.Counter(), collections.Counter()
for comm, stack in samples:
    g = group(comm)
    if g == "JIT": s = "JIT compiler"
    elif g == "GC, VM": s = "GC, VM"
    elif stack and "kallsyms" in stack[0]:
        k = " ".join(f for f in stack if "kallsyms" in f)
        s = next((n for n, p in kernel if re.search(p, k)), "kernel: other")
    else:
        # a frame by its method alone: "boolean org.convnet4j.serve.ModelServer$InferHandler.handle(org.eclipse.jetty...)"
        # is ours, whatever its parameter types name
        names = [f.split("(")[0].split()[-1] if f.split("(")[0].split() else f for f in stack]
        s = next((n for f in names for n, p in user if re.search(p, f)), "other (interpreter, stubs, libc)")
    count[s] += 1
    by_thread[(g, s)] += 1
n = max(1, len(samples)); jit = count["JIT compiler"]
us = float(os.environ.get("US_PER_REQUEST") or 0)
print("  %d samples; %% of all, %% of all but the JIT, us of CPU per request (the share of the server CPU above)" % len(samples))
stages = ["JIT compiler", "GC, VM"] + [k for k, _ in kernel] + ["kernel: other"] + [u for u, _ in user] + ["other (interpreter, stubs, libc)"]
for name in stages:
    print("  %-56s %5.1f %5.1f %6.2f" % (name, 100.0 * count[name] / n, 0.0 if name == "JIT compiler" else 100.0 * count[name] / max(1, n - jit), us * count[name] / n))
# the same by thread: who makes the system calls, who runs Jetty
print("  by thread (us per request; stages under 0.1 us left out):")
for g in ["worker", "Jetty threads", "other"]:
    total = sum(v for (t, _), v in by_thread.items() if t == g)
    parts = ", ".join("%s %.2f" % (s, us * by_thread[(g, s)] / n) for s in stages if us * by_thread[(g, s)] / n >= 0.1)
    print("    %-14s %6.2f: %s" % (g, us * total / n, parts))
# TOP=N: the N leaf methods with most samples outside the forward pass, the JIT and GC (self time: the innermost
# frame, Java or kernel), and the N methods of our serve package with most samples under them (inclusive: the
# innermost org.convnet4j.serve frame of each sample outside the forward pass), so a stage can be read by method
top = int(__import__("os").environ.get("TOP", "0") or 0)
if top:
    leaf, ours = collections.Counter(), collections.Counter()
    for comm, stack in samples:
        if re.match(r"C\d CompilerThre|GC Thread|G1 |VM Thread", comm) or not stack:
            continue
        names = [f.split("(")[0].split()[-1] if f.split("(")[0].split() else f for f in stack]
        if any(re.search(user[0][1], f) for f in names if "kallsyms" not in f):
            continue
        leaf[names[0]] += 1
        own = next((f for f in names if "org.convnet4j.serve" in f or "org/convnet4j/serve" in f), None)
        if own:
            ours[own] += 1
    print("  leaf methods outside the forward pass, JIT, GC (%% of all samples):")
    for m, c in leaf.most_common(top):
        print("    %5.1f  %s" % (100.0 * c / n, m[:110]))
    print("  innermost org.convnet4j.serve method, samples outside the forward pass (%% of all, inclusive):")
    for m, c in ours.most_common(top):
        print("    %5.1f  %s" % (100.0 * c / n, m[:110]))
'
