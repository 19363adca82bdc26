#!/usr/bin/env bash
# Where a build's test time went, from the reports a `mvn verify`/`install` (or .ci/run) left in a tree: per module
# the surefire and failsafe classes' summed time and the slowest classes, then the Maven log's reactor summary when a
# log is given. Each class's time is surefire's own (from its first test's start to its last's end, in its JVM),
# wall time on whatever the machine was doing: compare runs of the same load only.
#   bash tools/ci-times.sh [TREE [MAVEN-LOG [N]]]     (TREE: a clone after the build, default .; N slowest, default 8)
set -euo pipefail
tree=${1:-.}
log=${2:-}
n=${3:-8}
for reports in "$tree"/convnet4j-*/target/surefire-reports "$tree"/convnet4j-*/target/surefire-reports-scalar \
        "$tree"/convnet4j-*/target/failsafe-reports; do
    [ -d "$reports" ] || continue
    module=$(basename "$(dirname "$(dirname "$reports")")")
    shopt -s nullglob
    files=("$reports"/TEST-*.xml)
    shopt -u nullglob
    [ "${#files[@]}" -gt 0 ] || continue
    # one line per class: seconds, name (the testsuite element's attributes come in any order)
    sed -n 's/.*<testsuite \([^>]*\)>.*/\1/p' "${files[@]}" | awk -v m="$module" -v r="$(basename "$reports")" -v n="$n" '
        { name = $0; sub(/.* name="/, "", name); sub(/".*/, "", name)
          t = $0; sub(/.* time="/, "", t); sub(/".*/, "", t); gsub(/,/, "", t)
          sum += t; k++; line[k] = sprintf("%9.1f s  %s", t, name) }
        END { printf "%s %s: %d classes, %.1f s\n", m, r, k, sum
              cmd = "sort -rn | head -" n; for (i = 1; i <= k; i++) print line[i] | cmd; close(cmd) }'
done
if [ -n "$log" ]; then
    sed -n '/Reactor Summary/,/Total time/p' "$log" | sed 's/^\[INFO\] //'
fi
