package org.convnet4j.io.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The node suite read and imported once per test JVM (surefire runs a module's test classes in one): the three tests
 * that go through every case ({@link OnnxNodeTest}, {@link OnnxNodeSuiteExportTest}, {@link OnnxNodeSuiteTrainingTest})
 * each read the 932 models, checked them, read the 558 cases' data and imported each case as the runner does; here
 * that is done by whichever comes first and kept for the others.
 *
 * <p>A program is shared only while nobody has trained it: inference ({@link OnnxProgram#run}) and export leave it as
 * imported, but a training pass moves batch norms' running statistics and accumulates gradients, so
 * {@link #takeProgram} hands the program over and drops it, and a later user imports the case again. Whatever the order
 * of the test classes, each sees the program the importer gives. Cases of other folders (the pytorch suites, the
 * extra cases of OnnxExtraNodeTest) are read and imported on each call: one test goes through the pytorch suites, and
 * the 17 extra cases are small.
 */
final class OnnxNodeSuite {
    private static List<Path> supported;
    private static Map<String, String> leftOut;
    private static final Map<Path, OnnxNodeTests.Prepared> PREPARED = new HashMap<>();
    private static final Map<Path, OnnxProgram> PROGRAMS = new HashMap<>();

    private OnnxNodeSuite() {
    }

    /** {@link OnnxNodeTests#supportedCases(Map)}, read once; every case left out is put in {@code into}. */
    static synchronized List<Path> supportedCases(Map<String, String> into) throws IOException {
        if (supported == null) {
            Map<String, String> out = new TreeMap<>();
            supported = List.copyOf(OnnxNodeTests.supportedCases(out));
            leftOut = Map.copyOf(out);
        }
        into.putAll(leftOut);
        return supported;
    }

    /**
     * The suite's supported cases ({@link #supportedCases}), then the extra cases of {@link OnnxNodeTests#EXTRA}: what
     * the export and training tests go through.
     */
    static List<Path> casesWithExtra() throws IOException {
        List<Path> all = new java.util.ArrayList<>(supportedCases(new TreeMap<>()));
        all.addAll(OnnxNodeTests.extraCases());
        return all;
    }

    /** {@link OnnxNodeTests#prepare}, read once. */
    static synchronized OnnxNodeTests.Prepared prepared(Path dir) throws IOException {
        OnnxNodeTests.Prepared c = PREPARED.get(dir);
        if (c == null) {
            c = OnnxNodeTests.prepare(dir);
            if (dir.startsWith(OnnxNodeTests.ROOT)) {
                PREPARED.put(dir, c);
            }
        }
        return c;
    }

    /**
     * The case imported as the runner imports it (its inputs bound as {@link OnnxNodeTests#prepare} binds them), shared
     * by the users that only run and export it; an import that throws is not kept (each caller sees the exception).
     */
    static synchronized OnnxProgram program(Path dir) throws IOException {
        OnnxProgram p = PROGRAMS.get(dir);
        if (p == null) {
            p = imported(dir);
            if (dir.startsWith(OnnxNodeTests.ROOT)) {
                PROGRAMS.put(dir, p);
            }
        }
        return p;
    }

    /** As {@link #program}, for a user that trains it: no longer shared (the next user imports the case again). */
    static synchronized OnnxProgram takeProgram(Path dir) throws IOException {
        OnnxProgram p = PROGRAMS.remove(dir);
        return p != null ? p : imported(dir);
    }

    private static OnnxProgram imported(Path dir) throws IOException {
        OnnxNodeTests.Prepared c = prepared(dir);
        return OnnxImporter.importProgram(c.model(), dir.getFileName().toString(), c.bound());
    }
}
