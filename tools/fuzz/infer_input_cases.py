#!/usr/bin/python3
"""Cases for CliFuzz's `inputs` mode (issue 15, 2026-12-06): a folder per model with model.onnx and its inputs
input_J.json (STRING tensors, as {"datatype": "BYTES", ...}) or input_J.pb (the others), from the fixtures:
the onnx_ml_strings models (s_*), the sklearn-onnx models with inputs (k_*), and the ONNX programs of
onnx_runtime_values, typed_head, torch_argmin, torch_round_compare, training_forms, second_stage_transfer (o_*).

    /usr/bin/python3 tools/fuzz/infer_input_cases.py OUT_DIR
"""
import glob
import json
import os
import shutil
import sys

import onnx
from onnx import numpy_helper

F = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "convnet4j-io", "src", "test", "resources",
                 "fixtures")


def case(out, name, model, inputs):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    shutil.copy(model, os.path.join(d, "model.onnx"))
    for j, p in enumerate(inputs):
        t = onnx.TensorProto()
        with open(p, "rb") as f:
            t.ParseFromString(f.read())
        if t.data_type == onnx.TensorProto.STRING:
            a = numpy_helper.to_array(t)
            data = [x.decode("utf-8") if isinstance(x, bytes) else str(x) for x in a.flatten().tolist()]
            with open(os.path.join(d, "input_%d.json" % j), "w") as f:
                json.dump({"datatype": "BYTES", "shape": list(a.shape), "data": data}, f)
        else:
            shutil.copy(p, os.path.join(d, "input_%d.pb" % j))


def main():
    out = sys.argv[1]
    for n in ["one_hot_strings", "one_hot_classifier", "label_encoder_v2", "label_encoder_v4", "argmax_label_encoder",
              "mlp_label_only"]:
        case(out, "s_" + n, os.path.join(F, "onnx_ml_strings", n, "model.onnx"),
             [os.path.join(F, "onnx_ml_strings", n, "input_0.pb")])
    for p in sorted(glob.glob(os.path.join(F, "onnx_ml_sklearn", "*", "input_0.pb"))):
        d = os.path.dirname(p)
        if not os.path.basename(d).startswith("bad_"):
            case(out, "k_" + os.path.basename(d), os.path.join(d, "model.onnx"),
                 sorted(glob.glob(os.path.join(d, "input_*.pb"))))
    sets = []
    for pattern in ["onnx_runtime_values/*/test_data_set_0", "typed_head/test_data_set_0", "torch_*/op*/test_data_set_0",
                    "training_forms/*/test_data_set_0", "second_stage_transfer/test_data_set_0"]:
        sets += sorted(glob.glob(os.path.join(F, pattern)))
    for s in sets:
        m = os.path.dirname(s)
        if os.path.exists(os.path.join(m, "model.onnx")):
            case(out, "o_" + os.path.relpath(m, F).replace("/", "_"), os.path.join(m, "model.onnx"),
                 sorted(glob.glob(os.path.join(s, "input_*.pb"))))
    print(len(os.listdir(out)), "cases in", out)


if __name__ == "__main__":
    main()
