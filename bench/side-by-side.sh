#!/usr/bin/env bash
# Runs convnet4j's standard workloads and the PyTorch reference (shared/bench/run_reference.sh) in one session and
# prints, per workload, ours / reference. Both raw outputs and the table go to bench/results/<date>.txt.
#
# Usage: bench/side-by-side.sh [--reference DIR] [--jfr] [--rss] [--one-jvm] [--rounds R] [w1 w2 ... w7]
#        (default: all workloads, 1 round; ~6 min per round)
#   w7 (MobileNetV2, EfficientNet-B0 from ONNX) has its PyTorch side in this repository: bench/w7_onnx_models.py
#   --reference DIR  the reference scripts (default: shared/bench beside the repository, or beside its parent)
#   --jfr            record JFR profiles of our runs into bench/results/<date>-<workloads>.jfr (about 1-2% overhead)
#   --rss            afterwards, run W6 once more on each side under /usr/bin/time for the peak resident size
#   --one-jvm        ours in one JVM for all workloads (before session 18); by default each workload gets its own
#                    JVM, as run_reference.sh gives each its own Python process (W0 rides with the first)
#   --rounds R       R rounds; in each, every workload runs ours and the reference back to back, the side that goes
#                    first alternating by workload and by round; the table gives each side's median over the rounds
#                    and every round's own ratio. (Until 2026-12-07 all of ours ran first, then all of the reference:
#                    minutes apart, on a machine whose memory bandwidth moves over tens of seconds.)
# Before each side a placement line (PairProbe's cache-line round trip between two threads) goes to the result file:
# on a 2-vCPU guest the host may put the two vCPUs near or far from each other, which moves W1 and W4 on both sides.
# Needs python3-torch and python3-torchvision (Debian); installed with apt-get when run as root and missing.
# The machine may be shared: the numbers are noisy, the FMA peak line (W0) says what the cores gave us right then.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
REF=""
JFR=0
RSS=0
ONE_JVM=0
ROUNDS=1
WORKLOADS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reference) REF="$2"; shift 2 ;;
    --jfr) JFR=1; shift ;;
    --rss) RSS=1; shift ;;
    --one-jvm) ONE_JVM=1; shift ;;
    --rounds) ROUNDS="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    w[1-7]|W[1-7]) WORKLOADS+=("$(echo "$1" | tr 'W' 'w')"); shift ;;
    *) echo "side-by-side.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ ${#WORKLOADS[@]} -eq 0 ] && WORKLOADS=(w1 w2 w3 w4 w5 w6 w7)
case "$ROUNDS" in [1-9]|[1-9][0-9]) ;; *) echo "side-by-side.sh: --rounds takes a whole number from 1 to 99, not '$ROUNDS'" >&2; exit 2 ;; esac

if [ -z "$REF" ]; then
  for candidate in "$(dirname "$REPO")/shared/bench" "$(dirname "$(dirname "$REPO")")/shared/bench"; do
    if [ -f "$candidate/run_reference.sh" ]; then REF="$candidate"; break; fi
  done
fi
[ -n "$REF" ] && [ -f "$REF/run_reference.sh" ] || {
  echo "side-by-side.sh: reference scripts not found; pass --reference DIR (the directory of run_reference.sh)" >&2
  exit 2
}

