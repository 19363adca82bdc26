#!/usr/bin/python3
"""Writes the attacker's files of issue 15's walk (tools/cli-walk/attacks.txt) into DIR/a (default /tmp/cli-walk/a):
small files that declare huge contents, deep nesting, pictures whose headers claim huge sizes, and checkpoints
changed by hand. Run after prepare.py and after run.sh has made DIR/m/lenet.c4j (the .c4j files are made from it).

  st_empty_filters.safetensors   conv1.weight [6400, 0, 7, 7] and no data (the issue's 173-byte file)
  st_declared.safetensors        conv1.weight [6400, 3, 7, 7] declared, no byte stored
  st_header_1tb.safetensors      a header length of 2^40 bytes
  st_offsets_2e63.safetensors    data offsets beyond a long
  onnx_shared/model.onnx         30 initializers sharing one sparse 256 MiB big.bin (hostile_fixtures.py's file)
  onnx_dims.onnx                 an initializer of dims [2^31, 2^31, 2^31] without data
  onnx_if_deep.onnx              If nodes whose then_branch graphs nest 3,000 deep (protobuf written by hand)
  idx/t10k-images-idx3-ubyte.gz  a gzip bomb: 2,000,000 pictures of 28 x 28 (1.6 GB) in about 1.5 MB
  idx_declared/                  Fashion-MNIST files whose headers declare 60,000 pictures and hold none
  npy_declared.npy               shape (1000000, 1000000) float32 declared, no data
  npy_header_4g.npy             a version-2 header of 4 GB declared length
  deep.json                      a JSON tensor nested 100,000 deep
  png_60k.png, jpeg_65k.jpg, gif_65k.gif, bmp_50k.bmp   headers claiming 50000 x 50000 and more, bodies of bytes
  uniform_100mp.webp             a real 100-megapixel picture of 3.9 KB (large_pictures.py's fixture)
  hostile_pics/                  those pictures, a truncated JPEG and one good picture
  deep.c4j                       lenet.c4j with its description nested 10,000 deep (checksums made to match)
  nan.c4j                        lenet.c4j with every weight of conv1 NaN and one +Inf (checksums made to match)
  tampered.c4j                   lenet.c4j with one byte of its description changed (checksums left)
  escape.c4j                     lenet.c4j whose class names hold terminal escapes (checksums made to match)

Usage: /usr/bin/python3 tools/cli-walk/attacks_prepare.py [DIR]
"""
import gzip
import hashlib
import json
import os
import shutil
import struct
import sys
import zlib

d = sys.argv[1] if len(sys.argv) > 1 else "/tmp/cli-walk"
a = os.path.join(d, "a")
os.makedirs(a, exist_ok=True)
root = os.path.dirname(os.path.abspath(__file__)) + "/../.."
hostile = os.path.join(root, "convnet4j-io/src/test/resources/fixtures/hostile")


def put(name, data):
    with open(os.path.join(a, name), "wb") as f:
        f.write(data)


def safetensors(header, data=b""):
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + data


put("st_empty_filters.safetensors", safetensors(
    {"conv1.weight": {"dtype": "F32", "shape": [6400, 0, 7, 7], "data_offsets": [0, 0]}}))
put("st_declared.safetensors", safetensors(
    {"conv1.weight": {"dtype": "F32", "shape": [6400, 3, 7, 7], "data_offsets": [0, 6400 * 3 * 49 * 4]}}))
put("st_header_1tb.safetensors", struct.pack("<Q", 1 << 40) + b"{}")
put("st_offsets_2e63.safetensors", safetensors(
    {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 9223372036854775816]}}, b"\0" * 8))

for name in ("keras_declared_not_written.h5", "keras_resnet50_stem.h5", "pth_deflated_zeros.pth",
             "torch_resnet18_stem.safetensors"):
    shutil.copy(os.path.join(hostile, name), os.path.join(a, name))
