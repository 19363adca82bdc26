#!/usr/bin/python3
"""Cases for fuzzing ONNX programs that run (issue 15): the typed path's graphs and their second stage.

The models of onnx_runtime_values/ take integer inputs (a Reshape target, Resize sizes, an Expand count, a Resize
factor) whose values decide, at run time, the shapes of the second stage's float layers; typed_head,
training_forms and second_stage_transfer run Transpose/MatMul/Slice/Gather/Reshape on the typed path. Reading and
importing such a file (predict, the Jazzer target) never reaches that code; `convnet4j infer` with the inputs does.
Each case is a folder OUT/cNNNN with model.onnx and input_0.pb ... (in the model's input order), made from a seed
folder (model.onnx + test_data_set_0/input_*.pb) by one or more of: an integer input's values set to 0, -1, huge,
2^31, 2^62 or a small number; a float input's shape changed (batch, a spatial size); the model mutated by
onnx_structured.mutate (Constant values, initializers, integer attributes, op types, inputs rewired, nodes dropped).
CliFuzz's `infer` mode runs them (and byte mutations of their model files).

    /usr/bin/python3 tools/fuzz/onnx_programs.py OUT_DIR N SEED SEED_DIR...
"""
import glob
import os
import random
import sys

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_structured  # noqa: E402

SMALL = [0, 1, 2, 3, 4, 5, 6, 8, 16, 64, 1000]


STRINGS = [b"", b"x" * 100000, "\u00e9\U0001F600".encode("utf-8"), b"\xff\xfe", b"\x1b]0;t\x07", b"unseen", b"\x00"]


def mutate_input(a, r, what):
    a = a.copy()
    if a.dtype == object:  # STRING inputs (ai.onnx.ml fixtures): a value or the count changed
        flat = list(a.reshape(-1))
        if flat and r.randrange(2):
            i = r.randrange(len(flat))
            flat[i] = r.choice(STRINGS)
            what.append("string input [%d] = %r" % (i, flat[i][:20]))
            return np.array(flat, dtype=object).reshape(a.shape)
        shape = list(a.shape)
        shape[0] = r.choice([0, 1, 3, 1000])
        what.append("string input shape %s" % shape)
        return np.array([r.choice(STRINGS[2:] + flat[:1]) for _ in range(int(np.prod(shape)))], dtype=object).reshape(shape)
    if np.issubdtype(a.dtype, np.integer):
        flat = a.reshape(-1)
        if flat.size:
            for _ in range(1 + r.randrange(2)):
                i = r.randrange(flat.size)
                v = r.choice(onnx_structured.INTS + SMALL)
                info = np.iinfo(a.dtype)
                flat[i] = max(info.min, min(info.max, v))
                what.append("int input [%d] = %d" % (i, flat[i]))
        return flat.reshape(a.shape)
    shape = list(a.shape)
    if not shape:
        v = r.choice([0.0, -1.0, 1e30, float("nan"), float("inf")])
        what.append("scalar = %r" % v)
        return np.array(v, dtype=a.dtype)
    axis = r.randrange(len(shape))
    shape[axis] = r.choice([0, 1, 2, 3, 7, 33])
    what.append("float input shape %s" % shape)
    rng = np.random.default_rng(r.randrange(1 << 30))
    return rng.standard_normal(shape).astype(a.dtype)


def main():
    out, n, seed, dirs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    r = random.Random(seed)
    seeds = []
    for d in dirs:
        inputs = sorted(glob.glob(os.path.join(d, "test_data_set_0", "input_*.pb")),
                        key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
        tensors = []
        for p in inputs:
            t = onnx.TensorProto()
            with open(p, "rb") as f:
                t.ParseFromString(f.read())
            tensors.append(t)
        try:
            [numpy_helper.to_array(t) for t in tensors]
        except (ValueError, TypeError):  # a sequence or optional input (node suite), not a TensorProto
            continue
        seeds.append((d, onnx.load(os.path.join(d, "model.onnx")), tensors))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "cases.txt"), "w") as log:
        for i in range(n):
            d, model, tensors = r.choice(seeds)
            m = onnx.ModelProto()
            m.CopyFrom(model)
            what = []
            arrays = [numpy_helper.to_array(t) for t in tensors]
            k = r.randrange(4)
            if k in (0, 2):
                j = r.randrange(len(arrays))
                arrays[j] = mutate_input(arrays[j], r, what)
            if k in (1, 2, 3):
                try:
                    what += onnx_structured.mutate(m, r)
                except (ValueError, TypeError, OverflowError) as e:
                    what.append("skipped: %s" % e)
            case = os.path.join(out, "c%04d" % i)
            os.makedirs(case, exist_ok=True)
            with open(os.path.join(case, "model.onnx"), "wb") as f:
                f.write(m.SerializeToString())
            for j, (a, t) in enumerate(zip(arrays, tensors)):
                with open(os.path.join(case, "input_%d.pb" % j), "wb") as f:
                    f.write(numpy_helper.from_array(a, t.name).SerializeToString())
            log.write("c%04d\t%s\t%s\n" % (i, os.path.basename(os.path.normpath(d)), "; ".join(what)))


if __name__ == "__main__":
    main()