# The reference needs OpenBLAS (run_reference.sh points torch at its OpenMP build): without it torch.mm and every
# Linear layer run on Debian's reference BLAS (libblas3, ~6 GFLOPS here), which made W1 and W3 ratios meaningless.
if ! /usr/bin/python3 -c 'import torch, torchvision' >/dev/null 2>&1 \
   || [ ! -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "side-by-side.sh: installing python3-torch python3-torchvision libopenblas0-openmp with apt-get ..." >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-torch python3-torchvision python3-numpy \
      libopenblas0-openmp >/dev/null
  else
    echo "side-by-side.sh: PyTorch or OpenBLAS missing; as root: apt-get install python3-torch python3-torchvision libopenblas0-openmp" >&2
    exit 2
  fi
fi

STAMP="$(date +%Y-%m-%d_%H%M)"
OUT_DIR="$REPO/bench/results"
mkdir -p "$OUT_DIR"
RESULT="$OUT_DIR/$STAMP.txt"
TMP="$(mktemp "$OUT_DIR/.$STAMP.XXXXXX")"
trap 'rm -f "$TMP" "$TMP".*' EXIT

# the shared reference knows w1-w6; w7's PyTorch side (and its ONNX files) comes from this repository
ONNX_DIR="$REPO/bench/results/onnx"
if [[ " ${WORKLOADS[*]} " == *" w7 "* ]]; then
  echo "exporting the W7 models and timing PyTorch: bench/w7_onnx_models.py ..." >&2
  /usr/bin/python3 "$REPO/bench/w7_onnx_models.py" "$ONNX_DIR" > /dev/null
fi
ONLY="W0"
for w in "${WORKLOADS[@]}"; do ONLY="$ONLY,$(echo "$w" | tr 'w' 'W')"; done
JAVA_OPTS="${CONVNET4J_JAVA_OPTS:-} -Dconvnet4j.bench.onnx=$ONNX_DIR"

{
  echo "# side-by-side $STAMP on $(hostname), $(nproc) CPUs: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs)"
  echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ "$ONE_JVM" = 1 ]; then echo "# ours, one JVM: CONVNET4J_JAVA_OPTS='$JAVA_OPTS' ./convnet4j bench --only $ONLY"
  else echo "# ours, one JVM per workload: CONVNET4J_JAVA_OPTS='$JAVA_OPTS' ./convnet4j bench --only W0,W1; --only W2; ... (each of $ONLY)"; fi
  echo "#   (launcher JVM flags: --add-modules jdk.incubator.vector -XX:+UseParallelGC -XX:MaxNewSize=256m -Xss4m -XX:CompileCommand=quiet -XX:CompileCommand=CompileThresholdScaling,org.convnet4j.*::*,0.1 -XX:PerMethodTrapLimit=10000 -XX:+UseCountedLoopSafepoints -XX:LoopStripMiningIter=1000 $JAVA_OPTS)"
} > "$TMP"
# One JVM per workload, like the reference's one Python process per workload (like for like: no workload runs on
# a JIT state another left). Session 18 (AMD) suspected W6 paid for following W1-W5 in one JVM (4.34-4.76 img/s
# there), but W6 alone varied as much between fresh JVMs (4.69-5.57) and after W4 gave 4.79 and 5.53: not shown.
# --one-jvm keeps the old way for comparison.
if [ "$ONE_JVM" = 1 ]; then
  RUNS=("$ONLY")
else
  RUNS=()
  for w in "${WORKLOADS[@]}"; do RUNS+=("$(echo "$w" | tr 'w' 'W')"); done
  RUNS[0]="W0,${RUNS[0]}"
fi
# Where the host has put our two vCPUs right before a side runs: a cache line's round trip between two threads
# (bench PairProbe; ~0.5 s). On the AMD guest of sessions 17-21 it is ~70 ns (near: one last-level cache) or 200-320 ns
# (far) for minutes at a time, and W1 and W4 b1 run 10-20% slower far on both sides, so a pair is comparable only
# when both sides saw the same placement (docs/PERFORMANCE.md, "Session 20, the JIT engineer").
PROBE_JAR="$REPO/convnet4j-bench/target/benchmarks.jar"
placement() {
  if [ -f "$PROBE_JAR" ]; then
    echo "$1: $(java -cp "$PROBE_JAR" org.convnet4j.bench.PairProbe pingpong 1 2>&1 | tail -1)" >> "$TMP.place"
  else
    echo "$1: not measured ($PROBE_JAR missing: mvn -pl convnet4j-bench -am package -DskipTests)" >> "$TMP.place"
  fi
}
# One of our runs: RUN is a --only list; every result line gets the round's number as a fourth field.
ours_run() {
  local run="$1" round="$2" opts="$JAVA_OPTS"
  placement "round $round before ours $run"
  echo "round $round: convnet4j bench --only $run ..." >&2
  if [ "$JFR" = 1 ]; then # one recording per JVM
    opts="$opts -XX:StartFlightRecording=filename=$OUT_DIR/$STAMP-${run//,/-}-r$round.jfr,settings=profile"
  fi
  CONVNET4J_JAVA_OPTS="$opts" "$REPO/convnet4j" bench --only "$run" | tee /dev/stderr \
    | awk -v r="$round" -F'\t' 'BEGIN {OFS="\t"} /^W/ {print $1, $2, $3, r}' >> "$TMP.ours"
}
# The reference of workloads W (w1..w7) in round R.
ref_run() {
  local round="$1"; shift
  local w
  for w in "$@"; do
    placement "round $round before reference $w"
    echo "round $round: reference $w ..." >&2
    if [ "$w" = w7 ]; then
      # timed again here so that it runs next to ours (the first run above exported the ONNX files ours reads)
      /usr/bin/python3 "$REPO/bench/w7_onnx_models.py" "$ONNX_DIR"
    else
      bash "$REF/run_reference.sh" "$w"
    fi | tee /dev/stderr | awk -v r="$round" -F'\t' 'BEGIN {OFS="\t"} /^W/ {print $1, $2, $3, r}' >> "$TMP.ref"
  done
}
: > "$TMP.ours"
: > "$TMP.ref"
: > "$TMP.place"
for round in $(seq 1 "$ROUNDS"); do
  if [ "$ONE_JVM" = 1 ]; then
    ours_run "${RUNS[0]}" "$round"
    ref_run "$round" "${WORKLOADS[@]}"
    continue
  fi
  for i in "${!RUNS[@]}"; do
    # back to back, the first side alternating by workload and by round: neither side always starts a pair
    if [ $(( (i + round) % 2 )) = 1 ]; then
      ours_run "${RUNS[$i]}" "$round"; ref_run "$round" "${WORKLOADS[$i]}"
    else
      ref_run "$round" "${WORKLOADS[$i]}"; ours_run "${RUNS[$i]}" "$round"
    fi
  done
