#!/usr/bin/env bash
# Runs convnet4j's standard workloads and the PyTorch reference (shared/bench/run_reference.sh) in one session and
# prints, per workload, ours / reference. Both raw outputs and the table go to bench/results/<date>.txt.
#
# Usage: bench/side-by-side.sh [--reference DIR] [--jfr] [--rss] [--one-jvm] [w1 w2 ... w7]   (default: all; 6-20 min)
#   w7 (MobileNetV2, EfficientNet-B0 from ONNX) has its PyTorch side in this repository: bench/w7_onnx_models.py
#   --reference DIR  the reference scripts (default: shared/bench beside the repository, or beside its parent)
#   --jfr            record JFR profiles of our runs into bench/results/<date>-<workloads>.jfr (about 1-2% overhead)
#   --rss            afterwards, run W6 once more on each side under /usr/bin/time for the peak resident size
#   --one-jvm        ours in one JVM for all workloads (before session 18); by default each workload gets its own
#                    JVM, as run_reference.sh gives each its own Python process (W0 rides with the first)
# Needs python3-torch and python3-torchvision (Debian); installed with apt-get when run as root and missing.
# The machine may be shared: the numbers are noisy, the FMA peak line (W0) says what the cores gave us right then.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
REF=""
JFR=0
RSS=0
ONE_JVM=0
WORKLOADS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --reference) REF="$2"; shift 2 ;;
    --jfr) JFR=1; shift ;;
    --rss) RSS=1; shift ;;
    --one-jvm) ONE_JVM=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    w[1-7]|W[1-7]) WORKLOADS+=("$(echo "$1" | tr 'W' 'w')"); shift ;;
    *) echo "side-by-side.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done
[ ${#WORKLOADS[@]} -eq 0 ] && WORKLOADS=(w1 w2 w3 w4 w5 w6 w7)

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
REF_WORKLOADS=()
for w in "${WORKLOADS[@]}"; do
  if [ "$w" != w7 ]; then REF_WORKLOADS+=("$w"); fi
done
ONNX_DIR="$REPO/bench/results/onnx"
if [[ " ${WORKLOADS[*]} " == *" w7 "* ]]; then
  echo "exporting the W7 models and timing PyTorch: bench/w7_onnx_models.py ..." >&2
  /usr/bin/python3 "$REPO/bench/w7_onnx_models.py" "$ONNX_DIR" > "$TMP.w7ref"
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
: > "$TMP.ours"
for run in "${RUNS[@]}"; do
  echo "running convnet4j bench --only $run ..." >&2
  opts="$JAVA_OPTS"
  if [ "$JFR" = 1 ]; then # one recording per JVM
    opts="$opts -XX:StartFlightRecording=filename=$OUT_DIR/$STAMP-${run//,/-}.jfr,settings=profile"
  fi
  CONVNET4J_JAVA_OPTS="$opts" "$REPO/convnet4j" bench --only "$run" | tee -a "$TMP.ours" >&2
done
echo "running the reference: bash $REF/run_reference.sh ${REF_WORKLOADS[*]} ..." >&2
: > "$TMP.ref"
if [ ${#REF_WORKLOADS[@]} -gt 0 ]; then
  bash "$REF/run_reference.sh" "${REF_WORKLOADS[@]}" | tee "$TMP.ref" >&2
fi
if [ -f "$TMP.w7ref" ]; then
  tee -a "$TMP.ref" < "$TMP.w7ref" >&2
fi
{
  echo "# reference: bash $REF/run_reference.sh ${REF_WORKLOADS[*]}; w7: bench/w7_onnx_models.py"
  echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "## ours"; cat "$TMP.ours"
  echo "## reference"; cat "$TMP.ref"
} >> "$TMP"

if [ "$RSS" = 1 ] && [[ " ${WORKLOADS[*]} " == *" w6 "* ]]; then
  echo "peak resident size of W6 alone on each side ..." >&2
  /usr/bin/time -f 'RSS_W6_convnet4j_max_kb %M' -o "$TMP.rss" "$REPO/convnet4j" bench --only W6 >/dev/null
  /usr/bin/time -a -f 'RSS_W6_torch_max_kb %M' -o "$TMP.rss" bash "$REF/run_reference.sh" w6 >/dev/null
  { echo "## peak resident set size (whole process, /usr/bin/time)"; cat "$TMP.rss"; } >> "$TMP"
fi

# Pair lines by workload: drop the implementation tokens from the names; each reference variant gets a ratio.
/usr/bin/python3 - "$TMP.ours" "$TMP.ref" <<'PY' | tee -a "$TMP"
import sys
IMPL = {"convnet4j", "torch", "mm", "avx512", "onednn", "no", "blocked"}
def read(path):
    rows = []
    for line in open(path):
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2 and line[:1] == "W":
            toks = parts[0].split("_")
            key = "_".join(t for t in toks if t not in IMPL)
            variant = "_".join(t for t in toks if t in IMPL)
            val = None if parts[1] == "NA" else float(parts[1])
            rows.append((key, variant, parts[0], val))
    return rows
ours, ref = read(sys.argv[1]), read(sys.argv[2])
print("## ratios (ours / reference; > 1 means convnet4j is faster)")
print(f"{'workload':34} {'convnet4j':>10} {'reference variant':>26} {'reference':>10} {'ratio':>7}")
for key, _, name, val in ours:
    matches = [r for r in ref if r[0] == key]
    if not matches:
        print(f"{name:34} {val if val is not None else 'NA':>10} {'(no reference line)':>26}")
    for _, variant, _, rval in matches:
        ratio = f"{val / rval:.2f}" if val is not None and rval else "NA"
        print(f"{name:34} {val if val is not None else 'NA':>10} {variant:>26} {rval if rval is not None else 'NA':>10} {ratio:>7}")
PY
mv "$TMP" "$RESULT"
echo "results written to $RESULT" >&2
