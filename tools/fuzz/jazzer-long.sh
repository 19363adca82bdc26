#!/usr/bin/env bash
# Longer coverage-guided runs of the Jazzer targets (convnet4j-io's ReaderFuzzTest) than the suite's 30 s each.
#
# Jazzer's JUnit integration takes a run's length from the annotation only (@FuzzTest(maxDuration = "30s");
# -Djazzer.max_duration is not read), so this script compiles a COPY of ReaderFuzzTest.java with the duration raised
# into a scratch folder that comes first on the class path; the work tree is not changed. Each target then runs alone
# (JAZZER_FUZZ=1) through the JUnit launcher (tools/fuzz/RunFuzzTarget.java), under nice, on a snapshot of the classes
# (a build in the tree meanwhile cannot change what is being fuzzed), with the committed corpus as seeds.
#
# Usage, from the repository root:
#   tools/fuzz/jazzer-long.sh [-d DURATION] [-o OUTDIR] [-x HEAP] [TARGET...]
#     DURATION  per target, Jazzer's form: 5m (default), 90s, 1h
#     OUTDIR    default target/fuzz-long: TARGET.log (libFuzzer's output), base/ (Jazzer's generated corpus and any
#               finding: crash-*, timeout-*, oom-*, slow-unit-*), summary.tsv
#     HEAP      -Xmx of the fuzzing JVM, default 1500m (the readers' budget is 64 MB during fuzzing)
#     TARGET    ReaderFuzzTest method names (default: every @FuzzTest of the class)
#   REBUILD=1 rebuilds the classes and the class path (else an existing OUTDIR/cp.txt is reused).
# Prints one line per target: inputs tried (libFuzzer's "Done N runs"), edges, corpus size, findings, JUnit outcome.
# Any finding fails the target's JUnit run; libFuzzer writes its input, which then belongs in
# convnet4j-io/src/test/resources/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/TARGET/ with a fix (a regression input).
set -euo pipefail

DURATION=5m
OUT=target/fuzz-long
HEAP=1500m
while getopts "d:o:x:h" opt; do
  case $opt in
    d) DURATION=$OPTARG ;;
    o) OUT=$OPTARG ;;
    x) HEAP=$OPTARG ;;
    *) sed -n '2,21p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SRC=convnet4j-io/src/test/java/org/convnet4j/io/fuzz/ReaderFuzzTest.java
CLASS=org.convnet4j.io.fuzz.ReaderFuzzTest
if [ $# -gt 0 ]; then
  TARGETS=("$@")
else
  mapfile -t TARGETS < <(grep -A1 '@FuzzTest' "$SRC" | sed -n 's/^ *void \([A-Za-z0-9_]*\)(byte\[\] .*/\1/p')
fi
[[ $DURATION =~ ^[0-9]+(s|m|h)$ ]] || { echo "jazzer-long.sh: -d $DURATION: give a duration such as 90s, 5m, 1h" >&2; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

if [ ! -s "$OUT/cp.txt" ] || [ -n "${REBUILD:-}" ]; then
  echo "building the classes and io's test class path (offline) ..." >&2
  nice mvn -B -o -q test-compile dependency:build-classpath -pl convnet4j-io -am -Dmdep.includeScope=test \
      -Dmdep.outputFile="$OUT/cp-raw.txt" >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; exit 1; }
  rm -rf "$OUT/snap"
  mkdir -p "$OUT/snap"
  for m in core io; do
    for d in classes test-classes; do
      cp -r "convnet4j-$m/target/$d" "$OUT/snap/$m-$d"
    done
  done
  sed -e "s#$ROOT/convnet4j-core/target/classes#$OUT/snap/core-classes#g" \
      -e "s#$ROOT/convnet4j-core/target/test-classes#$OUT/snap/core-test-classes#g" "$OUT/cp-raw.txt" \
      | sed -e "s#^#$OUT/snap/io-classes:$OUT/snap/io-test-classes:#" >"$OUT/cp.txt"
fi
CP=$(cat "$OUT/cp.txt")

# the copy with the duration raised, and the launcher
rm -rf "$OUT/over" "$OUT/rc"
mkdir -p "$OUT/over/src" "$OUT/rc"
sed "s/@FuzzTest(maxDuration = \"30s\")/@FuzzTest(maxDuration = \"$DURATION\")/" "$SRC" >"$OUT/over/src/ReaderFuzzTest.java"
grep -q "maxDuration = \"$DURATION\"" "$OUT/over/src/ReaderFuzzTest.java" || { echo "no @FuzzTest(maxDuration = \"30s\") in $SRC" >&2; exit 1; }
nice javac -nowarn -d "$OUT/over" -cp "$CP" "$OUT/over/src/ReaderFuzzTest.java"
nice javac -d "$OUT/rc" -cp "$CP" tools/fuzz/RunFuzzTarget.java

mkdir -p "$OUT/base"
[ -s "$OUT/summary.tsv" ] || printf 'target\tduration\tinputs\tseconds\tedges\tcorpus\tfindings\tjunit\tstarted\n' >"$OUT/summary.tsv"
for t in "${TARGETS[@]}"; do
  start=$(date -u +%H:%M:%S)
  touch "$OUT/.mark"
  set +e
  JAZZER_FUZZ=1 nice -n 15 java --add-modules jdk.incubator.vector -Xss4m -Xmx"$HEAP" \
      -Djazzer.internal.basedir="$OUT/base" -cp "$OUT/over:$OUT/rc:$CP" RunFuzzTarget "$CLASS#$t(byte[])" \
      >"$OUT/$t.log" 2>&1
  rc=$?
  set -e
  done_line=$(grep -a -E '^Done [0-9]+ runs in [0-9]+ second' "$OUT/$t.log" | tail -1 || true)
  inputs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/' <<<"$done_line")
  secs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/' <<<"$done_line")
  edges=$(grep -a -oE 'cov: [0-9]+' "$OUT/$t.log" | tail -1 | cut -d' ' -f2 || true)
  corpus=$(grep -a -oE 'corp: [0-9]+' "$OUT/$t.log" | tail -1 | cut -d' ' -f2 || true)
  findings=$(find "$OUT/base" -newer "$OUT/.mark" -type f \
      \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'slow-unit-*' -o -name 'leak-*' \) \
      2>/dev/null | wc -l)
  junit=$([ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)")
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$DURATION" "${inputs:-?}" "${secs:-?}" "${edges:-?}" \
      "${corpus:-?}" "$findings" "$junit" "$start" | tee -a "$OUT/summary.tsv"
done
