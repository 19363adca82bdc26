# Sourced by the serve-*.sh scripts (perfstat, syscalls, jfr, perfrecord, warmup): starts 'convnet4j serve' from a
# jar as they all do and waits until it is ready.
# serve_start JAR PORT NAME MODEL_FILE MAX_BATCH LOG [extra JVM options ...]
#   serves NAME=MODEL_FILE on 127.0.0.1:PORT (--max-batch MAX_BATCH --max-wait-us 2000 --queue 256, then SERVE_ARGS)
#   with the JVM options every script uses, its output in LOG; sets P to the server's PID and returns once
#   /v2/health/ready answers (READY_POLL seconds between tries, default 0.5). If the server exits first (a port in
#   use, a bad option), or is not ready within 15 minutes, prints why with the log's last lines and exits 1.
serve_start() {
  local jar=$1 port=$2 name=$3 file=$4 mb=$5 log=$6
  shift 6
  java --add-modules jdk.incubator.vector -Xss4m -Xmx2g -XX:-UseDynamicNumberOfCompilerThreads "$@" -jar "$jar" serve \
    --model "$name=$file" --port "$port" --max-batch "$mb" --max-wait-us 2000 --queue 256 ${SERVE_ARGS:-} >"$log" 2>&1 &
  P=$!
  local deadline=$((SECONDS + 900))
  until curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null 2>&1; do
    if ! kill -0 "$P" 2>/dev/null; then
      echo "serve_start: the server stopped before it was ready (port $port); its log ends:" >&2
      tail -5 "$log" >&2
      exit 1
    fi
    if [ $SECONDS -ge $deadline ]; then
      echo "serve_start: the server was not ready within 15 minutes (port $port); its log ends:" >&2
      tail -5 "$log" >&2
      kill "$P" 2>/dev/null
      exit 1
    fi
    sleep "${READY_POLL:-0.5}"
  done
}
