#!/usr/bin/env bash
# usage: bash tools/cli-size.sh COMMIT...: for each commit, the Java files of convnet4j-cli/src/main/java, their
# lines (and non-blank lines) and the largest file (issue 14: "the CLI module about half its size")
for c in "$@"; do
files=$(git ls-tree -r --name-only "$c" convnet4j-cli/src/main/java | grep '\.java$')
n=0; lines=0; code=0; max=0; maxf=
for f in $files; do
  t=$(git show "$c:$f")
  l=$(printf '%s\n' "$t" | wc -l)
  k=$(printf '%s\n' "$t" | grep -cv '^\s*$')
  n=$((n+1)); lines=$((lines+l)); code=$((code+k))
  if [ "$l" -gt "$max" ]; then max=$l; maxf=$(basename "$f"); fi
done
echo "$c: $n files, $lines lines ($code non-blank), largest $maxf $max lines"
done
