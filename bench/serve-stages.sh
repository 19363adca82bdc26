#!/usr/bin/env bash
# A served LeNet-5 request's CPU by stage: starts 'convnet4j serve' from JAR with frame pointers
# (-XX:+PreserveFramePointer, so that perf unwinds Java stacks), warms it with WARM (default 4) 5-s wrk runs at CONC
# connections of MIX (serve-load.lua: bin1, bin8, json1, ...), records the whole server process with perf (999 Hz,
# call graphs) during one more 5-s run, and prints the server's CPU per request and per image (/proc/PID/stat, every
# thread) and the shares of its samples by stage. A sample goes to the JIT or GC when its thread is a compiler or GC
# thread; to a kernel stage (send, receive, epoll, futex/scheduling) when it was in the kernel; else to the stage of
# its innermost frame that names one: the forward pass, v2 parse, v2 encode, Jetty's HTTP parsing, Jetty's response
# headers, the body reader, the batcher (queue, gather, answers), metrics, the rest of Jetty, JDK NIO and locks.
# The in-process side of the 90% target (bench/serve-load.sh --only ratio, INPROC=...:bytes) runs the forward pass,
# v2 parse and encode and the batch copy; everything else here is what serving adds.
# TOP=N (optional): also the N leaf methods outside the forward pass and the N methods of ours they run under.
# Usage: bench/serve-stages.sh JAR MAX_BATCH CONC MIX   (model and bodies: DIR=$C4J_PERF_DIR, default /tmp/c4j-perf,
#        written by ServeLoadTool models/bodies; needs perf with kernel symbols readable)
set -uo pipefail
[ $# -ge 4 ] || { sed -n '2,14p' "$0" >&2; exit 2; }
JAR=$1; MB=$2; C=$3; MIX=$4
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=18199; OUT=$(mktemp -d)
. "$REPO/bench/serve-start.sh"
serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" "$MB" "$OUT/server.log" -XX:+UnlockDiagnosticVMOptions \
  -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$OUT" /tmp/perf-$P.map' EXIT
T=$(( C < 2 ? 1 : 2 ))
drive() { wrk -t$T -c"$C" -d"$1"s -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$DIR/lenet5" "$MIX"; }
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
echo "max batch $MB, concurrency $C, $MIX: requests/s $R, server CPU $(awk -v r="$R" -v c="$((c1 - c0))" -v s="${S:-1}" \
  'BEGIN { printf "%.4f ms per request, %.4f ms per image", c * 10 / (r * 5), c * 10 / (r * 5 * s) }'), load $(cut -d' ' -f1 /proc/loadavg)"
kill $P; wait $P 2>/dev/null  # a normal exit writes /tmp/perf-PID.map
perf script -i "$OUT/perf.data" -F comm,ip,sym,dso 2>/dev/null | python3 -c '
import re, sys, collections
samples, cur = [], None  # one sample: the thread name, then its stack, leaf first
for line in sys.stdin:
    if not line.strip():
        if cur: samples.append(cur)
        cur = None
        continue
    if not line.startswith((" ", "\t")):
        if cur: samples.append(cur)
        cur = [line.strip(), []]
    elif cur is not None:
        parts = line.strip().split(None, 1)
        cur[1].append(parts[1] if len(parts) > 1 else "?")
if cur: samples.append(cur)
kernel = [("kernel: send (writev, loopback delivery)", r"tcp_sendmsg|sys_writev|sys_write\b|__tcp_push|tcp_write_xmit"),
          ("kernel: receive (read)", r"tcp_recvmsg|sys_read\b|sys_recvfrom"), ("kernel: epoll", r"epoll"),
          ("kernel: futex, scheduling", r"futex|schedule|try_to_wake_up|finish_task_switch")]
user = [("forward pass", r"org[./]convnet4j[./](nn|ops|tensor)|jdk[./]incubator[./]vector"),
        ("v2 parse", r"parseRequest|JsonBytes"), ("v2 encode", r"encodeResponse|responseHeader"),
        ("Jetty: HTTP request parsing", r"HttpParser"), ("Jetty: response headers", r"HttpGenerator|HttpFields"),
        ("body reader", r"BodyReader"), ("batcher (queue, gather, answers)", r"Batcher|AnsweringThreadPool"),
        ("metrics", r"ServeMetrics"), ("Jetty: rest", r"org[./]eclipse[./]jetty"),
        ("JDK NIO, futures, locks", r"sun[./]nio|java[./]nio|java[./]util[./]concurrent"), ("ModelServer", r"ModelServer")]
count = collections.Counter()
for comm, stack in samples:
    if re.match(r"C\d CompilerThre", comm): s = "JIT compiler"
    elif re.match(r"GC Thread|G1 |VM Thread", comm): s = "GC, VM"
    elif stack and "kallsyms" in stack[0]:
        k = " ".join(f for f in stack if "kallsyms" in f)
        s = next((n for n, p in kernel if re.search(p, k)), "kernel: other")
    else:
        # a frame by its method alone: "boolean org.convnet4j.serve.ModelServer$InferHandler.handle(org.eclipse.jetty...)"
        # is ours, whatever its parameter types name
        names = [f.split("(")[0].split()[-1] if f.split("(")[0].split() else f for f in stack]
        s = next((n for f in names for n, p in user if re.search(p, f)), "other (interpreter, stubs, libc)")
    count[s] += 1
n = max(1, len(samples)); jit = count["JIT compiler"]
print("  %d samples; %% of all, %% of all but the JIT" % len(samples))
for name in ["JIT compiler", "GC, VM"] + [k for k, _ in kernel] + ["kernel: other"] + [u for u, _ in user] + ["other (interpreter, stubs, libc)"]:
    print("  %-42s %5.1f %5.1f" % (name, 100.0 * count[name] / n, 0.0 if name == "JIT compiler" else 100.0 * count[name] / max(1, n - jit)))
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
