#!/bin/bash
# Issue 15's attacks on `convnet4j serve`: hostile bodies, headers and pictures (attacks_prepare.py's files in $D/a)
# against one server on LeNet (run.sh's $D/m/lenet.c4j), -Xmx1g. Each case prints its HTTP status, the seconds it took
# and the first 200 bytes of the answer; at the end the server must still answer, its heap after GC is printed and
# its stderr is searched for stack traces.
# The "v2 raw" and slowloris cases send HTTP that curl will not (duplicate and conflicting lengths, smuggling,
# malformed heads, pipelining, bytes dribbled or cut off); the server runs with --idle-timeout 5 for them.
# SERVE_OPTS: JVM options of the server, e.g. -Dconvnet4j.serve.lean=true (docs/ROBUSTNESS.md compares off and on).
# Usage: JAR=convnet4j-cli/target/convnet4j.jar D=/tmp/cli-walk [SERVE_OPTS=...] tools/cli-walk/serve_attacks.sh OUT
set -u
: "${JAR:?set JAR to the CLI jar}" "${D:?set D to the folder of prepare.py}"
mkdir -p "$1"; out=$(realpath "$1"); A=$D/a
port=$((20000 + RANDOM % 20000))
U=http://127.0.0.1:$port
nice java -Xmx1g --add-modules jdk.incubator.vector ${SERVE_OPTS:-} -jar "$JAR" serve --model lenet="$D/m/lenet.c4j" --port $port \
  --warmup 0 --idle-timeout 5 >"$out/serve.out" 2>"$out/serve.err" &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 120); do curl -s -o /dev/null "$U/v2/health/ready" && break; sleep 1; done
n=0
hit() {  # description, then curl's arguments
  local what=$1; shift; n=$((n+1))
  local r; r=$(curl -s -o "$out/s$n.body" -w '%{http_code} %{time_total}' --max-time 60 "$@")
  printf '%s\t%s\t%s\t%s\n' "$n" "$r" "$what" "$(head -c 200 "$out/s$n.body" | tr '\n\r' '  ')" | tee -a "$out/serve.tsv"
}
: >"$out/serve.tsv"
P=$U/predictions/lenet
I=$U/v2/models/lenet/infer
hit "PNG header 60000x60000" --data-binary @"$A/png_60k.png" "$P"
hit "JPEG SOF 65000x65000" --data-binary @"$A/jpeg_65k.jpg" "$P"
hit "GIF 65535x65535" --data-binary @"$A/gif_65k.gif" "$P"
hit "BMP 50000x50000" --data-binary @"$A/bmp_50k.bmp" "$P"
hit "truncated JPEG" --data-binary @"$D/trunc.jpg" "$P"
hit "text as a picture" --data-binary @"$D/text.png" "$P"
hit "empty body" -X POST "$P"
hit "topk=-1" --data-binary @"$D/pic.png" "$P?topk=-1"
hit "topk=99999999999999" --data-binary @"$D/pic.png" "$P?topk=99999999999999"
hit "Content-Length 10^12, no body" -H 'Content-Length: 1000000000000' -X POST "$P"
hit "chunked 64 MB of zeros" -H 'Transfer-Encoding: chunked' --data-binary @<(head -c 67108864 /dev/zero) "$P"
hit "v2: JSON nested 100000 deep" -H 'Content-Type: application/json' --data-binary @"$A/deep.json" "$I"
hit "v2: shape [1000000000,1,28,28]" -H 'Content-Type: application/json' \
  --data '{"inputs":[{"name":"input","shape":[1000000000,1,28,28],"datatype":"FP32","data":[0]}]}' "$I"
hit "v2: shape with 2^63" -H 'Content-Type: application/json' \
  --data '{"inputs":[{"name":"input","shape":[9223372036854775807,3,16,16],"datatype":"FP32","data":[0]}]}' "$I"
hit "v2: NaN in data" -H 'Content-Type: application/json' \
  --data '{"inputs":[{"name":"input","shape":[1,1],"datatype":"FP32","data":[NaN]}]}' "$I"
hit "v2: binary, header length 10^11" -H 'Inference-Header-Content-Length: 99999999999' \
  --data-binary '{"inputs":[]}' "$I"
hit "v2: binary, header length -5" -H 'Inference-Header-Content-Length: -5' --data-binary '{"inputs":[]}' "$I"
hdr='{"inputs":[{"name":"input","shape":[1,3,16,16],"datatype":"FP32","parameters":{"binary_data_size":4000000000}}]}'
hit "v2: binary_data_size 4e9, 8 bytes sent" -H "Inference-Header-Content-Length: ${#hdr}" \
  --data-binary "$hdr"$'\x00\x00\x00\x00\x00\x00\x00\x00' "$I"
