#!/bin/bash
# Runs each line of a case list (arguments to convnet4j; $D is the folder prepare.py wrote) as its own JVM and
# checks the bad-input contract: exit 2, exactly one line on stderr, no stack trace or exception class name.
# Usage: JAR=convnet4j-cli/target/convnet4j.jar D=/tmp/cli-walk [HEAP=1g] tools/cli-walk/run.sh tools/cli-walk/cases.txt OUT
# (HEAP: -Xmx of each run, default 256m; a case line may start with VAR=VALUE settings for its run)
# Writes OUT/N.out, OUT/N.err and OUT/summary.tsv (number, exit code, stderr lines, verdict, command line, message).
set -u
cases=$(realpath "$1"); mkdir -p "$2"; out=$(realpath "$2"); n=0
: "${JAR:?set JAR to the CLI jar}" "${D:?set D to the folder of prepare.py}"
export D
JAR=$(realpath "$JAR")
java_run() {  # CLI="/path/to/convnet4j spark" runs the Spark commands (heap: CONVNET4J_JAVA_OPTS)
  if [ -n "${CLI:-}" ]; then nice timeout 300 $CLI "$@"
  else nice timeout 120 java -Xmx"${HEAP:-256m}" --add-modules jdk.incubator.vector -jar "$JAR" "$@"; fi
}
[[ -f $D/m/lenet.c4j ]] || (cd "$D" && java_run train --data pics --input 3x16x16 --epochs 2 --no-progress \
  -o m/lenet.c4j >/dev/null 2>&1)
[[ -f $D/m/tiny.c4j ]] || java_run import \
  "$(dirname "$0")/../../convnet4j-io/src/test/resources/fixtures/tensor_graph/tinymix_op11/model.onnx" \
  -o "$D/m/tiny.c4j" >/dev/null 2>&1
[[ -f $D/m/trunc.c4j ]] || head -c 100000 "$D/m/lenet.c4j" > "$D/m/trunc.c4j"
[[ -f $D/m/copy.c4j ]] || cp "$D/m/lenet.c4j" "$D/m/copy.c4j"
: > "$out/summary.tsv"
while IFS= read -r line; do
  [[ -z "$line" || "$line" == \#* ]] && continue
  n=$((n+1)); rm -rf "$D/work"; mkdir -p "$D/work"; cd "$D/work" || exit 1
  pre=""; rest=$line  # a line may start with VAR=VALUE settings for that run
  while [[ $rest =~ ^([A-Z_]+=[^ ]*)\ (.*)$ ]]; do pre="$pre ${BASH_REMATCH[1]}"; rest=${BASH_REMATCH[2]}; done
  eval "$pre java_run $rest" >"$out/$n.out" 2>"$out/$n.err" </dev/null
  rc=$?; cd "$D" || exit 1
  grep -v 'Using incubator modules' "$out/$n.err" > "$out/$n.err2"
  lines=$(wc -l < "$out/$n.err2")
  bad=""
  grep -qE '^\s+at |Exception|Caused by|Error:' "$out/$n.err2" "$out/$n.out" && bad="TRACE?"
  [[ $rc -ne 2 ]] && bad="$bad rc"
  [[ $lines -ne 1 ]] && bad="$bad lines"
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$n" "$rc" "$lines" "${bad:-ok}" "$line" "$(head -c 300 "$out/$n.err2" | head -1)" \
    >> "$out/summary.tsv"
done < "$cases"
