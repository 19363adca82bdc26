#!/usr/bin/python3
"""Structure-aware mutations of PyTorch .pth files (issue 15), both formats, aimed at the restricted unpickler.

Byte mutations of a zip-format file mostly stop at the zip reader (sizes, CRCs) and of a legacy file at the first
pickle; these keep the container valid and change the pickle itself, opcode by opcode: integer arguments
(storage sizes, offsets, shapes, strides, memo indices) set to 0, -1, huge, 2^31, 2^62; GLOBALs swapped for other
callables (os.system, builtins.eval, getattr, other torch rebuild functions and storage types, numpy); strings
(storage keys, locations, dtypes) changed; opcodes deleted, duplicated, or inserted (MARK, POP, BINGET of a missing
memo entry, deep nesting, STOP); and, outside the pickle, storage records truncated, extended or removed, the
version record changed. Zip files are rewritten with correct CRCs. Writes N files OUT_DIR/s<seed>-<i>.pth and
OUT_DIR/mutations.txt.

    /usr/bin/python3 tools/fuzz/pth_structured.py OUT_DIR N SEED FILE.pth...
"""
import io
import os
import pickletools
import random
import struct
import sys
import zipfile

INTS = [0, 1, -1, 2, 3, 7, -2, 255, 256, 1 << 16, 1 << 20, (1 << 31) - 1, 1 << 31, -(1 << 31), 1 << 32, 1 << 40,
        1 << 62, (1 << 63) - 1, -(1 << 63), 1 << 64]
GLOBALS = [("os", "system"), ("posix", "system"), ("builtins", "eval"), ("builtins", "exec"), ("builtins", "getattr"),
           ("__builtin__", "set"), ("subprocess", "Popen"), ("torch._utils", "_rebuild_tensor_v2"),
           ("torch._utils", "_rebuild_tensor"), ("torch._utils", "_rebuild_parameter"),
           ("torch._utils", "_rebuild_qtensor"), ("torch._utils", "_rebuild_sparse_tensor"),
           ("collections", "OrderedDict"), ("torch", "FloatStorage"), ("torch", "HalfStorage"),
           ("torch", "LongStorage"), ("torch", "BFloat16Storage"), ("torch", "DoubleStorage"), ("torch", "ByteStorage"),
           ("torch", "BoolStorage"), ("torch", "ComplexFloatStorage"), ("torch", "float32"), ("torch", "Size"),
           ("numpy.core.multiarray", "_reconstruct"), ("torch.nn.modules.conv", "Conv2d"), ("torch.storage", "_load_from_bytes")]
STRINGS = ["0", "1", "99", "-1", "", "../../etc/passwd", "/etc/passwd", "data/0", "cpu", "cuda:0", "storage",
           "weight", "x" * 70000, "\u202e\x1b]0;title\x07", "conv1.weight", "fc.bias", "_metadata", "version"]


def int_op(v):
    if -(1 << 31) <= v < (1 << 31):
        return b"J" + struct.pack("<i", v)
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def str_op(s):
    b = s.encode("utf-8", "surrogatepass")
    return b"X" + struct.pack("<I", len(b)) + b


def chunks(pkl):
    """The pickle as a list of (opcode name, arg, raw bytes), and the bytes after its STOP."""
    ops = list(pickletools.genops(io.BytesIO(pkl)))
    out = []
    for k, (op, arg, pos) in enumerate(ops):
        end = ops[k + 1][2] if k + 1 < len(ops) else pos + 1
        out.append((op.name, arg, pkl[pos:end]))
    return out, pkl[ops[-1][2] + 1:]