done
{
  echo "# reference: bash $REF/run_reference.sh WORKLOAD, one workload at a time; w7: bench/w7_onnx_models.py"
  echo "# rounds: $ROUNDS; result lines: name, value, notes, round"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "## ours"; cat "$TMP.ours"
  echo "## reference"; cat "$TMP.ref"
  echo "## placement of the two vCPUs before each side (cache-line round trip: ~70 ns near, 200-320 ns far)"
  cat "$TMP.place"
} >> "$TMP"

if [ "$RSS" = 1 ] && [[ " ${WORKLOADS[*]} " == *" w6 "* ]]; then
  echo "peak resident size of W6 alone on each side ..." >&2
  /usr/bin/time -f 'RSS_W6_convnet4j_max_kb %M' -o "$TMP.rss" "$REPO/convnet4j" bench --only W6 >/dev/null
  /usr/bin/time -a -f 'RSS_W6_torch_max_kb %M' -o "$TMP.rss" bash "$REF/run_reference.sh" w6 >/dev/null
  { echo "## peak resident set size (whole process, /usr/bin/time)"; cat "$TMP.rss"; } >> "$TMP"
fi

# Pair lines by workload: drop the implementation tokens from the names; each reference variant gets a ratio of the
# two sides' medians over the rounds, and with several rounds each round's own ratio too.
/usr/bin/python3 - "$TMP.ours" "$TMP.ref" "$ROUNDS" <<'PY' | tee -a "$TMP"
import statistics, sys
IMPL = {"convnet4j", "torch", "mm", "avx512", "onednn", "no", "blocked"}
def read(path):
    """name -> (key, variant, {round: value or None}) in first-seen order."""
    rows = {}
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 4 and line[:1] == "W":
            toks = parts[0].split("_")
            key = "_".join(t for t in toks if t not in IMPL)
            variant = "_".join(t for t in toks if t in IMPL)
            row = rows.setdefault(parts[0], (key, variant, {}))
            row[2][int(parts[3])] = None if parts[1] == "NA" else float(parts[1])
    return rows
def median(values):
    values = [v for v in values.values() if v is not None]
    return statistics.median(values) if values else None
def show(v):
    return "NA" if v is None else f"{v:g}"
ours, ref = read(sys.argv[1]), read(sys.argv[2])
rounds = int(sys.argv[3])
print("## ratios (ours / reference; > 1 means convnet4j is faster)" + (f"; medians of {rounds} rounds" if rounds > 1 else ""))
print(f"{'workload':34} {'convnet4j':>10} {'reference variant':>26} {'reference':>10} {'ratio':>7}" + ("  per round" if rounds > 1 else ""))
for name, (key, _, vals) in ours.items():
    val = median(vals)
    matches = [r for r in ref.values() if r[0] == key]
    if not matches:
        print(f"{name:34} {show(val):>10} {'(no reference line)':>26}")
    for _, variant, rvals in matches:
        rval = median(rvals)
        ratio = f"{val / rval:.2f}" if val is not None and rval else "NA"
        per_round = ""
        if rounds > 1:
            per_round = "  " + " / ".join(f"{vals[r] / rvals[r]:.2f}" if vals.get(r) and rvals.get(r) else "NA"
                                         for r in range(1, rounds + 1))
        print(f"{name:34} {show(val):>10} {variant:>26} {show(rval):>10} {ratio:>7}{per_round}")
PY
mv "$TMP" "$RESULT"
echo "results written to $RESULT" >&2
