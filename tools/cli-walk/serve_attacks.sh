#!/bin/bash
# Issue 15's attacks on `convnet4j serve`: hostile bodies, headers and pictures (attacks_prepare.py's files in $D/a)
# against one server on LeNet (run.sh's $D/m/lenet.c4j), -Xmx1g. Each case prints its HTTP status, the seconds it took
# and the first 200 bytes of the answer; at the end the server must still answer, its heap after GC is printed and
# its stderr is searched for stack traces.
# Usage: JAR=convnet4j-cli/target/convnet4j.jar D=/tmp/cli-walk tools/cli-walk/serve_attacks.sh OUT
set -u
: "${JAR:?set JAR to the CLI jar}" "${D:?set D to the folder of prepare.py}"
mkdir -p "$1"; out=$(realpath "$1"); A=$D/a
port=$((20000 + RANDOM % 20000))
U=http://127.0.0.1:$port
nice java -Xmx1g --add-modules jdk.incubator.vector -jar "$JAR" serve --model lenet="$D/m/lenet.c4j" --port $port \
  --warmup 0 >"$out/serve.out" 2>"$out/serve.err" &
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
for i in $(seq 8); do  # eight 100 MP WebP pictures at once against the decode budget
  curl -s -o "$out/w$i.body" -w "%{http_code}\n" --data-binary @"$A/uniform_100mp.webp" "$P" >"$out/w$i.code" &
done
wait $(jobs -p | grep -v "^$pid$") 2>/dev/null
n=$((n+1)); printf '%s\t%s\t%s\t%s\n' "$n" "$(cat "$out"/w*.code | sort | uniq -c | tr '\n' ' ')" \
  "eight 100 MP WebP at once" "$(head -c 200 "$out/w1.body")" | tee -a "$out/serve.tsv"
hit "still answers: a real picture" --data-binary @"$D/pic.png" "$P"
curl -s "$U/metrics" | grep -E '^convnet4j_jvm_memory_after_gc_bytes' | tee "$out/heap.txt"
echo "stack traces in serve.err: $(grep -cE '^\s+at |Exception' "$out/serve.err")" | tee -a "$out/serve.tsv"