shutil.copy(os.path.join(root, "convnet4j-core/src/test/resources/org/convnet4j/image/large", "uniform_100mp.webp"), a)
os.makedirs(os.path.join(a, "onnx_shared"), exist_ok=True)
shutil.copy(os.path.join(hostile, "onnx_shared_external.onnx"), os.path.join(a, "onnx_shared", "model.onnx"))
with open(os.path.join(a, "onnx_shared", "big.bin"), "wb") as f:
    f.truncate(1 << 28)  # sparse


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def field(number, wire, payload):
    key = varint(number << 3 | wire)
    if wire == 2:
        return key + varint(len(payload)) + payload
    return key + payload


def text(number, s):
    return field(number, 2, s.encode())


def model(graph):  # ModelProto: ir_version 7, opset 13, graph
    opset = field(8, 2, text(1, "") + field(2, 0, varint(13)))
    return field(1, 0, varint(7)) + opset + field(7, 2, graph)


def value_info(name, dims):
    shape = b"".join(field(1, 2, field(1, 0, varint(x))) for x in dims)
    tensor_type = field(1, 0, varint(1)) + field(2, 2, shape)  # FLOAT
    return text(1, name) + field(2, 2, field(1, 2, tensor_type))


# an initializer of 2^93 floats: TensorProto dims (1), data_type FLOAT (2), name (8), no data
big = b"".join(field(1, 0, varint(1 << 31)) for _ in range(3)) + field(2, 0, varint(1)) + text(8, "w")
graph = (field(1, 2, text(1, "x") + text(1, "w") + text(2, "y") + text(4, "Add")) + text(2, "g")
         + field(5, 2, big) + field(11, 2, value_info("x", [1])) + field(12, 2, value_info("y", [1])))
put("onnx_dims.onnx", model(graph))

# If nodes nested through their then_branch graphs
inner = text(2, "leaf")
for i in range(3000):
    attr = text(1, "then_branch") + field(20, 0, varint(5)) + field(6, 2, inner)
    node = text(1, "c") + text(2, "o%d" % i) + text(4, "If") + field(5, 2, attr)
    inner = field(1, 2, node) + text(2, "g%d" % i)
graph = inner + field(11, 2, value_info("c", [1])) + field(12, 2, value_info("o2999", [1]))
put("onnx_if_deep.onnx", model(graph))


def idx_header(dims, code=0x08):
    return struct.pack(">BBBB", 0, 0, code, len(dims)) + b"".join(struct.pack(">I", x) for x in dims)


os.makedirs(os.path.join(a, "idx"), exist_ok=True)
block = 16 << 20
zeros = gzip.compress(b"\0" * block, 9)
with open(os.path.join(a, "idx", "t10k-images-idx3-ubyte.gz"), "wb") as f:
    f.write(gzip.compress(idx_header([2_000_000, 28, 28])))
    for _ in range((2_000_000 * 784 + block - 1) // block):
        f.write(zeros)  # concatenated gzip members: one stream to a reader
os.makedirs(os.path.join(a, "idx_declared"), exist_ok=True)
for name, dims in (("train-images-idx3-ubyte", [60000, 28, 28]), ("train-labels-idx1-ubyte", [60000]),
                   ("t10k-images-idx3-ubyte", [60000, 28, 28]), ("t10k-labels-idx1-ubyte", [60000])):
    with open(os.path.join(a, "idx_declared", name), "wb") as f:
        f.write(idx_header(dims))
    if name != "t10k-images-idx3-ubyte":  # the bomb's companions: one picture each
        with open(os.path.join(a, "idx", name), "wb") as f:
            f.write(idx_header([1] + dims[1:]) + b"\0" * (784 if "idx3" in name else 1))

npy = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }"
npy += " " * (63 - (10 + len(npy)) % 64) + "\n"
put("npy_declared.npy", b"\x93NUMPY\x01\x00" + struct.pack("<H", len(npy)) + npy.encode())
put("npy_header_4g.npy", b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFF0) + b"{'descr': '<f4'" + b" " * 100)
put("deep.json", b"[" * 100_000 + b"1" + b"]" * 100_000)


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