hit "header of 1 MB" -H "X-Big: $(head -c 1000000 /dev/zero | tr '\0' a)" --data-binary @"$D/pic.png" "$P"
hit "10000 headers" $(for i in $(seq 10000); do printf -- '-H X-%d:1 ' "$i"; done) --data-binary @"$D/pic.png" "$P"
hit "model name with ESC" --data-binary @"$D/pic.png" "$U/predictions/%1b%5d0%3bpwned%07"
hit "path ../../etc/passwd" --path-as-is "$U/predictions/../../etc/passwd"
hit "URL of 100 KB" "$U/predictions/$(head -c 100000 /dev/zero | tr '\0' a)"
# Raw HTTP on one connection (bash's /dev/tcp), for what curl will not send: $2 is sent as printf's %b (\r\n, \0);
# listed are every status the server answered on that connection and whether it closed the connection within $3
# seconds (default 3). DRIBBLE=SECONDS sends it a byte at a time, that long apart.
raw() {
  local what=$1 data=$2 wait=${3:-3}; n=$((n+1))
  local t0=$EPOCHREALTIME s
  printf -v s '%b' "$data"
  exec 3<>"/dev/tcp/127.0.0.1/$port"
  (if [[ -n ${DRIBBLE:-} ]]; then
     for ((i = 0; i < ${#s}; i++)); do printf '%s' "${s:i:1}" >&3 || break; sleep "$DRIBBLE"; done
   else printf '%s' "$s" >&3; fi) 2>/dev/null &
  local writer=$!
  timeout "$wait" cat <&3 >"$out/s$n.body" 2>/dev/null; local rc=$?
  kill $writer 2>/dev/null; wait $writer 2>/dev/null
  exec 3<&- 3>&-
  local state=closed; [[ $rc == 124 ]] && state=open
  local codes; codes=$(grep -a -o 'HTTP/1\.1 [0-9][0-9][0-9]' "$out/s$n.body" | cut -d' ' -f2 | paste -sd, -)
  printf '%s\t%s %s %s\t%s\t%s\n' "$n" "${codes:-none}" "$state" "$(awk "BEGIN { printf \"%.2f\", $EPOCHREALTIME - $t0 }")" \
    "$what" "$(grep -a -o '{"error".*' "$out/s$n.body" | head -c 200 | tr '\n\r' '  ')" | tee -a "$out/serve.tsv"
}
# a valid v2 request of the model (3x16x16, zeros), its head's headers, and the path
ok_body="{\"inputs\":[{\"name\":\"input\",\"shape\":[1,3,16,16],\"datatype\":\"FP32\",\"data\":[$(printf '0,%.0s' $(seq 767))0]}]}"
V="POST /v2/models/lenet/infer HTTP/1.1\r\n"
T='Content-Type: application/json\r\n'
ok_req="${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: a valid request (the reference)" "$ok_req"
raw "v2 raw: Content-Length given twice, same value" \
  "${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\nContent-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: two Content-Lengths that differ" \
  "${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\nContent-Length: $((${#ok_body} + 5))\r\n\r\n$ok_body"
smuggled='0\r\n\r\nGET /v2/health/live HTTP/1.1\r\nHost: a\r\n\r\n'
raw "v2 raw: Content-Length and Transfer-Encoding: chunked, a GET smuggled after the last chunk" \
  "${V}Host: a\r\n${T}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n$smuggled"
raw "v2 raw: chunked, the valid body in two chunks" "${V}Host: a\r\n${T}Transfer-Encoding: chunked\r\n\r\n$(printf '%x' 100)\r\n${ok_body:0:100}\r\n$(printf '%x' $((${#ok_body} - 100)))\r\n${ok_body:100}\r\n0\r\n\r\n"
raw "v2 raw: Transfer-Encoding: gzip" "${V}Host: a\r\n${T}Transfer-Encoding: gzip\r\n\r\n$ok_body"
raw "v2 raw: 'Transfer-Encoding : chunked' (space before the colon)" \
  "${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\nTransfer-Encoding : chunked\r\n\r\n$ok_body"
for cl in "+${#ok_body}" "0x10" "000${#ok_body}" "-1" "99999999999999999999" "${#ok_body} ${#ok_body}" "0"; do
  raw "v2 raw: Content-Length '$cl'" "${V}Host: a\r\n${T}Content-Length: $cl\r\n\r\n$ok_body"
done
raw "v2 raw: no Host" "${V}${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: two Hosts" "${V}Host: a\r\nHost: b\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
for host in "a b" "[::1" "a:99999" "a@b" ""; do
  raw "v2 raw: Host '$host'" "${V}Host: $host\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
done
raw "v2 raw: a header of 1 MB" \
  "${V}Host: a\r\nX-Big: $(head -c 1000000 /dev/zero | tr '\0' a)\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: 10000 headers" \
  "${V}Host: a\r\n$(printf 'X-%d: 1\\r\\n' $(seq 10000))${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
for size in 8192 8193; do  # a head of exactly SIZE bytes (Jetty's request header limit is 8 KiB), padded by X-Pad
  h="${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\nX-Pad: \r\n\r\n"; printf -v hb '%b' "$h"
  raw "v2 raw: a head of $size bytes" "${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\nX-Pad: $(head -c $((size - ${#hb})) /dev/zero | tr '\0' p)\r\n\r\n$ok_body"
done
raw "v2 raw: a header value with a byte above 127 (0xE9)" "${V}Host: a\r\nX-A: caf\351\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: a control character (SOH) in a header's value" "${V}Host: a\r\nX-A: b\001c\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: bare LF line ends" "${V%\\r\\n}\nHost: a\nContent-Type: application/json\nContent-Length: ${#ok_body}\n\n$ok_body"
raw "v2 raw: a folded header line" "${V}Host: a\r\nX-A: b\r\n c\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: HTTP/1.0" "POST /v2/models/lenet/infer HTTP/1.0\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: method 'post'" "post /v2/models/lenet/infer HTTP/1.1\r\nHost: a\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: absolute-form target" \
  "POST http://a/v2/models/lenet/infer HTTP/1.1\r\nHost: a\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: /v2/models/../models/lenet/infer" \
  "POST /v2/models/../models/lenet/infer HTTP/1.1\r\nHost: a\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: model name percent-encoded (len%65t)" \
  "POST /v2/models/len%65t/infer HTTP/1.1\r\nHost: a\r\n${T}Content-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: Expect: 100-continue" "${V}Host: a\r\n${T}Expect: 100-continue\r\nContent-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: Connection: close" "${V}Host: a\r\n${T}Connection: close\r\nContent-Length: ${#ok_body}\r\n\r\n$ok_body"
raw "v2 raw: Content-Length 20 MB (over --max-body), no body" "${V}Host: a\r\n${T}Content-Length: 20000000\r\n\r\n"
big="{\"inputs\":[$(head -c 100000 /dev/zero | tr '\0' ' ')"
raw "v2 raw: a 100 KB body (past the lean limit), broken JSON" "${V}Host: a\r\n${T}Content-Length: ${#big}\r\n\r\n$big"
raw "v2 raw: broken JSON" "${V}Host: a\r\n${T}Content-Length: 12\r\n\r\n{\"inputs\": ["
raw "v2 raw: pipelined, a valid request then garbage" "${ok_req}GARBAGE\r\n\r\n"
raw "v2 raw: pipelined, two valid requests then one with Content-Length 'x'" \
  "${ok_req}${ok_req}${V}Host: a\r\n${T}Content-Length: x\r\n\r\n$ok_body"
forty=""; for _ in $(seq 40); do forty+=$ok_req; done
raw "v2 raw: pipelined, 40 valid requests in one write" "$forty" 6
raw "v2 raw: pipelined, a valid request then one whose body stops short (50 declared, 4 sent)" \
  "${ok_req}${V}Host: a\r\n${T}Content-Length: 50\r\n\r\n{\"in" 12
raw "slowloris: a v2 head cut halfway, then silence (idle timeout 5 s)" "${V}Host: a\r\nContent-Ty" 12
raw "slowloris: a v2 head and 10 bytes of its body, then silence" "${V}Host: a\r\n${T}Content-Length: ${#ok_body}\r\n\r\n${ok_body:0:10}" 12
DRIBBLE=0.005 raw "slowloris: a valid request a byte every 5 ms" "$ok_req" 30
slow=()
for _ in $(seq 300); do  # 300 connections each holding a head cut halfway while a real request comes
  (exec 4<>"/dev/tcp/127.0.0.1/$port"; printf '%b' "${V}Host: a\r\n" >&4; sleep 4) 2>/dev/null & slow+=($!)
done
sleep 1
hit "v2 while 300 connections hold half a head" -H 'Content-Type: application/json' --data "$ok_body" "$I"
wait "${slow[@]}" 2>/dev/null
for i in $(seq 8); do  # eight 100 MP WebP pictures at once against the decode budget
  curl -s -o "$out/w$i.body" -w "%{http_code}\n" --data-binary @"$A/uniform_100mp.webp" "$P" >"$out/w$i.code" &
done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null
n=$((n+1)); printf '%s\t%s\t%s\t%s\n' "$n" "$(cat "$out"/w*.code | sort | uniq -c | tr '\n' ' ')" \
  "eight 100 MP WebP at once" "$(head -c 200 "$out/w1.body")" | tee -a "$out/serve.tsv"
hit "still answers: a real picture" --data-binary @"$D/pic.png" "$P"
curl -s "$U/metrics" | grep -E '^convnet4j_jvm_memory_after_gc_bytes' | tee "$out/heap.txt"
echo "stack traces in serve.err: $(grep -cE '^\s+at |Exception' "$out/serve.err")" | tee -a "$out/serve.tsv"
