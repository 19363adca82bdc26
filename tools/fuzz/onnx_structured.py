#!/usr/bin/python3
"""Structure-aware mutations of ONNX tensor-graph models (issue 15's fuzz round over the tensor-graph importer).

Byte mutations mostly break the protobuf encoding and stop in the reader; these keep the file valid protobuf and
change what the importer folds and builds: the values of Constant nodes and integer initializers (shapes, axes,
slice bounds, repeats: set to 0, -1, huge, 2^31, 2^62), integer attributes (axis, perm, axes, kernel_shape,
strides, pads, group), op types swapped for other tensor operators (Expand, Tile, ConstantOfShape, Range, Pad,
Resize, Reshape, Gather, Slice, Concat, Squeeze, Unsqueeze, Transpose, Where, Equal), inputs dropped, duplicated
or rewired, graph-input dimensions. Writes N files MUT_DIR/s<seed>-<i>.onnx.

    /usr/bin/python3 tools/fuzz/onnx_structured.py OUT_DIR N SEED MODEL.onnx...
"""
import random
import sys

import numpy as np
import onnx
from onnx import numpy_helper

INTS = [0, 1, -1, 2, 3, 7, -2, 1 << 16, 1 << 20, 1 << 31, (1 << 31) - 1, -(1 << 31), 1 << 40, (1 << 62), -(1 << 62)]
OPS = ["Expand", "Tile", "ConstantOfShape", "Range", "Pad", "Resize", "Reshape", "Gather", "Slice", "Concat",
       "Squeeze", "Unsqueeze", "Transpose", "Where", "Equal", "Shape", "Size", "Flatten", "Split", "ReduceSum",
       "TopK", "OneHot", "NonZero", "CumSum", "Einsum", "GatherElements", "ScatterND", "Mod", "Max"]


def mutate_tensor(t, r):
    a = numpy_helper.to_array(t).copy()
    if a.size == 0:
        return t
    if np.issubdtype(a.dtype, np.integer):
        flat = a.reshape(-1)
        for _ in range(1 + r.randrange(2)):
            v = r.choice(INTS)
            info = np.iinfo(a.dtype)
            flat[r.randrange(flat.size)] = max(info.min, min(info.max, v))
        a = flat.reshape(a.shape)
    else:
        flat = a.reshape(-1).astype(np.float64)
        flat[r.randrange(flat.size)] = r.choice([0.0, -1.0, 1e30, -1e30, float("inf"), float("nan"), 1e-45])
        a = flat.astype(a.dtype).reshape(a.shape)
    n = numpy_helper.from_array(a, t.name)
    return n


def mutate(model, r):
    g = model.graph
    what = []
    for _ in range(1 + r.randrange(3)):
        k = r.randrange(7)
        nodes = list(g.node)
        if k == 0:  # a Constant node's value
            consts = [n for n in nodes if n.op_type == "Constant" and any(a.name == "value" for a in n.attribute)]
            if consts:
                n = r.choice(consts)
                for a in n.attribute:
                    if a.name == "value":
                        a.t.CopyFrom(mutate_tensor(a.t, r))
                what.append("const " + n.name)
        elif k == 1 and len(g.initializer):  # an initializer's value (weights, shapes)
            i = r.randrange(len(g.initializer))
            g.initializer[i].CopyFrom(mutate_tensor(g.initializer[i], r))
            what.append("init " + g.initializer[i].name)
        elif k == 2:  # an integer attribute
            cands = [(n, a) for n in nodes for a in n.attribute if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)]
            if cands:
                n, a = r.choice(cands)
                if a.type == onnx.AttributeProto.INT:
                    a.i = r.choice(INTS)
                elif len(a.ints):
                    a.ints[r.randrange(len(a.ints))] = r.choice(INTS)
                else:
                    a.ints.append(r.choice(INTS))
                what.append("attr %s.%s" % (n.op_type, a.name))
        elif k == 3 and nodes:  # op type swapped
            n = r.choice(nodes)
            old = n.op_type
            n.op_type = r.choice(OPS)
            what.append("op %s->%s" % (old, n.op_type))
        elif k == 4 and nodes:  # inputs dropped, duplicated or rewired
            n = r.choice(nodes)
            names = [x for m in nodes for x in m.output] + [i.name for i in g.input] + [i.name for i in g.initializer]
            choice = r.randrange(3)
            if choice == 0 and len(n.input):
                del n.input[r.randrange(len(n.input))]
            elif choice == 1 and len(n.input):
                n.input.append(n.input[r.randrange(len(n.input))])
            elif len(n.input):
                n.input[r.randrange(len(n.input))] = r.choice(names)
            what.append("inputs of " + n.op_type)
        elif k == 5:  # a graph input dimension
            inp = g.input[0].type.tensor_type.shape.dim
            if len(inp):
                d = inp[r.randrange(len(inp))]
                v = r.choice([0, 1, 3, 1 << 20, 1 << 31, -5])
                d.dim_value = v
            what.append("input dims")
        else:  # a node removed
            if nodes:
                i = r.randrange(len(nodes))
                what.append("drop " + g.node[i].op_type)
                del g.node[i]
    return what


def main():
    out, n, seed, models = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    r = random.Random(seed)
    seeds = [onnx.load(m) for m in models]
    import os
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "mutations.txt"), "w") as log:
        for i in range(n):
            m = onnx.ModelProto()
            m.CopyFrom(r.choice(seeds))
            try:
                what = mutate(m, r)
            except (ValueError, TypeError, OverflowError) as e:
                what = ["skipped: %s" % e]
            name = "s%d-%04d.onnx" % (seed, i)
            with open(os.path.join(out, name), "wb") as f:
                f.write(m.SerializeToString())
            log.write("%s\t%s\n" % (name, "; ".join(what)))


if __name__ == "__main__":
    main()