put("png_60k.png", b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 60000, 60000, 8, 2, 0, 0, 0))
    + png_chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + png_chunk(b"IEND", b""))
# a baseline JPEG of 65000 x 65000 with one scan of nothing: the SOF0 header is all that matters
sof = struct.pack(">BHHB", 8, 65000, 65000, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
put("jpeg_65k.jpg", b"\xff\xd8" + b"\xff\xc0" + struct.pack(">H", len(sof) + 2) + sof + b"\xff\xd9")
put("gif_65k.gif", b"GIF89a" + struct.pack("<HHBBB", 65535, 65535, 0, 0, 0)
    + b"\x2c" + struct.pack("<HHHHB", 0, 0, 65535, 65535, 0) + b"\x08\x02\x4c\x01\x00\x3b")
bmp_info = struct.pack("<IiiHHIIiiII", 40, 50000, 50000, 1, 24, 0, 0, 2835, 2835, 0, 0)
put("bmp_50k.bmp", b"BM" + struct.pack("<IHHI", 54 + 16, 0, 0, 54) + bmp_info + b"\0" * 16)
# a picture folder of those and one good picture (predict DIR, spark predict --images): errors per file, not a crash
os.makedirs(os.path.join(a, "hostile_pics"), exist_ok=True)
for name in ("png_60k.png", "jpeg_65k.jpg", "gif_65k.gif", "bmp_50k.bmp", "uniform_100mp.webp"):
    shutil.copy(os.path.join(a, name), os.path.join(a, "hostile_pics", name))
for name in ("trunc.jpg", "pic.png"):
    shutil.copy(os.path.join(d, name), os.path.join(a, "hostile_pics", name))


def read_c4j(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    return json.loads(raw[8:8 + n]), bytearray(raw[8 + n:])


def write_c4j(name, header, data, fix=True):
    meta = header["__metadata__"]
    if fix:
        meta["description_sha256"] = hashlib.sha256(meta["convnet4j"].encode()).hexdigest()
        meta["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-(8 + len(h)) % 8)
    put(name, struct.pack("<Q", len(h)) + h + bytes(data))


lenet = os.path.join(d, "m", "lenet.c4j")
if os.path.exists(lenet):
    header, data = read_c4j(lenet)
    deep = json.loads(json.dumps(header))
    deep["__metadata__"]["convnet4j"] = '{"architecture":' + "[" * 10_000 + "]" * 10_000 + "}"
    write_c4j("deep.c4j", deep, data)

    nan = json.loads(json.dumps(header))
    first = sorted((k for k in header if k != "__metadata__"), key=lambda k: header[k]["data_offsets"][0])[0]
    b0, b1 = header[first]["data_offsets"]
    changed = bytearray(data)
    changed[b0:b1] = struct.pack("<f", float("nan")) * ((b1 - b0) // 4)
    changed[b0:b0 + 4] = struct.pack("<f", float("inf"))
    write_c4j("nan.c4j", nan, changed)

    tampered = json.loads(json.dumps(header))
    desc = tampered["__metadata__"]["convnet4j"]
    i = desc.index("MaxPool") if "MaxPool" in desc else len(desc) // 2
    tampered["__metadata__"]["convnet4j"] = desc[:i] + "Avg" + desc[i + 3:]
    write_c4j("tampered.c4j", tampered, data, fix=False)

    esc = json.loads(json.dumps(header))
    desc = json.loads(esc["__metadata__"]["convnet4j"])
    desc["class_names"] = ["\x1b]0;pwned\x07" + c + "\x1b[2J" for c in desc["class_names"]]
    esc["__metadata__"]["convnet4j"] = json.dumps(desc, separators=(",", ":"))
    write_c4j("escape.c4j", esc, data)
print("wrote", sorted(os.listdir(a)))
