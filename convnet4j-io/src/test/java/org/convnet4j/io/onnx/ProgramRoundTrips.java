package org.convnet4j.io.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The export round trip of a test case as an imported program ({@link OnnxImporter#importProgram}): imported as the
 * node runner imports it, run on the case's inputs, written by {@link OnnxExporter#export(OnnxProgram, Path)}, read
 * back and imported again with nothing bound (what was bound is an initializer of the file now), run again; both runs
 * must reproduce the case's outputs within the runner's tolerance, and no written node may keep an attribute that
 * opset 17 no longer has.
 */
final class ProgramRoundTrips {
    private ProgramRoundTrips() {
    }

    /**
     * What happened: {@code reason} null when exported and reproduced after the round trip, "FAIL ..." for a wrong
     * value or a file that does not import again, else why it was not exported (one line); {@code bound} how many
     * inputs were bound as constants (the node runner's rule) rather than fed.
     */
    record Outcome(String reason, int bound, Path file, List<TensorData> feed, List<TensorData> want) {
        Outcome(String reason, int bound) {
            this(reason, bound, null, null, null);
        }

        boolean exported() {
            return reason == null;
        }

        boolean failed() {
            return reason != null && reason.startsWith("FAIL ");
        }
    }

    /** A case's program and what it is fed; {@code bound}: how many inputs are bound as constants. */
    record Imported(OnnxProgram program, List<TensorData> feed, int bound) {
    }

    /**
     * Case {@code c} imported: with {@code allFed}, every input fed at run time (none bound: the program a user gets
     * from {@code importProgram(model, name)}) where that reproduces the outputs; else as the node runner binds them.
     */
    static Imported imported(String name, OnnxNodeTests.Prepared c, boolean allFed) {
        if (allFed && !c.bound().isEmpty()) {
            try {
                OnnxProgram unbound = OnnxImporter.importProgram(c.model(), name);
                if (OnnxNodeTests.mismatch(c.want(), unbound.run(c.all())) == null) {
                    return new Imported(unbound, c.all(), 0);
                }
            } catch (RuntimeException e) {
                // refused or failed with every input fed: the runner's binding below
            }
        }
        return new Imported(OnnxImporter.importProgram(c.model(), name, c.bound()), c.feed(), c.bound().size());
    }

    /**
     * The round trip of case {@code dir}, written to {@code file}. With {@code allFed}, every input is first tried
     * fed at run time (none bound: the program a user gets from {@code importProgram(model, name)}); where that does
     * not reproduce the outputs, the node runner's binding is used.
     */
    static Outcome roundTrip(String name, Path dir, Path file, boolean allFed) throws Exception {
        OnnxNodeTests.Prepared c = OnnxNodeSuite.prepared(dir);
        Imported im;
        try {
            // else as the runner imports it: a node suite case's program is shared with the other tests (run and export
            // leave it as imported)
            im = allFed ? imported(name, c, true) : new Imported(OnnxNodeSuite.program(dir), c.feed(), c.bound().size());
            String first = OnnxNodeTests.mismatch(c.want(), im.program().run(im.feed()));
            if (first != null) {
                return new Outcome("as imported: " + first, im.bound());
            }
        } catch (RuntimeException e) {
            return new Outcome("as imported: " + oneLine(e), c.bound().size());
        }
        OnnxProgram p = im.program();
        List<TensorData> feed = im.feed();
        int bound = im.bound();
        try {
            OnnxExporter.export(p, file);
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            return new Outcome("export: " + oneLine(e), bound);
        }
        OnnxModel.Model back = OnnxReader.readModel(file);
        for (OnnxModel.Node n : back.graph().nodes()) {
            for (String legacy : OnnxPytorchSuitesExportTest.legacyAttributes(n)) {
                if (n.attributes().containsKey(legacy)) {
                    return new Outcome("FAIL the export's " + n.opType() + " node '" + n.name()
                            + "' has the legacy attribute " + legacy, bound);
                }
            }
        }
        if (back.defaultOpset() != OnnxExporter.OPSET) {
            return new Outcome("FAIL the export declares opset " + back.defaultOpset(), bound);
        }
        try {
            OnnxProgram again = OnnxImporter.importProgram(back, name + " (exported)");
            String second = OnnxNodeTests.mismatch(c.want(), again.run(feed));
            return second == null ? new Outcome(null, bound, file, feed, c.want())
                    : new Outcome("FAIL after the round trip: " + second, bound);
        } catch (RuntimeException e) {
            return new Outcome("FAIL the export does not run again: " + oneLine(e), bound);
        }
    }

    /**
     * Node cases as written, for {@link #onnxRuntime}: each case's own model.onnx copied into {@code tmp} under the
     * case's name (the runtime's messages name the file), every input fed (weights too: ONNX Runtime takes them at
     * run time), the case's expected outputs.
     */
    static Map<String, Outcome> caseFiles(List<Path> dirs, Path tmp) throws java.io.IOException {
        Map<String, Outcome> files = new java.util.TreeMap<>();
        for (Path d : dirs) {
            OnnxNodeTests.Prepared c = OnnxNodeTests.prepare(d);
            String name = d.getFileName().toString();
            Path file = java.nio.file.Files.copy(d.resolve("model.onnx"), tmp.resolve(name + ".onnx"));
            files.put(name, new Outcome(null, 0, file, c.all(), c.want()));
        }
        return files;
    }

    /**
     * ONNX Runtime on every exported file of {@code done} (one node process), its outputs against the case's reference
     * within the runner's tolerance: null without -Dconvnet4j.onnxruntime, else the number of files compared; every
     * file ONNX Runtime refuses or gets wrong is added to {@code failures}. Files fed a type onnx_ort_eval.js has no
     * array for (FLOAT16, BFLOAT16, STRING), and files with an operator ONNX Runtime has no kernel for (its message),
     * are added to {@code skipped}.
     */
    static Integer onnxRuntime(Map<String, Outcome> done, Path tmp, List<String> failures, List<String> skipped)
            throws Exception {
        List<String> names = new ArrayList<>();
        List<OnnxRuntimeOutputs.ProgramJob> jobs = new ArrayList<>();
        done.forEach((name, o) -> {
            if (o.feed().stream().allMatch(t -> OnnxRuntimeOutputs.ortType(t.dataType()) != null)) {
                names.add(name);
                jobs.add(new OnnxRuntimeOutputs.ProgramJob(o.file(), o.feed()));
            } else {
                skipped.add(name + ": an input type onnx_ort_eval.js does not feed");
            }
        });
        List<String> errors = new ArrayList<>();
        List<List<OnnxRuntimeOutputs.Output>> got = OnnxRuntimeOutputs.runPrograms(jobs, tmp, errors);
        if (got == null) {
            return null;
        }
        for (String e : errors) {
            // a kernel ONNX Runtime lacks (Max of INT16, Pow with a UINT32 exponent): the file is valid, the runtime cannot
            // run it; listed with the runtime's message, not counted as run
            (e.contains("Could not find an implementation") ? skipped : failures).add(e);
        }
        for (int k = 0; k < got.size(); k++) {
            if (got.get(k) == null) {
                continue;
            }
            List<TensorData> ort = new ArrayList<>();
            for (OnnxRuntimeOutputs.Output o : got.get(k)) {
                ort.add(asTensor(o));
            }
            String wrong = OnnxNodeTests.mismatch(done.get(names.get(k)).want(), ort);
            if (wrong != null) {
                failures.add(names.get(k) + " (ONNX Runtime): " + wrong);
            }
        }
        return got.size() - (int) skipped.stream().filter(s -> s.contains("Could not find an implementation")).count();
    }

    /** ONNX Runtime's output as a tensor of its ONNX element type. */
    private static TensorData asTensor(OnnxRuntimeOutputs.Output o) {
        int type = switch (o.type()) {
            case "float64" -> OnnxModel.DOUBLE;
            case "int64" -> OnnxModel.INT64;
            case "int32" -> OnnxModel.INT32;
            case "int16" -> OnnxModel.INT16;
            case "int8" -> OnnxModel.INT8;
            case "uint8" -> OnnxModel.UINT8;
            case "uint16" -> OnnxModel.UINT16;
            case "uint32" -> OnnxModel.UINT32;
            case "uint64" -> OnnxModel.UINT64;
            case "bool" -> OnnxModel.BOOL;
            case "float16" -> OnnxModel.FLOAT16;
            default -> OnnxModel.FLOAT;
        };
        double[] v = o.values();
        float[] f = new float[v.length];
        long[] l = type == OnnxModel.FLOAT || type == OnnxModel.DOUBLE || type == OnnxModel.FLOAT16 ? null : new long[v.length];
        for (int i = 0; i < v.length; i++) {
            // onnxruntime-node gives FLOAT16 data as its 16-bit patterns
            f[i] = type == OnnxModel.FLOAT16 ? HalfFloats.halfToFloat((int) v[i]) : (float) v[i];
            if (l != null) {
                l[i] = (long) v[i];
            }
        }
        return new TensorData(o.name(), type, o.dims(), f, l);
    }

    /** CPU time of this JVM so far (every thread), for the tests' cost lines. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    static String oneLine(Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replaceAll("\\s+", " ");
    }
}