def mutate_pickle(pkl, r, what):
    ops, rest = chunks(pkl)
    for _ in range(1 + r.randrange(3)):
        k = r.randrange(8)
        i = r.randrange(len(ops) - 1) if len(ops) > 1 else 0
        if k == 0:
            ints = [j for j, (n, a, _) in enumerate(ops) if isinstance(a, int) and "PUT" not in n and n != "PROTO"]
            if ints:
                j = r.choice(ints)
                v = r.choice(INTS)
                ops[j] = ("BININT", v, int_op(v))
                what.append("int@%d=%d" % (j, v))
        elif k == 1:
            gl = [j for j, (n, _, _) in enumerate(ops) if n == "GLOBAL"]
            if gl:
                j = r.choice(gl)
                m, f = r.choice(GLOBALS)
                ops[j] = ("GLOBAL", m + " " + f, b"c" + m.encode() + b"\n" + f.encode() + b"\n")
                what.append("global@%d=%s.%s" % (j, m, f))
        elif k == 2:
            st = [j for j, (n, a, _) in enumerate(ops) if isinstance(a, str) and n != "GLOBAL"]
            if st:
                j = r.choice(st)
                s = r.choice(STRINGS)
                ops[j] = ("BINUNICODE", s, str_op(s))
                what.append("str@%d=%r" % (j, s[:20]))
        elif k == 3:
            what.append("del@%d %s" % (i, ops[i][0]))
            del ops[i]
        elif k == 4:
            what.append("dup@%d %s" % (i, ops[i][0]))
            ops.insert(i, ops[i])
        elif k == 5:
            ins = r.choice([b"(", b"0", b"h\xff", b"j\xff\xff\x00\x00", b"N", b"]", b"}", b")", b"R", b"b", b"u",
                            b"e", b"Q", b".", b"(" * 100000, b"]" * 100000 + b"a" * 99999,
                            b"]q\x00" + b"h\x00a" * 50000])
            ops.insert(i, ("INS", None, ins))
            what.append("insert@%d %r" % (i, ins[:8]))
        elif k == 6:
            ints = [j for j, (n, a, _) in enumerate(ops) if n in ("BINPUT", "LONG_BINPUT", "BINGET", "LONG_BINGET")]
            if ints:
                j = r.choice(ints)
                v = r.choice([0, 1, 255, 1 << 20, (1 << 32) - 1])
                code = b"q" if "PUT" in ops[j][0] else b"h"
                raw = (code + bytes([v])) if v < 256 else ((b"r" if code == b"q" else b"j") + struct.pack("<I", v))
                ops[j] = (ops[j][0], v, raw)
                what.append("memo@%d=%d" % (j, v))
        else:
            cut = r.randrange(len(ops))
            what.append("cut@%d" % cut)
            ops = ops[:cut]
            return b"".join(o[2] for o in ops)
    return b"".join(o[2] for o in ops) + rest


def mutate_zip(data, r, what):
    z = zipfile.ZipFile(io.BytesIO(data))
    recs = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    k = r.randrange(5)
    if k <= 2:
        j = next(j for j, (n, _) in enumerate(recs) if n.endswith("data.pkl"))
        recs[j] = (recs[j][0], mutate_pickle(recs[j][1], r, what))
    elif k == 3:
        st = [j for j, (n, _) in enumerate(recs) if "/data/" in n]
        if st:
            j = r.choice(st)
            n, b = recs[j]
            c = r.randrange(3)
            if c == 0:
                recs[j] = (n, b[:r.randrange(len(b) + 1)])
                what.append("storage %s cut" % n)
            elif c == 1:
                recs[j] = (n, b + bytes(r.choice([1, 4, 4096])))
                what.append("storage %s longer" % n)
            else:
                del recs[j]
                what.append("storage %s removed" % n)
    else:
        j = next((j for j, (n, _) in enumerate(recs) if n.endswith("/version")), None)
        if j is not None:
            v = r.choice([b"0\n", b"99\n", b"", b"-1\n", b"3\n", b"x\n"])
            recs[j] = (recs[j][0], v)
            what.append("version %r" % v)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as w:
        for n, b in recs:
            w.writestr(n, b)
    return out.getvalue()


def mutate_legacy(data, r, what):
    # magic, protocol, sys_info, the object, the storage keys: five pickles, then the storages' raw bytes
    parts, pos = [], 0
    for _ in range(5):
        ops = list(pickletools.genops(io.BytesIO(data[pos:])))
        end = pos + ops[-1][2] + 1
        parts.append(data[pos:end])
        pos = end
    tail = data[pos:]
    k = r.randrange(6)
    if k <= 3:
        j = 3 if k < 3 else r.choice([0, 1, 2, 4])
        parts[j] = mutate_pickle(parts[j], r, what)
        what.insert(0, "pickle %d:" % j)
    elif k == 4:
        tail = tail[:r.randrange(len(tail) + 1)]
        what.append("storages cut to %d" % len(tail))
    else:
        at = r.randrange(max(1, len(tail) - 8))
        v = r.choice(INTS)
        tail = tail[:at] + (v & ((1 << 64) - 1)).to_bytes(8, "little") + tail[at + 8:]
        what.append("storage count@%d=%d" % (at, v))
    return b"".join(parts) + tail


def main():
    out, n, seed, files = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    r = random.Random(seed)
    seeds = [(f, open(f, "rb").read()) for f in files]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "mutations.txt"), "w") as log:
        for i in range(n):
            f, data = r.choice(seeds)
            what = []
            try:
                m = mutate_zip(data, r, what) if zipfile.is_zipfile(io.BytesIO(data)) else mutate_legacy(data, r, what)
            except (ValueError, IndexError, StopIteration, struct.error) as e:
                m, what = data, ["skipped: %s" % e]
            name = "s%d-%04d.pth" % (seed, i)
            with open(os.path.join(out, name), "wb") as o:
                o.write(m)
            log.write("%s\t%s\t%s\n" % (name, os.path.basename(f), "; ".join(what)))


if __name__ == "__main__":
    main()
