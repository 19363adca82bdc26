#!/bin/bash
# Issue 15's write attacks through the CLI (-Xmx1g): kill -9 at random moments of `train` (every .c4j left must load
# and no temporary of a dead run may survive the next run), writes cut by the kernel's file size limit (ulimit -f:
# EFBIG takes ENOSPC's path; the previous file must be unchanged), and `--resume` of a copied checkpoint (the original
# run's files must be unchanged). Prints one line per case: PASS/FAIL, what was checked, the CLI's stderr.
# Usage: JAR=convnet4j-cli/target/convnet4j.jar D=/tmp/cli-walk tools/cli-walk/write_attacks.sh OUT
set -u
: "${JAR:?set JAR to the CLI jar}" "${D:?set D to the folder of prepare.py}"
mkdir -p "$1"; out=$(realpath "$1"); W=$out/w; rm -rf "$W"; mkdir -p "$W"
cj() { nice java -Xmx1g -XX:-UsePerfData --add-modules jdk.incubator.vector -jar "$JAR" "$@"; }
say() { printf '%s\t%s\t%s\n' "$1" "$2" "$(grep -v 'Using incubator' "${3:-/dev/null}" 2>/dev/null | head -3 | tr '\n' ' ')" \
  | tee -a "$out/writes.tsv"; }
: >"$out/writes.tsv"
sums() { (cd "$1" && find . -type f -name '*.c4j' | sort | xargs -r sha256sum); }
train=(train --data "$D/pics" --input 3x16x16 --epochs 30 --no-progress --seed 7)
once=(train --data "$D/pics" --input 3x16x16 --epochs 1 --no-progress --seed 7)
two=(train --data "$D/pics" --input 3x16x16 --epochs 2 --no-progress --seed 7)

# 1. kill -9 at random moments of a training run, then load what is there
for k in 1 2 3 4; do
  rm -rf "$W/k"; mkdir -p "$W/k"
  # nice execs java: $! is the JVM itself (through a shell function it would be a subshell, and the kill would miss)
  nice java -Xmx1g -XX:-UsePerfData --add-modules jdk.incubator.vector -jar "$JAR" "${train[@]}" -o "$W/k/m.c4j" \
    >/dev/null 2>"$out/k$k.err" &
  p=$!
  sleep "$(awk -v s="$RANDOM" 'BEGIN { srand(s); printf "%.2f", 4 + 8 * rand() }')"
  kill -9 $p 2>/dev/null; wait $p 2>/dev/null
  bad=""
  for f in "$W"/k/*.c4j; do
    [ -e "$f" ] || continue
    cj inspect "$f" >/dev/null 2>"$out/k$k.inspect.err" || bad="$bad $(basename "$f")"
  done
  left=$(ls -A "$W/k" | tr '\n' ' ')
  cj "${once[@]}" -o "$W/k/m.c4j" >/dev/null 2>"$out/k$k.next.err"
  tmp=$(ls -A "$W/k" | grep -c '\.tmp$')
  say "$([ -z "$bad" ] && [ "$tmp" = 0 ] && echo PASS || echo FAIL)" \
    "kill -9 #$k: left [$left], unreadable [${bad# }], temporaries after the next run: $tmp" "$out/k$k.inspect.err"
done

# 2. writes cut short by the file size limit: the previous file is kept whole
cj "${two[@]}" -o "$W/m.c4j" >/dev/null 2>&1
cj export "$W/m.c4j" -o "$W/m.onnx" >/dev/null 2>&1
cp "$D/pic.png" "$W/e.png"
before=$(sha256sum "$W/m.onnx" "$W/m.c4j" "$W/e.png" "$W/m.last.c4j")
( ulimit -f 8; cj export "$W/m.c4j" -o "$W/m.onnx" ) >/dev/null 2>"$out/f1.err"; r1=$?
( ulimit -f 8; cj "${two[@]}" -o "$W/m.c4j" ) >/dev/null 2>"$out/f2.err"; r2=$?
( ulimit -f 1; cj edges "$D/pic.jpg" -o "$W/e.png" ) >/dev/null 2>"$out/f3.err"; r3=$?
after=$(sha256sum "$W/m.onnx" "$W/m.c4j" "$W/e.png" "$W/m.last.c4j")
tmp=$(ls -A "$W" | grep -c '\.tmp$')
for i in 1 2 3; do
  r=r$i
  say "$([ "${!r}" = 2 ] && [ "$(grep -vc 'Using incubator' "$out/f$i.err")" = 1 ] && echo PASS || echo FAIL)" \
    "file size limit, write $i: exit ${!r}" "$out/f$i.err"
done
say "$([ "$before" = "$after" ] && [ "$tmp" = 0 ] && echo PASS || echo FAIL)" \
  "after the cut writes: previous files unchanged ($([ "$before" = "$after" ] && echo yes || echo NO)), temporaries left: $tmp"

# 3. --resume of a copied checkpoint writes next to the copy, never over the original run
mkdir -p "$W/run1" "$W/run2"
cj "${two[@]}" -o "$W/run1/m.c4j" >/dev/null 2>&1
cp "$W/run1/m.last.c4j" "$W/run2/copy.c4j"
b=$(sums "$W/run1")
cj train --resume "$W/run2/copy.c4j" --epochs 3 --no-progress >/dev/null 2>"$out/r.err"; rr=$?
a=$(sums "$W/run1")
say "$([ "$rr" = 0 ] && [ "$a" = "$b" ] && echo PASS || echo FAIL)" \
  "--resume a copy: exit $rr, run1 unchanged: $([ "$a" = "$b" ] && echo yes || echo NO), run2 holds [$(ls "$W/run2" | tr '\n' ' ')]" "$out/r.err"
