package org.convnet4j.io.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's "every CNN case of the ONNX test suites ... exports", for the node suite, case by case: every case the
 * node runner reproduces ({@link OnnxNodeTest}: its operators supported, not in onnx-node-exclusions.tsv) is imported
 * as the runner imports it, exported as a program ({@link OnnxExporter#export(OnnxProgram, Path)}: the float layers by
 * their ONNX forms, the typed path's nodes as the file had them), read back, imported with nothing bound and run
 * again: the outputs must be the reference's within the runner's tolerance ({@link ProgramRoundTrips}). A case whose
 * export is refused must be listed with its reason in onnx-node-export-exclusions.tsv, and a listed case that
 * exports fails the test, so the list stays true.
 */
class OnnxNodeSuiteExportTest {
    /** Cases exported and reproduced after the round trip when this was written (2026-12-06). */
    static final int MIN_EXPORTED = 558;

    @TempDir
    Path dir;

    @Test
    void everyReproducedNodeCaseExportsAndReproducesItsOutputsAfterTheRoundTrip() throws Exception {
        long cpu0 = ProgramRoundTrips.processCpuNanos();
        Assumptions.assumeTrue(Files.isDirectory(OnnxNodeTests.ROOT), "libonnx-testdata is not installed");
        Map<String, String> excluded = OnnxNodeTests.exclusions();
        Map<String, String> listed = OnnxNodeTests.exclusions("/onnx-node-export-exclusions.tsv");
        Map<String, String> notExported = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int exported = 0;
        Map<String, ProgramRoundTrips.Outcome> done = new TreeMap<>();
        for (Path d : OnnxNodeTests.supportedCases()) {
            String name = d.getFileName().toString();
            if (excluded.containsKey(name)) {
                continue;
            }
            ProgramRoundTrips.Outcome o = ProgramRoundTrips.roundTrip(name, d, dir.resolve(name + ".onnx"), false);
            if (o.exported()) {
                exported++;
                done.put(name, o);
            } else if (o.failed()) {
                failures.add(name + ": " + o.reason().substring(5));
            } else {
                notExported.put(name, o.reason());
            }
        }
        StringBuilder report = new StringBuilder();
        notExported.forEach((k, v) -> report.append(k).append('\t').append(v).append('\n'));
        Files.writeString(Path.of("target", "onnx-node-export-left-out.tsv"), report);
        System.out.println("ONNX node suite export (" + (ProgramRoundTrips.processCpuNanos() - cpu0) / 1_000_000
                + " ms of JVM CPU): " + exported + " cases reproduce their outputs after export and"
                + " re-import; " + notExported.size() + " not exported (target/onnx-node-export-left-out.tsv), "
                + failures.size() + " failed");
        List<String> skipped = new ArrayList<>();
        long wall0 = System.nanoTime();
        // ONNX Runtime on all 558 files takes ~10 s of a quiet host (a session each): on request only
        // (-Dconvnet4j.onnx.nodeExportRuntime=true); the pytorch suites' exports are run by it in every build
        Integer byRuntime = Boolean.getBoolean("convnet4j.onnx.nodeExportRuntime")
                ? ProgramRoundTrips.onnxRuntime(done, dir, failures, skipped) : null;
        System.out.println("ONNX Runtime on the exported node cases (" + (System.nanoTime() - wall0) / 1_000_000 + " ms): " + (byRuntime == null ? "not run (it runs with"
                + " -Dconvnet4j.onnxruntime=DIR -Dconvnet4j.onnx.nodeExportRuntime=true)" : byRuntime + " reproduce the reference, " + skipped.size()
                + " not run by it: " + skipped));
        assertTrue(failures.isEmpty(), failures.size() + " failed:\n" + String.join("\n", failures));
        assertEquals(listed.keySet(), notExported.keySet(), "the cases not exported must be those listed in"
                + " onnx-node-export-exclusions.tsv; not exported now: " + notExported);
        assertTrue(exported >= MIN_EXPORTED, exported + " exported, at least " + MIN_EXPORTED + " expected");
    }
}
