#!/usr/bin/env bash
# Where a served LeNet-5 request's CPU goes, kernel included: JFR (serve-jfr.sh) samples only threads running Java
# code, so the selector's and the workers' time in system calls (the loopback TCP send and receive, epoll, futex)
# is not in its shares. This samples the whole server process with perf (cycles, 999 Hz, kernel and user), the
# JIT's code named from the JVM's perf map (-XX:+DumpPerfMapAtExit, written when the server stops), and prints the
# shares of the samples: user vs kernel, by thread group, by area (the forward pass, v2 parse/encode, the batcher,
# Jetty, GC, the JIT compiler, kernel: network send, network receive, epoll, futex/scheduling, other), and the top
# symbols. Starts 'convnet4j serve' from JAR as serve-perfstat.sh does (--max-batch MAX_BATCH), warms it with WARM
# (default 4) 5-s wrk runs at CONC connections of MIX (serve-load.lua: bin1, json1, ...), records a 5-s wrk run.
# Usage: bench/serve-perfrecord.sh JAR MAX_BATCH CONC MIX   (SERVE_ARGS: extra serve options; the model and bodies
#        as serve-perfstat.sh: DIR=$C4J_PERF_DIR, default /tmp/c4j-perf; needs perf with kernel symbols readable)
set -uo pipefail
[ $# -ge 4 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
JAR=$1; MB=$2; C=$3; MIX=$4
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR=${C4J_PERF_DIR:-/tmp/c4j-perf}; PORT=18198; OUT=$(mktemp -d)
. "$REPO/bench/serve-start.sh"
serve_start "$JAR" $PORT lenet5 "$DIR/lenet5.c4j" "$MB" "$OUT/server.log" -XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit
trap 'kill $P 2>/dev/null; wait $P 2>/dev/null; rm -rf "$OUT" /tmp/perf-$P.map' EXIT
T=$(( C < 2 ? 1 : 2 ))
drive() { wrk -t$T -c"$C" -d"$1"s -s "$REPO/bench/serve-load.lua" http://127.0.0.1:$PORT -- lenet5 "$DIR/lenet5" "$MIX"; }
for _ in $(seq "${WARM:-4}"); do drive 5 >/dev/null; done
perf record -q -F 999 -g -p $P -o "$OUT/perf.data" -- sleep 5 2>/dev/null &
PR=$!
R=$(drive 5 | awk '$1 == "rps" { print $2 }')
wait $PR
echo "max batch $MB, concurrency $C, $MIX: requests/s $R, load $(cut -d' ' -f1 /proc/loadavg)"
kill $P; wait $P 2>/dev/null  # a normal exit writes /tmp/perf-PID.map
perf report -i "$OUT/perf.data" --no-children --sort comm,dso,sym -g caller,0.5,callee --stdio 2>/dev/null \
  >"$OUT/report"
perf script -i "$OUT/perf.data" -F comm,ip,sym,dso 2>/dev/null | python3 -c '
import re, sys, collections
# one sample: a header line (comm), then its stack, leaf first
samples, cur = [], None
for line in sys.stdin:
    if not line.strip():
        if cur: samples.append(cur)
        cur = None
        continue
    if not line.startswith((" ", "\t")):
        if cur: samples.append(cur)
        cur = [line.strip(), []]  # the thread name, which may hold spaces ("C2 CompilerThre", "GC Thread#0")
    elif cur is not None:
        parts = line.strip().split(None, 1)
        cur[1].append(parts[1] if len(parts) > 1 else "?")
if cur: samples.append(cur)
areas = [("kernel: network send (write, tcp_sendmsg)", r"tcp_sendmsg|__x64_sys_write|__x64_sys_sendto|sys_writev"),
         ("kernel: network receive (read, tcp_recvmsg)", r"tcp_recvmsg|__x64_sys_read\b|__x64_sys_recvfrom"),
         ("kernel: epoll", r"epoll"),
         ("kernel: futex, scheduling", r"futex|schedule|finish_task_switch|try_to_wake_up"),
         ("kernel: other", r"\[kernel\.kallsyms\]|^entry_SYSCALL|^do_syscall"),
         ("forward pass (nn, tensor, ops, kernels)", r"org\.convnet4j\.(nn|tensor|ops)\.|jdk\.incubator\.vector|Lorg/convnet4j/(nn|tensor|ops)/|Ljdk/incubator/vector"),
         ("v2 parse and encode", r"InferenceProtocol|JsonBytes"),
         ("batcher", r"serve\.Batcher|serve/Batcher"),
         ("Jetty", r"org\.eclipse\.jetty|Lorg/eclipse/jetty"),
         ("JDK NIO", r"sun\.nio|java\.nio|Lsun/nio|Ljava/nio"),
         ("GC", r"G1|GC|Gc|gc_|Copy::"), ("JIT compiler", r"C2Compiler|Compile::|PhaseIdealLoop|Node::|Matcher|PhaseChaitin|C1|Compilation")]
thread, area, top, mode = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
for comm, stack in samples:
    thread[re.sub(r"[-\d]+$", "", comm)] += 1
    leaf = stack[0] if stack else "?"
    kernel = "[kernel.kallsyms]" in leaf
    mode["kernel" if kernel else "user"] += 1
    if kernel:
        joined = " ".join(stack)
        a = next((k for k, p in areas[:5] if re.search(p, joined)), "kernel: other")
    elif re.match(r"C\d CompilerThre", comm):
        a = "JIT compiler"  # all user time of the compiler threads, whatever libjvm symbol the leaf is
    elif re.match(r"GC Thread|G1 ", comm):
        a = "GC"
    else:
        joined = leaf  # user code: by the leaf (Java stacks without frame pointers do not unwind)
        a = next((k for k, p in areas[5:] if re.search(p, joined)), "other user (JVM, libc, unnamed)")
    area[a] += 1
    top[re.sub(r"\+0x[0-9a-f]+", "", leaf)[:90]] += 1
n = max(1, len(samples))
print("  %d samples" % len(samples))
for title, c, k in (("mode", mode, 2), ("thread", thread, 8), ("area", area, 14), ("top", top, 25)):
    for name, v in c.most_common(k):
        print("  %-7s %-90s %5.1f%%" % (title, name, 100.0 * v / n))
'
