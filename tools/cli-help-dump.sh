#!/usr/bin/env bash
# usage: bash tools/cli-help-dump.sh JAR OUTDIR: writes `convnet4j [COMMAND...] --help` of the top command and of
# every command and subcommand (found in each help's "Commands:" list) to OUTDIR/NAME.txt (NAME: the command path
# joined by '-', "convnet4j" for the top), as the launcher runs the jar. Compare two dumps with diff -r (issue 14:
# the help must not change when options move to mixins and their text to resource bundles).
set -euo pipefail
jar="$1"; out="$2"; mkdir -p "$out"
help() { java -Xmx256m --add-modules jdk.incubator.vector -jar "$jar" "$@" --help 2>/dev/null; }
walk() {
  local name; name=$(IFS=-; echo "${*:-convnet4j}")
  help "$@" > "$out/$name.txt"
  # command names: the lines of the "Commands:" section that start with two spaces and a word
  awk '/^Commands:/{c=1; next} c && /^$/{c=0} c && /^  [a-z]/{print $1}' "$out/$name.txt" | sed 's/,$//' |
    while read -r sub; do walk "$@" "$sub"; done
}
walk
