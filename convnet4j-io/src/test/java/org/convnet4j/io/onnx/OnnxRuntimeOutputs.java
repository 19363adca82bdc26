package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.convnet4j.testsupport.OnnxRuntimeEvaluator;

/**
 * ONNX Runtime's outputs of a model as tools/fixtures/onnx_ort_eval.js writes them (every graph output, in the graph's
 * order; a ZipMap output as its keys and the [N, C] values of its maps), and their comparison with ours output by
 * output: the same shape, integers equal, floats within 1e-4 (relative beyond 1: ONNX Runtime computes in float32).
 */
final class OnnxRuntimeOutputs {
    /** One output: ONNX Runtime's type name ("float32", "int64", "seq(map)", ...), shape and values. */
    /** One output; a string tensor's values are in {@code strings} (its {@code values} are NaN). */
    record Output(String name, String type, long[] dims, double[] values, List<String> keys, List<String> strings) {
    }

    private OnnxRuntimeOutputs() {
    }

    static List<Output> parse(String json) {
        List<Output> out = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(json).getAsJsonArray()) {
            JsonObject o = e.getAsJsonObject();
            JsonArray d = o.getAsJsonArray("dims");
            long[] dims = new long[d.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = d.get(i).getAsLong();
            }
            JsonArray v = o.getAsJsonArray("data");
            double[] values = new double[v.size()];
            List<String> strings = o.get("type").getAsString().equals("string") ? new ArrayList<>() : null;
            for (int i = 0; i < values.length; i++) {
                if (strings != null) {
                    strings.add(v.get(i).getAsString());
                    values[i] = Double.NaN;
                    continue;
                }
                values[i] = v.get(i).isJsonNull() ? Double.NaN : v.get(i).getAsDouble();
            }
            List<String> keys = null;
            if (o.has("keys")) {
                keys = new ArrayList<>();
                for (JsonElement k : o.getAsJsonArray("keys")) {
                    keys.add(k.getAsString());
                }
            }
            out.add(new Output(o.get("name").getAsString(), o.get("type").getAsString(), dims, values, keys, strings));
        }
        return out;
    }

    /** Asserts that ours equal ONNX Runtime's, output by output; describes the comparison. */
    static String compare(String name, List<TensorData> ours, List<Output> runtime) {
        assertEquals(runtime.size(), ours.size(), name + ": the number of outputs");
        double worst = 0;
        long values = 0;
        for (int k = 0; k < runtime.size(); k++) {
            Output want = runtime.get(k);
            TensorData got = ours.get(k);
            String what = name + ", output " + k + " '" + want.name() + "' (" + want.type() + ")";
            assertArrayEquals(want.dims(), got.dims(), what + ": shape");
            if (want.keys() != null) {
                assertEquals(want.keys().size(), want.dims()[want.dims().length - 1], what + ": one key per column");
            }
            boolean integer = want.type().startsWith("int") || want.type().startsWith("uint");
            assertEquals(integer, got.isInteger(), what + ": integer type");
            for (int i = 0; i < want.values().length; i++) {
                double w = want.values()[i];
                double g = got.value(i);
                if (integer) {
                    assertEquals(w, g, 0, what + ", value " + i);
                } else {
                    worst = Math.max(worst, Math.abs(w - g));
                    assertEquals(w, g, 1e-4 * Math.max(1, Math.abs(w)), what + ", value " + i);
                }
            }
            values += want.values().length;
        }
        return String.format(" %d outputs, %d values, largest difference %.2e", runtime.size(), values, worst);
    }

    /** One file and every input it is fed, in the graph's order, for {@link #runPrograms}. */
    record ProgramJob(Path model, List<TensorData> inputs) {
    }

    /** ONNX Runtime's name of an ONNX element type that onnx_ort_eval.js feeds, or null. */
    static String ortType(int type) {
        return switch (type) {
            case OnnxModel.FLOAT -> "float32";
            case OnnxModel.DOUBLE -> "float64";
            case OnnxModel.INT64 -> "int64";
            case OnnxModel.INT32 -> "int32";
            case OnnxModel.INT16 -> "int16";
            case OnnxModel.INT8 -> "int8";
            case OnnxModel.UINT8 -> "uint8";
            case OnnxModel.UINT16 -> "uint16";
            case OnnxModel.UINT32 -> "uint32";
            case OnnxModel.BOOL -> "bool";
            default -> null;
        };
    }

    /**
     * ONNX Runtime run on each job's file with every input fed as its type (one node process for all, as
     * {@link #runAll}); null without {@code -Dconvnet4j.onnxruntime}. Per job, in order: its outputs, or null with
     * the runtime's message in {@code errors} (a job's failure does not stop the others).
     */
    static List<List<Output>> runPrograms(List<ProgramJob> jobs, Path tmp, List<String> errors)
            throws IOException, InterruptedException {
        String ort = OnnxRuntimeEvaluator.folder();
        if (ort == null) {
            return null;
        }
        com.google.gson.JsonArray list = new com.google.gson.JsonArray();
        List<Path> outs = new ArrayList<>();
        for (ProgramJob j : jobs) {
            Path out = Files.createTempFile(tmp, "ort-y", ".json");
            JsonArray inputs = new JsonArray();
            for (TensorData t : j.inputs()) {
                JsonObject spec = new JsonObject();
                spec.addProperty("type", ortType(t.dataType()));
                JsonArray dims = new JsonArray();
                for (long d : t.dims()) {
                    dims.add(d);
                }
                spec.add("dims", dims);
                JsonArray data = new JsonArray();
                for (int i = 0; i < (int) t.elementCount(); i++) {
                    if (t.isInteger()) {
                        data.add(t.longs()[i]);
                    } else if (Double.isFinite(t.value(i))) {
                        data.add(t.value(i));
                    } else { // JSON has no Infinity or NaN: as strings, which onnx_ort_eval.js turns into numbers
                        data.add(String.valueOf(t.value(i)));
                    }
                }
                spec.add("data", data);
                inputs.add(spec);
            }
            JsonObject o = new JsonObject();
            o.addProperty("model", j.model().toString());
            o.add("inputs", inputs);
            o.addProperty("output", out.toString());
            list.add(o);
            outs.add(out);
        }
        Path jobFile = Files.createTempFile(tmp, "ort-jobs", ".json");
        Files.writeString(jobFile, list.toString());
        Process p = OnnxRuntimeEvaluator.process(ort, "--batch", jobFile.toString()).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "onnx_ort_eval.js: " + log);
        List<List<Output>> results = new ArrayList<>();
        for (int k = 0; k < outs.size(); k++) {
            String json = Files.readString(outs.get(k));
            if (json.startsWith("{")) {
                errors.add(jobs.get(k).model().getFileName() + ": "
                        + JsonParser.parseString(json).getAsJsonObject().get("error").getAsString());
                results.add(null);
            } else {
                results.add(parse(json));
            }
        }
        return results;
    }

    /** One file and its rows for {@link #runAll}. */
    record Job(Path model, TensorData x) {
    }

    /**
     * ONNX Runtime run now on each job's file and rows (float32), all in one node process, with
     * {@code -Dconvnet4j.onnxruntime=DIR} (a folder where tools/onnx-runtime-install.sh put onnxruntime-node;
     * .ci/run gives it); null without it. The outputs in the jobs' order.
     */
    static List<List<Output>> runAll(List<Job> jobs, Path tmp) throws IOException, InterruptedException {
        String ort = OnnxRuntimeEvaluator.folder();
        if (ort == null) {
            return null;
        }
        com.google.gson.JsonArray list = new com.google.gson.JsonArray();
        List<Path> outs = new ArrayList<>();
        for (Job j : jobs) {
            Path in = Files.createTempFile(tmp, "ort-x", ".f32");
            Path out = Files.createTempFile(tmp, "ort-y", ".json");
            int n = (int) j.x().elementCount();
            ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                b.putFloat((float) j.x().value(i));
            }
            Files.write(in, b.array());
            StringBuilder dims = new StringBuilder();
            for (int k = 0; k < j.x().dims().length; k++) {
                dims.append(k == 0 ? "" : ",").append(j.x().dims()[k]);
            }
            JsonObject o = new JsonObject();
            o.addProperty("model", j.model().toString());
            o.addProperty("input", in.toString());
            o.addProperty("dims", dims.toString());
            o.addProperty("output", out.toString());
            list.add(o);
            outs.add(out);
        }
        Path jobFile = Files.createTempFile(tmp, "ort-jobs", ".json");
        Files.writeString(jobFile, list.toString());
        Process p = OnnxRuntimeEvaluator.process(ort, "--batch", jobFile.toString()).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "onnx_ort_eval.js: " + log);
        List<List<Output>> results = new ArrayList<>();
        for (Path out : outs) {
            results.add(parse(Files.readString(out)));
        }
        return results;
    }
}
