#!/bin/bash
# The fuzz campaign of docs/ROBUSTNESS.md ("Rerun, 2026-12-03 15:36"), time-boxed (each step under timeout), nice,
# one step at a time. Needs the CLI jar (mvn -B -DskipTests package -pl convnet4j-cli -am, copied to /tmp/i15) and
# /tmp/i15/pic.png (any small RGB picture); OTHER seeds are copies of fixtures with the suffix the loader goes by.
# Environment: SEED (default 22; the jvm steps use SEED+1), OUT (default /tmp/i15/fuzz), and the time boxes T_STRUCT,
# T_FILES, T_OTHER, T_ONNX, T_PTH, T_SERVE, T_JVM, T_PROG (defaults: those of the 15:36 run); STEPS, a space-separated list of
# the steps to run (struct files other onnx pth serve jvm prog pthstruct inputs; default all of them), e.g. STEPS="other onnx pth jvm" to
# finish the steps an earlier run cut; N_OTHER, N_ONNX, N_PTH, N_JVM, N_PROG: inputs per step (defaults 600, 1000, 600, 20, 500).
cd "$(dirname "$0")/../.."
SEED=${SEED:-22}
SEED2=$((SEED + 1))
mkdir -p /tmp/i15/seeds
cp convnet4j-io/src/test/resources/org/convnet4j/io/fuzz/ReaderFuzzTestInputs/checkpoint/valid /tmp/i15/seeds/valid.c4j
cp convnet4j-io/src/test/resources/fixtures/keras/{vgg16_notop.h5,resnet50_keras2.h5,torch_resnet18.safetensors,torch_vgg16.safetensors} /tmp/i15/seeds/
J="nice java --add-modules jdk.incubator.vector -Xss4m -Xmx1g -cp /tmp/i15/convnet4j.jar tools/fuzz/CliFuzz.java"
F=convnet4j-io/src/test/resources/fixtures
ONNX="$F/tensor_graph/tinymix_op11/model.onnx $F/tensor_graph/tinymix_op17/model.onnx $F/tensor_graph/tinyaffine_op11/model.onnx $F/tensor_graph/tinyaffine_op17/model.onnx $F/tensor_graph/tinymix_hw_op17/model.onnx"
PTH="$F/pth/vgg13_w32.pth $F/pth/vgg11_bn_w32.pth $F/pth/resnet18_legacy.pth $F/pth/resnet18_zip.pth $F/pth/googlenet_zip.pth $F/pth/dtypes_zip.pth $F/pth/dtypes_legacy.pth"
OTHER="/tmp/i15/seeds/valid.c4j /tmp/i15/seeds/vgg16_notop.h5 /tmp/i15/seeds/resnet50_keras2.h5 /tmp/i15/seeds/torch_resnet18.safetensors /tmp/i15/seeds/torch_vgg16.safetensors"
O=${OUT:-/tmp/i15/fuzz}
P=/tmp/i15/pic.png
STEPS=${STEPS:-struct files other onnx pth serve jvm prog pthstruct inputs}
on() { case " $STEPS " in *" $1 "*) return 0;; *) return 1;; esac; }
step() { local t=$1; shift; echo "=== $(date -u +%T) start $* (timeout $t)"; timeout $t "$@"; local rc=$?; echo "=== $(date -u +%T) end rc=$rc (124: cut by the time box) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
on struct && step ${T_STRUCT:-60} /usr/bin/python3 tools/fuzz/onnx_structured.py $O/onnx-struct-in 600 $SEED $ONNX
on files && step ${T_FILES:-9m} $J files $O/onnx-struct 0 0 $P $O/onnx-struct-in/*.onnx
on other && step ${T_OTHER:-7m} $J inproc $O/other ${N_OTHER:-600} $SEED $P $OTHER
on onnx && step ${T_ONNX:-6m} $J inproc $O/onnx ${N_ONNX:-1000} $SEED $P $ONNX
on pth && step ${T_PTH:-5m} $J inproc $O/pth ${N_PTH:-600} $SEED $P $PTH
on serve && step ${T_SERVE:-5m} $J serve $O/serve 600 $SEED $P
on jvm && step ${T_JVM:-3m} $J jvm $O/onnx-jvm ${N_JVM:-20} $SEED2 $P $ONNX
on jvm && step ${T_JVM:-3m} $J jvm $O/pth-jvm ${N_JVM:-20} $SEED2 $P $PTH
# ONNX programs run with their inputs (typed path, second stage) and pickle-level .pth mutations (2026-12-05)
PROG="$F/onnx_runtime_values/cast_comparison_maxpool $F/onnx_runtime_values/expand_computed_shape_conv $F/onnx_runtime_values/reshape_input_shape_conv $F/onnx_runtime_values/resize_computed_sizes $F/onnx_runtime_values/resize_sizes_input $F/typed_head $F/training_forms $F/second_stage_transfer"
on prog && step 60 /usr/bin/python3 tools/fuzz/onnx_programs.py $O/prog-in ${N_PROG:-500} $SEED $PROG
on prog && step ${T_PROG:-8m} $J infer $O/prog 0 0 - $O/prog-in/c*/
on prog && step ${T_PROG:-8m} $J infer $O/prog-bytes ${N_PROG:-500} $SEED2 - $O/prog-in/c*/
on pthstruct && step 60 /usr/bin/python3 tools/fuzz/pth_structured.py $O/pth-struct-in ${N_PTH:-600} $SEED $PTH
on pthstruct && step ${T_PTH:-5m} $J files $O/pth-struct 0 0 $P $O/pth-struct-in/*.pth
# infer's inputs mutated, the .json STRING tensors among them (2026-12-06): step "inputs"
on inputs && step 60 /usr/bin/python3 tools/fuzz/infer_input_cases.py $O/inputs-cases
on inputs && step ${T_INPUTS:-12m} $J inputs $O/inputs ${N_INPUTS:-800} $SEED - $O/inputs-cases/*/
echo "=== done $(date -u +%T)"
